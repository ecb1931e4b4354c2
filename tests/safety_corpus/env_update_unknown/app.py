import os
from openai import OpenAI

os.environ.update(load_env_file())
client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
