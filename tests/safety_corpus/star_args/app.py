from openai import OpenAI

args = ("k",)
client = OpenAI(*args)
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=256)
