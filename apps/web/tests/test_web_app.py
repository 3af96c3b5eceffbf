import pytest

from web_app import app


@pytest.fixture
def client():
    return app.test_client()


def test_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_wordcount_counts_words_case_insensitively(client):
    response = client.post("/api/wordcount?top=2", data="The cat and the hat. THE end")
    assert response.status_code == 200
    assert response.get_json() == {"words": 7, "top": [["the", 3], ["cat", 1]]}


def test_wordcount_of_nothing(client):
    assert client.post("/api/wordcount", data="").get_json() == {"words": 0, "top": []}


@pytest.mark.parametrize("top", ["abc", "-1", "2.5", ""])
def test_a_top_that_is_not_a_count_is_a_bad_request(client, top):
    response = client.post(f"/api/wordcount?top={top}", data="a b")
    assert response.status_code == 400
    assert "top must be a whole number of words" in response.get_json()["error"]
