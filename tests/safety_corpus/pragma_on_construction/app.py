from openai import OpenAI

client = OpenAI(base_url=cfg.url)  # tokenfix: provider=ollama
client.chat.completions.create(model="llama3.1", messages=[], max_tokens=300)
