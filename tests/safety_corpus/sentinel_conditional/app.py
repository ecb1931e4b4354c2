from openai import NOT_GIVEN, OpenAI

client = OpenAI()


def ask(messages, reasoning, n):
    return client.chat.completions.create(
        model="gpt-4o",
        messages=messages,
        max_tokens=NOT_GIVEN if reasoning else n,
        max_completion_tokens=n if reasoning else NOT_GIVEN,
    )
