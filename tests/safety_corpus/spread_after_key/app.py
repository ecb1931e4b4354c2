from openai import OpenAI

def build(key, extra):
    client = OpenAI(api_key=key, **extra)
    return client.chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=256)
