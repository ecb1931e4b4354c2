from openai import OpenAI

client = OpenAI()


def ask(messages, n, new_api):
    return client.chat.completions.create(model="gpt-4o", messages=messages,
                                          max_tokens=None if new_api else n,
                                          max_completion_tokens=n if new_api else None)
