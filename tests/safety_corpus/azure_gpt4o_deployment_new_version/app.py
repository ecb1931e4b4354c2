from openai import AzureOpenAI

# The deployment is named after the model family; the model version behind it is an Azure setting.
client = AzureOpenAI(azure_endpoint="https://contoso.openai.azure.com", api_version="2024-12-01-preview", api_key="k")
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=800)
client.chat.completions.create(model="prod-chat", messages=[], max_tokens=800)
