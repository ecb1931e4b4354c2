from anthropic import Anthropic

client = Anthropic()


def run(stream: bool):
    return client.messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[], stream=stream)
