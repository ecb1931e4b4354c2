from anthropic import Anthropic

client = Anthropic()


def run(**request_options):
    return client.messages.create(model="claude-opus-4-5", max_tokens=32000, messages=[], **request_options)
