"""Edit history in the browser: "(edited)" opens the earlier versions in place;
Escape closes them and gives focus back to the link."""
from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, messages, register, unique
from tests.browser.test_mentions import post


def edit(page, article, text: str) -> None:
    article.hover()
    article.locator(".action.edit").click()
    box = page.locator(f"form#{article.get_attribute('id')} textarea")
    box.fill(text)
    box.press("Enter")
    expect(article.locator(".content")).to_have_text(text)


def test_edited_opens_every_earlier_version(page):
    register(page)
    create_server(page, unique("History "))
    post(page, "version one")
    article = messages(page).last
    edit(page, article, "version two")
    edit(page, article, "version three")
    link = article.locator("a.edited")
    link.focus()
    page.keyboard.press("Enter")
    history = page.locator("#message-history")
    expect(history.locator(".version .content")).to_have_text(["version three", "version two", "version one"])
    expect(history.locator(".version-current")).to_have_count(1)
    expect(history.get_by_role("button", name="Close")).to_be_focused()  # the keyboard is in the panel
    page.keyboard.press("Escape")
    expect(history).to_have_count(0)
    expect(link).to_be_focused()
