"""Message formatting: the chat dialect of Markdown, rendered once when a message
is written and stored as sanitised HTML (`Message.content_html`).

The dialect is what Discord users type: **bold**, *italic*, ~~strike~~,
`code`, fenced code with a language (highlighted by Pygments with CSS classes:
the CSP allows no inline styles), > quotes, lists, ||spoilers||, bare links
and [text](url), line breaks as typed. Headings, images, raw HTML, tables,
rules and reference links are not part of it: they stay literal text.

markdown-it-py rather than mistune: it follows CommonMark to the letter (the
spec's own tests), its rules can be switched off one by one, and its token
stream lets mentions be added to text tokens only (never inside code or a
URL). Whatever the parser produces then goes through nh3 (ammonia) with an
allowlist of tags, attributes, classes and URL schemes: a parser bug cannot
become markup the allowlist does not name.

Links open in a new tab (`target="_blank"`): following one must not close the
chat and its live stream; `rel="noopener noreferrer nofollow ugc"` keeps the
opened page from reaching back (tab-nabbing), from learning the channel's URL,
and tells search engines the link is user content. Unicode hosts: the href
holds the punycode (`xn--`) form the browser will ask for, and that form is
shown beside the link (after `[text](url)` always, after a bare link whose host
is not plain ASCII), so a look-alike such as a Cyrillic "аpple.com" cannot hide.
"""
import re
from functools import cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from app.services import emojis
from app.services.mentions import MENTION_RE

# Bump when the output for the same source changes: `flask messages rerender`
# (and the migration that introduced it) re-render rows of older versions.
RENDER_VERSION = 1

SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow ugc"
CODE_CLASSES = {cls for cls in STANDARD_TYPES.values() if cls}
ALLOWED_TAGS = {"p", "br", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "target"},
    "span": {"data-mention", "tabindex"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {
    "span": {"mention", "spoiler", "link-host"} | CODE_CLASSES,
    "code": {"block"},
    "pre": {"code"},
}
# Code spans (a run of backticks up to the same run): no emoji shortcodes inside.
CODE_SPAN_RE = re.compile(r"(`+)[\s\S]*?(?<!`)\1(?!`)")
MAX_HIGHLIGHTED = 4000


def spoiler(state: StateInline, silent: bool) -> bool:
    """`||hidden||`: its inside is parsed as inline text (bold, links, ...)."""
    start = state.pos
    if not state.src.startswith("||", start):
        return False
    end = state.src.find("||", start + 2)
    if end == -1 or end == start + 2 or end > state.posMax:
        return False
    if not silent:
        state.push("spoiler_open", "span", 1).attrs = {"class": "spoiler", "tabindex": "0"}
        old_max = state.posMax
        state.pos, state.posMax = start + 2, end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("spoiler_close", "span", -1)
    state.pos = end + 2
    return True


def allowed_link(url: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in SCHEMES and not url.strip().startswith("//")


@cache
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"breaks": True, "linkify": True, "html": False, "typographer": False})
    md.enable(["strikethrough", "linkify"])
    md.disable(["heading", "lheading", "image", "html_block", "html_inline", "hr", "reference"])
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    md.validateLink = allowed_link
    md.inline.ruler.before("emphasis", "spoiler", spoiler)
    md.inline.add_terminator_char("|")
    md.add_render_rule("fence", render_fence)
    md.add_render_rule("code_block", render_fence)
    md.add_render_rule("link_open", render_link_open)
    md.add_render_rule("link_close", render_link_close)
    return md


def render_fence(self, tokens, index, options, env) -> str:
    token = tokens[index]
    language = token.info.strip().split(" ")[0] if token.info else ""
    code = token.content
    body = None
    if language and len(code) <= MAX_HIGHLIGHTED:
        try:
            lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
        except ClassNotFound:
            lexer = None
        if lexer is not None:
            body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    if body is None:
        body = str(escape(code))
    return f'<pre class="code"><code class="block">{body.rstrip(chr(10))}</code></pre>\n'


def render_link_open(self, tokens, index, options, env) -> str:
    token = tokens[index]
    token.attrs = {"href": token.attrs.get("href", ""), "target": "_blank"}
    return self.renderToken(tokens, index, options, env)


