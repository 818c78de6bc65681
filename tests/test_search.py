"""Server search: folding, ranking, pagination, privacy, member counts."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ROLE_MEMBER, Server
from app.services import search
from app.services import servers as server_service
from tests.conftest import PASSWORD, fresh, htmx_headers, make_user, soup


def names(response) -> list[str]:
    return [p.text for p in soup(response).select(".search-result .result-name")]


@pytest.fixture
def owner():
    return make_user("founder")


def test_fold_ignores_case_and_accents():
    assert search.fold("  Café   CENTRAL ") == "cafe central"
    assert search.fold("Ñandú Straße") == "nandu strasse"
    assert search.terms("Café-Central, ¡olé!") == {"cafe", "central", "ole"}


def test_cafe_finds_cafe_and_prefix_matches_come_first(client, as_user, owner):
    for name in ("Un Café Central", "Café Central", "Cafeteria", "Decaf"):
        server_service.create_server(owner, {"name": name, "description": f"About {name}", "visibility": "public"})
    as_user(make_user("seeker"))
    response = client.get("/explore", query_string={"q": "CAFE"})
    assert names(response) == ["Café Central", "Cafeteria", "Un Café Central"]
    first = soup(response).select_one(".search-result")
    assert first.select_one(".result-description").text == "About Café Central"
    assert first.select_one(".member-count").text == "1 member"
    assert first.select_one("form button").text == "Join"
    assert sorted(names(client.get("/explore", query_string={"q": "central"}))) == ["Café Central", "Un Café Central"]
    assert names(client.get("/explore", query_string={"q": "café cen"})) == ["Café Central", "Un Café Central"]
    assert names(client.get("/explore", query_string={"q": "decaf"})) == ["Decaf"]


def test_private_servers_are_hidden_from_non_members(client, as_user, owner):
    hidden = server_service.create_server(owner, {"name": "Secret Club"})
    hidden.is_public = False
    db.session.commit()
    as_user(make_user("seeker"))
    assert names(client.get("/explore", query_string={"q": "secret"})) == []
    assert client.post(f"/servers/{hidden.id}/join").status_code == 404
    as_user(owner)
    assert names(client.get("/explore", query_string={"q": "secret"})) == ["Secret Club"]


def test_results_page_and_more(client, as_user, owner):
    for i in range(25):
        server_service.create_server(owner, {"name": f"Book Club {i:02d}", "visibility": "public"})
    as_user(make_user("reader"))
    first = client.get("/explore", query_string={"q": "book"})
    assert len(names(first)) == 20
    more = soup(first).select_one("#search-more-2 a")
    assert more["href"] == "/explore?q=book&page=2"
    second = client.get(more["hx-get"], headers=htmx_headers("li#search-more-2"))
    assert len(names(second)) == 5 and soup(second).select_one(".search-more") is None
    assert soup(second).select_one("#search-results") is None


def test_htmx_search_returns_the_results_region_and_empty_state(client, as_user, owner):
    server_service.create_server(owner, {"name": "Chess", "visibility": "public"})
    as_user(make_user("seeker"))
    found = soup(client.get("/explore?q=che", headers=htmx_headers("div#search-results")))
    assert found.select_one("html") is None and found.select_one("div#search-results .search-result")
    empty = client.get("/explore?q=zzz", headers=htmx_headers("div#search-results"))
    assert "No servers match" in soup(empty).select_one("#search-empty").text
    page = soup(client.get("/explore?q=che"))
    box = page.select_one("form[role=search] input[name=q]")
    assert box["value"] == "che" and box["hx-trigger"].startswith("input changed delay:")
    assert box["hx-replace-url"] == "true"


def test_joining_opens_the_server_and_counts_stay_right(client, as_user, owner, app):
    server = server_service.create_server(owner, {"name": "Runners", "visibility": "public"})
    runner = make_user("runner")
    as_user(runner)
    response = client.post(f"/servers/{server.id}/join")
    assert response.headers["Location"] == f"/servers/{server.id}"
    assert client.post(f"/servers/{server.id}/join").status_code == 303  # twice: still one membership
    fresh()
    assert db.session.scalar(select(Server.member_count).where(Server.id == server.id)) == 2
    result = soup(client.get("/explore?q=run")).select_one(".search-result")
    assert result.select_one("a.button").text == "Open"
    client.post(f"/servers/{server.id}/leave")
    fresh()
    assert db.session.scalar(select(Server.member_count).where(Server.id == server.id)) == 1
    client.post(f"/servers/{server.id}/join")
    client.post("/profile/delete", data={"password": PASSWORD})
    fresh()
    assert db.session.scalar(select(Server.member_count).where(Server.id == server.id)) == 1
    other = make_user("walker")
    server_service.add_member(other, db.session.get(Server, server.id), role=ROLE_MEMBER)
    db.session.commit()
    as_user(owner)
    assert soup(client.get("/explore?q=run")).select_one(".member-count").text == "2 members"
