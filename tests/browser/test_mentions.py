"""A mentions B: B's channel turns bold, the badges and the bell count it, all without a reload;
opening the channel clears them; a message arriving in the open channel is read at once."""
import re

from playwright.sync_api import expect

from tests.browser.test_chat_flow import CHANNEL_URL, create_server, current_channel, messages, register, unique


def invite_and_accept(host_page, guest_page, guest: str, server_path: str) -> None:
    host_page.goto(server_path + "/invites")
    host_page.locator("#invite-username").fill(guest)
    host_page.get_by_role("button", name="Send invitation").click()
    expect(guest_page.locator("#bell-count")).to_have_text("1")
    guest_page.locator("#bell").click()
    guest_page.locator("#notifications-panel .notification").first.get_by_role("button", name="Accept").click()
    expect(guest_page).to_have_url(server_path)


def post(page, text: str) -> None:
    composer = page.locator("#composer-input")
    composer.fill(text)
    composer.press("Enter")
    expect(messages(page).last.locator(".content")).to_have_text(text)
    expect(composer).to_have_value("")  # the POST has answered (the stream's copy may come first)


def test_a_mention_updates_badge_and_bell_live_and_opening_reads_it(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, "Mention Room")
    server_id = server_path.rsplit("/", 1)[1]

    # Alice makes a second channel; Bob joins and stays on #general.
    channels = alice_page.locator("#channels-column")
    channels.locator("details.create-box summary", has_text="Create a channel").click()
    channels.locator("#channel-name").fill("news")
    channels.locator("#channel-form").get_by_role("button", name="Create channel").click()
    expect(alice_page).to_have_url(CHANNEL_URL)
    news_id = CHANNEL_URL.search(alice_page.url).group(2)
    invite_and_accept(alice_page, bob_page, bob, server_path)
    alice_page.goto(alice_page.url.split("/servers/")[0] + f"/servers/{server_id}/channels/{news_id}")
    channel_loads = []
    bob_page.on("request", lambda r: channel_loads.append(r.url) if f"/channels/{news_id}" in r.url
                and r.method == "GET" else None)
    bob_page.evaluate("window.__noReload = 'same-document'")
    news_link = bob_page.locator(f"#channel-link-{news_id}")
    expect(news_link).to_be_visible()
    expect(bob_page.locator(f"#channel-unread-{news_id}")).to_be_hidden()

    # A plain message makes #news bold and the server dotted; a mention counts.
    post(alice_page, "plain news")
    expect(bob_page.locator(f"#channel-unread-{news_id}")).to_be_attached()
    expect(news_link).to_have_css("font-weight", "700")
    expect(bob_page.locator(f"#server-unread-{server_id}")).to_be_visible()
    # Alice types "@" and the start of the name, picks Bob from the list with Enter.
    composer = alice_page.locator("#composer-input")
    composer.press_sequentially("@" + bob[:4])
    option = alice_page.locator(f"#mention-suggestions [data-username='{bob}']")
    expect(option).to_be_visible()
    expect(composer).to_have_attribute("aria-activedescendant", re.compile(r"^suggestion-\d+$"))
    composer.press("Enter")
    expect(composer).to_have_value(f"@{bob} ")
    expect(alice_page.locator("#mention-suggestions")).to_be_hidden()
    composer.press_sequentially("look at this")
    composer.press("Enter")
    expect(messages(alice_page).last.locator(".content")).to_have_text(f"@{bob} look at this")
    expect(composer).to_have_value("")
    # The badges show "1"; "mention" is there for screen readers only.
    expect(bob_page.locator(f"#channel-mentions-{news_id}")).to_have_text("1 mention")
    expect(bob_page.locator(f"#server-mentions-{server_id}")).to_have_text("1 mention")
    expect(bob_page.locator("#bell-count")).to_have_text("1")
    expect(bob_page).to_have_title(re.compile(r"^\(1\) #general"))  # the tab counts the mention
    assert bob_page.evaluate("window.__noReload") == "same-document"

    # Opening #news reads it: marks and the mention notification clear.
    news_link.click()
    expect(current_channel(bob_page)).to_contain_text("news")
    mention = messages(bob_page).last
    expect(mention.locator(".mention")).to_have_text(f"@{bob}")
    expect(mention).to_have_class(re.compile(r"\bmentions-me\b"))
    expect(bob_page.locator(f"#server-unread-{server_id}")).to_be_hidden()
    expect(bob_page.locator(f"#server-mentions-{server_id}")).to_be_hidden()
    expect(bob_page.locator("#bell-count")).to_have_count(0)
    expect(bob_page).to_have_title(re.compile(r"^#news"))
    bob_page.wait_for_timeout(500)
    assert len(channel_loads) == 1, channel_loads  # its own read mark does not make it load twice

    # While Bob looks at #news, a new message there is read at once: nothing stays unread.
    with bob_page.expect_response(lambda r: r.url.split("?")[0].endswith(f"/channels/{news_id}/read")) as read:
        post(alice_page, "while you watch")
        expect(messages(bob_page).last.locator(".content")).to_have_text("while you watch")
    assert read.value.status == 204
    bob_page.goto(bob_page.url.split("/servers/")[0] + "/")
    expect(bob_page.locator(f"#server-unread-{server_id}")).to_be_hidden()

    # From the bell, "Go to the message" opens the channel scrolled to it, highlighted.
    for i in range(24):  # under the posting limit (30 in 10 s)
        post(alice_page, f"filler {i}" if i != 3 else f"@{bob} an older question")
    expect(bob_page.locator("#bell-count")).to_have_text("1")
    bob_page.locator("#bell").click()
    bob_page.get_by_role("button", name="Go to the message").first.click()  # newest first
    expect(bob_page).to_have_url(re.compile(r"#message-\d+$"))
    target = bob_page.locator(".message:target")
    expect(target.locator(".content")).to_have_text(f"@{bob} an older question")
    expect(target).to_be_in_viewport()
    expect(bob_page.locator("#bell-count")).to_have_count(0)
