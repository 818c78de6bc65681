"""The phone (375x812, touch) and tablet (768 px) layouts in Chromium.

One column at a time on a phone: the messages full width under a header with a
menu button, servers and channels in a drawer; two columns on a tablet. What
is asserted is what a person holding the phone would see and be able to tap.
"""
import re

from playwright.sync_api import Page, expect

from tests.browser.test_chat_flow import CHANNEL_URL, SERVER_URL, message_id, messages, register, unique
from tests.browser.waiting import wait_until

PHONE = {"viewport": {"width": 375, "height": 812}, "has_touch": True, "is_mobile": True}
TABLET = {"viewport": {"width": 768, "height": 1024}, "has_touch": True}
MIN_TARGET = 44

# Controls a finger must hit. Inline links inside a message's text or header
# (author names, mentions) are part of a sentence, which WCAG 2.5.8 exempts.
TARGET_CHECK = """(min) => {
  const bad = [];
  for (const el of document.querySelectorAll('a, button, summary, input:not([type=hidden]), textarea, select')) {
    if (el.closest('.content, .message-header, .skip-link, [hidden]')) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (box.bottom < 0 || box.top > innerHeight || box.right < 0 || box.left > innerWidth) continue;
    if (box.height < min - 0.5 || box.width < min - 0.5) {
      const name = `${el.tagName.toLowerCase()}#${el.id}.${el.className} "${el.textContent.trim().slice(0, 30)}"`;
      bad.push(`${name} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return bad;
}"""

OVERFLOW_CHECK = """() => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.skip-link, .visually-hidden')) continue;
    if (box.right > width + 1 || box.left < -1)
      bad.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${Math.round(box.left)}-${Math.round(box.right)}`);
  }
  const scroll = document.documentElement.scrollWidth;
  return bad.concat(scroll > width ? [`page scrolls sideways: ${scroll}`] : []);
}"""


def assert_fits_the_screen(page: Page):
    assert page.evaluate(OVERFLOW_CHECK) == [], "elements wider than the screen"
    assert page.evaluate(TARGET_CHECK, MIN_TARGET) == [], f"touch targets under {MIN_TARGET} px"


def assert_fully_visible(page: Page, locator):
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None, "not rendered"
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"] + 0.5, (box, viewport)
    assert box["y"] + box["height"] <= viewport["height"] + 0.5, (box, viewport)


def drawer_toggle(page: Page):
    return page.get_by_role("button", name="Servers and channels")


def channel_link(page: Page, name: str):
    return page.locator("#channels-column .channel-link", has_text=name)


