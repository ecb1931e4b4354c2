"""The tokenfix CLI with one fault injected, for tests that need a real process.

    python tests/fault_harness.py FAULT [ARG] -- tokenfix-arguments...

Faults are injected at the system-call boundary tokenfix relies on (the temporary file, the
rename, the read, the moment before a write), so the tests see what a user would see when the
disk, the permissions or another process get in the way. Running as root (as CI does), a
real permission error cannot be provoked with chmod; injecting it here works for any user.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile


def _raise(error: int):
    def fail(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    return fail


def install(fault: str, arg: str) -> None:
    import codemods.run.runner as runner
    from codemods.run.write import TEMP_SUFFIX

    if fault == "mkstemp-eacces":  # the folder cannot take a new file
        tempfile.mkstemp = lambda *a, **k: (_ for _ in ()).throw(PermissionError(errno.EACCES, os.strerror(errno.EACCES)))
    elif fault == "replace-eacces":  # the rename is refused
        real_replace = os.replace

        def replace(src, dst, *a, **k):
            if str(src).endswith(TEMP_SUFFIX):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
            return real_replace(src, dst, *a, **k)

        os.replace = replace
    elif fault == "fsync-enospc":  # the disk fills up after part of the file was written
        os.fsync = _raise(errno.ENOSPC)
    elif fault == "fsync-interrupt":  # Ctrl-C arrives while a file is being written
        def interrupt(fd):
            raise KeyboardInterrupt

        os.fsync = interrupt
    elif fault == "read-eacces":  # one file cannot be read (runner.read_source: where the tree's files are read)
        real_read = runner.read_source

        def read_source(path, *a, **k):
            if path.name == arg:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_read(path, *a, **k)

        runner.read_source = read_source
    elif fault in ("edit-before-write", "swap-before-write"):
        # Another process acts on the tree after tokenfix read a file and before it writes it.
        real_write = runner.atomic_write

        def write(path, data, expected, *a, **k):
            if fault == "edit-before-write":
                with open(path, "ab") as handle:
                    handle.write(b"# edited meanwhile\n")
            else:  # ARG is FOLDER=TARGET: the file's folder becomes a symlink to TARGET
                folder, target = arg.split("=")
                os.rename(folder, folder + ".moved")
                os.symlink(target, folder)
            return real_write(path, data, expected, *a, **k)

        runner.atomic_write = write
    else:
        raise SystemExit(f"fault_harness: unknown fault {fault!r}")


def main() -> None:
    split = sys.argv.index("--")
    fault, *rest = sys.argv[1:split]
    install(fault, rest[0] if rest else "")
    from codemods.cli import main as cli

    cli(sys.argv[split + 1:], prog_name="tokenfix")


if __name__ == "__main__":
    main()
