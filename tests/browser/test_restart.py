"""A server restart: open tabs reconnect by themselves and catch up, no reload."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.live.conftest import Server, World


@pytest.fixture
def restartable(tmp_path):
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    world = World(url)
    server = Server(url, tmp_path).start()
    yield server, world
    server.stop()


def log_in(page, base, username):
    page.goto(base + "/login")
    page.locator("#f-login").fill(username)
    page.locator("#f-password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header.topbar")).to_be_visible()


def test_tabs_reconnect_and_catch_up_after_a_restart(browser, restartable):
    server, world = restartable
    channel_path = f"/servers/{world.book.server_id}/channels/{world.book.id}"
    ana, bruno = browser.new_context().new_page(), browser.new_context().new_page()
    for page, name in ((ana, "ana"), (bruno, "bruno")):
        log_in(page, server.base, name)
        page.goto(server.base + channel_path)

    ana.locator("#composer-input").fill("before the restart")
    ana.locator("#composer-input").press("Enter")
    expect(bruno.locator(".content", has_text="before the restart")).to_have_count(1)

    server.stop()
    server.start()

    ana.locator("#composer-input").fill("after the restart")
    ana.locator("#composer-input").press("Enter")
    expect(bruno.locator(".content", has_text="after the restart")).to_have_count(1, timeout=20000)
    expect(bruno.locator(".content", has_text="before the restart")).to_have_count(1)
    for page in (ana, bruno):
        page.context.close()
