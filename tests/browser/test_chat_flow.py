"""End-to-end chat flows in Chromium: with htmx, without JavaScript, and access control.

Every assertion is about what a user sees (text, URL, aria-current) and uses
Playwright's auto-waiting `expect`; no fixed sleeps.
"""
import re
import uuid

from playwright.sync_api import Page, expect

PASSWORD = "plum-Otter-kettle-93"
SERVER_URL = re.compile(r"/servers/(\d+)$")
CHANNEL_URL = re.compile(r"/servers/(\d+)/channels/(\d+)(#message-\d+)?$")


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def register(page: Page, username: str | None = None) -> str:
    """Create an account through the form, check /welcome, continue to /."""
    username = username or unique("user")
    page.goto("/register")
    page.locator("#f-username").fill(username)
    page.locator("#f-email").fill(f"{username}@example.com")
    page.locator("#f-display_name").fill(f"Tester {username[-4:]}")
    page.locator("#f-first_name").fill("Ada")
    page.locator("#f-last_name").fill("Lovelace")
    page.locator("#f-birth_date").fill("1990-05-17")
    page.locator("#f-password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.get_by_role("link", name="Continue to Charla").click()
    expect(page).to_have_url(re.compile(r"/$"))
    return username


def current_server(page: Page):
    return page.locator('#servers-column a[aria-current="page"]')


def current_channel(page: Page):
    return page.locator('#channels-column a[aria-current="page"]')


def create_server(page: Page, name: str, public: bool = False) -> str:
    """Create a server through the "Create a server" box (private, the default, or public); return its URL path."""
    column = page.locator("#servers-column")
    box = column.locator("details.create-box")
    if box.get_attribute("open") is None:
        box.locator("summary", has_text="Create a server").click()
    column.locator("#server-name").fill(name)
    if public:
        column.locator("#server-visibility").select_option("public")
    column.locator("#server-form").get_by_role("button", name="Create server").click()
    expect(page).to_have_url(SERVER_URL)
    expect(current_server(page)).to_have_count(1)
    expect(current_server(page).locator(".server-name")).to_have_text(name)
    expect(page.locator("#channels-column .server-title")).to_have_text(name)
    return "/servers/" + SERVER_URL.search(page.url).group(1)


def messages(page: Page):
    return page.locator("#message-list .message")


def message_id(locator) -> str:
    return locator.get_attribute("id").removeprefix("message-")


def test_chat_flow_with_htmx(page: Page):
    register(page)
    server_name = unique("Guild ")
    server_path = create_server(page, server_name)
    # A new server opens on its default channel.
    expect(current_channel(page)).to_contain_text("general")

    # Create a channel: its slug is shown and it becomes current.
    channels = page.locator("#channels-column")
    channels.locator("details.create-box summary", has_text="Create a channel").click()
    channels.locator("#channel-name").fill("Off Topic")
    channels.locator("#channel-form").get_by_role("button", name="Create channel").click()
    expect(page).to_have_url(CHANNEL_URL)
    off_topic_url = page.url
    expect(current_channel(page)).to_have_count(1)
    expect(current_channel(page)).to_contain_text("off-topic")
    expect(page.locator("#messages-column .channel-title")).to_contain_text("off-topic")
    expect(current_server(page).locator(".server-name")).to_have_text(server_name)

    # Post with Enter: the message is appended in place, the composer is cleared.
    expect(page.locator("#messages-empty")).to_be_visible()
    page.evaluate("window.__noReloadMarker = 'same-document'")
    composer = page.locator("#composer-input")
    composer.fill("Hello from Playwright")
    composer.press("Enter")
    expect(messages(page).last.locator(".content")).to_have_text("Hello from Playwright")
    expect(page.locator("#messages-empty")).to_be_hidden()
    expect(composer).to_have_value("")
    assert page.evaluate("window.__noReloadMarker") == "same-document", "posting reloaded the page"
    expect(page).to_have_url(off_topic_url)

    # Shift+Enter inserts a line break instead of sending.
    composer.press_sequentially("first line")
    composer.press("Shift+Enter")
    composer.press_sequentially("second line")
    expect(composer).to_have_value("first line\nsecond line")
    composer.press("Enter")
    expect(messages(page).last.locator(".content")).to_have_text(
        re.compile(r"^first line\nsecond line$"), use_inner_text=True)
    expect(composer).to_have_value("")
    expect(messages(page)).to_have_count(2)

    # Edit inline: hover, Edit, the textarea is focused, type, Enter. (Where the
    # caret starts is checked in test_edit_starts_with_caret_at_end.)
    composer.fill("Typo here")
    composer.press("Enter")
    target = messages(page).last
    expect(target.locator(".content")).to_have_text("Typo here")
    target_id = message_id(target)
    target.hover()
    target.get_by_role("link", name="Edit").click()
    editor = page.locator(f"#edit-{target_id}")
    expect(editor).to_be_visible()
    expect(editor).to_be_focused()
    expect(editor).to_have_value("Typo here")
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.type(", fixed")
    page.keyboard.press("Enter")
    edited = page.locator(f"article#message-{target_id}")
    expect(edited.locator(".content")).to_have_text("Typo here, fixed")
    expect(edited.locator(".edited")).to_have_text("(edited)")
    expect(page.locator(f"#edit-{target_id}")).to_have_count(0)

    # Escape cancels an edit and keeps the saved text.
    edited.hover()
    edited.get_by_role("link", name="Edit").click()
    expect(editor).to_be_focused()
    page.keyboard.type(" and then discarded")
    page.keyboard.press("Escape")
    expect(page.locator(f"#edit-{target_id}")).to_have_count(0)
    expect(edited.locator(".content")).to_have_text("Typo here, fixed")
    expect(edited.locator(".edited")).to_have_text("(edited)")

    # Delete after confirming: the message disappears.
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    edited.hover()
    edited.get_by_role("link", name="Delete").click()
    expect(page.locator(f"#message-{target_id}")).to_have_count(0)
    assert dialogs == ["Delete this message?"]
    expect(messages(page)).to_have_count(2)
    assert page.evaluate("window.__noReloadMarker") == "same-document", "the chat reloaded the page"

    # Reload keeps the same channel (and the deletion).
    page.reload()
    expect(page).to_have_url(off_topic_url)
    expect(current_channel(page)).to_contain_text("off-topic")
    expect(current_server(page).locator(".server-name")).to_have_text(server_name)
    expect(messages(page)).to_have_count(2)
    expect(page.locator(f"#message-{target_id}")).to_have_count(0)

    # Switch channel (htmx, pushes the URL), then back and forward.
    general_link = channels.get_by_role("link", name="general")
    general_path = general_link.get_attribute("href")
    assert not off_topic_url.endswith(general_path)
    general_link.click()
    expect(page).to_have_url(re.compile(re.escape(general_path) + "$"))
    general_url = page.url
    expect(current_channel(page)).to_contain_text("general")
    expect(page.locator("#messages-column .channel-title")).to_contain_text("general")
    expect(messages(page)).to_have_count(0)
    expect(page.locator("#messages-empty")).to_be_visible()

    page.go_back()
    expect(page).to_have_url(off_topic_url)
    expect(current_channel(page)).to_contain_text("off-topic")
    expect(current_server(page).locator(".server-name")).to_have_text(server_name)
    expect(messages(page)).to_have_count(2)
    expect(messages(page).first.locator(".content")).to_have_text("Hello from Playwright")

    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(server_path) + "$"))
    expect(current_server(page).locator(".server-name")).to_have_text(server_name)
    expect(current_channel(page)).to_contain_text("general")

    page.go_forward()
    expect(page).to_have_url(off_topic_url)
    expect(current_channel(page)).to_contain_text("off-topic")
    expect(messages(page)).to_have_count(2)

    page.go_forward()
    expect(page).to_have_url(general_url)
    expect(current_channel(page)).to_contain_text("general")
    expect(messages(page)).to_have_count(0)


