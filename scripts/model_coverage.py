"""How many of the model ids real code names does the knowledge base know? (run by a maintainer)

    python scripts/model_coverage.py REPO_OR_FOLDER ...      # git directories or work trees
    python scripts/model_coverage.py --unknown 40 REPO ...   # and the 40 most used unknown ids

Reads the Python files of each tree (a bare git directory's HEAD, read with `git show`; a
folder's *.py files) with `ast`, takes every string constant shaped like a hosted model id
(a known family prefix, a digit, no spaces; not an embedding, image or speech model), and looks each up for every hosted provider: known if
one of them knows it. "curated" counts rules/models.toml alone, "all" adds the imported rows.
Nothing it reads is run. The figures go into the closing note of a knowledge-base change.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from codemods.knowledge import load  # noqa: E402

# Hosted model families real code names (an id of a self-hosted tag such as "llama3.1:8b" is a
# deployment setting and never known, so Ollama-style tags are left out of the count).
_ID = re.compile(
    r"^(?:[a-z0-9-]+/|[A-Za-z0-9._-]+/)?"
    r"(?:gpt-|chatgpt-|o[134](?:-|$)|claude-|anthropic\.claude|gemini-|deepseek|qwen|Qwen|glm-|GLM-|kimi-|moonshot-|grok-|"
    r"mistral-|mixtral-|codestral|magistral|open-mistral|llama-3|Llama-3|Meta-Llama|command-|sonar|text-davinci|davinci)"
    r"[A-Za-z0-9._:@/-]*$")


# not chat models, or not one model: embeddings, images, speech, a family prefix in a format string
_NOT_CHAT = re.compile(r"embed|image|tts|whisper|transcri|ocr|moderation|audio|realtime|dall-e|\{|%", re.I)


def _sources(tree: Path):
    """(path, bytes) of each Python file: a git directory's HEAD, or a folder's files."""
    if (tree / "HEAD").is_file() and (tree / "objects").is_dir():
        names = subprocess.run(["git", "--git-dir", str(tree), "ls-tree", "-r", "--name-only", "HEAD"],
                               capture_output=True, text=True, check=True).stdout.splitlines()
        for name in names:
            if name.endswith(".py"):
                blob = subprocess.run(["git", "--git-dir", str(tree), "show", f"HEAD:{name}"], capture_output=True)
                if blob.returncode == 0 and len(blob.stdout) < 2_000_000:
                    yield name, blob.stdout
        return
    for path in sorted(tree.rglob("*.py")):
        if path.is_file() and path.stat().st_size < 2_000_000:
            yield str(path), path.read_bytes()


def model_ids(data: bytes) -> list[str]:
    try:
        module = ast.parse(data)
    except (SyntaxError, ValueError):
        return []
    return [node.value for node in ast.walk(module)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 90 and _ID.match(node.value)
            and any(c.isdigit() for c in node.value) and node.value[-1] not in "-/." and not _NOT_CHAT.search(node.value)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--unknown", type=int, default=25, help="list this many of the most used ids still unknown")
    args = parser.parse_args()
    everything = load()
    curated = copy.copy(everything)
    curated._imported_data, curated._imported, curated._retirements = [], {}, {}
    hosted = [p.id for p in everything.providers.values() if not p.self_hosted]

    def known(knowledge, model_id: str) -> bool:
        return knowledge.find_model(model_id) is not None or any(knowledge.find_model(model_id, p) for p in hosted)

    uses: Counter = Counter()
    for tree in args.trees:
        found = Counter(i for _, data in _sources(tree) for i in model_ids(data))
        print(f"{tree}: {sum(found.values())} uses of {len(found)} ids")
        uses.update(found)
    ids = list(uses)
    before = {i for i in ids if known(curated, i)}
    after = {i for i in ids if known(everything, i)}
    total = sum(uses.values())
    print(f"\n{len(ids)} distinct ids, {total} uses")
    for label, chosen in (("curated", before), ("curated + imported", after)):
        print(f"  {label:20} {len(chosen)}/{len(ids)} ids ({len(chosen) / len(ids):.0%}), "
              f"{sum(uses[i] for i in chosen)}/{total} uses ({sum(uses[i] for i in chosen) / total:.0%})")
    print(f"\nmost used ids still unknown:")
    for model_id, count in sorted(((i, uses[i]) for i in ids if i not in after), key=lambda x: (-x[1], x[0]))[:args.unknown]:
        print(f"  {count:4}  {model_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
