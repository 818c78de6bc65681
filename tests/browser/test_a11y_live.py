"""What a screen reader user hears when messages arrive, and the two themes."""
import re

from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, register, unique

DARK_BG, LIGHT_BG = "rgb(49, 51, 56)", "rgb(255, 255, 255)"


def test_messages_from_others_are_announced_once_and_own_ones_are_not(new_context):
    owner = new_context().new_page()
    register(owner, unique("ann"))
    server_path = create_server(owner, unique("Announce "))
    channel_path = owner.locator('#channels-column a[aria-current="page"]').get_attribute("href")
    owner.goto(server_path + "/invites")
    owner.get_by_role("button", name="Create invite link").click()
    invite = owner.locator("#new-invite-url").input_value()

    guest = new_context().new_page()
    register(guest, unique("bea"))
    guest.goto(invite)
    guest.locator("main form button[type=submit]").first.click()
    expect(guest).to_have_url(re.compile(re.escape(server_path) + r"(/channels/\d+)?$"))
    guest_name = guest.locator(".user-name").inner_text().strip()

    owner.goto(channel_path)
    guest.goto(channel_path)
    announcer = owner.locator("#live-announcer")
    expect(announcer).to_have_text("")
    guest.locator("#composer-input").fill("Hola a todos")
    guest.locator("#composer-input").press("Enter")
    expect(owner.locator("#message-list .message", has_text="Hola a todos")).to_have_count(1)
    expect(announcer).to_have_text(f"{guest_name}: Hola a todos")

    # Your own message is not read back to you; the last announcement stays as it was.
    owner.locator("#composer-input").fill("Bienvenida")
    owner.locator("#composer-input").press("Enter")
    expect(owner.locator("#message-list .message", has_text="Bienvenida")).to_have_count(1)
    expect(announcer).to_have_text(f"{guest_name}: Hola a todos")
    # The list itself is not a live region: only the one line is spoken.
    assert owner.locator("#message-list").get_attribute("aria-live") is None


def card_background(page) -> str:
    return page.evaluate("() => getComputedStyle(document.querySelector('.auth-card')).backgroundColor")


def colour_scheme(page) -> str:
    return page.evaluate("() => getComputedStyle(document.documentElement).colorScheme")


def test_theme_follows_the_system_and_data_theme_overrides_it(new_context):
    for system, system_bg, chosen, chosen_bg in (("light", LIGHT_BG, "dark", DARK_BG),
                                                 ("dark", DARK_BG, "light", LIGHT_BG)):
        page = new_context(color_scheme=system).new_page()
        page.goto("/login")
        assert (card_background(page), colour_scheme(page)) == (system_bg, system)
        page.evaluate("theme => { document.documentElement.dataset.theme = theme; }", chosen)
        assert (card_background(page), colour_scheme(page)) == (chosen_bg, chosen)
        page.evaluate("theme => { document.documentElement.dataset.theme = theme; }", system)
        assert (card_background(page), colour_scheme(page)) == (system_bg, system)
