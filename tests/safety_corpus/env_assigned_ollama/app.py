import os

os.environ["OPENAI_BASE_URL"] = "http://localhost:11434/v1"
from openai import OpenAI

client = OpenAI(api_key="ollama")
client.chat.completions.create(model="llama3.1", messages=[], max_tokens=400)
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
