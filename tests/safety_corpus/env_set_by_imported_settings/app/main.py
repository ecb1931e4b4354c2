from app import settings  # noqa: F401 - sets the environment first
from openai import OpenAI

client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
