from anthropic import Anthropic

client = Anthropic(timeout=900.0)
client.messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[])
