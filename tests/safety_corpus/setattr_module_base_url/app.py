import openai

setattr(openai, "base_url", "http://localhost:11434/v1")
openai.chat.completions.create(model="gpt-4o", messages=[], max_tokens=16)
