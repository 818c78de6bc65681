"""The composer's helpers: the formatting help and the ":" emoji suggestions."""
import pytest

from tests.conftest import htmx_headers, soup


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
