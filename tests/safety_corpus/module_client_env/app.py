import os
import openai

os.environ["OPENAI_BASE_URL"] = config["url"]
openai.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
