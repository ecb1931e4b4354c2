from openai import OpenAI

if USE_LOCAL:
    client = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
else:
    client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