def render_link_close(self, tokens, index, options, env) -> str:
    """After `[text](url)`, the host it leads to; a bare link shows it already,
    unless its host is an IDN: then its `xn--` form too (see the docstring)."""
    opener = next(t for t in reversed(tokens[:index]) if t.type == "link_open")
    closing = self.renderToken(tokens, index, options, env)
    # The host as the browser will ask for it (linkify and the link normaliser
    # store IDNs in their xn-- form).
    host = urlsplit(opener.attrs.get("href", "")).hostname
    if not host:
        return closing
    if opener.markup in ("linkify", "autolink") and "xn--" not in host:
        return closing
    return f'{closing} <span class="link-host">({escape(host)})</span>'


def add_mentions(tokens, mention_keys: set[str]) -> None:
    """Wrap real @mentions in text tokens: never in code, a link's target or the
    text of a bare link (`https://host/@name` is a URL, not a mention)."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        in_bare_link = False
        for token in block.children:
            if token.type == "link_open":
                in_bare_link = token.markup in ("linkify", "autolink")
            elif token.type == "link_close":
                in_bare_link = False
            elif token.type == "text" and "@" in token.content and not in_bare_link:
                html = mentions_html(token.content, mention_keys)
                if html is not None:
                    token.type, token.content = "html_inline", html


def mentions_html(text: str, mention_keys: set[str]) -> str | None:
    parts, position, found = [], 0, False
    for match in MENTION_RE.finditer(text):
        raw = match.group(1)
        key = raw.lower() if raw.lower() in mention_keys else raw.lower().rstrip("._-")
        if key not in mention_keys:
            continue
        end = match.start(1) + len(key)
        parts.append(escape(text[position:match.start()]))
        parts.append(Markup('<span class="mention" data-mention="{}">@{}</span>').format(
            key, text[match.start(1):end]))
        position, found = end, True
    if not found:
        return None
    parts.append(escape(text[position:]))
    return "".join(str(p) for p in parts)


def render(content: str, mention_keys: set[str]) -> str:
    """The message source as sanitised HTML (what `content_html` stores)."""
    md = parser()
    env: dict = {}
    tokens = md.parse(content, env)
    if mention_keys:
        add_mentions(tokens, mention_keys)
    html = md.renderer.render(tokens, md.options, env)
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, allowed_classes=ALLOWED_CLASSES,
                     url_schemes=SCHEMES, link_rel=LINK_REL, strip_comments=True).strip()


def without_code(content: str) -> str:
    """The source with code spans and blocks blanked: a name in code mentions nobody."""
    return "".join(" " if code else piece for code, piece in code_and_prose(content))


def emojize_outside_code(content: str) -> str:
    """`:shortcode:` replaced by its emoji, except inside code spans and blocks."""
    if ":" not in content:
        return content
    return "".join(piece if code else emojis.emojize(piece) for code, piece in code_and_prose(content))


def code_and_prose(content: str) -> list[tuple[bool, str]]:
    """The source cut into (is_code, text) pieces that join back into it.

    The parser says which lines are code blocks (fenced with ``` or ~~~, or
    indented); in the other lines, code spans are found as CommonMark does.
    """
    lines = re.split(r"(?<=\n)", content)  # the parser's lines: "\r" and "\u2028" do not end one
    code_lines: set[int] = set()
    if "`" in content or "~~~" in content or "    " in content or "\t" in content:
        for token in parser().parse(content):
            if token.type in ("fence", "code_block") and token.map:
                code_lines.update(range(*token.map))
    pieces: list[tuple[bool, str]] = []
    prose: list[str] = []
    for number, line in enumerate(lines):
        if number in code_lines:
            pieces.extend(spans_and_prose("".join(prose)))
            pieces.append((True, line))
            prose = []
        else:
            prose.append(line)
    pieces.extend(spans_and_prose("".join(prose)))
    return pieces


def spans_and_prose(text: str) -> list[tuple[bool, str]]:
    pieces, position = [], 0
    for match in CODE_SPAN_RE.finditer(text):
        pieces.append((False, text[position:match.start()]))
        pieces.append((True, match.group(0)))
        position = match.end()
    pieces.append((False, text[position:]))
    return pieces


def message_html(message) -> Markup:
    """What a message shows: the stored HTML when current, else rendered now.

    `message` is a Message or a MessageRevision-like object with `content`,
    `content_html`, `render_version` and `mention_keys()`-providing `mentions`.
    """
    stored = getattr(message, "content_html", None)
    if stored is not None and getattr(message, "render_version", RENDER_VERSION) == RENDER_VERSION:
        return Markup(stored)
    keys = {m.username_key for m in getattr(message, "mentions", ())}
    return Markup(render(message.content, keys))
