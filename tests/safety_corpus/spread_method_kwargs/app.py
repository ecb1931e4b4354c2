from openai import AsyncOpenAI


class Provider:
    def __init__(self, config):
        self.config = config
        self.client = AsyncOpenAI(**self._client_kwargs())

    def _client_kwargs(self):
        return {"api_key": self.config.key, "base_url": self.config.url}

    async def ask(self, prompt):
        return await self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}], max_tokens=1024)
