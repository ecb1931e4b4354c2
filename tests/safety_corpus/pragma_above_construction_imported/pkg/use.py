from pkg.llm import local

local.chat.completions.create(model="qwen2.5:7b", messages=[], max_tokens=300)
