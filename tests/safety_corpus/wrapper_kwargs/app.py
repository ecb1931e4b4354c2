from openai import OpenAI

client = OpenAI()


def chat(**kwargs):
    return client.chat.completions.create(**kwargs)


chat(model="gpt-4o", messages=[], max_tokens=300)
