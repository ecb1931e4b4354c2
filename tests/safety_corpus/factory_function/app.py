from openai import OpenAI

def make_client(url):
    return OpenAI(base_url=url)


client = make_client(URL)
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
