"""A whole run: read each file, skip what the prefilter rules out, analyse the rest, write fixes.

It is the one place a run reads the tree's files and writes them back (read, prefilter, cache,
the worker pool, writes, stdin): about 480 lines, so that the order of every read and write is
visible in one file; each step it calls is its own module.
"""

from __future__ import annotations

import gc
import os
from stat import S_ISREG
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence

from .cache import Cache
from ..knowledge.config import ConfigError, Settings, SettingsResolver
from ..output.findings import FileResult, detach, display_name, summarize_site
from ..knowledge import Knowledge, load
from . import prefilter
from .reading import Refused, TooBig, read_regular, scan
from .write import WriteError, atomic_write

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "path:line: message" lines
    warnings: list[str] = field(default_factory=list)  # "path: message" lines that do not fail the run
    checked: int = 0
    generated: int = 0  # files skipped for their @generated marker

    @property
    def findings(self):
        return [f for r in self.files for f in r.findings]


def analyze_bytes(data: bytes, display: str, knowledge: Knowledge, settings: Settings, *, fix: bool, unsafe_fixes: bool,
                  index=None, module_names=(), edits: bool = False, inventory: bool = False, lines=None) -> FileResult:
    if not (prefilter.for_sites(knowledge) if inventory else prefilter.for_findings(knowledge))(data):
        return FileResult(display, data)
    from .engine import analyze  # LibCST is imported only when a fix is applied or shown

    try:
        if display.endswith(".ipynb"):
            return analyze_notebook(data, display, knowledge, settings, fix=fix, unsafe_fixes=unsafe_fixes, index=index,
                                    module_names=module_names, edits=edits, lines=lines)
        return analyze(data, display, knowledge, settings, fix=fix, unsafe_fixes=unsafe_fixes, index=index, module_names=module_names,
                       edits=edits, lines=lines)
    except MemoryError:
        result = FileResult(display, data)
        result.error = f"needs more memory than a worker may use ({_memory_limit_text()}); skipped"
        return result
    except Exception as exc:  # noqa: BLE001 - one file's trouble is reported, never a traceback
        result = FileResult(display, data)
        result.error = f"internal error: {type(exc).__name__}: {exc} (please report; the file was left untouched)"
        return result


GENERATED_MARKER = b"@generated"


def analyze_notebook(data: bytes, display: str, knowledge: Knowledge, settings: Settings, **options) -> FileResult:
    """A notebook's code cells analysed as one module; rows reported per cell."""
    from .engine import analyze
    from .notebook import Notebook, NotebookError

    try:
        notebook = Notebook.parse(data)
    except NotebookError as exc:
        result = FileResult(display, data)
        result.error = str(exc)
        return result
    options["index"] = _with_magics(options.get("index"), notebook, knowledge)
    if isinstance(options.get("lines"), dict):  # --since: each cell's changed rows, as rows of the joined module
        options["lines"] = notebook.joined_rows(options["lines"])
    inner = analyze(notebook.code.encode("utf-8"), display, knowledge, settings, **options)
    sites = []  # the sites are the first pass's, on the cells as they are
    for site in inner.sites:
        cell, line = notebook.locate(notebook.code, site.line)
        summary = summarize_site(site, lambda e, cell=cell: notebook.cite(notebook.code, e, cell), display)
        summary.cell, summary.line = cell, line
        sites.append(summary)
    result = FileResult(display, data, findings=inner.findings, sites=sites, error=inner.error,
                        error_line=inner.error_line, notes=[*notebook.newer_syntax(), *inner.notes])
    fixed_code = inner.fixed.decode("utf-8") if inner.changed else notebook.code
    edits = [(e.row, e.end_row, e.content) for f in inner.findings if f.fixed for e in f.edits]  # rows of the joined module
    for finding in inner.findings:
        code = fixed_code if finding.fixed is False and inner.changed else notebook.code
        finding.cell, finding.row = notebook.locate(code, finding.row)
        _, finding.end_row = notebook.locate(code, finding.end_row)
        finding.evidence = [notebook.cite(code, e, finding.cell) for e in finding.evidence]  # new objects: a site's are shared
        for edit in finding.edits:
            _, edit.row = notebook.locate(notebook.code, edit.row)
            _, edit.end_row = notebook.locate(notebook.code, edit.end_row)
    if inner.changed:
        try:
            result.fixed = notebook.rebuild(fixed_code, edits)
        except NotebookError as exc:
            result.notes.append(f"fixes not applied: {exc}")
            for finding in result.findings:
                finding.fixed = False
    return result


