from groq import AsyncGroq
from openai import OpenAI

client = OpenAI()
fast = AsyncGroq(api_key="k")


def ask(prompt):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}], max_tokens=500)


async def ask_fast(prompt):
    return await fast.chat.completions.create(model="llama-3.3-70b-versatile", messages=[], max_tokens=500)
