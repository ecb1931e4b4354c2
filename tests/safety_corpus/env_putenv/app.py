import os
from openai import OpenAI

os.putenv("OPENAI_BASE_URL", gateway)
client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