def _with_magics(index, notebook, knowledge: Knowledge):
    """The run's index for a notebook, its `%env` / `%set_env` magics added to the environment as
    the writes in code they are (those of cells not analysed only as fallbacks: their order is unseen)."""
    from ..analysis.clientindex import ClientIndex, _env_vars
    from ..analysis.environment import Environment, magic_settings

    wanted = frozenset(_env_vars(knowledge))
    writes = magic_settings(notebook.magics(), wanted)
    writes += [s for number, line in notebook.skipped_magics
               for s in magic_settings([(0, line)], wanted, f"cell {number} (not analysed)")]
    if not writes:
        return index
    if index is None:
        return ClientIndex(environment=Environment(writes))
    return ClientIndex(index.clients, index.environment.with_writes(writes), index.declared, index.constants)


@dataclass
class _Job:
    """A file that passed the prefilter, with all its analysis depends on."""

    slot: int  # its place in RunResult.files: output order is the order of the paths given
    path: Path
    data: bytes
    settings: Settings
    names: tuple[str, ...] = ()
    index: object = None  # the ClientIndex of the modules this file imports
    key: Optional[str] = None
    lines: object = None  # --since: what changed since the ref (since.Lines); None, every line


def run(paths: list[Path], resolver: SettingsResolver, *, fix: bool, unsafe_fixes: bool, write: bool,
        roots: Sequence[Path] = (), on_file: Optional[Callable[[Path], None]] = None, jobs: int = 1,
        cache: Optional[Cache] = None, edits: bool = False, inventory: bool = False, since=None) -> RunResult:
    """Read and prefilter every file here; analyse the few that may matter in worker processes (several when there are many).

    Files are read while the workers analyse those already found (pool.ordered_map reads
    ahead). Results come back in the order the paths were given whatever the pool does, and
    fixes are written from this process only, one file at a time. With edits, each fix also
    carries its text edit (JSON and SARIF show them). With `since` (since.Since), only what lies
    on the lines changed since its ref is reported and fixed. An inventory (`tokenfix sites`) reads every
    file that names a door, not only those with a limit word: it lists the calls without limits too.
    """
    out = RunResult()
    # Configuration errors surface before any file is read, let alone written.
    rules = {}
    for folder in sorted({os.path.dirname(str(path)) for path in paths}):  # strings: a Path's hash is slow
        knowledge = knowledge_for(resolver.for_folder(Path(folder)))
        rules[id(knowledge)] = knowledge
    # The words of every set of rules the run's settings load (prefilter.py): one scan per file.
    may_matter = prefilter.for_sites(*rules.values()) if inventory else prefilter.for_findings(*rules.values())
    slots: list[Optional[FileResult]] = []  # one per file to analyse: files with nothing to say take no room
    read_errors: list[str] = []
    found = _read(paths, resolver, out, slots, read_errors, on_file, cache, may_matter)
    try:
        _analyze_jobs(found, slots, out, paths, roots, fix, unsafe_fixes, write, on_file, jobs, cache, edits, inventory, since)
    finally:
        if since is not None:
            since.close()
    if cache is not None:
        cache.save()
        if cache.problem:  # no key could be kept, or the default folder is a link: the run went on without
            out.warnings.append(cache.problem)
    out.errors[:0] = read_errors  # what could not be read first, then what the analysis said, file by file
    out.files = [r for r in slots if r is not None]
    return out


