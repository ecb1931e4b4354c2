from openai import OpenAI

kw = load_settings()
client = OpenAI(**kw)
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=512)
