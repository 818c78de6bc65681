"""Two people in two browsers: every change reaches the other without a reload."""
import re

from playwright.sync_api import expect

import configuracion
from app import create_app
from app.extensions import db
from app.models import ROLE_MEMBER, Server, User
from app.services import servers as server_service
from tests.browser.test_chat_flow import create_server, message_id, messages, register, unique


def add_member(database_url: str, username: str, server_id: int) -> None:
    """Joining comes with invitations (a later issue); until then, through the service."""
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Config)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        server_service.add_member(user, db.session.get(Server, server_id), role=ROLE_MEMBER)
        db.session.commit()
        db.session.remove()


def post(page, text: str) -> None:
    page.locator("#composer-input").fill(text)
    page.locator("#composer-input").press("Enter")
    expect(page.locator("#composer-input")).to_have_value("")


def hide_tab(page, hidden: bool) -> None:
    """What the browser does when the tab goes to the background and back."""
    page.evaluate("""hidden => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});
        document.dispatchEvent(new Event('visibilitychange'));
    }""", hidden)


def test_two_users_see_each_others_changes_live(new_context, live_database):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, "Live Room")
    add_member(live_database, bob, int(server_path.rsplit("/", 1)[1]))
    expect(alice_page.locator("#channels-column .member-count")).to_have_text("2 members")
    bob_page.goto(server_path)
    expect(bob_page.locator("#channels-column .server-title")).to_have_text("Live Room")

    post(alice_page, "Hello Bob")
    expect(messages(bob_page).last.locator(".content")).to_have_text("Hello Bob")
    expect(messages(alice_page)).to_have_count(1)
    mid = message_id(messages(alice_page).last)
    expect(bob_page.locator(f"#message-{mid} .message-actions .action.edit")).to_have_count(0)
    expect(bob_page.locator(f"#message-{mid} .message-actions .action.danger")).to_have_count(0)

    mine = alice_page.locator(f"#message-{mid}")
    mine.hover()
    mine.get_by_role("link", name="Edit").click()
    editor = alice_page.locator(f"form#message-{mid} textarea")
    editor.fill("Hello Bob, again")
    editor.press("Enter")
    expect(bob_page.locator(f"#message-{mid} .content")).to_have_text("Hello Bob, again")
    expect(bob_page.locator(f"#message-{mid} .edited")).to_have_text("(edited)")

    alice_page.once("dialog", lambda dialog: dialog.accept())
    mine = alice_page.locator(f"#message-{mid}")
    mine.hover()
    mine.get_by_role("link", name="Delete").click()
    expect(bob_page.locator(f"#message-{mid}")).to_have_count(0)

    # Bob's tab goes to the background (htmx closes the stream), Alice posts three.
    hide_tab(bob_page, True)
    for i in range(3):
        post(alice_page, f"while you were away {i}")
    hide_tab(bob_page, False)
    for i in range(3):
        expect(bob_page.locator(".content", has_text=re.compile(f"^while you were away {i}$"))).to_have_count(1)
    expect(messages(bob_page)).to_have_count(3)

    # Bob's network drops and comes back: the stream reconnects and catches up.
    bob_page.context.set_offline(True)
    post(alice_page, "through the outage")
    bob_page.context.set_offline(False)
    expect(bob_page.locator(".content", has_text="through the outage")).to_have_count(1)
    expect(messages(bob_page)).to_have_count(4)

    # A new channel shows up in Bob's list.
    alice_page.locator("#channels-column summary", has_text="Create a channel").click()
    alice_page.locator("#channel-name").fill("Plans")
    alice_page.locator("#channel-form").get_by_role("button", name="Create channel").click()
    expect(bob_page.locator("#channels-column .channel-link", has_text="plans")).to_have_count(1)


def test_a_live_edit_from_another_tab_leaves_an_open_editor_alone(new_context):
    """Editing in one tab while the same message changes in another keeps the
    typed text; cancelling then shows the current version."""
    context = new_context()
    first = context.new_page()
    register(first)
    create_server(first, unique("Edits "))
    post(first, "draft one")
    article = messages(first).last
    article_id = article.get_attribute("id")
    second = context.new_page()
    second.goto(first.url)

    article.hover()
    article.locator(".action.edit").click()
    editor = first.locator(f"form#{article_id} textarea")
    expect(editor).to_be_focused()
    editor.fill("my unsaved words")

    second.locator(f"#{article_id}").hover()
    second.locator(f"#{article_id} .action.edit").click()
    second.locator(f"form#{article_id} textarea").fill("changed elsewhere")
    second.locator(f"form#{article_id} textarea").press("Enter")
    expect(second.locator(f"article#{article_id} .content")).to_have_text("changed elsewhere")

    post(second, "a later message")  # the edit's frame has surely reached the first tab by now
    expect(messages(first).last.locator(".content")).to_have_text("a later message")
    expect(editor).to_have_value("my unsaved words")
    editor.press("Escape")
    expect(first.locator(f"article#{article_id} .content")).to_have_text("changed elsewhere")
