"""The message dialect: what each construct renders to, what never becomes
markup, and (Hypothesis) that any input yields only allowlisted HTML."""
import re

import pytest
from bs4 import BeautifulSoup
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text, update

import configuracion
from app import create_app
from app.extensions import db
from app.models import Message
from app.services import formatting
from app.services import messages as message_service
from app.services.formatting import ALLOWED_ATTRIBUTES, ALLOWED_CLASSES, ALLOWED_TAGS, render
from tests.conftest import soup

REL = 'rel="noopener noreferrer nofollow ugc"'

TABLE = [
    ("**bold**", "<p><strong>bold</strong></p>"),
    ("*italic* and _also_", "<p><em>italic</em> and <em>also</em></p>"),
    ("~~gone~~", "<p><s>gone</s></p>"),
    ("`x = 1`", "<p><code>x = 1</code></p>"),
    ("`**not bold** @ana`", "<p><code>**not bold** @ana</code></p>"),
    ("**bold *and italic***", "<p><strong>bold <em>and italic</em></strong></p>"),
    ("\\*not italic\\*", "<p>*not italic*</p>"),
    ("one\ntwo", "<p>one<br>\ntwo</p>"),
    ("> quoted\nstill", "<blockquote>\n<p>quoted<br>\nstill</p>\n</blockquote>"),
    ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
    ("3. c\n4. d", '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>'),
    ("||secret||", '<p><span class="spoiler" tabindex="0">secret</span></p>'),
    ("||**bold** secret||", '<p><span class="spoiler" tabindex="0"><strong>bold</strong> secret</span></p>'),
    ("`||not a spoiler||`", "<p><code>||not a spoiler||</code></p>"),
    ("a | b || c", "<p>a | b || c</p>"),
    ("hi @ana!", '<p>hi <span class="mention" data-mention="ana">@ana</span>!</p>'),
    ("**@ana**", '<p><strong><span class="mention" data-mention="ana">@ana</span></strong></p>'),
    ("@nobody here", "<p>@nobody here</p>"),
    ("```\n@ana **x**\n```", '<pre class="code"><code class="block">@ana **x**</code></pre>'),
    ("```python\nreturn 1\n```",
     '<pre class="code"><code class="block"><span class="k">return</span> <span class="mi">1</span></code></pre>'),
    ("```nosuchlanguage\n<b>\n```", '<pre class="code"><code class="block">&lt;b&gt;</code></pre>'),
    # Not in the dialect: literal text.
    ("# heading", "<p># heading</p>"),
    ("<b>raw</b>", "<p>&lt;b&gt;raw&lt;/b&gt;</p>"),
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("---", "<p>---</p>"),
    ("| a |\n|---|\n| 1 |", "<p>| a |<br>\n|---|<br>\n| 1 |</p>"),
    # Links.
    ("see https://example.com/a?b=1",
     f'<p>see <a href="https://example.com/a?b=1" target="_blank" {REL}>https://example.com/a?b=1</a></p>'),
    ("[docs](https://example.com/x)",
     f'<p><a href="https://example.com/x" target="_blank" {REL}>docs</a> '
     '<span class="link-host">(example.com)</span></p>'),
    ("[mail](mailto:ana@example.com)",
     f'<p><a href="mailto:ana@example.com" target="_blank" {REL}>mail</a></p>'),
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
    ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>"),
    ("[x](//evil.example)", "<p>[x](//evil.example)</p>"),
    ("[x](/relative)", "<p>[x](/relative)</p>"),
    ("ftp://example.com vbscript:x www.example.com", "<p>ftp://example.com vbscript:x www.example.com</p>"),
    ("![img](https://example.com/a.png)",
     f'<p>!<a href="https://example.com/a.png" target="_blank" {REL}>img</a> '
     '<span class="link-host">(example.com)</span></p>'),
    # A unicode host is linked by its punycode and shown so beside the text (no look-alikes).
    ("[shop](https://bücher.example/x)",
     f'<p><a href="https://xn--bcher-kva.example/x" target="_blank" {REL}>shop</a> '
     '<span class="link-host">(xn--bcher-kva.example)</span></p>'),
    ("`https://example.com`", "<p><code>https://example.com</code></p>"),
    # A bare IDN link shows its punycode host too; an ASCII one does not need it.
    ("see https://аpple.com",
     f'<p>see <a href="https://xn--pple-43d.com" target="_blank" {REL}>https://аpple.com</a> '
     '<span class="link-host">(xn--pple-43d.com)</span></p>'),
    # A mention in a link's text is one; in a bare URL it is part of the URL.
    ("[@ana](https://example.com)",
     f'<p><a href="https://example.com" target="_blank" {REL}><span class="mention" data-mention="ana">@ana</span>'
     '</a> <span class="link-host">(example.com)</span></p>'),
    ("https://example.com/@ana",
     f'<p><a href="https://example.com/@ana" target="_blank" {REL}>https://example.com/@ana</a></p>'),
    ("~~~\n**x** @ana\n~~~", '<pre class="code"><code class="block">**x** @ana</code></pre>'),
    ("> - **a** ||b||\n> - `c`",
     '<blockquote>\n<ul>\n<li><strong>a</strong> <span class="spoiler" tabindex="0">b</span></li>\n'
     '<li><code>c</code></li>\n</ul>\n</blockquote>'),
    ("[x](vbscript:msgbox(1))", "<p>[x](vbscript:msgbox(1))</p>"),
    ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>"),
]


