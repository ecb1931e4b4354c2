from openai import OpenAI

client = OpenAI(base_url="http://0.0.0.0:4000", api_key="sk-1234")
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
