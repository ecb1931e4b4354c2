from openai import OpenAI


class Local:
    def __init__(self, url):
        self.client = OpenAI(api_key="ollama")
        self.client.base_url = url

    def ask(self, prompt):
        return self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}], max_tokens=300)


client = OpenAI()
client.base_url = "http://localhost:11434/v1"
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=100)
