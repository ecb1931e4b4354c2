"""The `tokenfix` command line: check, fix and diff, plus rule docs and the model table.

Exit codes follow ruff: 0 clean, 1 findings (check), changes pending (diff) or findings left
after fixing (fix), 2 usage, configuration, parse or internal errors.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import click

from . import __version__
from .run.cache import DEFAULT_DIR as DEFAULT_CACHE_DIR, Cache
from .knowledge.config import ConfigError, SettingsResolver
from .run.discover import discover
from .output.findings import display_name
from .knowledge import Knowledge, KnowledgeError, load
from .output.formats import render
from .run.pool import default_jobs
from .output.report import console, patch, plural, printable, shown_diff, write_text
from .run.runner import RunResult, file_timeout, knowledge_for, run, run_stdin, worker_memory
from .run.since import SinceError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: Optional[str]) -> Optional[tuple[str, ...]]:
    if value is None:
        return None
    return tuple(code.strip().upper() for code in value.split(",") if code.strip())


FORMATS = ["text", "concise", "json", "sarif", "github"]
EDIT_FORMATS = ("json", "sarif")  # the formats that show a fix as text edits


def common_options(func):
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path, allow_dash=True)),
        click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format."),
        click.option("--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to this file instead of stdout."),
        click.option("--select", help="Comma-separated codes or prefixes to enable instead of the defaults."),
        click.option("--extend-select", help="Comma-separated codes or prefixes to enable on top of the selection."),
        click.option("--ignore", help="Comma-separated codes or prefixes to disable."),
        click.option("--provider", help="Provider to assume where the code does not say (e.g. openai, ollama)."),
        click.option("--default-endpoint", type=click.Choice(["trusted", "unknown"]),
                     help="Whether a client built without a base URL goes to its SDK's default endpoint (trusted, the default) "
                          "or may be redirected by an environment tokenfix cannot see (unknown: nothing is renamed for it)."),
        click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Use this configuration file instead of the closest one."),
        click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe."),
        click.option("--stdin-filename", help="The name to report (and to find settings for) for input read from '-'."),
        click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too (as pre-commit passes them)."),
        click.option("--show-evidence", is_flag=True, help="Show every call site found, its provider and model, and the lines that say so."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
        click.option("--exit-non-zero-on-fix", is_flag=True, help="With fix: exit 1 when files were changed, even if nothing remains."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes for parsing (default: the CPUs available)."),
        click.option("--since", metavar="REF", help="Only what lies on lines added or changed since this git ref "
                     "(a branch, tag or commit: `--since origin/main` on a pull request); committed, staged and unstaged changes count."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), envvar="TOKENFIX_CACHE_DIR",
                     help=f"Where results are cached [default: {DEFAULT_CACHE_DIR}; env: TOKENFIX_CACHE_DIR]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tokenfix")
def main() -> None:
    """Find and fix the output-token parameters of LLM API calls."""


@main.command()
@common_options
@click.option("--fix", "do_fix", is_flag=True, help="Apply fixes (same as `tokenfix fix`).")
@click.option("--diff", "do_diff", is_flag=True, help="Print the fixes as a diff, write nothing (same as `tokenfix diff`).")
def check(do_fix: bool, do_diff: bool, **kwargs) -> None:
    """Report misused output-token parameters; change nothing."""
    mode = "diff" if do_diff else "fix" if do_fix else "check"
    sys.exit(_run(mode, **kwargs))


@main.command()
@common_options
def fix(**kwargs) -> None:
    """Apply the fixes (safe ones; --unsafe-fixes for all). '-' reads stdin and writes stdout."""
    sys.exit(_run("fix", **kwargs))


@main.command()
@common_options
def diff(**kwargs) -> None:
    """Print the fixes as a unified diff; write nothing. Exit 1 when a change is due."""
    sys.exit(_run("diff", **kwargs))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the inventory to this file instead of stdout.")
@click.option("--provider", help="Provider to assume where the code does not say (e.g. openai, ollama).")
@click.option("--default-endpoint", type=click.Choice(["trusted", "unknown"]),
              help="Whether a client built without a base URL goes to its SDK's default endpoint.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Use this configuration file instead of the closest one.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too.")
@click.option("--no-evidence", is_flag=True, help="One line a call, without the lines that say why.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes for parsing (default: the CPUs available).")
def sites(paths, output_format, output_file, provider, default_endpoint, config_path, force_exclude, no_evidence, jobs) -> None:
    """List every LLM call tokenfix sees, with or without a limit: door, provider, model, evidence."""
    sys.exit(_guarded(_sites, paths, output_format, output_file, provider, default_endpoint, config_path, force_exclude,
                      no_evidence, jobs))


def _sites(paths, output_format, output_file, provider, default_endpoint, config_path, force_exclude, no_evidence, jobs) -> int:
    """An inventory, not a lint: every file that names a door is read (not only those with a
    limit word, as `check` does), no cache is read or written (its entries are `check`'s), and
    the exit code says only whether the run could be made."""
    from .output.sites import summary, write_sites_json, write_sites_text

    err = console(sys.stderr, stderr=True)
    paths = list(paths) or [Path(".")]
    if any(str(p) == "-" for p in paths):
        err.print("tokenfix: error: sites reads files, not stdin ('-')")
        return EXIT_ERROR
    cli = {"provider": provider, "default_endpoint": default_endpoint, "select": None, "extend_select": None, "ignore": None}
    try:
        file_timeout()
        resolver = SettingsResolver(config_path, cli, validate=knowledge_for)
        for path in paths:
            knowledge_for(resolver.for_path(path))
        warnings: list[str] = []
        files, missing = discover(paths, resolver, force_exclude, warnings)
        if not files and not missing:
            warnings.append("no Python files found under the given paths (excluded or git-ignored?)")
        result = run(files, resolver, fix=False, unsafe_fixes=False, write=False, roots=paths, jobs=jobs or default_jobs(),
                     cache=None, inventory=True)
        result.errors[:0] = [*resolver.problems(), *missing]
        result.warnings[:0] = warnings
    except (ConfigError, KnowledgeError) as exc:
        err.print(printable(f"tokenfix: error: {exc}"))
        return EXIT_ERROR
    try:
        handle = output_file.open("w", encoding="utf-8") if output_file else None
    except OSError as exc:
        err.print(printable(f"tokenfix: error: {display_name(output_file)}: cannot write the inventory ({exc.strerror or exc})"))
        return EXIT_ERROR
    out = handle or sys.stdout
    try:
        if output_format == "json":
            write_sites_json(result.files, out)
        else:
            write_sites_text(result.files, out, evidence=not no_evidence)
    finally:
        if handle is not None:
            handle.close()
    _problems(result, err)
    err.print(summary(result.files, result.checked))
    return EXIT_ERROR if result.errors else EXIT_CLEAN


def _terminate(signum, frame):  # pragma: no cover - exercised in a subprocess test
    raise KeyboardInterrupt


def _run(mode: str, *args, **kwargs) -> int:
    return _guarded(_run_mode, mode, *args, **kwargs)


def _guarded(func, *args, **kwargs) -> int:
    """Run a verb, turning Ctrl-C, SIGTERM and SIGHUP (a closed terminal or SSH session) into a
    clean stop: a write in progress is rolled back, and the workers are stopped."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    hangup = signal.signal(signal.SIGHUP, _terminate) if hasattr(signal, "SIGHUP") else None
    try:
        return func(*args, **kwargs)
    except KeyboardInterrupt:
        console(sys.stderr, stderr=True).print("tokenfix: interrupted; files already fixed stay fixed, the one being written is unchanged")
        return EXIT_ERROR
    finally:
        signal.signal(signal.SIGTERM, previous)
        if hangup is not None:
            signal.signal(signal.SIGHUP, hangup)


def _run_mode(mode: str, paths, output_format, output_file, select, extend_select, ignore, provider, default_endpoint, config_path, unsafe_fixes,
         stdin_filename, force_exclude, show_evidence, exit_zero, exit_non_zero_on_fix, jobs, since, no_cache, cache_dir) -> int:
    for stream in (sys.stdout, sys.stderr):  # a report never dies of a terminal that cannot show a character
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    err = console(sys.stderr, stderr=True)
    paths = list(paths) or [Path(".")]
    stdin = [p for p in paths if str(p) == "-"]
    if stdin and len(paths) > 1:
        err.print("tokenfix: error: '-' (stdin) cannot be combined with other paths")
        return EXIT_ERROR
    if stdin and since is not None:
        err.print("tokenfix: error: --since compares files with a git ref; '-' (stdin) is no file of the work tree")
        return EXIT_ERROR
    cli = {"provider": provider, "default_endpoint": default_endpoint, "select": _codes(select), "extend_select": _codes(extend_select), "ignore": _codes(ignore)}
    fix = mode in ("fix", "diff")
    edits = output_format in EDIT_FORMATS  # a fix's text edit costs a LibCST parse: only where it is shown
    try:
        file_timeout()  # a bad TOKENFIX_FILE_TIMEOUT or TOKENFIX_WORKER_MEMORY is an error before any file is read
        worker_memory(1)
        # A configuration found under the paths that cannot be used costs its own files, reported
        # with the others (resolver.problems()); a bad flag or --config stops the run here.
        resolver = SettingsResolver(config_path, cli, validate=knowledge_for)
        for path in paths:  # a broken configuration is an error even if no file needs it
            knowledge_for(resolver.for_path(Path.cwd() / "-" if str(path) == "-" else path))
        if stdin:
            data = sys.stdin.buffer.read()
            result = run_stdin(data, stdin_filename or "-", resolver, fix=fix, unsafe_fixes=unsafe_fixes, edits=edits)
        else:
            walk_warnings: list[str] = []
            changes = None
            if since is not None:
                from .run.since import Since

                first = Path(paths[0])  # the work tree is the one the paths are in
                changes = Since(since, first if first.is_dir() else first.parent if str(first.parent) else Path("."))
            files, missing = discover(paths, resolver, force_exclude, walk_warnings)
            with progress_bar(len(files), err) as on_file:
                result = run(files, resolver, fix=fix, unsafe_fixes=unsafe_fixes, write=(mode == "fix"), roots=paths, on_file=on_file,
                             jobs=jobs or default_jobs(), cache=None if no_cache else Cache.for_run(cache_dir, paths),
                             edits=edits, since=changes)
            result.errors[:0] = missing
            result.warnings[:0] = walk_warnings
            if not files and not missing:
                err.print("tokenfix: warning: no Python files found under the given paths (excluded or git-ignored?)")
        result.errors[:0] = resolver.problems()
        knowledge = load(resolver.for_folder(Path.cwd()).extra_rules)
    except (ConfigError, KnowledgeError, SinceError) as exc:
        err.print(printable(f"tokenfix: error: {exc}"))
        return EXIT_ERROR

    if stdin and mode == "fix":
        file = result.files[0]
        sys.stdout.buffer.write(file.fixed if file.changed else data)
        sys.stdout.flush()
        report_stream = sys.stderr  # stdout holds the code
    else:
        report_stream = sys.stdout
    try:
        handle = output_file.open("w", encoding="utf-8") if output_file else None
    except OSError as exc:
        err.print(printable(f"tokenfix: error: {display_name(output_file)}: cannot write the report ({exc.strerror or exc})"))
        return EXIT_ERROR
    try:
        return _report(mode, result, knowledge, output_format, show_evidence, exit_zero, exit_non_zero_on_fix, handle or report_stream, err,
                       since)
    finally:
        if handle is not None:
            handle.close()


PROGRESS_MIN_FILES = 200


def show_progress(files: int, stream=None) -> bool:
    """A bar only for a person watching a long run: never in CI, pre-commit or a pipe."""
    stream = stream or sys.stderr
    if files < PROGRESS_MIN_FILES or os.environ.get("CI") or os.environ.get("PRE_COMMIT") or os.environ.get("TOKENFIX_NO_PROGRESS"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


@contextmanager
def progress_bar(files: int, err):
    if not show_progress(files, err.file):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("tokenfix"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True) as progress:
        task = progress.add_task("check", total=files)
        yield lambda path: progress.advance(task)


def _report(mode: str, result: RunResult, knowledge: Knowledge, output_format: str, show_evidence: bool, exit_zero: bool,
            exit_non_zero_on_fix: bool, stream, err, since: Optional[str] = None) -> int:
    remaining = [f for f in result.findings if not f.fixed]
    fixed = [f for f in result.findings if f.fixed]
    changed_files = [r for r in result.files if r.changed]
    if mode == "diff":
        terminal = sys.stdout.isatty()
        # A diff is data for `git apply`: into a pipe, the bytes of each file's patch, exact;
        # on a terminal, escape sequences in the code (a string literal's ESC byte) are shown,
        # not obeyed.
        binary = None if terminal else getattr(sys.stdout, "buffer", None)
        for file in changed_files:
            if binary is not None:
                binary.write(patch(file))
            else:
                sys.stdout.write(shown_diff(file))
        sys.stdout.flush()
        if output_format != "text":
            render(output_format, result.files, knowledge, stream if stream is not sys.stdout else sys.stderr)
    elif output_format == "text":
        write_text(result.files, console(stream), show_evidence=show_evidence, show_fixes=(mode == "check"))
    else:
        render(output_format, result.files, knowledge, stream)

    _problems(result, err)
    if output_format in ("text", "concise") or mode == "diff":
        err.print(_summary(mode, result, remaining, fixed, changed_files, since))

    if result.errors:
        return EXIT_ERROR
    if mode == "diff":
        return EXIT_FINDINGS if changed_files else EXIT_CLEAN
    if mode == "fix" and exit_non_zero_on_fix and changed_files:
        return EXIT_FINDINGS
    if remaining and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _problems(result: RunResult, err) -> None:
    """The run's warnings, then its errors, on stderr, each control character shown, not obeyed."""
    for line in result.warnings:
        err.print(printable(f"tokenfix: warning: {line}"))
    for line in result.errors:
        err.print(printable(f"tokenfix: error: {line}"))


def _summary(mode: str, result: RunResult, remaining, fixed, changed_files, since: Optional[str] = None) -> str:
    # "(276 files checked, 1 error)": what was checked, then what was not
    files = plural(result.checked, "file") + " checked"
    if since is not None:  # "All checks passed" must not read as a verdict on the whole files
        files += f", only lines changed since {since}"
    if result.generated:
        files += f", {result.generated} @generated skipped"
    if result.errors:
        files += f", {plural(len(result.errors), 'error')}"
    if mode == "diff":
        if not changed_files:
            return f"No changes to make ({files})."
        return f"Would fix {plural(sum(1 for f in result.findings if f.fixed), 'finding')} in {plural(len(changed_files), 'file')} ({files})."
    if mode == "fix":
        text = f"Fixed {plural(len(fixed), 'finding')} in {plural(len(changed_files), 'file')}"
        return text + (f", {len(remaining)} remaining" if remaining else "") + f" ({files})."
    if not remaining and not result.errors:
        return f"All checks passed ({files})."
    if not remaining:
        return f"No findings, but not every file could be checked ({files})."
    safe = sum(1 for f in remaining if f.fix is not None and f.fix.applicability == "safe")
    unsafe = sum(1 for f in remaining if f.fix is not None and f.fix.applicability == "unsafe")
    text = f"Found {plural(len(remaining), 'finding')} ({files})."
    if safe:
        text += f" {safe} fixable with `tokenfix fix`."
    if unsafe:
        text += f" {unsafe} more with `tokenfix fix --unsafe-fixes`."
    return text


@main.command(name="rule")
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Show every check.")
def rule(code: Optional[str], show_all: bool) -> None:
    """Explain a check: what it finds, why it matters, how it fixes."""
    knowledge = load()
    if show_all or code is None:
        codes = sorted(knowledge.checks)
    else:
        code = code.upper()
        found = [c for c in knowledge.checks.values() if c.code == code or c.name == code.lower()]
        if not found:
            console(sys.stderr).print(f"tokenfix: error: unknown check {code!r}; known: {', '.join(sorted(knowledge.checks))}")
            sys.exit(EXIT_ERROR)
        codes = [found[0].code]
    texts = []
    for c in codes:
        info = knowledge.checks[c]
        texts.append(f"# {info.code} {info.name}\n\n{info.summary}.\n\nFix: {info.fix}.\n\n{info.docs.strip()}\n\nSource: {info.source}\n")
    if sys.stdout.isatty():
        from rich.markdown import Markdown

        out = Console_stdout()
        for text in texts:
            out.print(Markdown(text))
    else:
        # piped: the Markdown itself, as `ruff rule` prints it; no wrapping at 80 columns, no padding
        sys.stdout.write("\n".join(texts))


main.add_command(rule, name="explain")


@main.command()
@click.argument("pattern", required=False)
@click.option("--provider", help="Only this provider's models.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
def models(pattern: Optional[str], provider: Optional[str], output_format: str) -> None:
    """The models tokenfix knows, curated and imported, with their limits and where each comes
    from. PATTERN keeps the ids that contain it (`tokenfix models gpt-5`)."""
    from .output.models import model_rows, write_models

    knowledge = load()
    if provider and provider not in knowledge.providers:
        console(sys.stderr).print(f"tokenfix: error: unknown provider {provider!r}; known: {', '.join(sorted(knowledge.providers))}")
        sys.exit(EXIT_ERROR)
    rows = model_rows(knowledge, pattern, provider)
    write_models(knowledge, rows, output_format, sys.stdout, provider, pattern)


def Console_stdout():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


if __name__ == "__main__":  # pragma: no cover
    main()
