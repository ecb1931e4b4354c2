from dotenv import load_dotenv

load_dotenv("/etc/app/ollama.env")  # OPENAI_BASE_URL=http://localhost:11434/v1, outside the repository

from openai import OpenAI

OpenAI().chat.completions.create(model="gpt-4o", messages=[], max_tokens=16)
