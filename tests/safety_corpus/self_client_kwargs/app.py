from openai import OpenAI

class LLM:
    def __init__(self, **kwargs):
        self.client = OpenAI(**kwargs)

    def complete(self, messages):
        return self.client.chat.completions.create(model="o3-mini", messages=messages, max_tokens=4000)
