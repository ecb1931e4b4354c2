import httpx
from anthropic import Anthropic

client = Anthropic(timeout=httpx.Timeout(900.0, connect=5.0))
client.messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[])
