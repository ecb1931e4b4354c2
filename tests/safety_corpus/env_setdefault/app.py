import os
from openai import OpenAI

os.environ.setdefault("OPENAI_BASE_URL", "https://api.openai.com/v1")
client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