def test_edit_starts_with_caret_at_end(page: Page):
    """Opening the inline editor puts the caret after the text, so typing appends."""
    register(page)
    create_server(page, unique("Caret "))
    composer = page.locator("#composer-input")
    composer.fill("Typo here")
    composer.press("Enter")
    message = messages(page).last
    expect(message.locator(".content")).to_have_text("Typo here")
    msg_id = message_id(message)
    message.hover()
    message.get_by_role("link", name="Edit").click()
    editor = page.locator(f"#edit-{msg_id}")
    expect(editor).to_be_focused()
    page.keyboard.type(", fixed")
    expect(editor).to_have_value("Typo here, fixed")
    page.keyboard.press("Enter")
    expect(page.locator(f"article#message-{msg_id} .content")).to_have_text("Typo here, fixed")


def test_chat_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    register(page)
    server_name = unique("Plain ")
    create_server(page, server_name)
    expect(current_channel(page)).to_contain_text("general")

    # Post through the plain form: POST, redirect, the message is on the page.
    page.locator("#composer-input").fill("Sent without JavaScript")
    page.locator("#composer").get_by_role("button", name="Send").click()
    expect(page).to_have_url(CHANNEL_URL)
    message = messages(page).last
    expect(message.locator(".content")).to_have_text("Sent without JavaScript")
    expect(page.locator("#composer-input")).to_have_value("")
    msg_id = message_id(message)
    channel_path = CHANNEL_URL.search(page.url).group(0).split("#")[0]

    # Edit: the Edit link opens a page with the form.
    message.hover()
    message.get_by_role("link", name="Edit").click()
    expect(page).to_have_url(re.compile(rf"/messages/{msg_id}/edit$"))
    expect(page.get_by_role("heading", name="Edit message")).to_be_visible()
    editor = page.locator(f"#edit-{msg_id}")
    expect(editor).to_have_value("Sent without JavaScript")
    editor.fill("Edited without JavaScript")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(re.escape(channel_path) + rf"#message-{msg_id}$"))
    edited = page.locator(f"article#message-{msg_id}")
    expect(edited.locator(".content")).to_have_text("Edited without JavaScript")
    expect(edited.locator(".edited")).to_have_text("(edited)")

    # Delete: the Delete link asks for confirmation on its own page.
    edited.hover()
    edited.get_by_role("link", name="Delete").click()
    expect(page).to_have_url(re.compile(rf"/messages/{msg_id}/delete$"))
    expect(page.get_by_role("heading", name="Delete this message?")).to_be_visible()
    expect(page.locator("blockquote.quoted")).to_have_text("Edited without JavaScript")
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(re.escape(channel_path) + "$"))
    expect(page.locator(f"#message-{msg_id}")).to_have_count(0)
    expect(page.locator("#messages-empty")).to_be_visible()


