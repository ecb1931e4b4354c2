from openai import AzureOpenAI

client = AzureOpenAI(**azure_settings)
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=800)
