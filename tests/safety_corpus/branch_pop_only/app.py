from openai import OpenAI

client = OpenAI()


def ask(messages, n, unlimited):
    params = {"model": "gpt-4o", "messages": messages, "max_tokens": n}
    if unlimited:
        del params["max_tokens"]
    return client.chat.completions.create(**params)
