import anthropic

client = anthropic.Anthropic(**options)
client.messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[])