@pytest.mark.parametrize(("source", "html"), TABLE, ids=[row[0][:30] for row in TABLE])
def test_each_construct_renders_as_the_dialect_says(source, html):
    assert render(source, {"ana"}) == html


@pytest.mark.parametrize(("typed", "stored"), [
    ("party :tada:", "party 🎉"),
    (":+1: :heart:", "👍 ❤️"),
    (":not_an_emoji:", ":not_an_emoji:"),
    ("`:tada:` stays", "`:tada:` stays"),
    ("```\n:tada:\n```\nthen :tada:", "```\n:tada:\n```\nthen 🎉"),
    # Text after ``` does not close a fence: all of it is code, as the reader sees it.
    ("```\n:tada:\n``` then :tada:", "```\n:tada:\n``` then :tada:"),
    ("~~~\n:tada:\n~~~\n:tada:", "~~~\n:tada:\n~~~\n🎉"),
    ("    :tada: indented code\n\n:tada:", "    :tada: indented code\n\n🎉"),
    ("``a ` :tada:`` :tada:", "``a ` :tada:`` 🎉"),
    ("```\n:tada: never closed", "```\n:tada: never closed"),
])
def test_shortcodes_become_emoji_outside_code(typed, stored):
    assert formatting.emojize_outside_code(typed) == stored


@pytest.mark.parametrize("source", [
    "`@ana`", "``a ` @ana``", "```\n@ana\n```", "~~~\n@ana\n~~~", "    @ana indented",
])
def test_a_name_in_any_kind_of_code_is_not_looked_up_as_a_mention(source):
    assert "@ana" not in formatting.without_code(source)
    assert "@ana" in formatting.without_code(source + "\n\nbut @ana")


def test_a_fence_never_closed_keeps_the_rest_of_the_message_as_code():
    assert "@ana" not in formatting.without_code("```\nfirst\n\nthen @ana")


def test_stored_html_is_shown_and_an_older_version_is_rendered_again():
    current = Message(content="**new**", content_html="<p>stored</p>", render_version=formatting.RENDER_VERSION)
    assert formatting.message_html(current) == "<p>stored</p>"
    older = Message(content="**new**", content_html="<p>old</p>", render_version=formatting.RENDER_VERSION - 1)
    older.mentions = []
    assert formatting.message_html(older) == "<p><strong>new</strong></p>"


PIECES = list("ab <>&\"'`*_~|[]()!:/\\\n-#>=@.") + [
    "javascript:", "data:", "http://", "https://x.y", "mailto:", "<script>", "onerror=", "```", "||", "@ana",
    "\u202e", "\x00", "é", "🎉", "<img src=x>", "&#106;avascript:"]
MARKDOWNISH = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def only_allowed(html: str) -> None:
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        assert element.name in ALLOWED_TAGS, html
        for name, value in element.attrs.items():
            if name == "class":
                assert set(value) <= ALLOWED_CLASSES.get(element.name, set()), html
            elif name == "rel":
                assert element.name == "a"
            else:
                assert name in ALLOWED_ATTRIBUTES.get(element.name, set()), html
            if name == "href":
                assert re.match(r"^(https?:|mailto:)", value), html
    assert "<script" not in html.lower()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKDOWNISH)
def test_any_input_renders_to_allowlisted_html_only(source):
    only_allowed(render(source, {"ana"}))


