"""Registration, login, logout and the login requirement."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User, UserSession
from tests.conftest import PASSWORD, fresh, htmx_headers, log_in, make_user, soup

VALID = {
    "username": "new.user_1", "email": "New.User@Example.com", "display_name": "New User",
    "first_name": "New", "last_name": "User", "birth_date": "1999-04-01", "password": "a long passphrase",
}


def test_register_logs_in_and_lands_on_avatar_step(client):
    response = client.post("/register", data=VALID)
    assert response.status_code == 303
    assert response.headers["Location"] == "/welcome"
    page = soup(client.get("/welcome"))
    assert "New User" in page.select_one("h1").text
    assert page.select_one(".avatar-preview .avatar").text.strip() == "NU"
    step = page.select_one("section#profile-avatar form")
    assert step["action"] == "/profile/avatar" and step["enctype"] == "multipart/form-data"
    assert step.select_one("input[type=file][name=avatar]")["accept"].startswith("image/jpeg")
    assert step.select_one("input[name=next]")["value"] == "/"
    assert [a.text for a in page.select("main a.button")] == ["Skip for now", "Continue to Charla"]
    user = db.session.scalar(select(User).where(User.username == "new.user_1"))
    assert user.email == "new.user@example.com"
    assert user.password_hash != VALID["password"] and user.password_hash.startswith("scrypt:")


@pytest.mark.parametrize("field, value, message", [
    ("username", "ab", "3 to 32 characters"),
    ("username", "bad name!", "3 to 32 characters"),
    ("username", "x" * 33, "3 to 32 characters"),
    ("email", "not-an-email", "valid email"),
    ("display_name", "", "Display name is required"),
    ("first_name", "", "First name is required"),
    ("last_name", "x" * 65, "at most 64"),
    ("birth_date", "", "birth date"),
    ("birth_date", "2999-01-01", "real birth date"),
    ("password", "short", "at least 8"),
    ("password", "password123", "too easy to guess"),
    ("password", "new.user_1", "too easy to guess"),
])
def test_register_shows_inline_errors_and_keeps_values(client, field, value, message):
    data = dict(VALID, **{field: value})
    response = client.post("/register", data=data)
    assert response.status_code == 422
    page = soup(response)
    error = page.select_one(f"#f-e-{field}")
    assert error is not None and message.lower() in error.text.lower()
    assert page.select_one(f"#f-{field}")["aria-invalid"] == "true"
    kept = "display_name" if field != "display_name" else "first_name"
    assert page.select_one(f"#f-{kept}")["value"] == data[kept]
    assert page.select_one("#f-password")["value"] == ""
    assert db.session.scalar(select(User.id)) is None


def test_username_and_email_are_unique_regardless_of_case(client):
    make_user("Taken")
    response = client.post("/register", data=dict(VALID, username="tAKEN"))
    assert "taken" in soup(response).select_one("#f-e-username").text
    response = client.post("/register", data=dict(VALID, email="TAKEN@example.com"))
    assert "already exists" in soup(response).select_one("#f-e-email").text


@pytest.mark.parametrize("login", ["mia", "MIA", "mia@example.com", " Mia@Example.com "])
def test_login_by_username_or_email(client, login):
    make_user("mia")
    response = client.post("/login", data={"login": login, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_failure_does_not_tell_which_part_was_wrong(client):
    make_user("mia")
    wrong_password = client.post("/login", data={"login": "mia", "password": "nope nope nope"})
    unknown_user = client.post("/login", data={"login": "nobody", "password": PASSWORD})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert soup(wrong_password).select_one("#login-error").text == soup(unknown_user).select_one("#login-error").text
    assert soup(unknown_user).select_one("#f-login")["value"] == "nobody"
    assert soup(unknown_user).select_one("a[href='/register']") is not None


@pytest.mark.parametrize("next_url, expected", [
    ("/servers/1", "/servers/1"),
    ("//evil.com", "/"),
    ("https://evil.com", "/"),
    ("/\\evil.com", "/"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_login_next_only_to_local_paths(client, next_url, expected):
    make_user("mia")
    response = client.post("/login", query_string={"next": next_url}, data={"login": "mia", "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_remember_me_sets_a_httponly_cookie(client):
    make_user("mia")
    response = client.post("/login", data={"login": "mia", "password": PASSWORD, "remember": "1"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]
    session_cookie = [c for c in cookies if c.startswith("session=")][0]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_logout_is_a_post(client):
    user = make_user("mia")
    log_in(client, user)
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_logout_ends_the_session_on_the_server(client, app):
    """A copy of the cookies taken before logging out (or a stolen one) no longer works."""
    make_user("mia")
    client.post("/login", data={"login": "mia", "password": PASSWORD, "remember": "1"})
    assert client.get("/").status_code == 200
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    assert client.post("/logout").status_code == 303
    for cookies in ({"session": session_cookie}, {"remember_token": remember_cookie}):
        thief = app.test_client()
        for name, value in cookies.items():
            thief.set_cookie(name, value)
        response = thief.get("/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), cookies
    fresh()
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_a_remember_me_cookie_alone_signs_in_while_its_session_lives(client, app):
    make_user("mia")
    client.post("/login", data={"login": "mia", "password": PASSWORD, "remember": "1"})
    later = app.test_client()
    later.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert later.get("/").status_code == 200


def test_sessions_of_other_browsers_survive_a_logout(client, app):
    user = make_user("mia")
    other = app.test_client()
    log_in(other, user)
    log_in(client, user)
    client.post("/logout")
    assert other.get("/").status_code == 200


def test_anonymous_plain_request_goes_to_login_with_next(client):
    response = client.get("/servers/5/channels/7")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/servers/5/channels/7"


def test_anonymous_htmx_request_is_redirected_not_swapped(client):
    headers = htmx_headers("main#messages-column")
    headers["HX-Current-URL"] = "http://localhost/servers/5"
    response = client.get("/servers/5/channels/7", headers=headers)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/servers/5"
    assert response.get_data() == b""


def test_logged_in_user_visiting_login_goes_home(client):
    log_in(client, make_user("mia"))
    assert client.get("/login").headers["Location"] == "/"
    assert client.get("/register").headers["Location"] == "/"


def test_wrong_passwords_are_limited_per_account_and_address(client, rate_limits):
    make_user("mia")
    responses = [client.post("/login", data={"login": "mia", "password": "wrong guess!"},
                             environ_base={"REMOTE_ADDR": "10.0.0.1"}) for i in range(11)]
    assert [r.status_code for r in responses[:10]] == [401] * 10
    assert responses[10].status_code == 429
    assert soup(responses[10]).select_one("h1").text == "Slow down"
    elsewhere = client.post("/login", data={"login": "mia", "password": "wrong guess!"},
                            environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert elsewhere.status_code == 401
    other = client.post("/login", data={"login": "someone-else", "password": "wrong guess!"},
                        environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert other.status_code == 401


def test_login_is_rate_limited_per_address(client, rate_limits):
    statuses = [client.post("/login", data={"login": f"user{i}", "password": "wrong guess!"}).status_code
                for i in range(21)]
    assert statuses[:20] == [401] * 20 and statuses[20] == 429


def test_unknown_login_spends_a_password_check_like_a_wrong_password(client, monkeypatch):
    from app.services import passwords
    make_user("mia")
    checked = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    client.post("/login", data={"login": "nobody", "password": "whatever!"})
    client.post("/login", data={"login": "mia", "password": "whatever!"})
    assert len(checked) == 2
    assert checked[0].split("$")[0] == checked[1].split("$")[0]  # same scheme and cost
