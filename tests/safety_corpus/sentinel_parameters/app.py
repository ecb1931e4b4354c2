from openai import NOT_GIVEN, NotGiven, OpenAI

client = OpenAI()


def ask(messages, max_tokens: int | NotGiven = NOT_GIVEN, max_completion_tokens: int | NotGiven = NOT_GIVEN):
    return client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=max_tokens,
                                          max_completion_tokens=max_completion_tokens)
