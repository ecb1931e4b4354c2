from pkg.llm import client

client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=300)
