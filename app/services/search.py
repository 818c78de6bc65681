"""Server search: by name, ignoring case and accents, ranked, privacy kept.

Names are folded once on write (`servers.name_key` and one `server_terms`
row per word), so a keystroke costs two bounded index range scans, never a
scan of the whole table.
"""
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, func, literal, or_, select, union_all

from app.extensions import db
from app.models import SERVER_KIND, Membership, Server, ServerTerm, User

PAGE_SIZE = 20
LAST_CHARACTER = chr(0x10FFFF)
SURROGATES = (0xD800, 0xDFFF)
# Extra candidates read per branch, so private servers filtered out do not
# leave a page short.
CANDIDATE_SLACK = 50
QUERY_MAX = 100
# Pages further than anyone scrolls; keeps the offset a small number on every database.
PAGE_MAX = 10_000


def fold(text: str) -> str:
    """Lower case without accents: "Café Central" -> "cafe central"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", plain.casefold()).strip()


def terms(name: str) -> set[str]:
    return {word for word in re.split(r"[^\w]+", fold(name)) if word}


def index_server(server: Server) -> None:
    """(Re)write the folded name and terms of a server; the caller commits."""
    server.name_key = fold(server.name)[:100]
    db.session.execute(delete(ServerTerm).where(ServerTerm.server_id == server.id))
    db.session.add_all(ServerTerm(server_id=server.id, term=term[:100]) for term in terms(server.name))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Result:
    server: Server
    is_member: bool


@dataclass
class ResultPage:
    query: str
    results: list[Result]
    next_page: int | None


def prefix_range(column, prefix: str):
    """`column` starts with `prefix`, as a range an index can seek (LIKE cannot,
    on SQLite, where it ignores case)."""
    stem = prefix.rstrip(LAST_CHARACTER)  # nothing follows U+10FFFF: carry to the character before
    if not stem:
        return column >= prefix
    following = ord(stem[-1]) + 1
    if SURROGATES[0] <= following <= SURROGATES[1]:  # not characters: no database takes them
        following = SURROGATES[1] + 1
    return and_(column >= prefix, column < stem[:-1] + chr(following))


def search_servers(user: User, raw_query: str, page: int = 1) -> ResultPage:
    """Servers whose name starts with the query (first), then those with a word
    that does; alphabetical within each. Each branch reads at most a page's
    worth of index entries past the offset, whatever the table size."""
    query = fold(raw_query)[:QUERY_MAX]
    if not query:
        return ResultPage(raw_query, [], None)
    page = min(max(page, 1), PAGE_MAX)
    window = page * PAGE_SIZE + 1 + CANDIDATE_SLACK
    prefix = (select(Server.id.label("id"), literal(0).label("rank"))
              .where(prefix_range(Server.name_key, query)).order_by(Server.name_key).limit(window).subquery())
    by_word = (select(ServerTerm.server_id.label("id"), literal(1).label("rank"))
               .join(Server, Server.id == ServerTerm.server_id)
               .where(prefix_range(ServerTerm.term, query.split(" ")[0]),
                      Server.name_key.like("%" + escape_like(query) + "%", escape="\\"))
               .order_by(ServerTerm.term).limit(window).subquery())
    candidates = union_all(select(prefix), select(by_word)).subquery()
    best = (select(candidates.c.id, func.min(candidates.c.rank).label("rank"))
            .group_by(candidates.c.id).subquery())
    member = exists().where(Membership.server_id == Server.id, Membership.user_id == user.id)
    rows = db.session.execute(
        select(Server, member.label("is_member")).join(best, best.c.id == Server.id)
        .where(or_(Server.is_public, member), Server.kind == SERVER_KIND)
        .order_by(best.c.rank, Server.name_key, Server.id)
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    results = [Result(server, bool(is_member)) for server, is_member in rows[:PAGE_SIZE]]
    return ResultPage(raw_query, results, page + 1 if len(rows) > PAGE_SIZE else None)
