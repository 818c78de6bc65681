"""Every route and method, fed hostile input, answers a clear 4xx or a sensible 2xx/3xx: never a 500.

The routes come from `app.url_map`, so a new route is walked without editing this file.
"""
import re
from urllib.parse import quote, urlsplit

import pytest

import configuracion
from app import create_app
from app.extensions import db
from app.models import Notification
from app.services import invitations, passwords
from tests.conftest import HTMX, log_in, soup

# A real id of the cast for each <int:...> name; other names get the server's id.
ID_OF = {
    "server_id": lambda cast, ids: cast.server.id,
    "channel_id": lambda cast, ids: cast.channel.id,
    "message_id": lambda cast, ids: ids["message"],
    "user_id": lambda cast, ids: cast.member.id,
    "invitation_id": lambda cast, ids: ids["invitation"],
    "notification_id": lambda cast, ids: ids["notification"],
}
QUERY_PARAMETERS = ("before", "after", "page", "up_to", "q", "next")
TEXT_PARAMETERS = ("q", "next")
NUMBERS = {
    "superscript two": "\u00b2",
    "2**63 - 1": str(2**63 - 1),
    "2**63": str(2**63),
    "2**64": str(2**64),
    "10**30": str(10**30),
    "over-long number": "9" * 5000,
}
TEXTS = {
    "U+10FFFF": "\U0010ffff",
    "U+D7FF": "\ud7ff",
    "over-long text": "/" + "a" * 5000,
    "control characters": "/\x00\r\nSet-Cookie: x=1",
}
# Ids a path may carry in place of a number, besides those above.
PATH_ONLY = {"arabic-indic three": "\u0663", "negative": "-1"}
# Bytes that are not UTF-8, sent raw (a WSGI environ holds them as latin-1 text).
RAW_BYTES = {"raw 0xff": "\xff", "raw 0xf4 0x90": "\xf4\x90\x80\x80"}
ERROR_STATUSES = {400, 403, 404, 405, 409, 410, 413, 429}
RULE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def walked_routes(app):
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def baseline_path(rule: str, cast, ids, replace: str | None = None, value: str | None = None) -> str:
    """`rule` with a real id of the cast for every <int:...>; the argument `replace` set to `value`."""
    def argument(match):
        converter, name = match.groups()
        if name == replace:
            return quote(value, safe="")
        if converter == "int":
            return str(ID_OF.get(name, lambda c, i: c.server.id)(cast, ids))
        return "css/app.css" if converter == "path" else "x"
    return RULE_ARGUMENT.sub(argument, rule)


def variants(rule: str, cast, ids):
    """(label, path, environ): the baseline, then each path argument hostile, then for each hostile
    value: every query parameter at once, the text parameters alone (a number refused first would
    hide them), and Last-Event-ID alone (it hides ?after=)."""
    path = baseline_path(rule, cast, ids)
    yield "baseline", path, {}
    for _converter, name in RULE_ARGUMENT.findall(rule):
        for label, value in {**NUMBERS, **TEXTS, **PATH_ONLY}.items():
            yield f"<{name}> = {label}", baseline_path(rule, cast, ids, name, value), {}
        for label, value in RAW_BYTES.items():
            raw_path = baseline_path(rule, cast, ids, name, "RAW").replace("RAW", value)
            yield f"<{name}> = {label}", path, {"PATH_INFO": raw_path}
    for label, value in {**NUMBERS, **TEXTS, **RAW_BYTES}.items():
        encoded = value if label in RAW_BYTES else quote(value, safe="")
        yield f"every parameter = {label}", path, {"QUERY_STRING": "&".join(
            f"{parameter}={encoded}" for parameter in QUERY_PARAMETERS)}
        yield f"text parameters = {label}", path, {"QUERY_STRING": "&".join(
            f"{parameter}={encoded}" for parameter in TEXT_PARAMETERS)}
        if "\n" not in value:
            yield f"Last-Event-ID: {label}", path, {"HTTP_LAST_EVENT_ID": value}


