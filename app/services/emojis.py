"""Emoji by shortcode, from the `emoji` package's data (Unicode's CLDR names
plus the aliases GitHub, Slack and Discord users type).

Used by the formatter (`:tada:` becomes 🎉 when a message is written), the
composer's suggestions after ":" and the reaction picker.
"""
import re
from dataclasses import dataclass
from functools import cache

import emoji as emoji_data

# Fully qualified emoji only (status 2): no bare components such as skin tones.
FULLY_QUALIFIED = 2
SHORTCODE_RE = re.compile(r":([a-z0-9_+\-]{1,60}):", re.IGNORECASE)
# Shown first in the reaction picker and as the suggestions for a bare ":".
FREQUENT = ("👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀", "🔥", "✅", "👎", "🚀")
MAX_EMOJI_CHARS = 64  # message_reactions.emoji


@dataclass(frozen=True)
class Emoji:
    char: str
    name: str          # the main shortcode without colons, "thumbs_up"
    aliases: tuple[str, ...]

    @property
    def label(self) -> str:
        """A human name, "thumbs up"."""
        return self.name.replace("_", " ")


@cache
def _table() -> tuple[dict[str, Emoji], dict[str, Emoji]]:
    """(shortcode -> emoji, character -> emoji), built once."""
    by_code: dict[str, Emoji] = {}
    by_char: dict[str, Emoji] = {}
    for char, data in emoji_data.EMOJI_DATA.items():
        if data.get("status") != FULLY_QUALIFIED:
            continue
        name = data["en"].strip(":").lower()
        aliases = tuple(a.strip(":").lower() for a in data.get("alias", ()))
        item = Emoji(char=char, name=name, aliases=aliases)
        by_char[char] = item
        for code in (name, *aliases):
            by_code.setdefault(code, item)
    return by_code, by_char


def by_shortcode(code: str) -> Emoji | None:
    return _table()[0].get(code.lower())


def by_char(char: str) -> Emoji | None:
    """The emoji if `char` is one (a reaction must be a real emoji, not any text)."""
    found = _table()[1].get(char)
    if found is None and not char.endswith("\ufe0f"):
        found = _table()[1].get(char + "\ufe0f")
    return found


def emojize(text: str) -> str:
    """`:shortcode:` replaced by its emoji; unknown codes stay as typed."""
    def replace(match: re.Match) -> str:
        found = by_shortcode(match.group(1))
        return found.char if found else match.group(0)
    return SHORTCODE_RE.sub(replace, text)


def search(query: str, limit: int = 30) -> list[Emoji]:
    """Emoji whose shortcodes start with `query` first, then those containing it;
    the frequent ones for an empty query."""
    query = query.strip().strip(":").lower().replace(" ", "_")
    by_code, by_char_table = _table()
    if not query:
        return [by_char_table[c] for c in FREQUENT if c in by_char_table][:limit]
    starts: list[Emoji] = []
    contains: list[Emoji] = []
    seen: set[str] = set()
    for code in sorted(by_code, key=lambda c: (len(c), c)):
        item = by_code[code]
        if item.char in seen:
            continue
        if code.startswith(query):
            starts.append(item)
            seen.add(item.char)
        elif query in code:
            contains.append(item)
            seen.add(item.char)
    return (starts + contains)[:limit]
