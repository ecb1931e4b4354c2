from pkg.clients import claude

claude.messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[])