def problem_with(response, htmx: bool) -> str | None:
    """What is wrong with an answer to hostile input, or None when it is a clear 4xx or a sensible 2xx/3xx."""
    status = response.status_code
    if status >= 500:
        return f"status {status}"
    if 300 <= status < 400:
        location = urlsplit(response.headers.get("Location", ""))
        if location.netloc not in ("", "localhost") or not location.path.startswith("/"):
            return f"redirect off the site: {response.headers.get('Location')!r}"
    if status == 401 and not (response.headers.get("HX-Redirect", "").startswith("/login")
                              or soup(response).select_one("form input[type=password]")):
        return "401 that is neither the login form nor HX-Redirect to it"
    if status in ERROR_STATUSES and response.mimetype == "text/html":
        page = soup(response)
        if htmx:
            toast = page.select_one(".toast[role=alert]")
            if toast is None or toast.get("data-status") != str(status):
                return f"{status} without an error toast"
        elif page.select_one(".error-code") is None or page.select_one(".error-code").text != str(status):
            return f"{status} without the styled error page"
    if status >= 400 and status not in ERROR_STATUSES | {401, 422}:
        return f"unexpected status {status}"
    return None


def send(client, method: str, path: str, environ: dict, htmx: bool):
    """One request; a stream is closed after its status, never read to the end."""
    headers = dict(HTMX, **{"HX-Current-URL": "http://localhost/"}) if htmx else {}
    response = client.open(path, method=method, headers=headers, environ_overrides=environ,
                           data={} if method != "GET" else None)
    if response.mimetype != "text/event-stream":
        response.get_data()
    response.close()
    return response


@pytest.fixture(autouse=True)
def quick_password_checks(monkeypatch):
    """The walker sends no right password: skip the deliberately slow hash."""
    monkeypatch.setattr(passwords, "verify", lambda password_hash, password: False)


@pytest.fixture
def ids(cast):
    message = cast.post(cast.member, "hello")
    cast.post(cast.owner, "@mia welcome")
    link = invitations.create_link(cast.owner, cast.server.id, {})
    notification = db.session.scalar(db.select(Notification.id).where(Notification.user_id == cast.member.id))
    assert notification is not None
    return {"message": message.id, "invitation": link.id, "notification": notification}


def routes_of_a_fresh_app():
    """The routes, read before any fixture runs (to name the tests)."""
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        RATELIMIT_ENABLED = False  # as the suite's app: the limiter is shared

    return walked_routes(create_app(Config))


@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize("rule, method", routes_of_a_fresh_app(), ids=lambda value: str(value))
def test_hostile_input_never_gets_a_500(app, client, cast, ids, who, rule, method):
    problems = []
    for label, path, environ in variants(rule, cast, ids):
        for htmx in (False, True):
            if who == "member":
                log_in(client, cast.member)  # again: a walked route may have logged out
            response = send(client, method, path, environ, htmx)
            problem = problem_with(response, htmx)
            if problem:
                problems.append(f"{method} {path[:80]} [{label}, {'htmx' if htmx else 'plain'}]: {problem}")
    assert not problems, "\n".join(problems[:40])


def test_every_route_is_walked(app):
    assert walked_routes(app) == routes_of_a_fresh_app()


@pytest.mark.parametrize("query", ["before=\u00b2", f"before={2**63}", "before=1e3", "before=-1",
                                   "before=" + "9" * 5000],
                         ids=["superscript", "2**63", "exponent", "negative", "over-long"])
def test_a_malformed_number_in_the_address_is_a_400_page(client, as_user, cast, query):
    as_user(cast.member)
    response = client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}?{query}")
    assert response.status_code == 400
    assert soup(response).select_one("h1").text == "Bad request"


def test_the_largest_id_is_looked_up_and_a_larger_one_matches_no_route(client, as_user, cast):
    as_user(cast.member)
    assert client.get(f"/servers/{2**63 - 1}").status_code == 404
    assert client.get(f"/servers/{2**63}").status_code == 404
    assert client.get(f"/servers/{cast.server.id:05d}").status_code == 200  # leading zeros are still the id


def test_a_search_for_the_last_code_point_answers(client, as_user, cast):
    as_user(cast.member)
    response = client.get("/explore?q=%F4%8F%BF%BF")
    assert response.status_code == 200 and "Book Club" not in response.get_data(as_text=True)
    assert "Book Club" in client.get("/explore?q=book").get_data(as_text=True)
    assert client.get(f"/explore?q=book&page={2**63}").status_code == 400


def test_a_tab_with_a_garbled_last_event_id_is_refused(client, as_user, cast):
    as_user(cast.member)
    response = client.get("/events/stream", headers={"Last-Event-ID": "\xb2"})
    response.close()
    assert response.status_code == 400
