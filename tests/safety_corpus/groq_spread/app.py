from groq import Groq

client = Groq(**groq_kwargs)
client.chat.completions.create(model="llama-3.3-70b-versatile", messages=[], max_tokens=99999999)
