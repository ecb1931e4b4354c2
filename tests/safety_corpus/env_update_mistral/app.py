import os
from openai import OpenAI

os.environ.update({"OPENAI_BASE_URL": "https://api.mistral.ai/v1"})
client = OpenAI()
client.chat.completions.create(model="mistral-large-latest", messages=[], max_tokens=400)
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
