import os
from openai import OpenAI

os.environ["OPENAI_BASE_URL"] = settings.llm_url
client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
