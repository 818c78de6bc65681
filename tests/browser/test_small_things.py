"""Small things in the browser: a long paste refused with a counter, Continue keeps the chosen avatar,
no unread dot in the title right after joining."""
import re

from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_chat_flow import PASSWORD, create_server, messages, register, unique
from tests.browser.test_live_chat import post


def test_a_paste_over_the_limit_is_kept_counted_and_refused(page):
    register(page)
    create_server(page, unique("Long "))
    composer = page.locator("#composer-input")
    counter = page.locator("#composer-count")
    composer.fill("a" * 3000)
    expect(counter).to_be_hidden()  # far from the limit: no noise

    composer.fill("a" * 4001)  # as a paste does
    expect(composer).to_have_value("a" * 4001)  # not cut to 4,000
    expect(counter).to_have_text("1 character too many: shorten it to send.")
    expect(composer).to_have_attribute("aria-invalid", "true")
    composer.press("Enter")
    page.get_by_role("button", name="Send").click()
    expect(messages(page)).to_have_count(0)  # refused: nothing sent, nothing lost
    expect(composer).to_have_value("a" * 4001)

    composer.press("Backspace")
    expect(counter).to_have_text("4,000 / 4,000")
    expect(composer).not_to_have_attribute("aria-invalid", "true")
    composer.press("Enter")
    expect(messages(page)).to_have_count(1)
    expect(composer).to_have_value("")
    expect(counter).to_be_hidden()


def test_continue_on_the_avatar_step_saves_the_chosen_picture(page, tmp_path):
    name = unique("pic")
    page.goto("/register")
    for field, value in (("username", name), ("email", f"{name}@example.com"), ("display_name", "Pic Ture"),
                         ("first_name", "Pic"), ("last_name", "Ture"), ("birth_date", "1990-01-01"),
                         ("password", PASSWORD)):
        page.locator(f"#f-{field}").fill(value)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    path = tmp_path / "green.png"
    Image.new("RGB", (300, 300), (30, 200, 60)).save(path, "PNG")
    page.locator("#a-avatar").set_input_files(str(path))
    page.get_by_role("link", name="Continue to Charla").click()  # without pressing "Save avatar" first
    expect(page).to_have_url(re.compile(r"/$"))
    avatar = page.locator(".user-link img.avatar")
    expect(avatar).to_have_attribute("src", re.compile(r"^/avatars/[0-9a-f]{32}-64\.webp$"))


def test_right_after_joining_the_title_has_no_unread_dot(new_context):
    host, guest = new_context().new_page(), new_context().new_page()
    register(host)
    name = unique("Dots ")
    server_path = create_server(host, name, public=True)
    post(host, "said before anyone joined")
    channels = host.locator("#channels-column")
    channels.locator("details.create-box summary", has_text="Create a channel").click()
    channels.locator("#channel-name").fill("later")
    channels.locator("#channel-form").get_by_role("button", name="Create channel").click()
    post(host, "in the other channel too")

    register(guest, unique("joiner"))
    guest.goto("/explore?q=" + name[:10])
    guest.locator(".search-result", has_text=name).get_by_role("button", name="Join").click()
    expect(guest).to_have_url(re.compile(re.escape(server_path) + "$"))
    expect(guest.locator("#composer-input")).to_be_visible()
    expect(guest).to_have_title(re.compile(r"^#general"))  # no "• " before it
    expect(guest.locator("#servers-column .unread-flag:not([hidden])")).to_have_count(0)

    post(host, "news after the join")  # and a later message does mark it
    expect(guest.locator("#servers-column .unread-flag:not([hidden])")).to_have_count(1)
    expect(guest).to_have_title(re.compile("^\u2022 #general"))
