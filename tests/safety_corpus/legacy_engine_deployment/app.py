import openai

openai.api_type = "azure"


def chat(q):
    # openai 0.x: engine= names an Azure deployment; API versions before 2024-09-01-preview
    # reject max_completion_tokens
    return openai.ChatCompletion.create(engine="gpt-35-turbo", messages=[{"role": "user", "content": q}], max_tokens=16)


def chat_by_id(q):
    return openai.ChatCompletion.create(deployment_id="o3-mini-prod", messages=[], max_tokens=16)
