from anthropic import Anthropic

client = Anthropic().with_options(timeout=600, max_retries=5)
client.messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[])