def _read(paths: Sequence[Path], resolver: SettingsResolver, out: RunResult, slots: list, errors: list[str], on_file,
          cache: Optional[Cache], may_matter: prefilter.Prefilter) -> Iterator[_Job]:
    """The files worth analysing, read one by one as the caller asks for them.

    With a cache, a file the prefilter ruled out before and that has not changed since (by
    its stat: cache.py) is not read at all."""
    for path in paths:
        if resolver.skip(path):  # its configuration cannot be used: counted, reported once (problems())
            _tick(on_file, path)
            continue
        stat = None
        try:
            # The type first, unopened: a FIFO or a device (behind a symlink too) is refused, a
            # file larger than the limit is never held whole (reading.py).
            info = os.stat(path)
            if cache is not None and S_ISREG(info.st_mode):
                stat = info
                if cache.ruled_out(str(path), stat):
                    out.checked += 1
                    _tick(on_file, path)
                    continue
            data = read_source(path, info, may_matter)
        except IsADirectoryError:
            errors.append(f"{display_name(path)}: is a directory named like a Python file; skipped")
            _tick(on_file, path)
            continue
        except Refused as exc:  # not a regular file, or over the limit with a trigger word in it
            errors.append(f"{display_name(path)}: {exc}")
            _tick(on_file, path)
            continue
        except OSError as exc:
            errors.append(f"{display_name(path)}: cannot read ({exc.strerror or exc})")
            _tick(on_file, path)
            continue
        out.checked += 1
        if not may_matter(data):
            if stat is not None:
                cache.note_ruled_out(str(path), stat)
            _tick(on_file, path)
            continue
        if stat is not None:
            cache.forget(str(path))
        if GENERATED_MARKER in data:
            out.generated += 1  # generated code is fixed at its generator, not here
            _tick(on_file, path)
            continue
        slots.append(None)
        yield _Job(len(slots) - 1, path, data, resolver.for_path(path))


# A file over MAX_FILE_BYTES and up to this size is scanned for the trigger words a chunk at
# a time, never held whole: a big module without an LLM call (a generated table) is left out
# silently, as when it was read whole. A larger one is reported unread (a sparse file of 6 GB
# would take seconds to scan and prove nothing about Python code).
SCAN_LIMIT = 100 * 1024 * 1024
_OVERLAP = 32  # longer than the generated marker and, with the longest word, every trigger word (a word cut by a chunk's end)
_GENERATED_STAND_IN = GENERATED_MARKER + b" max_tokens"  # passes the prefilter, then counts as generated


def read_source(path: Path, info: os.stat_result, may_matter: prefilter.Prefilter) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; for a larger one, the little
    that stands for it (nothing: ruled out, or the generated marker) when a scan in chunks
    finds no trigger word or the marker.

    Raises IsADirectoryError, Refused (not a regular file; over the limit with a trigger word,
    or over SCAN_LIMIT) or OSError. The one place a file of the tree is read for analysis (the
    tests inject a read error here)."""
    try:
        return read_regular(path, MAX_FILE_BYTES, info)
    except TooBig as exc:
        if exc.size > SCAN_LIMIT:
            raise
        too_big = exc
    trigger, generated = scan(path, SCAN_LIMIT, (may_matter, _generated), max(_OVERLAP, may_matter.longest), info)
    if not trigger:
        return b""
    if generated:
        return _GENERATED_STAND_IN  # counted as generated, as a file read whole was
    raise too_big


def _generated(window: bytes) -> bool:
    return GENERATED_MARKER in window


def _analyze_jobs(found: Iterable[_Job], slots: list, out: RunResult, paths: Sequence[Path], roots, fix: bool, unsafe_fixes: bool,
                  write: bool, on_file, jobs: int, cache: Optional[Cache], edits: bool = False, inventory: bool = False,
                  since=None) -> None:
    mode = f"fix={fix} unsafe={unsafe_fixes} edits={edits} inventory={inventory}"
    directory = None

    def pending() -> Iterator[_Job]:
        """The jobs the cache does not answer; those it does are finished on the way."""
        nonlocal directory
        for job in found:
            knowledge = knowledge_for(job.settings)
            if since is not None:
                job.lines = since.lines(job.path, job.data)
                if job.lines is not None and not job.lines:
                    _finish(job, FileResult(display_name(job.path), job.data), slots, out, write, on_file, None, roots)
                    continue  # unchanged since the ref: nothing of it to report
            if directory is None:
                from ..analysis.clientindex import Directory  # only when some file needs analysing

                directory = Directory(paths, roots, knowledge)
            from ..analysis.modules import module_names

            job.names = tuple(module_names(job.path, roots))
            job.index = directory.index_for(job.path, _code(job), job.names)
            if cache is not None:
                job.key = cache.key(job.data, str(job.path), repr(job.settings), knowledge.digest, mode, repr(job.names), job.index.digest,
                                    _lines_key(job.lines))
                hit = cache.get(job.key, display_name(job.path), job.data)
                if hit is not None:
                    _finish(job, hit, slots, out, write, on_file, None, roots)
                    continue
            yield job

    for job, result, failed in _results(pending(), fix, unsafe_fixes, jobs, edits, inventory):
        # A crash or a time-out is not cached: the next run tries the file again.
        _finish(job, result, slots, out, write, on_file, None if failed else cache, roots)


def _lines_key(lines) -> str:
    """--since's part of the cache key: a report on some lines is not the report on all."""
    if lines is None:
        return "all"
    if isinstance(lines, dict):
        return repr(sorted((cell, sorted(rows)) for cell, rows in lines.items()))
    return repr(sorted(lines))


