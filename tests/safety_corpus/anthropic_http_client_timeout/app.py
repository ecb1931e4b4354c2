import httpx
from anthropic import Anthropic

# The SDK adopts the http_client's own timeout when none is passed: the non-streaming cap is lifted.
client = Anthropic(http_client=httpx.Client(timeout=httpx.Timeout(1800.0)))
client.messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[])
