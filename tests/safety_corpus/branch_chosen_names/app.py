from openai import OpenAI

client = OpenAI()


def ask(model, messages, n):
    params = {"model": model, "messages": messages}
    if model.startswith(("o1", "o3", "gpt-5")):
        params["max_completion_tokens"] = n
    else:
        params["max_tokens"] = n
    return client.chat.completions.create(**params)
