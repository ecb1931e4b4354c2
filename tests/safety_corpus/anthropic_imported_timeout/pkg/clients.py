from anthropic import Anthropic

claude = Anthropic(timeout=1200)
