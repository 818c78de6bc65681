"""Charla from the keyboard alone: skip links, messages as one tab stop moved
with the arrows, edit and delete from the keyboard (a follow-up message too),
focus after every swap, channel shortcuts, the quick switcher and the help.

Set-up (account, server, a second channel, a second user) goes through the
usual helpers; the journey itself presses keys only.
"""
import re

from playwright.sync_api import Page, expect

from tests.browser.test_chat_flow import CHANNEL_URL, create_server, current_channel, messages, register, unique
from tests.browser.test_live_chat import add_member, post

MAX_TABS_TO_COMPOSER = 4


def add_channel(page: Page, name: str) -> str:
    channels = page.locator("#channels-column")
    channels.locator("details.create-box summary", has_text="Create a channel").click()
    channels.locator("#channel-name").fill(name)
    channels.get_by_role("button", name="Create channel").click()
    expect(current_channel(page)).to_contain_text(name)
    return page.url


def focused(page: Page):
    return page.locator("*:focus")


def type_and_send(page: Page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    expect(page.locator("#composer-input")).to_have_value("")


def test_keyboard_only_journey(page: Page):
    register(page)
    create_server(page, unique("Keys "))
    random_url = add_channel(page, "random")
    page.locator("#channels-column .channel-link", has_text="general").click()
    expect(current_channel(page)).to_contain_text("general")
    general_url = page.url
    page.goto(general_url)

    # Skip links: the message box in a few Tabs from the top of the page.
    presses = 0
    while presses < MAX_TABS_TO_COMPOSER:
        page.keyboard.press("Tab")
        presses += 1
        if focused(page).get_attribute("data-skip-to") == "composer":
            break
    expect(focused(page)).to_have_text("Skip to the message box")
    page.keyboard.press("Enter")
    expect(page.locator("#composer-input")).to_be_focused()

    type_and_send(page, "first message")
    type_and_send(page, "second message")
    expect(messages(page)).to_have_count(2)
    first, second = messages(page).nth(0), messages(page).nth(1)
    expect(second).to_have_class(re.compile(r"\bgrouped\b"))  # a follow-up: no author link of its own
    first_id, second_id = first.get_attribute("id"), second.get_attribute("id")

    # One tab stop for the messages: Shift+Tab from the box lands on the newest.
    page.keyboard.press("Shift+Tab")
    expect(page.locator(f"#{second_id}")).to_be_focused()
    expect(page.locator(f"#{second_id} .message-actions")).to_be_visible()  # visible on focus
    page.keyboard.press("ArrowUp")
    expect(page.locator(f"#{first_id}")).to_be_focused()
    page.keyboard.press("End")
    expect(page.locator(f"#{second_id}")).to_be_focused()
    assert page.locator("#message-list article.message[tabindex='0']").count() == 1

    # Edit the follow-up with E; Enter saves; focus comes back to the message.
    page.keyboard.press("e")
    editor = page.locator(f"form#{second_id} textarea")
    expect(editor).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("second, edited")
    page.keyboard.press("Enter")
    expect(page.locator(f"article#{second_id} .content")).to_have_text("second, edited")
    expect(page.locator(f"article#{second_id}")).to_be_focused()

    # Enter opens the editor too; Escape cancels and gives focus back.
    page.keyboard.press("Enter")
    expect(editor).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(f"article#{second_id}")).to_be_focused()
    expect(page.locator(f"article#{second_id} .content")).to_have_text("second, edited")

    # Delete asks first; then focus moves to the neighbour, never to <body>.
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Delete")
    expect(page.locator(f"#{second_id}")).to_have_count(0)
    expect(page.locator(f"#{first_id}")).to_be_focused()

    # Escape in the messages goes back to the box; Up in the empty box edits my last message.
    page.keyboard.press("Escape")
    expect(page.locator("#composer-input")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.locator(f"form#{first_id} textarea")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(f"article#{first_id}")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#composer-input")).to_be_focused()

    # Alt+Down / Alt+Up: next and previous channel, the box ready to type.
    page.keyboard.press("Alt+ArrowDown")
    expect(current_channel(page)).to_contain_text("random")
    expect(page).to_have_url(random_url)
    expect(page.locator("#composer-input")).to_be_focused()
    page.keyboard.press("Alt+ArrowUp")
    expect(current_channel(page)).to_contain_text("general")
    expect(page).to_have_url(general_url)

    # Ctrl+K: the quick switcher; type, arrow down, Enter.
    page.keyboard.press("Control+k")
    dialog = page.locator("dialog#keys-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#switcher-q")).to_be_focused()
    page.keyboard.type("RAND")
    expect(dialog.locator(".switcher-link")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(dialog.locator(".switcher-link").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(random_url)
    expect(page.locator("#composer-input")).to_be_focused()

    # Ctrl+/: the shortcuts; Escape closes them and focus is where it was.
    page.keyboard.press("Control+/")
    expect(dialog.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#composer-input")).to_be_focused()


def test_few_tab_stops_from_a_channel_to_the_box(new_context, live_database):
    page, bob = new_context().new_page(), new_context().new_page()
    register(page)
    bob_name = register(bob)
    server_path = create_server(page, unique("Stops "))
    add_member(live_database, bob_name, int(server_path.rsplit("/", 1)[1]))
    bob.goto(server_path)
    for i in range(5):  # two authors taking turns: every message has an author link
        post(page, f"mine {i}")
        post(bob, f"theirs {i}")
    page.reload()
    expect(messages(page)).to_have_count(10)
    current_channel(page).focus()
    presses = 0
    while presses < 30 and not page.evaluate("document.activeElement.id === 'composer-input'"):
        page.keyboard.press("Tab")
        presses += 1
    # The channel's remaining links, the messages (one stop, plus the newest one's
    # author link and its Reply and React), the box; one stop per author link and
    # action would be 25 and more.
    assert presses <= 8, presses


def test_the_draft_survives_a_live_refetch_of_the_channel(page: Page):
    register(page)
    create_server(page, unique("Draft "))
    box = page.locator("#composer-input")
    box.click()
    page.keyboard.type("half a thought")
    # What app.js does when a live frame asks for the channel afresh.
    page.evaluate("""() => {
        document.getElementById('messages-column').dataset.before = '1';
        htmx.ajax('GET', location.pathname,
                  {source: '#messages-column', target: '#messages-column', swap: 'outerHTML'});
    }""")
    expect(page.locator("#messages-column[data-before]")).to_have_count(0)  # swapped afresh
    expect(box).to_have_value("half a thought")
    expect(box).to_be_focused()


def test_unread_channel_shortcut_and_escape_marks_read(new_context, live_database):
    alice, bob = new_context().new_page(), new_context().new_page()
    register(alice)
    bob_name = register(bob)
    server_path = create_server(alice, unique("Unread "))
    add_channel(alice, "quiet")
    random_url = add_channel(alice, "news")
    add_member(live_database, bob_name, int(server_path.rsplit("/", 1)[1]))
    bob.goto(random_url)
    post(bob, "fresh news")
    alice.goto(server_path)  # general
    expect(current_channel(alice)).to_contain_text("general")
    unread = alice.locator("#channels-column .channel-link .unread-flag:not([hidden])")
    expect(unread).to_have_count(1)
    expect(alice.get_by_role("link", name=re.compile(r"^news ?, unread$"))).to_be_visible()

    alice.locator("#composer-input").focus()
    alice.keyboard.press("Alt+Shift+ArrowDown")  # skips #quiet, which has nothing unread
    expect(current_channel(alice)).to_contain_text("news")
    expect(alice).to_have_url(CHANNEL_URL)

    alice.locator("#composer-input").focus()
    with alice.expect_request(lambda r: r.method == "POST" and r.url.endswith("/read")) as request:
        alice.keyboard.press("Escape")
    assert "up_to=" in (request.value.post_data or "")


def test_the_notifications_panel_is_next_after_the_bell(new_context, live_database):
    alice, bob = new_context().new_page(), new_context().new_page()
    register(alice)
    bob_name = register(bob)
    server_path = create_server(alice, unique("Bell "))
    add_member(live_database, bob_name, int(server_path.rsplit("/", 1)[1]))
    post(alice, f"@{bob_name} hello")  # the mention not last: no suggestion list to race Enter
    bob.goto("/")  # not the channel: opening it would read the mention
    bell = bob.locator("#bell")
    expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread")

    bell.focus()
    bob.keyboard.press("Enter")
    panel = bob.locator("#notifications-host #notifications-panel")
    expect(panel).to_be_visible()
    bob.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Mark all as read")).to_be_focused()
    bob.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(bell).to_be_focused()


def test_ctrl_k_works_on_every_signed_in_page(page: Page):
    register(page)
    create_server(page, unique("Café "))
    page.goto("/explore")
    page.keyboard.press("Control+k")
    page.keyboard.type("cafe")  # at once, while the dialog is on its way; no accent
    box = page.locator("dialog#keys-dialog #switcher-q")
    expect(box).to_be_focused()
    expect(box).to_have_value("cafe")
    expect(page.locator("#switcher-results .switcher-link")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/servers/\d+$"))
    expect(page.locator("#channels-column .server-title")).to_contain_text("Café")
