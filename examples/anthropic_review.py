"""Code review comments from Claude."""

import anthropic

client = anthropic.Anthropic()


def review(diff: str) -> str:
    message = client.messages.create(
        model="claude-opus-4-5-20251101",
        system="You review code.",
        messages=[{"role": "user", "content": diff}],
    )
    return message.content[0].text
