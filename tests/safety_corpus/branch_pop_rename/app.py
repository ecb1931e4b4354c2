from openai import OpenAI

client = OpenAI()


def ask(messages, n, reasoning):
    params = {"model": "gpt-4o", "messages": messages, "max_tokens": n}
    if reasoning:
        params["max_completion_tokens"] = params.pop("max_tokens")
    return client.chat.completions.create(**params)
