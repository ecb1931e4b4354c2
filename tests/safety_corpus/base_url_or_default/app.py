from openai import OpenAI

client = OpenAI(base_url=settings.base_url or "https://api.openai.com/v1")
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