def channel_url(cast) -> str:
    return f"/servers/{cast.server.id}/channels/{cast.channel.id}"


def test_a_sent_message_stores_its_html_and_opening_the_channel_renders_nothing(client, as_user, cast, monkeypatch):
    sent = cast.post(cast.member, "**hi** @olivia :tada: `:tada:`")
    assert sent.content == "**hi** @olivia 🎉 `:tada:`"
    assert sent.render_version == formatting.RENDER_VERSION
    assert sent.content_html == ('<p><strong>hi</strong> <span class="mention" data-mention="olivia">@olivia</span>'
                                 ' 🎉 <code>:tada:</code></p>')

    def no_rendering(*args):
        raise AssertionError("rendered at read time")

    monkeypatch.setattr(formatting, "render", no_rendering)
    as_user(cast.owner)
    content = soup(client.get(channel_url(cast))).select("#message-list .content")[-1]
    assert content.select_one("strong").get_text() == "hi"
    assert content.select_one(".mention")["data-mention"] == "olivia"


def test_an_edit_renders_again(client, as_user, cast):
    message = cast.post(cast.member, "plain")
    as_user(cast.member)
    response = client.post(f"/messages/{message.id}/edit", data={"content": "now ~~plain~~ :wave:"})
    assert response.status_code in (200, 303)
    db.session.refresh(message)
    assert message.content == "now ~~plain~~ 👋"
    assert message.content_html == "<p>now <s>plain</s> 👋</p>"


def test_rerender_command_renders_older_rows_once(app, cast):
    current = cast.post(cast.member, "**kept**")
    stale = cast.post(cast.member, "*old* @olivia")
    db.session.execute(update(Message).where(Message.id == stale.id).values(content_html="<p>old</p>",
                                                                           render_version=0))
    db.session.execute(update(Message).where(Message.id == current.id).values(content_html="<p>untouched</p>"))
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["messages", "rerender"])
    assert first.exit_code == 0 and "Re-rendered 1 messages." in first.output
    db.session.expire_all()
    assert db.session.get(Message, stale.id).content_html == (
        '<p><em>old</em> <span class="mention" data-mention="olivia">@olivia</span></p>')
    assert db.session.get(Message, current.id).content_html == "<p>untouched</p>"  # current version: left alone
    again = runner.invoke(args=["messages", "rerender"])
    assert "Re-rendered 0 messages." in again.output


def test_a_name_in_code_mentions_nobody(cast):
    source = f"`@{cast.member.username}` and\n```\n@{cast.admin.username}\n```\nbut @{cast.member.username}"
    message = message_service.send_message(cast.owner, cast.server.id, cast.channel.id, source)
    assert {m.user_id for m in message.mentions} == {cast.member.id}
    quiet = message_service.send_message(cast.owner, cast.server.id, cast.channel.id, f"`@{cast.admin.username}`")
    assert quiet.mentions == []
    assert '<span class="mention"' not in quiet.content_html


def test_the_upgrade_renders_messages_written_before_it(tmp_path):
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'before.db'}"

    with create_app(Config).app_context():
        upgrade(revision="c3a9d1e7f2b4")
        for statement in [
            "INSERT INTO users (id, username, username_key, email, display_name, first_name, last_name, birth_date,"
            " password_hash, created_at, bio) VALUES (1, 'ana', 'ana', 'ana@example.com', 'Ana', 'Ana', 'G',"
            " '1990-01-01', 'x', '2026-01-01 00:00:00', '')",
            "INSERT INTO servers (id, name, name_key, description, owner_id, is_public, member_count, created_at)"
            " VALUES (1, 'S', 's', '', 1, 1, 1, '2026-01-01 00:00:00')",
            "INSERT INTO channels (id, server_id, name, topic, position, created_at)"
            " VALUES (1, 1, 'a', '', 0, '2026-01-01 00:00:00')",
            "INSERT INTO messages (id, channel_id, author_id, content, created_at)"
            " VALUES (1, 1, 1, '**hi** @ana <b>', '2026-01-01 00:00:00')",
            "INSERT INTO message_mentions (message_id, user_id, channel_id, username_key) VALUES (1, 1, 1, 'ana')",
        ]:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT content_html, render_version FROM messages")).one() == (
            '<p><strong>hi</strong> <span class="mention" data-mention="ana">@ana</span> &lt;b&gt;</p>',
            formatting.RENDER_VERSION)
        db.session.remove()
