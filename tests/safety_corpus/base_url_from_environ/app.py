import os
from openai import OpenAI

client = OpenAI(base_url=os.environ["LLM_BASE_URL"])
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
