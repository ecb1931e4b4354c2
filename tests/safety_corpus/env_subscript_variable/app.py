import os
from openai import OpenAI

for key, value in CONFIG.items():
    os.environ[key] = value
client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
