"""The quick switcher (Ctrl+K): your servers and channels by name, and the shortcuts page."""
from app.extensions import db
from app.models import Channel
from app.services import servers as server_service
from app.services import switcher
from tests.conftest import htmx_headers, make_user, soup


def names(destinations):
    return [d.channel_name or d.server_name for d in destinations]


def add_channel(server, name, position):
    channel = Channel(server_id=server.id, name=name, position=position)
    db.session.add(channel)
    db.session.commit()
    return channel


def test_finds_servers_and_channels_by_the_start_of_a_name_in_any_case(cast):
    assert names(switcher.find_destinations(cast.member, "gen")) == ["general"]
    assert names(switcher.find_destinations(cast.member, "BOOK")) == ["Book Club"]
    # A word inside the name counts too.
    assert names(switcher.find_destinations(cast.member, "club")) == ["Book Club"]


def test_accents_do_not_matter_either_way(cast):
    cafe = server_service.create_server(cast.member, {"name": "Café Central"})
    add_channel(cafe, "noticias", 1)
    assert names(switcher.find_destinations(cast.member, "cafe")) == ["Café Central"]
    assert names(switcher.find_destinations(cast.member, "CAFÉ")) == ["Café Central"]
    assert names(switcher.find_destinations(cast.member, "notícias")) == ["noticias"]


def test_only_my_servers_and_their_channels(cast):
    stranger = make_user("stella")
    thieves = server_service.create_server(stranger, {"name": "Book Thieves"})
    thieves.is_public = True  # public, so explore would show it; the switcher does not
    db.session.commit()
    assert names(switcher.find_destinations(cast.member, "book")) == ["Book Club"]
    assert switcher.find_destinations(cast.outsider, "book") == []
    assert switcher.find_destinations(cast.outsider, "gen") == []


def test_names_that_start_with_the_query_come_first(cast):
    add_channel(cast.server, "off-topic", 1)
    add_channel(cast.server, "topics", 2)
    assert names(switcher.find_destinations(cast.member, "topic")) == ["topics", "off-topic"]


def test_empty_query_finds_nothing(cast):
    assert switcher.find_destinations(cast.member, "   ") == []


def test_the_page_works_without_javascript(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get("/switch?q=Gen"))
    form = page.select_one("form[role=search]")
    assert form["method"] == "get" and form["action"] == "/switch"
    assert page.select_one("input#switcher-q")["value"] == "Gen"
    links = page.select("#switcher-results a.switcher-link")
    assert [a["href"] for a in links] == [f"/servers/{cast.server.id}/channels/{cast.channel.id}"]
    assert "Book Club" in links[0].get_text()
    # A full page: the shortcuts are loaded, and there is a way back.
    assert page.select_one("script[data-switch-url='/switch']")
    assert page.select_one("a[href='/']")


def test_the_server_link_opens_the_server(client, as_user, cast):
    as_user(cast.member)
    links = soup(client.get("/switch?q=book")).select("#switcher-results a.switcher-link")
    assert [a["href"] for a in links] == [f"/servers/{cast.server.id}"]


def test_no_match_says_so(client, as_user, cast):
    as_user(cast.outsider)
    page = soup(client.get("/switch?q=book"))
    assert not page.select("#switcher-results a")
    assert "book" in page.select_one("#switcher-empty").get_text()


def test_the_query_is_escaped(client, as_user, cast):
    as_user(cast.member)
    body = client.get("/switch?q=<b>x</b>").get_data(as_text=True)
    assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body


def test_htmx_gets_the_panel_for_the_dialog_and_the_results_as_you_type(client, as_user, cast):
    as_user(cast.member)
    panel = soup(client.get("/switch", headers=htmx_headers("div#keys-dialog-body")))
    assert not panel.select("html, body") and panel.select_one("#switcher-panel input[autofocus]")
    assert panel.select_one("#switcher-panel input")["hx-target"] == "#switcher-results"
    results = soup(client.get("/switch?q=gen", headers=htmx_headers("div#switcher-results")))
    assert not results.select("#switcher-panel")
    assert [a.get_text(" ", strip=True) for a in results.select("a.switcher-link")] == ["# general Book Club"]


def test_spanish(client, as_user, cast):
    cast.member.locale = "es"
    db.session.commit()
    as_user(cast.member)
    page = soup(client.get("/switch?q=zzz"))
    assert page.select_one("h1").get_text() == "Ir a un servidor o canal"
    assert "Ninguno de tus servidores" in page.select_one("#switcher-empty").get_text()


def test_query_count_does_not_grow_with_servers_and_channels(client, as_user, cast, query_counter):
    as_user(cast.member)

    def count():
        with query_counter as counter:
            assert client.get("/switch?q=e").status_code == 200
        return counter.count

    small = count()
    for i in range(10):
        server = server_service.create_server(cast.member, {"name": f"Extra {i}"})
        for j in range(5):
            add_channel(server, f"extra-{j}", j + 1)
    assert count() == small


def test_the_shortcuts_page(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get("/keyboard"))
    assert page.select_one("h1").get_text() == "Keyboard shortcuts"
    keys = [dt.get_text(" ", strip=True) for dt in page.select(".shortcut-list dt")]
    assert "Ctrl + K" in keys and "Ctrl + /" in keys
    fragment = soup(client.get("/keyboard", headers=htmx_headers("div#keys-dialog-body")))
    assert fragment.select_one("#shortcuts-panel") and not fragment.select("body")


def test_the_chat_page_links_to_the_switcher_and_the_shortcuts(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}"))
    assert page.select_one("a[data-open-switcher]")["href"] == "/switch"
    assert page.select_one("a[data-open-shortcuts]")["href"] == "/keyboard"
    skips = [a["href"] for a in page.select("a.skip-link")]
    assert skips[:3] == ["#messages-column", "#channels-column", "#composer"]
    # The notifications panel opens right after the bell in the tab order.
    assert page.select_one("#bell").find_next_sibling()["id"] == "notifications-host"


def test_signed_out_pages_do_not_load_the_shortcuts(client):
    assert not soup(client.get("/login")).select("script[data-switch-url]")
