"""The message dialect: what each construct renders to, what never becomes
markup, and (Hypothesis) that any input yields only allowlisted HTML."""
import re

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Message
from app.services import formatting
from app.services import messages as message_service
from app.services.formatting import ALLOWED_ATTRIBUTES, ALLOWED_CLASSES, ALLOWED_TAGS, render

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
]


@pytest.mark.parametrize(("source", "html"), TABLE, ids=[row[0][:30] for row in TABLE])
def test_each_construct_renders_as_the_dialect_says(source, html):
    assert render(source, {"ana"}) == html


@pytest.mark.parametrize(("typed", "stored"), [
    ("party :tada:", "party 🎉"),
    (":+1: :heart:", "👍 ❤️"),
    (":not_an_emoji:", ":not_an_emoji:"),
    ("`:tada:` stays", "`:tada:` stays"),
    ("```\n:tada:\n``` then :tada:", "```\n:tada:\n``` then 🎉"),
])
def test_shortcodes_become_emoji_outside_code(typed, stored):
    assert formatting.emojize_outside_code(typed) == stored


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


def test_a_name_in_code_mentions_nobody(cast):
    source = f"`@{cast.member.username}` and\n```\n@{cast.admin.username}\n```\nbut @{cast.member.username}"
    message = message_service.send_message(cast.owner, cast.server.id, cast.channel.id, source)
    assert {m.user_id for m in message.mentions} == {cast.member.id}
    quiet = message_service.send_message(cast.owner, cast.server.id, cast.channel.id, f"`@{cast.admin.username}`")
    assert quiet.mentions == []
    assert '<span class="mention"' not in quiet.content_html
