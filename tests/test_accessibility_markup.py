"""What screen readers get from the markup: landmarks, labelled messages, names
of links and controls, one polite region for live messages, no emoji icons."""
import re

from app.services import servers as server_service
from tests.conftest import soup

EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")


def chat_page(client, as_user, cast, user=None):
    as_user(user or cast.member)
    response = client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}")
    assert response.status_code == 200
    return soup(response)


def test_three_columns_are_labelled_landmarks(client, as_user, cast):
    page = chat_page(client, as_user, cast)
    navs = {nav["id"]: nav.get("aria-label") for nav in page.select("nav")}
    assert navs == {"servers-column": "Servers", "channels-column": "Channels"}
    mains = page.select("main")
    assert len(mains) == 1 and mains[0]["id"] == "messages-column" and mains[0]["aria-label"] == "Messages"


def test_each_message_is_an_article_labelled_by_its_author_and_time(client, as_user, cast):
    first = cast.post(cast.owner, "first")
    follow_up = cast.post(cast.owner, "follow-up")  # grouped under the first: no visible author
    page = chat_page(client, as_user, cast)
    for message in (first, follow_up):
        article = page.select_one(f"article#message-{message.id}")
        author_id, time_id = article["aria-labelledby"].split()
        author, time = page.find(id=author_id), page.find(id=time_id)
        assert author is not None and article in author.parents
        assert author.text.strip() == "Olivia"
        assert time.name == "time" and article in time.parents
    grouped = page.select_one(f"article#message-{follow_up.id}")
    assert "grouped" in grouped["class"]
    assert grouped.find(id=f"message-{follow_up.id}-author").has_attr("hidden")


def test_avatar_links_are_hidden_duplicates_of_the_author_link(client, as_user, cast):
    message = cast.post(cast.owner, "hello")
    page = chat_page(client, as_user, cast)
    article = page.select_one(f"#message-{message.id}")
    avatar_link = article.select_one("a.avatar-link")
    assert avatar_link["aria-hidden"] == "true" and avatar_link["tabindex"] == "-1"
    author_link = article.select_one("a.author")
    assert author_link["href"] == avatar_link["href"] and author_link.text.strip() == "Olivia"


def test_live_messages_have_one_polite_region_and_the_list_is_not_one(client, as_user, cast):
    page = chat_page(client, as_user, cast)
    announcer = page.select_one("#live-announcer")
    assert announcer["aria-live"] == "polite" and "visually-hidden" in announcer["class"]
    assert announcer.text.strip() == ""
    message_list = page.select_one("#message-list")
    assert not message_list.has_attr("aria-live") and not message_list.has_attr("role")
    assert page.select_one('script[src*="js/a11y."]').has_attr("defer")


def test_composer_is_a_textbox_with_autocomplete_not_a_combobox(client, as_user, cast):
    textarea = chat_page(client, as_user, cast).select_one("textarea#composer-input")
    assert not textarea.has_attr("role") and not textarea.has_attr("aria-expanded")
    assert textarea["aria-autocomplete"] == "list" and textarea["aria-controls"] == "mention-suggestions"
    label = textarea.find_previous("label", attrs={"for": "composer-input"})
    assert label.text == "Message #general"


def link_name(link) -> str:
    """Roughly what a screen reader names a link: its text without aria-hidden parts."""
    for hidden in link.select('[aria-hidden="true"], [hidden]'):
        hidden.decompose()
    return " ".join(link.get_text().split())


def test_unread_marks_and_mention_counts_are_spoken_in_link_names(client, as_user, cast):
    news = server_service.create_channel(cast.owner, cast.server.id, {"name": "news"})
    cast.post(cast.owner, "@mia look", channel=news)
    cast.post(cast.owner, "@mia and this", channel=news)
    page = chat_page(client, as_user, cast)
    assert link_name(page.select_one(f"#channel-link-{news.id}")) == "news, unread 2 mentions"
    assert link_name(page.select_one(f"#channel-link-{cast.channel.id}")) == "general"
    assert link_name(page.select_one(f"#server-link-{cast.server.id}")) == "Book Club, unread 2 mentions"


def test_icons_are_svg_hidden_from_screen_readers_on_named_controls(client, as_user, cast):
    page = chat_page(client, as_user, cast, user=cast.owner)
    bell = page.select_one("a#bell")
    assert bell["aria-label"] == "Notifications: 0 unread"
    assert bell.select_one("svg.icon")["aria-hidden"] == "true"
    menu = page.select_one("details.menu summary")
    assert menu["aria-label"] == "Server menu" and menu.select_one("svg")["aria-hidden"] == "true"
    assert not EMOJI.search(page.get_text())


def test_every_page_has_one_level_one_heading(client, as_user, cast):
    as_user(cast.owner)
    for path in (f"/servers/{cast.server.id}/members", f"/servers/{cast.server.id}/invites", "/explore",
                 "/profile", "/no/such/page"):
        assert len(soup(client.get(path)).select("h1")) == 1, path
