"""A word-count service: POST text to /api/wordcount, get the counts of its words."""

import re
from collections import Counter

from flask import request

from bbc_web import create_app

app = create_app("web-app")

_WORD = re.compile(r"[\w']+")


@app.post("/api/wordcount")
def wordcount():
    top = request.args.get("top", "10")
    if not top.isdigit():
        return {"error": f"top must be a whole number of words, not {top!r}"}, 400
    text = request.get_data(as_text=True)
    counts = Counter(word.lower() for word in _WORD.findall(text))
    return {"words": sum(counts.values()), "top": [[w, n] for w, n in counts.most_common(int(top))]}