def _code(job: _Job) -> bytes:
    """The Python in a file: a notebook's code cells, or the file itself."""
    if job.path.suffix != ".ipynb":
        return job.data
    from .notebook import Notebook, NotebookError

    try:
        return Notebook.parse(job.data).code.encode("utf-8", "surrogateescape")
    except NotebookError:
        return b""


# Fewer files than this are analysed by one worker: starting more costs more than it saves
# (LibCST's codemod runner makes the same call), and a pre-commit run passes a handful.
# The pool grows to --jobs workers once this many files are found (pool.ordered_map).
POOL_MIN_FILES = 4
# A file whose analysis runs longer than this is stopped and reported (env TOKENFIX_FILE_TIMEOUT).
FILE_TIMEOUT = 300.0


def _results(pending: Iterable[_Job], fix: bool, unsafe_fixes: bool, jobs: int, edits: bool = False, inventory: bool = False):
    """(job, detached result, whether the worker failed) in the order of `pending`, each
    computed in a worker process.

    Not in this process, even for one file: a parser can crash on hostile input (LibCST's
    native one does, on code nested thousands deep), and the crash must cost that file, not
    the run (pool.py).
    """
    from .pool import Failure, ordered_map

    given: list[_Job] = []

    def tasks():
        for job in pending:
            if not given:  # imported once, so that forked workers start with them loaded
                from . import engine  # noqa: F401
                if fix or edits:
                    import libcst  # noqa: F401 - which every file with a fix will need
            given.append(job)
            yield (display_name(job.path), job.data, job.settings, job.names, job.index, fix, unsafe_fixes, edits, inventory, job.lines)

    for slot, result in enumerate(ordered_map(_analyze_remote, tasks(), jobs, _init_worker, file_timeout(), POOL_MIN_FILES,
                                              memory=worker_memory(jobs))):
        job = given[slot]
        given[slot] = None  # its bytes are not needed here any more
        failed = isinstance(result, Failure)
        if failed:
            result = FileResult(display_name(job.path), job.data, error=result.reason)
        result.source = job.data
        yield job, result, failed


def worker_memory(jobs: int) -> int:
    """TOKENFIX_WORKER_MEMORY in MiB as bytes, or each worker's share of the machine (pool.py)."""
    from .pool import memory_share

    raw = os.environ.get("TOKENFIX_WORKER_MEMORY")
    if raw is None or not raw.strip():
        return memory_share(jobs)
    if not (raw.strip().isascii() and raw.strip().isdigit()) or not 64 <= int(raw) <= 1 << 30:  # "³" is a digit int() refuses
        raise ConfigError(f"TOKENFIX_WORKER_MEMORY={raw!r:.40}: not a memory limit; set it to the MiB one worker may use, "
                          "a whole number from 64 (unset, it is this machine's memory shared among the workers)")
    return int(raw) << 20


def _memory_limit_text() -> str:
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, ValueError, OSError):
        return "no limit"
    if limit == resource.RLIM_INFINITY:
        return "no limit"
    return f"{limit >> 20:,} MiB; TOKENFIX_WORKER_MEMORY sets it"


MAX_FILE_TIMEOUT = 1_000_000.0  # about 11 days; the pool's wait() overflows from about 2,100,000 s


def file_timeout() -> float:
    """TOKENFIX_FILE_TIMEOUT in seconds, or FILE_TIMEOUT when unset.

    A value that is not a number of seconds in (0, MAX_FILE_TIMEOUT] is a ConfigError, not a
    guess: `abc` silently became 300 s, `inf` crashed the pool's wait(), and 0 or -1 stopped
    every file as timed out."""
    raw = os.environ.get("TOKENFIX_FILE_TIMEOUT")
    if raw is None or not raw.strip():
        return FILE_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not 0 < value <= MAX_FILE_TIMEOUT:  # NaN fails both comparisons
        raise ConfigError(f"TOKENFIX_FILE_TIMEOUT={raw!r:.40}: not a time limit; set it to the seconds one file may take, "
                          f"more than 0 and at most {MAX_FILE_TIMEOUT:,.0f} (unset, it is {FILE_TIMEOUT:g})")
    return value


