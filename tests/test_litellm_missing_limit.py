"""TOK012 on LiteLLM's own completion(): the limit the library fills in for Anthropic depends on
the release the project allows (rules/surfaces.toml missing_limit_until), read from its files."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import tokenfix

CALL = '''import litellm


def answer(question: str) -> str:
    reply = litellm.completion(model="{model}", messages=[{{"role": "user", "content": question}}])
    return reply.choices[0].message.content
'''


def _project(tmp_path: Path, files: dict[str, str], model: str = "anthropic/claude-opus-4-5") -> Path:
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "app.py").write_text(CALL.format(model=model))
    return tmp_path


@pytest.mark.parametrize("files,shown", [
    ({"requirements.txt": "litellm>=1.40.0\n"}, "requirements.txt allows litellm 1.40.0, and litellm before 1.81.0 then sends 4,096"),
    ({"pyproject.toml": '[project]\ndependencies = ["litellm>=1.81.0"]\n',
      "uv.lock": '[[package]]\nname = "litellm"\nversion = "1.80.5"\n'}, "uv.lock pins litellm 1.80.5"),
])
def test_a_release_that_sends_4096_is_reported_with_its_origin(tmp_path: Path, files: dict, shown: str) -> None:
    root = _project(tmp_path, files)
    result = tokenfix("check", "app.py", cwd=root)
    out = result.stdout.decode()
    assert result.returncode == 1, out + result.stderr.decode()
    assert "app.py:5:13: TOK012 warning: claude-opus-4-5-20251101 needs an output limit on Anthropic's own API" in out
    assert shown in out and "below its max output of 64,000" in out
    fixed = tokenfix("fix", "--unsafe-fixes", "app.py", cwd=root)
    assert fixed.returncode == 0, fixed.stdout.decode() + fixed.stderr.decode()
    assert 'messages=[{"role": "user", "content": question}], max_tokens=32768)' in (root / "app.py").read_text()


@pytest.mark.parametrize("files,model", [
    ({}, "anthropic/claude-opus-4-5"),  # nothing declared: a current release, which sends the model's max output
    ({"requirements.txt": "litellm>=1.81.0\n"}, "anthropic/claude-opus-4-5"),
    ({"requirements.txt": "litellm==1.60.0\n"}, "bedrock/anthropic.claude-opus-4-5-20251101-v1:0"),  # another route, not read
    ({"requirements.txt": "litellm==1.60.0\n"}, "gpt-4o"),  # OpenAI's API needs no limit
])
def test_a_release_that_sends_the_models_max_or_another_route_is_left_alone(tmp_path: Path, files: dict, model: str) -> None:
    root = _project(tmp_path, files, model)
    result = tokenfix("check", "app.py", cwd=root)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