def test_other_user_gets_404_for_foreign_server(new_context):
    owner = new_context().new_page()
    register(owner)
    server_path = create_server(owner, unique("Private "))
    channel_url = owner.locator('#channels-column a[aria-current="page"]').get_attribute("href")

    intruder = new_context().new_page()
    register(intruder)
    for path in (server_path, channel_url):
        response = intruder.goto(path)
        assert response is not None and response.status == 404, path
        expect(intruder.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(intruder.locator(".error-code")).to_have_text("404")
        expect(intruder.get_by_role("link", name="Back to Charla")).to_be_visible()
        expect(intruder.locator("#servers-column")).to_have_count(0)


def test_chat_page_has_no_csp_violations(new_context):
    context = new_context()
    # Also catch violations that are reported as events rather than console text.
    context.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', function (e) {"
        "  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);"
        "});")
    page = context.new_page()
    console_errors, page_errors = [], []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    register(page)
    create_server(page, unique("Layout "))
    response = page.reload()
    assert "content-security-policy" in response.headers
    for column in ("#servers-column", "#channels-column", "#messages-column", "#composer"):
        expect(page.locator(column)).to_be_visible()

    # Exercise the scripted parts: send (autosize, reset), edit and cancel.
    composer = page.locator("#composer-input")
    composer.press_sequentially("CSP check")
    composer.press("Shift+Enter")
    composer.press_sequentially("two lines")
    composer.press("Enter")
    message = messages(page).last
    expect(message.locator(".content")).to_have_text(re.compile(r"^CSP check\ntwo lines$"),
                                                     use_inner_text=True)
    message.hover()
    message.get_by_role("link", name="Edit").click()
    expect(page.locator("form.editing textarea")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("form.editing")).to_have_count(0)
    expect(messages(page).last.locator(".content")).to_have_text(re.compile(r"^CSP check\ntwo lines$"),
                                                                 use_inner_text=True)

    csp_console = [text for text in console_errors
                   if re.search(r"content[ -]security[ -]policy", text, re.IGNORECASE)]
    assert csp_console == [], csp_console
    assert page.evaluate("window.__cspViolations") == []
    assert page_errors == []
