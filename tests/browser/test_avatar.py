"""Avatars in the browser: chosen right after sign-up, seen in the chat and in other people's open tabs."""
import re

from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, messages, register, unique
from tests.browser.test_live_chat import add_member, post


def picture(path, colour):
    Image.new("RGB", (400, 300), colour).save(path, "PNG")
    return str(path)


def test_avatar_from_sign_up_to_another_users_open_tab(new_context, live_database, tmp_path):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    alice = unique("alice")
    bob = register(bob_page, unique("bob"))

    # The avatar step right after registering: preview, save, continue.
    alice_page.goto("/register")
    for field, value in (("username", alice), ("email", f"{alice}@example.com"), ("display_name", "Alice A"),
                         ("first_name", "Alice"), ("last_name", "A"), ("birth_date", "1990-01-01"),
                         ("password", "plum-Otter-kettle-93")):
        alice_page.locator(f"#f-{field}").fill(value)
    alice_page.get_by_role("button", name="Create account").click()
    expect(alice_page).to_have_url(re.compile(r"/welcome$"))
    alice_page.wait_for_load_state()  # htmx takes the form over at DOMContentLoaded; before it, a plain submit
    alice_page.locator("#a-avatar").set_input_files(picture(tmp_path / "red.png", (220, 30, 30)))
    expect(alice_page.locator("[data-avatar-preview] img")).to_have_attribute("src", re.compile(r"^blob:"))
    alice_page.get_by_role("button", name="Save avatar").click()
    expect(alice_page.locator("#profile-avatar .form-ok")).to_be_visible()
    first_src = alice_page.locator("#profile-avatar img.avatar-xl").get_attribute("src")
    assert re.match(r"^/avatars/[0-9a-f]{32}-256\.webp$", first_src)
    alice_page.get_by_role("link", name="Continue to Charla").click()

    server_path = create_server(alice_page, "Faces")
    add_member(live_database, bob, int(server_path.rsplit("/", 1)[1]))
    post(alice_page, "look at my avatar")
    expect(messages(alice_page).last.locator("img.avatar")).to_have_attribute("src", re.compile(r"-64\.webp$"))

    bob_page.goto(server_path)
    bob_avatar = messages(bob_page).last.locator("img.avatar")
    expect(bob_avatar).to_have_attribute("src", re.compile(r"-64\.webp$"))
    old_src = bob_avatar.get_attribute("src")

    # Alice changes her avatar on her profile; Bob's open tab follows without a reload.
    alice_page.goto("/profile")
    alice_page.locator("#a-avatar").set_input_files(picture(tmp_path / "blue.png", (20, 40, 220)))
    alice_page.get_by_role("button", name="Save avatar").click()
    expect(alice_page.locator("#profile-avatar .form-ok")).to_be_visible()
    expect(messages(bob_page).last.locator("img.avatar")).not_to_have_attribute("src", old_src)
    expect(messages(bob_page).last.locator("img.avatar")).to_have_attribute("src", re.compile(r"-64\.webp$"))
    assert bob_page.request.get(old_src).status == 404  # the old files are gone

    # The author's card opens from the chat.
    messages(bob_page).last.locator(".author").click()
    expect(bob_page.locator("#profile-card .username")).to_have_text(f"@{alice}")
    expect(bob_page.locator("#profile-card .shared-servers")).to_contain_text("Faces")
    bob_page.keyboard.press("Escape")
    expect(bob_page.locator("#profile-card .profile-card")).to_have_count(0)
