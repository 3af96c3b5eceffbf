"""The word-count service, called from the host on its published port."""

import pytest


@pytest.fixture
def web(image, containers):
    port = int(dict(e.split("=", 1) for e in image.attrs["Config"]["Env"])["PORT"])
    started = containers.start(ports=[port])
    started.wait_for_http("/healthz", port=port)
    return lambda path, **kw: started.http(path, port=port, **kw)


def test_counts_the_words_of_a_text(web):
    answer = web("/api/wordcount?top=2", method="POST", data="The cat and the hat. The end.")
    assert answer.status == 200
    assert answer.json() == {"words": 7, "top": [["the", 3], ["cat", 1]]}


def test_a_bad_top_is_a_bad_request(web):
    answer = web("/api/wordcount?top=many", method="POST", data="a b c")
    assert answer.status == 400
    assert "top must be a whole number" in answer.json()["error"]
