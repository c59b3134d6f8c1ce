"""Customer search inside the encrypted database (design.md §6).

Three contentless FTS5 indexes (schema in migrations/0004_customers.sql):
- customer_trigram: substrings of 3+ characters (Chinese inside longer names, phone fragments);
- customer_words: terms of 1-2 characters, which trigrams cannot match, by prefix query over
  the words (unicode61) and over the CJK bigrams of every run of Chinese (王芳华 -> 王芳 芳华);
- customer_sensitive_fts: protected values, for search_sensitive only.

Their rowid is not the bare customer id but `search_rowid`: the first two characters of the
name's sort key above the id. FTS5 returns hits in rowid order, so it returns them in (nearly)
name order: the first 50 hits by name are found by reading the first ~50 hits, however many
customers match ("王" or "上海" match tens of thousands in a million), instead of fetching and
sorting every hit. The id is the low bits; the hits sharing the name prefix of the 50th are
read to the end of that prefix and put in exact order (sorted when few, else taken from the
name index). Who may see each row is indexed too (`scope` column), so a rep's search is one
FTS5 intersection and never looks up the owner of every hit.

A query is split on whitespace; every term must match (AND). Each term reaches FTS5 as one
quoted string inside a bound parameter, so FTS5 operators, column filters and SQL typed by a
user (NEAR, OR, -, *, :, "; DROP TABLE) are text to look for, never syntax."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlcipher3

from core.customers.access import Scope
from core.customers.model import Contact, CustomerSummary
from core.customers.ports import CustomerFilter, PageCursor, SortKey
from storage.customer_sql import (
    SUMMARY,
    Clause,
    ordered_page,
    scope_clause,
    summary,
)

TRIGRAM, WORDS, SENSITIVE = "customer_trigram", "customer_words", "customer_sensitive_fts"
MAX_TERMS = 8
ID_BITS = 26  # customer ids below 67 million; 21 + 16 bits of name prefix above them
ID_MASK = (1 << ID_BITS) - 1
MAX_CUSTOMER_ID = ID_MASK
# A query with terms for two indexes reads one in rowid order and checks the other's hits;
# the side with fewer hits (counted up to this) is the one held in memory.
COUNT_CAP = 20_000
# Up to this many hits are read by id and sorted; past it, the last name prefix's hits are
# taken in order from the name index instead.
DIRECT_LIMIT = 200

# Han (with extensions and compatibility ideographs), kana and hangul: scripts written without
# spaces, where a "word" is a whole run and names hide inside it.
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
                  "\U00020000-\U0003134f]+")
_PHONE_LIKE = re.compile(r"\+?[\d\-().]*\d[\d\-().]*")
_PHONE_NOISE = re.compile(r"[\-().]")


def search_rowid(customer_id: int, key: str) -> int:
    """Monotone in (name sort key, id) up to the first two characters: the first character's
    code point (21 bits), the second's clamped to the BMP (16 bits; a name of one character
    gets 0 and sorts first, as the shorter string does), then the id."""
    if not 0 < customer_id <= MAX_CUSTOMER_ID:
        raise ValueError("customer id out of the search index's range")
    first = ord(key[0]) if key else 0
    second = min(ord(key[1]), 0xFFFF) if len(key) > 1 else 0
    return (((first << 16) | second) << ID_BITS) | customer_id


# -- what is indexed -------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchText:
    trigram: str
    words: str
    grams: str
    sensitive: str
    scope: tuple[str, ...]  # owner<id>, share<id>: who may find the row


def scope_tokens(owner_id: int, shared_with: Iterable[int] = ()) -> tuple[str, ...]:
    return (f"owner{int(owner_id)}", *(f"share{int(u)}" for u in sorted(shared_with)))


_CODE_KINDS = {"owner": "\ue000", "share": "\ue001"}
_CODE_BASE, _CODE_RADIX = 0xE100, 6144  # private-use characters, two per number


def _trigram_token(token: str) -> str:
    """owner3 as exactly three private-use characters: one trigram, so the scope costs the
    trigram index one short doclist per owner (a longer token would be a phrase whose common
    trigrams, shared by every row, FTS5 would have to walk). Tokens are written apart, and
    every trigram across a gap holds the space, so no code appears where it was not put."""
    high, low = divmod(int(token[5:]), _CODE_RADIX)
    return _CODE_KINDS[token[:5]] + chr(_CODE_BASE + high) + chr(_CODE_BASE + low)


def cjk_bigrams(text: str) -> list[str]:
    """Every pair of neighbouring characters in every CJK run, once each."""
    found: dict[str, None] = {}
    for run in _CJK.findall(text):
        for i in range(len(run) - 1):
            found[run[i:i + 2]] = None
    return list(found)


def spaced_runs(text: str) -> str:
    # unicode61 reads "王芳华Acme" as one token; apart, "ac" and "王" both work as prefixes.
    return _CJK.sub(lambda m: f" {m.group(0)} ", text)


def search_text(name: str, phones: Iterable[str], email: str, city: str, notes: str,
                contacts: Iterable[Contact], sensitive: Iterable[str],
                scope: tuple[str, ...] = ()) -> SearchText:
    parts = [name, *phones, email, city, notes]
    for contact in contacts:
        parts.extend((contact.name, contact.phone, contact.email))
    # Fields joined by a line break: a query term never holds whitespace, so no match can
    # straddle two fields.
    body = "\n".join(p for p in parts if p)
    return SearchText(trigram=body, words=spaced_runs(body), grams=" ".join(cjk_bigrams(body)),
                      sensitive="\n".join(v for v in sensitive if v), scope=scope)


def index(conn: sqlcipher3.Connection, rows: list[tuple[int, SearchText]]) -> None:
    """Add index entries, keyed by search_rowid (after `unindex` when replacing)."""
    # In rowid order: FTS5 writes its pending terms out as a new segment whenever a rowid is
    # below the one before, and search rowids follow names, not ids. Unsorted, a batch of
    # 500 made hundreds of tiny segments to merge; sorted, one.
    rows = sorted(rows, key=lambda row: row[0])
    conn.executemany(f"INSERT INTO {TRIGRAM} (rowid, body, scope) VALUES (?, ?, ?)",  # noqa: S608
                     [(cid, t.trigram, " ".join(map(_trigram_token, t.scope)))
                      for cid, t in rows])
    conn.executemany(
        f"INSERT INTO {WORDS} (rowid, words, grams, scope) VALUES (?, ?, ?, ?)",  # noqa: S608
        [(cid, t.words, t.grams, " ".join(t.scope)) for cid, t in rows])
    # Most customers have no protected value; an empty entry would only cost space.
    conn.executemany(f"INSERT INTO {SENSITIVE} (rowid, body) VALUES (?, ?)",  # noqa: S608
                     [(cid, t.sensitive) for cid, t in rows if t.sensitive])


def unindex(conn: sqlcipher3.Connection, rowid: int, had_sensitive: bool) -> None:
    for table in (TRIGRAM, WORDS, *((SENSITIVE,) if had_sensitive else ())):
        conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))  # noqa: S608


def optimize(conn: sqlcipher3.Connection) -> None:
    """Merge each index into one b-tree after a bulk load (queries then read one segment)."""
    for table in (TRIGRAM, WORDS, SENSITIVE):
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")  # noqa: S608


# -- what is asked -----------------------------------------------------------------------------
def quote(term: str) -> str:
    """An FTS5 string: inside double quotes nothing is an operator; a quote is doubled."""
    return '"' + term.replace('"', '""') + '"'


def terms_of(query: str) -> list[str]:
    """Whitespace-separated terms. A 1-2 character term with no letter or digit (a lone "-",
    "*" or quote) cannot be in a word index and is dropped rather than matching nothing."""
    terms = [t for t in query.split() if len(t) >= 3 or any(ch.isalnum() for ch in t)]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def trigram_expr(term: str) -> str:
    """A substring; a phone fragment typed with dashes or brackets also as bare digits."""
    alternatives = [quote(term)]
    if _PHONE_LIKE.fullmatch(term):
        bare = _PHONE_NOISE.sub("", term)
        if bare != term and len(bare) >= 3:
            alternatives.append(quote(bare))
    return alternatives[0] if len(alternatives) == 1 else f"({' OR '.join(alternatives)})"


def term_match(term: str) -> tuple[str, str]:
    """(table, FTS5 expression) for one term.

    3+ characters: a substring, from the trigram index. 2 characters: a prefix of a word
    ("ac" -> Acme) or a CJK bigram (王芳 inside 王芳华). 1 character: a prefix of a word only,
    so 王 finds names starting with the surname 王, while 芳 does not find every name with 芳
    somewhere inside (that would make one keystroke match half the customers)."""
    if len(term) >= 3:
        return TRIGRAM, f"body : {trigram_expr(term)}"
    if len(term) == 1:
        return WORDS, f"words : {quote(term)} *"
    return WORDS, f"{{words grams}} : {quote(term)} *"


def scope_expr(scope: Scope, table: str) -> str | None:
    """The scope as an FTS5 condition on the `scope` column (None: sees everyone)."""
    if scope.everyone:
        return None
    tokens = [*(f"owner{o}" for o in sorted(scope.owners)),
              *((f"share{scope.shared_with}",) if scope.shared_with is not None else ())]
    if table == TRIGRAM:
        tokens = [_trigram_token(t) for t in tokens]
    return f"scope : ({' OR '.join(quote(t) for t in tokens)})"


def _grouped(terms: list[str]) -> list[tuple[str, str]]:
    """(table, expression) per index used, the terms for it ANDed inside FTS5."""
    grouped: dict[str, list[str]] = {}
    for term in terms:
        table, expr = term_match(term)
        grouped.setdefault(table, []).append(expr)
    return [(table, " AND ".join(exprs)) for table, exprs in grouped.items()]


def _hits(table: str, as_ids: bool = False) -> str:
    """The rowids (or customer ids) an index matches for one bound expression."""
    selected = f"rowid & {ID_MASK}" if as_ids else "rowid"
    return f"SELECT {selected} FROM {table} WHERE {table} MATCH ?"  # noqa: S608


def _summaries(conn: sqlcipher3.Connection, where: Clause, limit: int) -> list[CustomerSummary]:
    sql = (f"{SUMMARY.format(hint='NOT INDEXED')} WHERE {where.sql()} "
           "ORDER BY c.name_key, c.id LIMIT ?")
    return [summary(r) for r in conn.execute(sql, (*where.params, limit))]


def search(conn: sqlcipher3.Connection, scope: Scope, query: str,
           limit: int) -> list[CustomerSummary]:
    """The first `limit` matching customers in scope, by name. The customers table is never
    scanned: hits (already within the scope) are read in rowid (≈ name) order until `limit`
    are in hand and their name prefix is done; only those rows are then read."""
    terms = terms_of(query)
    if not terms or scope.empty:
        return []
    groups = _grouped(terms)
    if not scope.everyone:
        # The scope inside every index's query: FTS5 intersects it lazily, in rowid order.
        groups = [(table, f"({expr}) AND {scope_expr(scope, table)}") for table, expr in groups]
    if len(groups) > 1:
        counts = {t: conn.execute(f"SELECT count(*) FROM ({_hits(t)} LIMIT ?)",  # noqa: S608
                                  (e, COUNT_CAP)).fetchone()[0] for t, e in groups}
        groups.sort(key=lambda group: -counts[group[0]])
    (table, expr), others = groups[0], groups[1:]
    where = Clause([f"{table} MATCH ?"], [expr])
    for other, other_expr in others:
        # `+rowid`: hold the other index's hits as a set, not one lookup per hit.
        where.add(f"+rowid IN ({_hits(other)})", other_expr)
    cursor = conn.execute(f"SELECT rowid FROM {table} WHERE {where.sql()} "  # noqa: S608
                          "ORDER BY rowid", where.params)
    hits: list[tuple[int, int]] = []  # (name prefix, customer id)
    cut: int | None = None  # the name prefix of the `limit`-th hit: read to its end
    try:
        for rows in iter(lambda: cursor.fetchmany(256), []):
            for (rowid,) in rows:
                prefix = rowid >> ID_BITS
                if cut is not None and prefix != cut:
                    break
                hits.append((prefix, rowid & ID_MASK))
                if cut is None and len(hits) >= limit:
                    cut = prefix
            else:
                continue
            break
    finally:
        cursor.close()  # ends the statement (and its read) on the shared connection
    return _first_by_name(conn, scope, hits, cut, limit)


def _first_by_name(conn: sqlcipher3.Connection, scope: Scope, hits: list[tuple[int, int]],
                   cut: int | None, limit: int) -> list[CustomerSummary]:
    """The hits before the cut's prefix all come first; of the cut's prefix only the first few
    by name are wanted. When that prefix is common (thousands of "上海…有限公司" or "Acme …"),
    those are taken by walking the name index from the prefix on, keeping hits, rather than by
    reading and sorting every one of them."""
    if not hits:
        return []

    def ids(chosen: list[int]) -> Clause:
        return Clause(["c.id IN (SELECT value FROM json_each(?))"], [json.dumps(chosen)])

    if cut is None or len(hits) <= DIRECT_LIMIT:
        # The scope again, against the rows themselves: the index narrowed, the table decides.
        return _summaries(conn, ids([i for _, i in hits]).extend(scope_clause(scope)), limit)
    before = [i for prefix, i in hits if prefix != cut]
    found = _summaries(conn, ids(before).extend(scope_clause(scope)), limit) if before else []
    start, end = prefix_range(cut)
    # Bounded at the prefix's end: a walk (one per owner in a team's scope) that finds fewer
    # hits than it may take must stop there, not run on through the rest of the index.
    within = ids([i for prefix, i in hits if prefix == cut]).add("c.name_key < ?", end)
    return found + ordered_page(conn, scope, CustomerFilter(), SortKey.NAME, False,
                                PageCursor(start, 0), limit - len(found), within)


def prefix_range(prefix: int) -> tuple[str, str]:
    """[start, end) of the name sort keys whose search rowids carry this name prefix."""
    first, second = prefix >> 16, prefix & 0xFFFF
    if not first:
        return "", "\x00"
    if not second:  # a one-character name
        return chr(first), chr(first) + "\x01"
    if second == 0xFFFF:  # second characters at or past U+FFFF share the prefix
        return chr(first) + chr(second), chr(first + 1)
    after = second + 1
    if 0xD800 <= after <= 0xDFFF:  # no text holds a lone surrogate; U+E000 follows them
        after = 0xE000
    return chr(first) + chr(second), chr(first) + chr(after)


def search_sensitive(conn: sqlcipher3.Connection, scope: Scope, query: str,
                     limit: int) -> list[CustomerSummary]:
    """Customers where every term matches an ordinary field or a protected value, and some
    term a protected value (so "王芳 110105" finds 王芳 by the start of her ID number). Terms
    under 3 characters never match protected values: a fragment that short identifies nothing
    and would only let someone probe the values digit by digit."""
    terms = terms_of(query)
    eligible = [t for t in terms if len(t) >= 3]
    if not eligible or scope.empty:
        return []
    in_sensitive = f"c.id IN ({_hits(SENSITIVE, as_ids=True)})"
    where = Clause([in_sensitive], [" OR ".join(trigram_expr(t) for t in eligible)])
    for term in terms:
        table, expr = term_match(term)
        ordinary = f"c.id IN ({_hits(table, as_ids=True)})"
        if len(term) >= 3:
            where.add(f"({ordinary} OR {in_sensitive})", expr, trigram_expr(term))
        else:
            where.add(ordinary, expr)
    return _summaries(conn, where.extend(scope_clause(scope)), limit)
