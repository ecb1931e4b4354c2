from anthropic import Anthropic

client = Anthropic()
client.messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[], timeout=None)
