from anthropic import Anthropic

client = Anthropic()
client.with_options(timeout=900).messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[])
