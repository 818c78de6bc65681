"""Zero CSP violations and zero script errors on every page and through a whole journey.

Violations are caught twice: Chromium's console messages, and the page's own
`securitypolicyviolation` events (reported by a script Playwright injects
through DevTools, which the page's CSP does not govern).
"""
import re

from playwright.sync_api import Page, expect

from tests.browser.test_chat_flow import create_server, current_channel, messages, register, unique

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                + ` at ${event.sourceFile || "?"}:${event.lineNumber}`);
});
"""
# The error pages are meant to answer 4xx: Chromium notes that as a failed load.
EXPECTED_FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (403|404|422)")


class Console:
    """Every console error or warning and every uncaught exception of the pages it watches."""

    def __init__(self):
        self.problems: list[str] = []

    def watch(self, page: Page) -> Page:
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"pageerror on {page.url}: {error}"))
        return page

    def _console(self, page: Page, message) -> None:
        if message.type not in ("error", "warning"):
            return
        if EXPECTED_FAILED_LOAD.match(message.text):
            return
        self.problems.append(f"{message.type} on {page.url}: {message.text}")

    def csp_problems(self) -> list[str]:
        return [p for p in self.problems if re.search(r"Content.Security.Policy|CSP|violates", p, re.I)]


def test_no_console_errors_or_csp_violations_through_the_journey(new_context):
    console = Console()
    host = console.watch(new_context().new_page())
    guest = console.watch(new_context().new_page())

    # Anonymous pages, and an error page.
    for path in ("/login", "/register", "/no-such-page"):
        host.goto(path)
        expect(host.locator("h1")).to_be_visible()
    host.goto("/register")
    host.get_by_role("button", name="Create account").click()  # refused: every field is missing
    expect(host.locator(".field-error").first).to_be_visible()

    # Register (with the avatar step), a server, a channel.
    register(host)
    name = unique("Console ")
    server_path = create_server(host, name, public=True)
    channels = host.locator("#channels-column")
    channels.locator("details.create-box summary", has_text="Create a channel").click()
    channels.locator("#channel-name").fill("second")
    channels.locator("#channel-form").get_by_role("button", name="Create channel").click()
    expect(current_channel(host)).to_contain_text("second")

    # Post (the composer grows as you type), edit, cancel an edit, delete, switch channels.
    composer = host.locator("#composer-input")
    composer.fill("line one")
    composer.press("Shift+Enter")
    composer.press_sequentially("line two")
    composer.press("Enter")
    expect(messages(host)).to_have_count(1)
    composer.press_sequentially("a draft that grows the box\n\n\n")
    channels.get_by_role("link", name="general").click()  # swaps the column holding a resized composer
    expect(current_channel(host)).to_contain_text("general")
    composer.fill("hello")
    composer.press("Enter")
    target = messages(host).last
    expect(target.locator(".content")).to_have_text("hello")
    target.hover()
    target.get_by_role("link", name="Edit").click()
    expect(host.locator("form.editing textarea")).to_be_focused()
    host.keyboard.press("ControlOrMeta+End")
    host.keyboard.type(" again")
    host.keyboard.press("Enter")
    expect(target.locator(".content")).to_have_text("hello again")
    target.hover()
    target.get_by_role("link", name="Edit").click()
    expect(host.locator("form.editing textarea")).to_be_focused()
    host.keyboard.press("Escape")
    expect(target.locator(".edited")).to_be_visible()
    host.once("dialog", lambda dialog: dialog.accept())
    target.hover()
    target.get_by_role("link", name="Delete").click()
    expect(messages(host)).to_have_count(0)
    composer.fill("x" * 4001)  # the length counter and its refusal
    composer.press("Enter")
    expect(host.locator("#composer-count")).to_be_visible()
    composer.fill("")

    # The guest: explore, search, join; the host invites them; both open their notifications.
    guest_name = register(guest, unique("guest"))
    guest.get_by_role("link", name="Explore servers").click()
    guest.locator("input[name=q]").press_sequentially(name[:10])
    result = guest.locator(".search-result", has_text=name)
    result.get_by_role("button", name="Join").click()
    expect(guest).to_have_url(re.compile(re.escape(server_path) + "$"))
    expect(guest.locator("#composer-input")).to_be_visible()
    guest.locator("#composer-input").fill("hi everyone")
    guest.locator("#composer-input").press("Enter")

    other = create_server(host, unique("Private "))
    host.goto(other + "/invites")
    host.locator("#invite-username").fill(guest_name.upper())
    host.get_by_role("button", name="Send invitation").click()
    expect(host.locator("#invites-panel .form-ok")).to_contain_text(f"@{guest_name}")
    guest.locator("#bell").click()
    expect(guest.locator("#notifications-host")).not_to_be_empty()
    host.goto(server_path)
    host.locator("#bell").click()
    expect(host.locator("#notifications-host")).not_to_be_empty()

    # The pages behind forms that also work without JavaScript, and an invite's preview.
    host.goto(server_path)
    composer.fill("kept")
    composer.press("Enter")
    kept = messages(host).last.get_attribute("id").removeprefix("message-")
    for path in ("/servers/new", server_path + "/channels/new", "/notifications",
                 f"/messages/{kept}/edit", f"/messages/{kept}/delete"):
        host.goto(path)
        expect(host.locator("main").first).to_be_visible()
    host.goto(server_path + "/invites")
    host.get_by_role("button", name="Create invite link").click()
    guest.goto(host.locator("#new-invite-url").input_value())
    expect(guest.locator("h1")).to_be_visible()

    # Members, settings, profile (a language change reloads it whole), error pages of a member.
    host.goto(server_path + "/members")
    expect(host.locator("h1, h2").first).to_be_visible()
    host.goto(server_path + "/settings")
    expect(host.locator("h1").first).to_be_visible()
    host.goto("/profile")
    host.locator("#p-locale").select_option("es")
    host.locator("#profile-personal").get_by_role("button").click()
    expect(host.locator("html")).to_have_attribute("lang", "es")
    expect(host.locator("#profile-personal-title")).to_have_text("Datos personales")
    guest.goto(server_path + "/settings")  # not an admin
    guest.goto("/servers/999999999")
    expect(guest.locator("h1")).to_be_visible()
    host.goto("/explore")
    expect(host.locator("input[name=q]")).to_be_visible()

    assert console.csp_problems() == []
    assert console.problems == []
