"""The composer's helpers: the formatting help, the ":" emoji suggestions and
the length limit the server holds to."""
import pytest

from app.extensions import db
from app.models import Message, MessageRevision
from app.services.messages import CONTENT_MAX
from tests.conftest import fresh, htmx_headers, soup


@pytest.mark.parametrize(("language", "title", "bold"), [("en", "Formatting", "bold"), ("es", "Formato", "negrita")])
def test_the_formatting_help_shows_each_form_beside_its_result(client, as_user, cast, language, title, bold):
    as_user(cast.member)
    page = soup(client.get("/help/formatting", headers={"Accept-Language": language}))
    assert page.select_one("#formatting-help-title").text == title
    rows = {row.select("td")[0].get_text(strip=True): row.select("td")[1]
            for row in page.select(".format-table tbody tr")}
    assert rows[f"**{bold}**"].select_one("strong").text == bold
    assert rows[":tada:"].get_text(strip=True) == "🎉"
    assert rows["`code`"].select_one("code").text == "code"
    fragment = soup(client.get("/help/formatting", headers=htmx_headers("div#profile-card")))
    assert fragment.select_one("html") is None and fragment.select_one("#formatting-help button[data-close-card]")


def test_the_composer_links_to_the_help(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}"))
    link = page.select_one("#composer a.format-help-link")
    assert link["href"] == "/help/formatting" and link["aria-label"] == "Formatting help"
    assert page.select_one("#composer-input")["data-emoji-url"] == "/emoji/suggest"


def test_emoji_suggestions_by_shortcode(client, as_user, cast):
    as_user(cast.member)
    listbox = soup(client.get("/emoji/suggest?q=tad")).select_one("#mention-suggestions")
    options = listbox.select("[role=option]")
    assert options[0]["data-emoji"] == "🎉" and options[0]["aria-selected"] == "true"
    assert options[0].select_one(".suggestion-name").text == ":party_popper:"
    assert len(options) <= 8
    assert soup(client.get("/emoji/suggest?q=t")).select_one("#mention-suggestions").has_attr("hidden")
    hostile = client.get("/emoji/suggest?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert hostile.status_code == 200 and "<script>alert" not in hostile.get_data(as_text=True)


@pytest.mark.parametrize(("language", "source", "shown", "keys"), [
    ("en", "1. first2. second", ["first", "second"], "Shift+Enter starts a new line. Ctrl+B and Ctrl+I"),
    ("es", "1. primero2. segundo", ["primero", "segundo"], "Mayús+Intro empieza una línea nueva. Ctrl+B y Ctrl+I"),
])
def test_the_help_covers_the_whole_dialect(client, as_user, cast, language, source, shown, keys):
    as_user(cast.member)
    page = soup(client.get("/help/formatting", headers={"Accept-Language": language}))
    rows = {row.select("td")[0].get_text(strip=True): row.select("td")[1]
            for row in page.select(".format-table tbody tr")}
    assert [item.text for item in rows[source].select("ol li")] == shown
    assert rows["https://example.com"].select_one("a")["href"] == "https://example.com"
    assert any(cell.select_one("pre.code") for cell in rows.values())
    assert any(cell.select_one("blockquote") for cell in rows.values())
    assert any(cell.select_one("s") for cell in rows.values())
    assert any(cell.select_one(".spoiler") for cell in rows.values())
    assert any(cell.select_one(".mention") for cell in rows.values())
    assert any(cell.select_one(".link-host") for cell in rows.values())
    assert keys in page.select_one("#formatting-help p.muted").text
    assert page.select_one("#formatting-help [data-close-card]") is None  # the page has no popover close


def test_emoji_suggestions_escape_what_they_show_and_stay_short(client, as_user, cast):
    as_user(cast.member)
    options = soup(client.get("/emoji/suggest?q=face")).select("#mention-suggestions [role=option]")
    assert len(options) == 8
    assert all(option["data-emoji"] and option.select_one(".suggestion-name").text.startswith(":")
               for option in options)
    quoted = client.get("/emoji/suggest?q=%22%3E%3Cimg%20src%3Dx%3E").get_data(as_text=True)
    assert "<img" not in quoted


def test_a_message_over_the_limit_is_refused_with_its_reason_and_nothing_written(client, as_user, cast):
    as_user(cast.member)
    too_long = "y" * (CONTENT_MAX + 1)
    refused = client.post(f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages",
                          data={"content": too_long}, headers=htmx_headers())
    assert refused.status_code == 422
    assert soup(refused).select_one("#composer-error").text == (
        f"Messages are at most {CONTENT_MAX} characters (this one has {CONTENT_MAX + 1}).")
    mine = cast.post(cast.member, "short")
    edit = client.post(f"/messages/{mine.id}/edit", data={"content": too_long}, headers=htmx_headers())
    assert edit.status_code == 422
    page = soup(edit)
    assert page.select_one(f"#edit-error-{mine.id}").text.startswith(f"Messages are at most {CONTENT_MAX}")
    assert page.select_one("textarea").get_text() == too_long  # given back whole, not cut
    fresh()
    assert db.session.scalars(db.select(Message.content)).all() == ["short"]
    assert db.session.scalar(db.select(db.func.count(MessageRevision.id))) == 0
