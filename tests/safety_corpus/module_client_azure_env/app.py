import openai

# With AZURE_OPENAI_* set, openai's module-level client is an AzureOpenAI client.
reply = openai.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
