from openai import OpenAI

# `.with_options` is the SDK's alias of `.copy`: the copy goes to the local Ollama server.
local = OpenAI().with_options(base_url="http://localhost:11434/v1")
local.chat.completions.create(model="gpt-4o", messages=[], max_tokens=16)

client = OpenAI()
client.with_options(base_url="http://localhost:11434/v1").chat.completions.create(model="gpt-4o", messages=[], max_tokens=16)
OpenAI().copy(base_url="http://localhost:11434/v1").chat.completions.create(model="gpt-4o", messages=[], max_tokens=16)
