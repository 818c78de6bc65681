"""Desktop notifications in Chromium: a mention in a background tab raises one; a muted server
raises none; the browser's permission is asked only when the user turns the setting on.

The `Notification` constructor is replaced by a recorder and the tab's visibility is set by the
test (headless Chromium always reports "visible").
"""
from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, messages, register, unique
from tests.browser.test_mentions import invite_and_accept, post
from tests.browser.waiting import wait_until

OBSERVE_NOTIFICATIONS = """
(() => {
  window.__notices = [];
  window.__permissionRequests = 0;
  window.__hidden = false;
  class RecordedNotification {
    constructor(title, options) {
      this.title = title; this.options = options || {}; this.listeners = [];
      window.__notices.push(this);
    }
    addEventListener(type, listener) { if (type === "click") this.listeners.push(listener); }
    close() {}
    click() { this.listeners.forEach((listener) => listener()); }
  }
  RecordedNotification.permission = localStorage.getItem("permission") || "granted";
  RecordedNotification.requestPermission = () => {
    window.__permissionRequests += 1;
    RecordedNotification.permission = "granted";
    return Promise.resolve("granted");
  };
  window.Notification = RecordedNotification;
  Object.defineProperty(Document.prototype, "visibilityState",
                        { get() { return window.__hidden ? "hidden" : "visible"; } });
  Object.defineProperty(Document.prototype, "hidden", { get() { return window.__hidden; } });
})();
"""


def notices(page) -> list[dict]:
    return page.evaluate("window.__notices.map(n => ({title: n.title, body: n.options.body}))")


def turn_on_desktop_notifications(page) -> None:
    page.goto("/profile")
    section = page.locator("#profile-preferences")
    section.locator("#desktop-notifications").check()
    section.get_by_role("button", name="Save").click()
    expect(page.locator("#toasts .toast p")).to_have_text("Saved.")
    expect(section.locator("#desktop-notifications")).to_be_checked()


def test_a_chosen_theme_applies_to_the_page_at_once(page):
    register(page, unique("dora"))
    page.goto("/profile")
    assert page.locator("html").get_attribute("data-theme") is None
    page.locator("#profile-preferences").get_by_label("Dark").check()
    page.locator("#profile-preferences").get_by_role("button", name="Save").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


def test_permission_is_asked_only_when_the_user_turns_notifications_on(new_context):
    context = new_context()
    context.add_init_script("localStorage.setItem('permission', 'default');" + OBSERVE_NOTIFICATIONS)
    page = context.new_page()
    register(page, unique("carol"))
    create_server(page, unique("Quiet "))
    page.goto("/profile")
    page.reload()
    assert page.evaluate("window.__permissionRequests") == 0  # never on page load
    page.locator("#desktop-notifications").check()
    wait_until(page, "window.__permissionRequests === 1")


def test_a_mention_in_a_hidden_tab_raises_one_notification_and_a_muted_server_none(new_context):
    alice_page = new_context().new_page()
    bob_context = new_context()
    bob_context.grant_permissions(["notifications"])
    bob_context.add_init_script(OBSERVE_NOTIFICATIONS)
    bob_page = bob_context.new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Desk "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    turn_on_desktop_notifications(bob_page)

    bob_page.goto(server_path)
    expect(bob_page.locator("#live")).to_have_attribute("hx-config", '{"sse": {"pauseOnBackground": false}}')
    alice_page.goto(server_path)
    post(alice_page, f"@{bob} hello while you look")
    expect(messages(bob_page).last.locator(".content")).to_have_text(f"@{bob} hello while you look")
    expect(bob_page.locator("#bell-count")).to_have_text("1")
    assert notices(bob_page) == []  # the tab is visible: no desktop notification

    bob_page.evaluate("window.__hidden = true")
    post(alice_page, f"@{bob} are you there?")
    wait_until(bob_page, "window.__notices.length > 0")
    expect(messages(bob_page).last.locator(".content")).to_have_text(f"@{bob} are you there?")
    post(alice_page, "a plain message")  # level "mentions": no notification
    expect(messages(bob_page).last.locator(".content")).to_have_text("a plain message")
    shown = notices(bob_page)
    assert len(shown) == 1
    assert "mentioned you in #general" in shown[0]["title"]
    assert shown[0]["body"] == f"@{bob} are you there?"

    # Clicking the notification opens the message.
    bob_page.evaluate("window.__notices[0].click()")
    bob_page.wait_for_url(f"**{server_path}/channels/*#message-*")

    # Bob mutes the server: a mention reaches the list but raises nothing.
    bob_page.goto(server_path + "/notifications")
    bob_page.get_by_label("Nothing").check()
    bob_page.get_by_role("button", name="Save").click()
    expect(bob_page.locator("#server-notifications input[name=level][value=nothing]")).to_be_checked()
    bob_page.goto(server_path)
    bob_page.evaluate("window.__hidden = true")
    post(alice_page, f"@{bob} still there?")
    expect(messages(bob_page).last.locator(".content")).to_have_text(f"@{bob} still there?")
    post(alice_page, "last one")
    expect(messages(bob_page).last.locator(".content")).to_have_text("last one")
    assert notices(bob_page) == []
