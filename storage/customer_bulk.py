"""Customers in bulk: duplicate candidates for many drafts at once (import), whole records page by
page (export), and the two steps of a merge that the ordinary repository has no use for (moving
the history, deleting the merged-away record with its search entries).

Every value is bound; lists of values travel as one JSON parameter read with json_each."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlcipher3

from core.customers.access import Scope
from core.customers.duplicates import CREDIT_CODE, EMAIL, MOBILE, NAME, Candidate, Probe
from core.customers.model import Contact, Customer, CustomerKind, CustomerStatus
from storage import customer_search
from storage.customer_sql import name_key, scope_clause

# A bulk load's page cache (KiB): the customers table's seven indexes and the search indexes
# take rows in random key order, and every page that falls out of the default 2 MiB cache is
# read and decrypted again on its next visit (about a third of a 100k-row import's inserts).
LOAD_CACHE_KIB = 256 * 1024
# The list's sort indexes, which nothing reads during a load: inserting into six of them at
# random key positions costs ~50 µs a row, building them afresh ~10 µs a row of the whole
# table. The duplicate lookups' indexes (city, credit code, e-mail, phones) stay, unless the
# table was empty when the load began: then there is nothing to look up.
SORT_INDEXES = ("customers_name", "customers_updated", "customers_owner_name",
                "customers_owner_updated", "customers_owner_city", "customers_status")
LOAD_TABLES = ("customers", "customer_phones", "customer_contacts", "customer_tags")
# Rebuild rather than insert when the table holds fewer than this many rows per row loaded.
REBUILD_RATIO = 2
NAME_PREFIX = 4  # characters of the sort key shared by names worth comparing
_LAST = "\U0010ffff"
_CANDIDATE = "c.id, c.name, c.kind, c.city, c.owner_id"
_RECORD = ("c.id, c.kind, c.name, c.status, c.owner_id, c.email, c.address, c.city, c.region, "
           "c.industry, c.source, c.notes, c.credit_code, c.tags, c.custom, c.sensitive, "
           "c.created_at, c.updated_at, c.version, c.anonymised")


def _city_variants(city: str) -> list[str]:
    base = city.removesuffix("市")
    return list(dict.fromkeys(v for v in (city, base, base + "市") if v))


class SqlCustomerBulk:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    @contextmanager
    def loading(self, expected_rows: int = 0) -> Iterator[None]:
        """Inside the caller's write transaction: a page cache big enough for the indexes
        while many rows go in, the connection's own size again afterwards (pages are only
        allocated as used, and given back when the cache shrinks). A load that is large
        beside the table drops indexes and builds them again at the end: the DDL is part of
        the transaction, so a cancel, an error or a crash rolls the indexes back with the
        rows, and no other connection ever sees them missing."""
        (previous,) = self._conn.execute("PRAGMA cache_size").fetchone()
        self._conn.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
        try:
            deferred = self._drop_indexes(self._deferrable(expected_rows))
            yield
            for sql in deferred:
                self._conn.execute(sql)
        finally:
            self._conn.execute(f"PRAGMA cache_size = {int(previous)}")

    def _deferrable(self, expected_rows: int) -> list[str]:
        if expected_rows < 1000:
            return []
        (present,) = self._conn.execute(
            "SELECT COALESCE(SUM(n), 0) FROM customer_counts").fetchone()
        if int(present) == 0:
            return [name for (name,) in self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN (SELECT value FROM json_each(?))",
                (json.dumps(LOAD_TABLES),))]
        return list(SORT_INDEXES) if int(present) < REBUILD_RATIO * expected_rows else []

    def _drop_indexes(self, names: Sequence[str]) -> list[str]:
        """Drop the named indexes; the SQL that makes them again."""
        rows = self._conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND name IN (SELECT value FROM json_each(?))", (json.dumps(list(names)),)).fetchall()
        for name, _sql in rows:
            self._conn.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in rows]

    def max_customer_id(self) -> int:
        return int(self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM customers")
                   .fetchone()[0])

    # -- duplicates ------------------------------------------------------------------------
    def candidates(self, probes: Sequence[Probe], up_to_id: int | None,
                   per_name: int = 10) -> list[Candidate]:
        limit = up_to_id if up_to_id is not None else (1 << 62)
        if limit < 1:
            # An import into an empty vault: nothing to compare with, and the walks below
            # would pass over every row this import has written so far.
            return []
        found: list[Candidate] = []
        by_code: dict[str, list[int]] = {}
        by_mobile: dict[str, list[int]] = {}
        by_email: dict[str, list[int]] = {}
        for p in probes:
            if p.credit_code:
                by_code.setdefault(p.credit_code, []).append(p.index)
            for mobile in p.mobiles:
                by_mobile.setdefault(mobile, []).append(p.index)
            if p.email:
                by_email.setdefault(p.email.casefold(), []).append(p.index)
        if by_code:
            rows = self._conn.execute(
                f"SELECT c.credit_code, {_CANDIDATE} FROM customers AS c "  # noqa: S608
                "WHERE c.credit_code <> '' AND c.credit_code IN "
                "(SELECT value FROM json_each(?)) AND c.id <= ?",
                (json.dumps(list(by_code)), limit))
            found.extend(_candidates(rows, by_code, CREDIT_CODE))
        if by_mobile:
            rows = self._conn.execute(
                f"SELECT p.phone, {_CANDIDATE} FROM customer_phones AS p "  # noqa: S608
                "JOIN customers AS c ON c.id = p.customer_id "
                "WHERE p.phone IN (SELECT value FROM json_each(?)) AND c.id <= ?",
                (json.dumps(list(by_mobile)), limit))
            found.extend(_candidates(rows, by_mobile, MOBILE))
        if by_email:
            # The index holds e-mails as stored (domain in lower case, the rest as typed);
            # the usual all-lower-case spelling is asked for as well.
            rows = self._conn.execute(
                f"SELECT lower(c.email), {_CANDIDATE} FROM customers AS c "  # noqa: S608
                "WHERE c.email <> '' AND c.email IN (SELECT value FROM json_each(?)) "
                "AND c.id <= ?",
                (json.dumps(sorted({e for p in probes if p.email
                                    for e in (p.email, p.email.casefold())})), limit))
            found.extend(_candidates(rows, by_email, EMAIL))
        found.extend(self._similar(probes, limit, per_name))
        return found

    def _similar(self, probes: Sequence[Probe], limit: int,
                 per_name: int) -> list[Candidate]:
        """Customers in the probe's city whose sort key starts like the probe's name; core
        decides which are really alike. One correlated lookup per (probe, city, prefix), each
        a bounded walk of the (city, name_key) index."""
        asks: dict[tuple[int, str, str], list[Any]] = {}
        for p in probes:
            for text in p.names:
                prefix = name_key(text)[:NAME_PREFIX]
                if len(prefix) < 2:
                    continue
                for city in _city_variants(p.city):
                    asks[(p.index, city, prefix)] = [p.index, city, prefix, prefix + _LAST]
        if not asks:
            return []
        rows = self._conn.execute(
            f"SELECT json_extract(j.value, '$[0]'), {_CANDIDATE} "  # noqa: S608
            "FROM json_each(?) AS j JOIN customers AS c ON c.id IN ("
            "SELECT c2.id FROM customers AS c2 INDEXED BY customers_city "
            "WHERE c2.city = json_extract(j.value, '$[1]') "
            "AND c2.name_key >= json_extract(j.value, '$[2]') "
            "AND c2.name_key < json_extract(j.value, '$[3]') AND c2.id <= ? LIMIT ?)",
            (json.dumps(list(asks.values()), ensure_ascii=False), limit, per_name))
        return [Candidate(index=r[0], reason=NAME, customer_id=r[1], name=r[2],
                          kind=CustomerKind(r[3]), city=r[4], owner_id=r[5]) for r in rows]

    # -- merging ---------------------------------------------------------------------------
    def has_contracts(self, customer_id: int) -> bool:
        return self._conn.execute("SELECT 1 FROM contracts WHERE customer_id = ? LIMIT 1",
                                  (customer_id,)).fetchone() is not None

    def move_history(self, from_id: int, to_id: int) -> tuple[int, int]:
        # Qualification documents describe the party, so they follow it.
        self._conn.execute("UPDATE customer_qualifications SET customer_id = ? "
                           "WHERE customer_id = ?", (to_id, from_id))
        interactions = self._conn.execute(
            "UPDATE interactions SET customer_id = ? WHERE customer_id = ?",
            (to_id, from_id)).rowcount
        tasks = self._conn.execute("UPDATE tasks SET customer_id = ? WHERE customer_id = ?",
                                   (to_id, from_id)).rowcount
        return interactions, tasks

    def delete(self, customer: Customer) -> None:
        """The row, its phones, contacts, tags and shares (ON DELETE CASCADE) and its search
        entries. Anything else still pointing at it makes the foreign key refuse."""
        customer_search.unindex(
            self._conn, customer_search.search_rowid(customer.id, name_key(customer.name)),
            bool(customer.sensitive))
        self._conn.execute("DELETE FROM customers WHERE id = ?", (customer.id,))

    # -- export ----------------------------------------------------------------------------
    def full_page(self, scope: Scope, after_id: int, limit: int) -> list[Customer]:
        if scope.empty:
            return []
        where = scope_clause(scope).add("c.id > ?", int(after_id))
        rows = self._conn.execute(
            f"SELECT {_RECORD} FROM customers AS c WHERE {where.sql()} "  # noqa: S608
            "ORDER BY c.id LIMIT ?", (*where.params, int(limit))).fetchall()
        if not rows:
            return []
        ids = json.dumps([r[0] for r in rows])
        phones: dict[int, list[str]] = {}
        for cid, phone in self._conn.execute(
                "SELECT customer_id, phone FROM customer_phones WHERE customer_id IN "
                "(SELECT value FROM json_each(?)) ORDER BY customer_id, position", (ids,)):
            phones.setdefault(cid, []).append(phone)
        contacts: dict[int, list[Contact]] = {}
        for r in self._conn.execute(
                "SELECT customer_id, id, name, title, phone, email FROM customer_contacts "
                "WHERE customer_id IN (SELECT value FROM json_each(?)) "
                "ORDER BY customer_id, id", (ids,)):
            contacts.setdefault(r[0], []).append(Contact(id=r[1], name=r[2], title=r[3],
                                                         phone=r[4], email=r[5]))
        return [_record(r, phones.get(r[0], []), contacts.get(r[0], [])) for r in rows]

    def optimize_search(self) -> None:
        customer_search.optimize(self._conn)


def _candidates(rows: Any, wanted: dict[str, list[int]], reason: str) -> list[Candidate]:
    out = []
    for key, cid, name, kind, city, owner in rows:
        for index in wanted.get(key, ()):
            out.append(Candidate(index=index, reason=reason, customer_id=cid, name=name,
                                 kind=CustomerKind(kind), city=city, owner_id=owner))
    return out


def _record(row: tuple[Any, ...], phones: list[str], contacts: list[Contact]) -> Customer:
    return Customer(
        id=row[0], kind=CustomerKind(row[1]), name=row[2], status=CustomerStatus(row[3]),
        owner_id=row[4], phones=tuple(phones), email=row[5], address=row[6], city=row[7],
        region=row[8], industry=row[9], source=row[10], notes=row[11], credit_code=row[12],
        tags=tuple(json.loads(row[13])), contacts=tuple(contacts), custom=json.loads(row[14]),
        sensitive=json.loads(row[15]), created_at=datetime.fromisoformat(row[16]),
        updated_at=datetime.fromisoformat(row[17]), version=row[18], anonymised=bool(row[19]))
