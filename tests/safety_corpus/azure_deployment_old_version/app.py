from openai import AzureOpenAI

client = AzureOpenAI(azure_endpoint="https://contoso.openai.azure.com", api_version="2024-02-01", api_key="k")
client.chat.completions.create(model="my-gpt4o-deployment", messages=[], max_tokens=800)
