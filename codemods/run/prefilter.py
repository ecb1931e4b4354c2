"""A byte scan that decides which files are worth parsing at all, with words read off the rules.

Analysing a file (an `ast` parse, scopes, call sites) costs milliseconds, and a LibCST
parse, for a file with a fix to apply, ten times `ast.parse`; a byte search costs next to
nothing. Every finding needs one of the trigger words in the file: a limit name any rule
mentions (every check that `needs = "limit"`), or a door of a surface whose limit is required
(the checks that `needs = "required-door"`, TOK005): the last two names of its methods
(`messages.create`), the last name of its functions, its URL paths (`/v1/messages`). The words
come from the rules, so a new surface, limit name or check cannot be skipped here unseen.

The scan is literal `bytes` searches (`in`), not one regex: Python's `re` tries each
alternative at every byte, about 15 ns a byte, while `in` runs at memory speed. A few short
keys, each a piece of several words, rule out nearly every file (`_tokens` stands for every
`max_*_tokens`); the words themselves then confirm the few left. `pattern` states the same
rule as one regex, for grep and the tests.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Optional

_KEY_LENGTH = 6  # a key this long is rare in code that is not about the words it stands for


class Prefilter:
    """Whether a file's bytes may hold something a check reports (or, for `clients`, a client
    construction another module may import)."""

    __slots__ = ("words", "keys", "pattern", "suffix")

    def __init__(self, words: Iterable[str], suffix: bytes = b""):
        self.words = tuple(sorted({w.encode() for w in words if w}))
        self.keys = _cover(self.words)
        self.suffix = suffix  # a regex every word must be followed by (`\s*\(` for a construction)
        alternatives = b"|".join(re.escape(w) for w in self.words) or b"(?!)"
        self.pattern = re.compile(b"(?:" + alternatives + b")" + suffix)

    def __call__(self, data: bytes) -> bool:
        for key in self.keys:  # a loop, not any(...): a generator per file costs more than the scans
            if key in data:
                break
        else:
            return False
        if self.suffix:
            return self.pattern.search(data) is not None
        for word in self.words:
            if word in data:
                return True
        return False

    @property
    def longest(self) -> int:
        return max((len(w) for w in self.words), default=0)


def _cover(words: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """Few keys such that every word holds one: greedily, the piece of at least _KEY_LENGTH bytes
    (or a whole shorter word) found in the most words not yet covered, the longest on a tie."""
    left = set(words)
    keys: list[bytes] = []
    while left:
        counts: dict[bytes, int] = {}
        for word in left:
            size = min(_KEY_LENGTH, len(word))
            pieces = {word[i:j] for i in range(len(word)) for j in range(i + size, len(word) + 1)}
            for piece in pieces:
                counts[piece] = counts.get(piece, 0) + 1
        best = max(counts, key=lambda piece: (counts[piece], len(piece), piece))
        keys.append(best)
        left = {word for word in left if best not in word}
    return tuple(k for k in keys if not any(other != k and other in k for other in keys))  # `Groq` covers `AsyncGroq`


def finding_words(knowledge) -> set[str]:
    """The words a file must hold for any enabled check of these rules to report anything."""
    needs = {check.needs for check in knowledge.checks.values()}
    words = set(knowledge.limit_names) if "limit" in needs else set()
    for check in knowledge.checks.values():
        if check.needs == "words":  # a check whose trigger is a word of its own (TOK012: a model's name)
            words.update(check.options.get("words", ()))
    if "required-door" in needs:
        for surface in knowledge.surfaces:
            if surface.required:
                own = door_words(surface)
                shared = own & _optional_words_of_other_sdks(knowledge, surface)
                sdk_words = set(getattr(surface.options, "sdk_words", ()))
                # `completions.create` is OpenAI's optional door and Anthropic's legacy required one: as
                # a word it would let every OpenAI file through; a file of the door's SDK names its package
                words.update(own - shared | sdk_words if shared and sdk_words else own)
    return words


def _optional_words_of_other_sdks(knowledge, surface) -> set[str]:
    mine = set(getattr(surface.options, "sdks", ()))
    words: set[str] = set()
    for other in knowledge.surfaces:
        if not other.required and not (mine & set(getattr(other.options, "sdks", ()))):
            words |= door_words(other)
    return words


def door_words(surface) -> set[str]:
    """What code that uses this surface must say: `messages.create` of `client.beta.messages.create`."""
    options = surface.options
    words = {".".join(method.split(".")[-2:]) for method in getattr(options, "methods", ())}
    words.update(name.rsplit(".", 1)[-1] for name in getattr(options, "functions", ()))
    words.update(getattr(options, "paths", ()))
    return words


class WithSpreads(Prefilter):
    """The finding words, or a door and a `**` spread: `create(**build_params())` may carry a
    limit that only the imported helper's module writes (clientindex.ReturnedDict). The door
    words' own prefilter is built when a file first needs it (most runs' files say a limit word
    or have no `**`)."""

    __slots__ = ("knowledges", "_doors")

    def __init__(self, words: Iterable[str], knowledges: tuple):
        super().__init__(words)
        self.knowledges = knowledges
        self._doors: Optional[Prefilter] = None

    @property
    def door_words(self) -> tuple[str, ...]:
        return tuple(sorted({word for knowledge in self.knowledges for surface in knowledge.surfaces
                             for word in door_words(surface) if _telling(word)}))

    def __call__(self, data: bytes) -> bool:
        if Prefilter.__call__(self, data):
            return True
        if b"**" not in data:
            return False
        if self._doors is None:
            self._doors = Prefilter(self.door_words)
        return self._doors(data)


@lru_cache(maxsize=16)
def for_findings(*knowledges) -> Prefilter:
    """One prefilter for the files of a run: the words of every set of rules its settings load
    (a superset never skips a file some rules need)."""
    words: set[str] = set()
    for knowledge in knowledges:
        words |= finding_words(knowledge)
    return WithSpreads(words, knowledges)


def _telling(word: str) -> bool:
    """A door word that says an LLM call by itself: a dotted method (`completions.create`), a path,
    or a long name (`generate_content`); not `chat`, `call`, `generate`, nor a class (whose
    construction with a helper's `**params` is rarer than the search it would cost)."""
    return "." in word or "/" in word or (len(word) >= 12 and not word[:1].isupper())


def site_words(knowledge) -> set[str]:
    """What a file must say for any door of these rules to be in it: every limit name, and the
    door words of every surface (its methods' last two names, its functions, its URL paths)."""
    words = set(knowledge.limit_names)
    for surface in knowledge.surfaces:
        words.update(door_words(surface))
    return words


@lru_cache(maxsize=16)
def for_sites(*knowledges) -> Prefilter:
    """`tokenfix sites`: the files that may hold an LLM call at all, with or without a limit."""
    words: set[str] = set()
    for knowledge in knowledges:
        words |= site_words(knowledge)
    return Prefilter(words)


@lru_cache(maxsize=16)
def for_clients(knowledge) -> Prefilter:
    """Files that may build a client other modules import (kept for the ClientIndex): a client
    class of providers.toml, by its last name, called."""
    names = {name.rsplit(".", 1)[-1] for provider in knowledge.providers.values() for name in provider.clients}
    return Prefilter(names, rb"\s*\(")
