from openai import OpenAI, omit

client = OpenAI()


def ask(messages, legacy_limit=None, limit=None):
    return client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=legacy_limit or omit,
                                          max_completion_tokens=limit or omit)
