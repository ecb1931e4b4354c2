"""Static values of expressions: ints, strings and dicts that code spells out or names once.

tokenfix never runs the code it reads, so a value is known only when the source states it:
a literal, simple arithmetic on literals, a name assigned exactly once (module or function
constant, found through the scope analysis of scopes.py), or the default of `os.getenv`. Anything
else is unknown, and unknown values are left alone.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Callable, Optional

import libcst as cst

from .scopes import Assignment, Builtin
from .targets import UNKNOWN_PART

_MAX_DEPTH = 12

_INT_OPS: dict[type, Callable[[int, int], int]] = {
    cst.Multiply: operator.mul,
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.FloorDivide: operator.floordiv,
    cst.LeftShift: operator.lshift,
    cst.Power: operator.pow,
}

_BRANCHES = (cst.If, cst.Else, cst.Try, cst.ExceptHandler, cst.For, cst.While, cst.Match, cst.MatchCase, cst.IfExp)

_GETENV = {"os.getenv", "os.environ.get", "os.environ.setdefault"}


@dataclass
class IntValue:
    """An int and where it is written: the node a fix replaces, and who else shares it."""

    value: int
    node: cst.BaseExpression  # the expression at the use site
    definition: Optional[cst.BaseExpression] = None  # the constant's value expression, if named
    definition_name: str = ""
    uses: int = 1  # how many places read the constant


@dataclass
class StrValue:
    value: str
    evidence: list = field(default_factory=list)  # (node, text) pairs: how the value was found
    fallback: bool = False  # only the fallback of an `or` chain: other values are likely

    @property
    def complete(self) -> bool:
        return UNKNOWN_PART not in self.value


@dataclass
class DictEntry:
    """One key of a dict that code builds: a literal element or a `d["key"] = value` statement."""

    key: str
    key_node: cst.BaseExpression  # the string node that carries the key
    value: cst.BaseExpression
    owner: cst.CSTNode  # the DictElement / Assign that a diagnostic points at
    conditional: bool = False  # set in a branch the dict's creation is not in (`if reasoning: d["k"] = v`)


@dataclass
class DictValue:
    entries: list[DictEntry]
    literal: Optional[cst.Dict]  # the dict literal, when there is exactly one
    complete: bool  # False when the dict also takes keys we cannot see (**spread, .update())


class Resolver:
    """Answers value questions for one module, using the metadata of the visitor that owns it."""

    def __init__(self, visitor):
        self._v = visitor

    # -- metadata helpers ------------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self._v.parents.get(id(node))

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """The dotted names a name or attribute stands for (`openai.OpenAI`), from scopes.py."""
        scopes = self._v.scopes
        return scopes.qualified_names(node) if scopes is not None else set()

    def line(self, node: cst.CSTNode) -> int:
        pos = self._v.layout.positions.get(node)
        return pos.start.line if pos else 0

    def assignments(self, name: cst.Name) -> list[Assignment]:
        """Every assignment a name may refer to at this point."""
        scopes = self._v.scopes
        return scopes.assignments(name) if scopes is not None else []

    def single_assignment(self, name: cst.Name) -> Optional[Assignment]:
        """The one assignment a name refers to, or None if there are several or none."""
        referents = self.assignments(name)
        if len(referents) != 1:
            return None
        return None if isinstance(referents[0], Builtin) else referents[0]

    def assigned_value(self, name: cst.Name) -> Optional[tuple[cst.BaseExpression, Assignment]]:
        """The right-hand side of `name = value` when that is the name's only assignment."""
        assignment = self.single_assignment(name)
        if assignment is None or not isinstance(assignment.node, cst.Name):
            return None
        target_parent = self.parent(assignment.node)
        if isinstance(target_parent, cst.AssignTarget):
            statement = self.parent(target_parent)
            if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                return statement.value, assignment
        elif isinstance(target_parent, cst.AnnAssign) and target_parent.value is not None:
            return target_parent.value, assignment
        elif isinstance(target_parent, cst.WithItem) or isinstance(target_parent, cst.AsName):
            return None
        return None

    # -- ints ------------------------------------------------------------------------------
    def int_value(self, expr: cst.BaseExpression) -> Optional[IntValue]:
        if isinstance(expr, cst.Name):
            found = self.assigned_value(expr)
            if found is None:
                return None
            value_expr, assignment = found
            value = self._int(value_expr, 0)
            if value is None:
                return None
            return IntValue(value, expr, definition=value_expr, definition_name=expr.value, uses=len(assignment.references))
        value = self._int(expr, 0)
        return IntValue(value, expr) if value is not None else None

    def _int(self, expr: cst.BaseExpression, depth: int) -> Optional[int]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Integer):
            try:
                return int(expr.value.replace("_", ""), 0)
            except ValueError:
                return None
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner = self._int(expr.expression, depth + 1)
            return -inner if inner is not None else None
        if isinstance(expr, cst.BinaryOperation):
            op = _INT_OPS.get(type(expr.operator))
            if op is None:
                return None
            left = self._int(expr.left, depth + 1)
            right = self._int(expr.right, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(expr.operator, (cst.Power, cst.LeftShift)) and (right > 64 or right < 0):
                return None
            if isinstance(expr.operator, cst.FloorDivide) and right == 0:
                return None
            return op(left, right)
        if isinstance(expr, cst.Name):
            found = self.assigned_value(expr)
            return self._int(found[0], depth + 1) if found else None
        if isinstance(expr, cst.Call) and self._is_int_call(expr) and len(expr.args) == 1:
            return self._int(expr.args[0].value, depth + 1)
        return None

    def _is_int_call(self, call: cst.Call) -> bool:
        return "builtins.int" in self.qualified_names(call.func)

    # -- strings ---------------------------------------------------------------------------
    def str_value(self, expr: Optional[cst.BaseExpression], depth: int = 0) -> Optional[StrValue]:
        """A string, possibly partial: unresolved f-string fields become UNKNOWN_PART."""
        if expr is None or depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.SimpleString):
            value = expr.evaluated_value
            return StrValue(value if isinstance(value, str) else value.decode("latin-1"))
        if isinstance(expr, cst.ConcatenatedString):
            left = self.str_value(expr.left, depth + 1)
            right = self.str_value(expr.right, depth + 1)
            if left is None or right is None:
                return None
            return StrValue(left.value + right.value, left.evidence + right.evidence)
        if isinstance(expr, cst.FormattedString):
            pieces, evidence = [], []
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringText):
                    pieces.append(part.value)
                elif isinstance(part, cst.FormattedStringExpression):
                    inner = self.str_value(part.expression, depth + 1) if part.format_spec is None and part.conversion is None else None
                    if inner is None:
                        pieces.append(UNKNOWN_PART)
                    else:
                        pieces.append(inner.value)
                        evidence += inner.evidence
            return StrValue("".join(pieces), evidence)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            left = self.str_value(expr.left, depth + 1)
            right = self.str_value(expr.right, depth + 1)
            if left is None and right is None:
                return None
            left = left or StrValue(UNKNOWN_PART)
            right = right or StrValue(UNKNOWN_PART)
            return StrValue(left.value + right.value, left.evidence + right.evidence)
        if isinstance(expr, cst.Name):
            found = self.assigned_value(expr)
            if found is None:
                return None
            inner = self.str_value(found[0], depth + 1)
            if inner is None:
                return None
            return StrValue(inner.value, [(found[0], f"{expr.value} = {inner.value!r}")] + inner.evidence, inner.fallback)
        if isinstance(expr, cst.Call):
            return self._getenv_default(expr, depth)
        if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
            # `cfg.url or os.getenv("X") or "https://..."`: the literal is the code's default.
            right = self.str_value(expr.right, depth + 1)
            if right is not None and right.complete and right.value:
                left = self.str_value(expr.left, depth + 1)
                if left is not None and left.complete and left.value:
                    return left
                return StrValue(right.value, [(expr, f"falls back to {right.value!r}")] + right.evidence, fallback=True)
            return None
        return None

    def _getenv_default(self, call: cst.Call, depth: int) -> Optional[StrValue]:
        if not (self.qualified_names(call.func) & _GETENV):
            return None
        positional = [a for a in call.args if a.keyword is None and a.star == ""]
        default = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "default"), None)
        if default is None and len(positional) >= 2:
            default = positional[1].value
        var = self.str_value(positional[0].value, depth + 1) if positional else None
        value = self.str_value(default, depth + 1)
        if value is None:
            return None
        var_name = var.value if var else "?"
        return StrValue(value.value, [(call, f"environment variable {var_name} defaults to {value.value!r}")] + value.evidence)

    # -- dicts -----------------------------------------------------------------------------
    def dict_value(self, expr: cst.BaseExpression, depth: int = 0) -> Optional[DictValue]:
        """A dict literal, or a name bound once to one plus `name["k"] = v` in the same scope."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Dict):
            return self._dict_literal(expr, depth)
        if isinstance(expr, cst.Call) and "builtins.dict" in self.qualified_names(expr.func):
            entries = []
            complete = True
            for arg in expr.args:
                if arg.keyword is not None:
                    entries.append(DictEntry(arg.keyword.value, arg.keyword, arg.value, arg))
                else:
                    complete = False
            return DictValue(entries, None, complete)
        if isinstance(expr, cst.Name):
            found = self.assigned_value(expr)
            if found is None:
                return None
            value_expr, assignment = found
            base = self.dict_value(value_expr, depth + 1)
            if base is None:
                return None
            entries = list(base.entries)
            complete = base.complete
            for ref in assignment.references:
                node = ref.node
                parent = self.parent(node)
                if isinstance(parent, cst.Subscript) and parent.value is node:
                    key = self._subscript_key(parent)
                    holder = self.parent(parent)
                    statement = self.parent(holder) if isinstance(holder, cst.AssignTarget) else None
                    if key is not None and isinstance(statement, cst.Assign):
                        conditional = bool(self._branches(statement) - self._branches(value_expr))
                        entries.append(DictEntry(key[0], key[1], statement.value, statement, conditional))
                    elif isinstance(holder, (cst.AssignTarget, cst.AugAssign)):
                        complete = False
                elif isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value in ("update", "setdefault", "__setitem__"):
                    complete = False
            return DictValue(entries, base.literal, complete)
        return None

    def config_value(self, expr: cst.BaseExpression) -> Optional[DictValue]:
        """A dict, or a config object built with keywords (`types.GenerateContentConfig(...)`)."""
        if isinstance(expr, cst.Name):
            found = self.assigned_value(expr)
            if found is not None and isinstance(found[0], cst.Call):
                expr = found[0]
        if isinstance(expr, cst.Call) and isinstance(expr.func, (cst.Name, cst.Attribute)):
            name = expr.func.value if isinstance(expr.func, cst.Name) else expr.func.attr.value
            if name.endswith(("Config", "Options")):
                entries = [DictEntry(a.keyword.value, a.keyword, a.value, a) for a in expr.args if a.keyword is not None]
                complete = True
                for arg in expr.args:
                    if arg.keyword is None:
                        spread = self.dict_value(arg.value) if arg.star == "**" else None
                        complete = complete and spread is not None and spread.complete
                        entries.extend(spread.entries if spread else ())
                return DictValue(entries, None, complete)
        return self.dict_value(expr)

    def _branches(self, node: cst.CSTNode) -> set[int]:
        """The conditional blocks (if/else, try, loops, match) around a node, up to its function."""
        found: set[int] = set()
        current = self.parent(node)
        while current is not None and not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Module, cst.Lambda)):
            if isinstance(current, _BRANCHES):
                found.add(id(current))
            current = self.parent(current)
        return found

    def _dict_literal(self, node: cst.Dict, depth: int) -> DictValue:
        entries = []
        complete = True
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                # Only string literals: a key held in a variable cannot be renamed in place.
                key = element.key.evaluated_value if isinstance(element.key, cst.SimpleString) else None
                if isinstance(key, str):
                    entries.append(DictEntry(key, element.key, element.value, element))
                else:
                    complete = complete and isinstance(element.key, cst.SimpleString)
            elif isinstance(element, cst.StarredDictElement):
                inner = self.dict_value(element.value, depth + 1)
                if inner is None:
                    complete = False
                else:
                    entries.extend(inner.entries)
                    complete = complete and inner.complete
        return DictValue(entries, node, complete)

    def _subscript_key(self, subscript: cst.Subscript) -> Optional[tuple[str, cst.BaseExpression]]:
        if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
            return None
        key_node = subscript.slice[0].slice.value
        if isinstance(key_node, cst.SimpleString):
            value = key_node.evaluated_value
            if isinstance(value, str):
                return value, key_node
        return None