def _init_worker() -> None:
    import signal

    # The parent handles Ctrl-C, SIGTERM and SIGHUP and stops the pool; a forked worker must
    # not inherit its handlers, or terminating it would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _analyze_task(task) -> FileResult:
    display, data, settings, names, index, fix, unsafe_fixes, edits, inventory, lines = task
    result = analyze_bytes(data, display, knowledge_for(settings), settings, fix=fix, unsafe_fixes=unsafe_fixes,
                           index=index, module_names=names, edits=edits, inventory=inventory, lines=lines)
    return detach(result)


def _analyze_remote(task) -> FileResult:
    # A worker analyses one file at a time. A parse builds thousands of objects per file, and
    # the cyclic collector kept walking them while they were alive: 12% of the time on a file
    # full of LLM calls. It is paused for the file and collects what is left after it.
    gc.disable()
    try:
        result = _analyze_task(task)
    finally:
        gc.enable()
    result.source = b""  # the parent has the bytes: do not send them back
    return result


def _finish(job: _Job, result: FileResult, slots: list, out: RunResult, write: bool, on_file, cache: Optional[Cache],
            roots: Sequence[Path]) -> None:
    if cache is not None and job.key is not None:
        cache.put(job.key, result)
    result.name = os.fsencode(job.path)  # for `diff`: result.path is the name as reports show it
    record(out, result)
    if write and result.changed:
        try:
            for stale in atomic_write(job.path, result.fixed, job.data, roots):
                out.warnings.append(f"{result.path}: removed {stale}, a temporary file left by a tokenfix run that was killed")
        except WriteError as exc:
            out.errors.append(f"{result.path}: {exc}")
            for finding in result.findings:
                finding.fixed = False
            result.fixed = None
    slots[job.slot] = result
    _tick(on_file, job.path)


def _tick(on_file, path: Path) -> None:
    if on_file is not None:
        on_file(path)


_VALIDATED: set[Settings] = set()


def knowledge_for(settings: Settings) -> Knowledge:
    """The rules a file's settings ask for, checked against them once (bad names are errors)."""
    knowledge = load(settings.extra_rules)
    if settings not in _VALIDATED:
        validate(settings, knowledge)
        _VALIDATED.add(settings)
    return knowledge


def validate(settings: Settings, knowledge: Knowledge) -> None:
    where = f"{settings.source}: " if settings.source else ""
    providers = [settings.provider, *(o.provider for o in settings.overrides)]
    for provider in providers:
        if provider and provider not in knowledge.providers:
            raise ConfigError(f"{where}unknown provider {provider!r}; known: {', '.join(sorted(knowledge.providers))}")
    codes = (*(settings.select or ()), *settings.extend_select, *settings.ignore, *(c for _, cs in settings.per_file_ignores for c in cs))
    for code in codes:
        if code != "ALL" and not any(c.startswith(code) for c in knowledge.checks):
            raise ConfigError(f"{where}unknown check {code!r}; known: {', '.join(sorted(knowledge.checks))}")


def record(out: RunResult, result: FileResult) -> None:
    if result.error:
        out.errors.append(f"{result.path}:{result.error_line or 1}: {result.error}")
    for note in result.notes:
        out.errors.append(f"{result.path}: {note}")


def run_stdin(data: bytes, display: str, resolver: SettingsResolver, *, fix: bool, unsafe_fixes: bool, edits: bool = False) -> RunResult:
    out = RunResult(checked=1)
    settings = resolver.for_path(Path(display) if display != "-" else Path.cwd() / "-")
    if settings.unusable is not None:
        raise ConfigError(settings.unusable)  # the one file is the whole run: nothing to go on with
    knowledge_for(settings)  # configuration errors surface here
    result = FileResult(display, data)
    if prefilter.for_findings(knowledge_for(settings))(data):
        from ..analysis.clientindex import Directory
        from ..analysis.modules import module_names

        # As for a file on disk: the clients its modules export and the .env files of its folder.
        path = (Path.cwd() / display) if display != "-" else Path.cwd() / "-"
        roots = [Path.cwd()]
        names = tuple(module_names(path, roots)) if display != "-" else ()
        job = _Job(0, path, data, settings, names)
        job.index = Directory([], roots, knowledge_for(settings)).index_for(path, data, names)
        ((_, result, _),) = _results([job], fix, unsafe_fixes, 1, edits)
        result.path = display
    record(out, result)
    out.files.append(result)
    return out