def test_phone_journey_with_touch(new_context):
    page = new_context(**PHONE).new_page()
    register(page)

    # A new user sees the servers list at full width and can create one.
    expect(page.locator("#servers-empty")).to_be_visible()
    create = page.locator("#server-form")
    expect(create).to_be_visible()
    assert_fits_the_screen(page)
    server_name = unique("Pocket ")
    page.locator("#server-name").fill(server_name)
    create.locator("#server-visibility").select_option("public")  # found in Explore below
    create.get_by_role("button", name="Create server").tap()
    expect(page).to_have_url(SERVER_URL)
    page.wait_for_load_state()  # phone.js (deferred) is running

    # The channel fills the screen: header with the menu button and the name; lists hidden.
    expect(page.locator("#messages-column .channel-title")).to_contain_text("general")
    toggle = drawer_toggle(page)
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#channels-column")).to_be_hidden()
    expect(page.locator("#servers-column")).to_be_hidden()
    composer = page.locator("#composer-input")
    send = page.locator("#composer").get_by_role("button", name="Send")
    assert_fully_visible(page, composer)
    assert_fully_visible(page, send)
    assert_fits_the_screen(page)

    # The drawer: opens with focus inside, closes with Escape (focus back), by a tap outside.
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#channels-column")).to_be_visible()
    expect(page.locator("#servers-column")).to_be_visible()
    expect(channel_link(page, "general")).to_be_focused()
    assert_fits_the_screen(page)
    page.keyboard.press("Escape")
    expect(page.locator("#channels-column")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    toggle.tap()
    expect(page.locator("#channels-column")).to_be_visible()
    page.locator("#composer-input").focus()  # as Tab past the drawer's last control
    expect(page.locator("#channels-column")).to_be_hidden()
    toggle.tap()
    expect(page.locator("#channels-column")).to_be_visible()
    page.mouse.click(360, 400)  # the dimmed messages, right of the drawer
    expect(page.locator("#channels-column")).to_be_hidden()

    # Create a channel from the drawer; it opens full width.
    toggle.tap()
    drawer = page.locator("#channels-column")
    drawer.locator("details.create-box summary").tap()
    drawer.locator("#channel-name").fill("Pics")
    drawer.get_by_role("button", name="Create channel").tap()
    expect(page).to_have_url(CHANNEL_URL)
    pics_url = page.url
    expect(page.locator("#messages-column .channel-title")).to_contain_text("pics")
    expect(page.locator("#channels-column")).to_be_hidden()

    # Post, then edit by tapping the message's actions button.
    composer.fill("Sent from a phone")
    send.tap()
    message = messages(page).last
    expect(message.locator(".content")).to_have_text("Sent from a phone")
    expect(composer).to_have_value("")
    target_id = message_id(message)
    more_button = message.locator(".message-more summary")
    expect(more_button).to_be_visible()
    expect(message.get_by_role("link", name="Edit")).to_be_hidden()
    assert_fits_the_screen(page)
    more_button.tap()
    edit = message.get_by_role("link", name="Edit")
    expect(edit).to_be_visible()
    assert_fully_visible(page, edit)
    assert_fits_the_screen(page)
    edit.tap()
    editor = page.locator(f"#edit-{target_id}")
    expect(editor).to_be_focused()
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.type(", edited")
    page.keyboard.press("Enter")
    edited = page.locator(f"article#message-{target_id}")
    expect(edited.locator(".content")).to_have_text("Sent from a phone, edited")

    # Delete, also by tap, after confirming.
    page.once("dialog", lambda dialog: dialog.accept())
    edited.locator(".message-more summary").tap()
    edited.get_by_role("link", name="Delete").tap()
    expect(page.locator(f"#message-{target_id}")).to_have_count(0)

    # Switch channel in the drawer: choosing one closes it; reload and back keep the view.
    toggle.tap()
    channel_link(page, "general").tap()
    expect(page.locator("#messages-column .channel-title")).to_contain_text("general")
    expect(page.locator("#channels-column")).to_be_hidden()
    expect(drawer_toggle(page)).to_have_attribute("aria-expanded", "false")
    page.go_back()
    expect(page).to_have_url(pics_url)
    expect(page.locator("#messages-column .channel-title")).to_contain_text("pics")
    expect(page.locator("#channels-column")).to_be_hidden()
    page.reload()
    expect(page.locator("#messages-column .channel-title")).to_contain_text("pics")
    expect(page.locator("#channels-column")).to_be_hidden()
    expect(drawer_toggle(page)).to_be_visible()
    assert_fits_the_screen(page)

    # A second user finds the server in Explore and joins it, on a phone too.
    guest = new_context(**PHONE).new_page()
    register(guest, unique("guest"))
    guest.get_by_role("link", name="Explore servers").tap()
    expect(guest).to_have_url(re.compile(r"/explore"))
    assert_fits_the_screen(guest)
    guest.locator("input[name=q]").fill(server_name)
    guest.locator("input[name=q]").press("Enter")
    result = guest.locator(".search-result", has_text=server_name)
    expect(result).to_be_visible()
    assert_fits_the_screen(guest)
    result.get_by_role("button", name="Join").tap()
    expect(guest).to_have_url(SERVER_URL)
    guest.wait_for_load_state()
    expect(guest.locator("#messages-column .channel-title")).to_contain_text("general")
    assert_fully_visible(guest, guest.locator("#composer").get_by_role("button", name="Send"))
    assert_fits_the_screen(guest)

    # The owner's member list (Make admin, Moderate and Remove beside the guest) and the Bans page fit as well.
    server_path = re.search(r"/servers/\d+", guest.url).group(0)
    page.goto(f"{server_path}/members")
    expect(page.locator("#members-panel details.moderate summary")).to_be_visible()
    assert_fits_the_screen(page)
    page.goto(f"{server_path}/bans")
    page.locator("details.ban-by-name summary").tap()
    expect(page.locator("#ban-username")).to_be_visible()
    assert_fits_the_screen(page)
    page.goto("/profile")  # the avatar row once pushed every section wider than the screen
    assert_fits_the_screen(page)


def test_phone_drawer_without_javascript(new_context):
    """The menu button is a link to the channel list, which CSS shows by :target."""
    page = new_context(**PHONE).new_page()
    register(page)
    page.locator("#server-name").fill(unique("NoJS "))
    page.locator("#server-form").get_by_role("button", name="Create server").tap()
    expect(page).to_have_url(SERVER_URL)
    page.wait_for_load_state()  # phone.js (deferred) is running
    url = page.url
    nojs = new_context(**PHONE, java_script_enabled=False, storage_state=page.context.storage_state()).new_page()
    nojs.goto(url)
    expect(nojs.locator("#channels-column")).to_be_hidden()
    drawer_toggle(nojs).tap()
    expect(nojs).to_have_url(re.compile(r"#channels-column$"))
    expect(nojs.locator("#channels-column")).to_be_visible()
    channel_link(nojs, "general").tap()
    expect(nojs).to_have_url(CHANNEL_URL)
    expect(nojs.locator("#channels-column")).to_be_hidden()
    expect(nojs.locator("#composer-input")).to_be_visible()


def test_tablet_shows_two_columns(new_context):
    page = new_context(**TABLET).new_page()
    register(page)
    page.locator("#server-name").fill(unique("Tablet "))
    page.locator("#server-form").get_by_role("button", name="Create server").tap()
    expect(page).to_have_url(SERVER_URL)
    page.wait_for_load_state()  # phone.js (deferred) is running
    expect(page.locator("#messages-column .channel-title")).to_contain_text("general")
    rail = page.locator("#servers-column").bounding_box()
    column = page.locator("#messages-column").bounding_box()
    assert rail["width"] <= 80, rail
    assert abs(column["x"] - (rail["x"] + rail["width"])) <= 1, (rail, column)
    assert abs(column["x"] + column["width"] - 768) <= 1, column
    expect(page.locator("#channels-column")).to_be_hidden()
    drawer_toggle(page).tap()
    expect(page.locator("#channels-column")).to_be_visible()
    assert_fits_the_screen(page)


def overlaps(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def test_phone_error_toast_leaves_the_composer_free_and_can_be_dismissed(new_context):
    """Posting into a channel deleted meanwhile: the error shows where it does not cover Send."""
    context = new_context(**PHONE)
    page = context.new_page()
    # As on a phone whose connection dropped: no live updates tell this page the channel went.
    page.route("**/events/stream**", lambda route: route.abort())
    register(page)
    page.locator("#server-name").fill(unique("Toast "))
    page.locator("#server-form").get_by_role("button", name="Create server").tap()
    expect(page).to_have_url(SERVER_URL)
    page.wait_for_load_state()  # phone.js (deferred) is running
    drawer_toggle(page).tap()
    page.locator("#channels-column details.create-box summary").tap()
    page.locator("#channel-name").fill("doomed")
    page.locator("#channel-form").get_by_role("button", name="Create channel").tap()
    expect(page.locator("#messages-column .channel-title")).to_contain_text("doomed")

    admin = context.new_page()
    admin.goto(page.url)
    admin.get_by_role("link", name="Edit channel").click()
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.locator("#channel-delete-form button[type=submit]").click()
    expect(admin.locator("#messages-column .channel-title")).not_to_contain_text("doomed")

    page.locator("#composer-input").fill("Anyone here?")
    send = page.locator("#composer").get_by_role("button", name="Send")
    send.tap()
    toast = page.locator("#toasts .toast-error")
    expect(toast).to_be_visible()
    assert not overlaps(toast.bounding_box(), send.bounding_box()), "the error toast covers Send"
    assert not overlaps(toast.bounding_box(), page.locator("#composer-input").bounding_box())
    assert_fully_visible(page, toast)
    toast.get_by_role("button", name="Dismiss").tap()
    expect(toast).to_have_count(0)


def test_long_pages_have_no_seam_in_the_background(new_context):
    """A form taller than the screen (keyboard up): the gradient must not restart below the fold."""
    from io import BytesIO

    from PIL import Image

    page = new_context(**{**PHONE, "viewport": {"width": 375, "height": 480}}).new_page()
    page.goto("/register")
    height = page.viewport_size["height"]
    assert page.evaluate("document.documentElement.scrollHeight") > height + 100, "page not long enough to test"
    page.evaluate(f"window.scrollTo(0, {height // 2})")
    wait_until(page, f"window.scrollY === {height // 2}")
    shot = Image.open(BytesIO(page.screenshot())).convert("RGB")
    scale = shot.height / height
    # Where the first screenful ends, now in the middle of the screen, at the left edge (outside the card).
    above = shot.getpixel((1, int((height // 2 - 4) * scale)))
    below = shot.getpixel((1, int((height // 2 + 4) * scale)))
    assert max(abs(a - b) for a, b in zip(above, below, strict=True)) <= 6, (above, below)
