from openai import AzureOpenAI

client = AzureOpenAI(azure_endpoint="https://contoso.openai.azure.com")
client.chat.completions.create(model="chat", messages=[], max_tokens=800)
