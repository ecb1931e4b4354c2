"""scopes.py answers what LibCST's ScopeProvider answered, on real code and on generated code.

tokenfix replaced the provider (half of the analysis of a file full of LLM calls) with its own
scope pass on the `ast` tree; these tests hold it to the provider's answers for every question
the finder asks (scope_parity.py), and pin the rules that matter to tokenfix with small programs.
"""

from __future__ import annotations

import ast
import sysconfig
import textwrap
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import assume, given
from scope_parity import differences

import test_properties  # noqa: F401 - registers and loads the hypothesis profile
from codemods.analysis.nodes import walk
from codemods.analysis.scopes import Scopes
from codemods.analysis.source import order

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _parses(path: Path) -> bool:
    try:
        cst.parse_module(path.read_bytes())
    except Exception:  # noqa: BLE001
        return False  # the library's own test data: bad encodings, Python 2
    return True


def _stdlib_sample() -> list[Path]:
    files = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)
    return [p for p in files[::30] if _parses(p)]  # about 60 files, spread over the whole library


REAL = [*sorted((ROOT / "examples").glob("*.py")), *sorted((ROOT / "tests" / "fixtures").rglob("*.py")),
        *sorted((ROOT / "benchmarks").glob("*.py")), *_stdlib_sample()]


@pytest.mark.parametrize("path", REAL, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_same_answers_as_libcst_on_real_code(path: Path) -> None:
    assert list(differences(path.read_bytes())) == []


def test_the_sample_is_real() -> None:
    assert len(REAL) > 150 and sum(1 for p in REAL if STDLIB in p.parents) > 40


@given(hypothesmith.from_grammar())
def test_same_answers_as_libcst_on_generated_programs(source: str) -> None:
    try:
        cst.parse_module(source)
        compile(source, "<generated>", "exec", ast.PyCF_ONLY_AST)
    except Exception:  # noqa: BLE001 - hypothesmith writes some programs a parser rejects
        assume(False)
    assert list(differences(source)) == []


def _scopes(code: str) -> tuple[ast.Module, Scopes]:
    module = ast.parse(textwrap.dedent(code))
    walked = list(walk(module))
    parents = {id(node): parent for node, parent in walked if parent is not None}
    return module, Scopes(module, walked, parents, order)


def _calls(module: ast.Module) -> list[ast.Call]:
    return sorted((node for node, _ in walk(module) if isinstance(node, ast.Call)), key=lambda n: (n.lineno, n.col_offset))


def _names(module: ast.Module, value: str) -> list[ast.Name]:
    return sorted((node for node, _ in walk(module) if isinstance(node, ast.Name) and node.id == value),
                  key=lambda n: (n.lineno, n.col_offset))


@pytest.mark.parametrize("code, expected", [
    ("from openai import OpenAI as O\nO()\n", "openai.OpenAI"),
    ("import openai\nopenai.chat.completions.create()\n", "openai.chat.completions.create"),
    ("import google.genai as genai\ngenai.Client()\n", "google.genai.Client"),
    ("import a.b.c\na.b.c.d()\n", "a.b.c.d"),
    ("from . import llm\nllm.client.chat()\n", ".llm.client.chat"),
    ("from ..pkg import make\nmake()\n", "..pkg.make"),
    ("int('3')\n", "builtins.int"),
    ("from openai import OpenAI\nOpenAI().responses.create()\n", "openai.OpenAI.responses.create"),
])
def test_qualified_names_of_calls(code: str, expected: str) -> None:
    module, scopes = _scopes(code)
    outermost = next(node for node, _ in walk(module.body[-1]) if isinstance(node, ast.Call))  # parents come first
    assert expected in scopes.qualified_names(outermost.func)


def test_a_class_body_is_not_visible_from_its_methods() -> None:
    module, scopes = _scopes("""
        from openai import OpenAI
        class C:
            OpenAI = object
            def f(self):
                return OpenAI()
    """)
    assert scopes.qualified_names(_calls(module)[-1].func) == {"openai.OpenAI"}


def test_order_within_a_scope_counts_and_global_sends_names_to_the_module() -> None:
    module, scopes = _scopes("""
        LIMIT = 10
        LIMIT = 20
        def f():
            global LIMIT
            LIMIT = 30
        use(LIMIT)
        early(late)
        late = 1
    """)
    limit_reads = [n for n in _names(module, "LIMIT") if isinstance(scopes_parent(module, n), ast.Call)]
    assert len(scopes.assignments(limit_reads[0])) == 3  # two module assignments and the global one
    (late,) = [n for n in _names(module, "late") if isinstance(scopes_parent(module, n), ast.Call)]
    assert scopes.qualified_names(late) == set()  # read before it is assigned: nothing yet


def test_uses_of_a_constant_are_counted_across_functions() -> None:
    module, scopes = _scopes("""
        LIMIT = 4096
        def a():
            return call(max_tokens=LIMIT)
        def b():
            LIMIT = 1
            return call(max_tokens=LIMIT)
        def c():
            return call(max_tokens=LIMIT)
    """)
    first = _names(module, "LIMIT")[0]
    (assignment,) = [a for a in scopes.assignments(first) if a.scope is scopes.module_scope]
    assert len(assignment.references) == 2  # a() and c(); b() reads its own LIMIT


def test_with_targets_parameters_and_comprehensions() -> None:
    module, scopes = _scopes("""
        import httpx
        def f(client):
            with httpx.Client() as http:
                http.post(url)
            return [client.chat(x) for x in range(3)]
    """)
    (http,) = [n for n in _names(module, "http") if not isinstance(scopes_parent(module, n), ast.withitem)]
    (assignment,) = scopes.assignments(http)
    assert isinstance(assignment.node, ast.Name)
    (client,) = _names(module, "client")
    assert isinstance(scopes.assignments(client)[0].node, ast.arg)


def scopes_parent(module: ast.Module, node: ast.AST) -> ast.AST:
    return next(parent for child, parent in walk(module) if child is node)


def test_a_walrus_in_a_comprehension_reads_the_outer_name_on_its_right() -> None:
    module, scopes = _scopes("""
        def f(values):
            total = 0
            sums = [total := total + v for v in values]
            return sums
    """)
    right = [n for n in _names(module, "total") if isinstance(scopes_parent(module, n), ast.BinOp)]
    (assignment,) = scopes.assignments(right[0])
    assert isinstance(scopes_parent(module, assignment.node), ast.Assign)  # `total = 0`, as LibCST has it
    (v,) = [n for n in _names(module, "v") if isinstance(scopes_parent(module, n), ast.BinOp)]
    assert isinstance(scopes_parent(module, scopes.assignments(v)[0].node), ast.comprehension)
