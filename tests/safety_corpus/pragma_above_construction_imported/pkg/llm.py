from openai import OpenAI

# tokenfix: provider=ollama
local = OpenAI(base_url=settings.OLLAMA_URL)
