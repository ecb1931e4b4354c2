"""The maintainers' scripts: the long fuzzing run says what it does while it runs."""

from __future__ import annotations

import importlib.util
import sys
import time

from conftest import ROOT


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fuzz_prints_each_line_as_it_comes_and_a_heartbeat_while_quiet(monkeypatch) -> None:
    """A run of hours printed nothing until it ended: now a line is shown when pytest writes it,
    and a "still running" line while it is quiet."""
    fuzz = _load("fuzz")
    shown: list[tuple[float, str]] = []
    monkeypatch.setattr(fuzz, "HEARTBEAT", 0.3)
    monkeypatch.setattr(fuzz, "print", lambda text="", **_: shown.append((time.perf_counter(), text)), raising=False)
    child = "import time; print('first', flush=True); time.sleep(1.5); print('second', flush=True)"
    started = time.perf_counter()
    output, code = fuzz.stream([sys.executable, "-c", child], {}, started)
    assert code == 0 and output == "first\nsecond\n"
    first = next(t for t, text in shown if text.endswith("first\n"))
    second = next(t for t, text in shown if text.endswith("second\n"))
    assert second - first > 1.0  # the first line was shown before the child ended
    assert any("still running" in text for t, text in shown if first < t < second)
