"""Abuse limits: wrong passwords per account and address, server creation, invitations."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invitation, Server
from app.services import passwords
from tests.conftest import PASSWORD, fresh, make_user, soup

OWNER_ADDRESS = {"REMOTE_ADDR": "192.0.2.10"}


def log_in_as(client, login: str, password: str, address: str):
    return client.post("/login", data={"login": login, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_failures_from_other_addresses_do_not_lock_the_owner_out(client, rate_limits):
    make_user("mia")
    from_one = [log_in_as(client, "mia", "wrong guess!", "203.0.113.1").status_code for _ in range(12)]
    from_many = [log_in_as(client, "mia", "wrong guess!", f"203.0.113.{i}").status_code for i in range(2, 14)]
    assert from_one == [401] * 10 + [429] * 2
    assert from_many == [401] * 12
    owner = client.post("/login", data={"login": "mia", "password": PASSWORD}, environ_base=OWNER_ADDRESS)
    assert owner.status_code == 303


def test_the_username_and_the_email_share_one_counter(client, rate_limits):
    make_user("mia")
    codes = [log_in_as(client, login, "wrong guess!", "203.0.113.1").status_code
             for login in ["mia", "MIA@example.com"] * 5 + [" Mia@Example.com ", "mia"]]
    assert codes == [401] * 10 + [429, 429]


def test_an_unknown_login_is_counted_by_its_folded_text(client, rate_limits):
    codes = [log_in_as(client, login, "wrong guess!", "203.0.113.1").status_code
             for login in ["Ghost"] * 5 + ["GHOST"] * 5 + ["ghost"]]
    assert codes == [401] * 10 + [429]


def test_successful_logins_do_not_count_against_the_owner(client, rate_limits):
    make_user("mia")
    codes = []
    for _ in range(12):
        codes.append(client.post("/login", data={"login": "mia", "password": PASSWORD},
                                 environ_base=OWNER_ADDRESS).status_code)
        client.post("/logout")
    assert codes == [303] * 12
    assert log_in_as(client, "mia", "wrong guess!", OWNER_ADDRESS["REMOTE_ADDR"]).status_code == 401


def test_an_account_has_a_cap_across_all_addresses(client, rate_limits, monkeypatch):
    make_user("mia")
    monkeypatch.setattr(passwords, "check_password_hash", lambda stored, given: False)  # fast wrong answers
    codes = [log_in_as(client, "mia", "wrong guess!", f"198.51.{i // 200}.{i % 200}").status_code
             for i in range(101)]
    assert codes == [401] * 100 + [429]


def test_server_creation_is_limited_per_user(client, as_user, cast, rate_limits):
    as_user(cast.member)
    codes = [client.post("/servers", data={"name": f"Spam {i}"}).status_code for i in range(7)]
    assert codes == [303] * 5 + [429] * 2
    refused = client.post("/servers", data={"name": "One more"}, headers={"HX-Request": "true"})
    assert refused.status_code == 429
    assert soup(refused).select_one(".toast")["data-status"] == "429"
    fresh()
    assert db.session.scalar(select(func.count(Server.id)).where(Server.owner_id == cast.member.id)) == 5
    as_user(cast.admin)
    assert client.post("/servers", data={"name": "Someone else's"}).status_code == 303


def test_invitations_by_username_and_by_link_share_a_limit(client, as_user, cast, rate_limits):
    targets = [make_user(f"guest{i}") for i in range(7)]
    as_user(cast.member)
    base = f"/servers/{cast.server.id}"
    codes = [client.post(f"{base}/invitations", data={"username": user.username}).status_code for user in targets]
    codes += [client.post(f"{base}/invites", data={}).status_code for _ in range(4)]
    assert codes == [200] * 7 + [200] * 3 + [429]
    assert client.post(f"{base}/invitations", data={"username": "oscar"}).status_code == 429
    fresh()
    assert db.session.scalar(select(func.count(Invitation.id))) == 10
    as_user(cast.owner)
    assert client.post(f"{base}/invitations", data={"username": "oscar"}).status_code == 200
