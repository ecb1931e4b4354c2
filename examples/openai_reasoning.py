"""Summaries with an OpenAI reasoning model, and a gpt-4o fallback."""

from openai import AsyncOpenAI, OpenAI

SUMMARY_BUDGET = 4000


class Summarizer:
    def __init__(self) -> None:
        self.client = OpenAI()

    def summarize(self, text: str) -> str:
        response = self.client.chat.completions.create(
            model="gpt-5-mini",
            messages=[{"role": "user", "content": f"Summarise:\n{text}"}],
            max_tokens=SUMMARY_BUDGET,
        )
        return response.choices[0].message.content or ""


async def quick_answer(question: str) -> str:
    client = AsyncOpenAI()
    reply = await client.chat.completions.create(
        model="gpt-4o-2024-08-06",
        messages=[{"role": "user", "content": question}],
        max_tokens=1_000_000,
    )
    return reply.choices[0].message.content or ""


def draft(prompt: str) -> str:
    response = OpenAI().responses.create(model="gpt-4.1", input=prompt, max_tokens=800)
    return response.output_text
