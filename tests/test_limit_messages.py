"""A refused request (429) explains itself in words, never as the limit's rule ("5 per 1 minute")."""
from tests.conftest import soup


def test_a_limit_without_a_message_of_its_own_gets_the_plain_explanation(client, as_user, cast, rate_limits):
    as_user(cast.member)
    for i in range(5):
        client.post("/servers", data={"name": f"Spam {i}"})
    refused = client.post("/servers", data={"name": "One more"})
    assert refused.status_code == 429
    text = soup(refused).get_text()
    assert "Too many attempts. Wait a moment and try again." in text
    assert "per 1 minute" not in text
