from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model="gpt-4o", max_tokens=2048, **provider_settings)
