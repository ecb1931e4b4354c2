import openai

reply = openai.chat.completions.create(model="gpt-4o", messages=[], max_tokens=500)
