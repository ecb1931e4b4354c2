import os

# Every service of the app talks to the company's LiteLLM proxy.
os.environ["OPENAI_BASE_URL"] = "http://llm-proxy.internal:4000/v1"
