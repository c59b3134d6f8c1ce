"""Customers in SQL: core.customers.ports.CustomerRepository over one connection.

Writes run inside the caller's transaction (SqlStore.transaction); every write that changes
indexed text replaces the customer's search entries in the same transaction, so the indexes
never disagree with the rows they point at."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlcipher3

from core.customers.access import Scope
from core.customers.model import (
    Contact,
    Customer,
    CustomerDraft,
    CustomerKind,
    CustomerStatus,
    CustomerSummary,
    EditConflict,
)
from core.customers.ports import CustomerFilter, PageCursor
from core.errors import InvalidInput
from storage import customer_search
from storage.customer_sql import (
    Clause,
    cursor_value,
    filter_clause,
    name_key,
    ordered_page,
    placeholders,
    scope_clause,
    utc_text,
)

_COLUMNS = ("id, kind, name, status, owner_id, email, address, city, region, industry, source, "
            "notes, credit_code, tags, custom, sensitive, created_at, updated_at, version, "
            "anonymised")
_INSERT = ("INSERT INTO customers (id, kind, name, name_key, status, owner_id, email, phone, "
           "address, city, region, industry, source, notes, credit_code, tags, custom, "
           "sensitive, created_at, updated_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_UPDATE = ("UPDATE customers SET kind = ?, name = ?, name_key = ?, status = ?, email = ?, "
           "phone = ?, address = ?, city = ?, region = ?, industry = ?, source = ?, notes = ?, "
           "credit_code = ?, tags = ?, custom = ?, sensitive = ?, updated_at = ?, "
           "version = version + 1 WHERE id = ? AND version = ?")


def _json(value: Any) -> str:
    if not value:  # most customers have no tags, custom or protected values
        return "[]" if isinstance(value, list) else "{}" if isinstance(value, dict) \
            else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _draft_values(draft: CustomerDraft) -> tuple[Any, ...]:
    """kind .. sensitive, in the order _UPDATE names them."""
    return (str(draft.kind), draft.name, name_key(draft.name), str(draft.status), draft.email,
            draft.phones[0] if draft.phones else "", draft.address, draft.city, draft.region,
            draft.industry, draft.source, draft.notes, draft.credit_code,
            _json(list(draft.tags)), _json(dict(draft.custom)), _json(dict(draft.sensitive)))


def _text(draft: CustomerDraft | Customer, owner_id: int,
          shared_with: Iterable[int] = ()) -> customer_search.SearchText:
    return customer_search.search_text(
        draft.name, draft.phones, draft.email, draft.city, draft.notes, draft.contacts,
        draft.sensitive.values(), customer_search.scope_tokens(owner_id, shared_with))


class SqlCustomers:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    # -- writing ---------------------------------------------------------------------------
    def add(self, draft: CustomerDraft, owner_id: int, at: datetime) -> Customer:
        (customer_id,) = self.bulk_add([(draft, owner_id)], at)
        customer = self.get(customer_id)
        assert customer is not None
        return customer

    def bulk_add(self, rows: Iterable[tuple[CustomerDraft, int]], at: datetime) -> list[int]:
        """Insert many (validated) drafts with executemany; the import and the benchmark's
        path. Ids are assigned here, inside the caller's write transaction (which holds the
        database's write lock), so the phones, contacts and index rows can name them."""
        items = list(rows)
        if not items:
            return []
        # Past the highest id ever given (AUTOINCREMENT's record), not just the highest left.
        first = 1 + int(self._conn.execute(
            "SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'customers'), 0),"
            " COALESCE((SELECT MAX(id) FROM customers), 0))").fetchone()[0])
        stamp = utc_text(at)
        ids = list(range(first, first + len(items)))
        if ids[-1] > customer_search.MAX_CUSTOMER_ID:
            raise InvalidInput("This vault cannot hold more customers.")
        values = [_draft_values(d) for d, _owner in items]
        self._conn.executemany(_INSERT, [
            (cid, *v[:4], owner, *v[4:], stamp, stamp)
            for cid, v, (_d, owner) in zip(ids, values, items, strict=True)])
        self._insert_parts([(cid, d) for cid, (d, _owner) in zip(ids, items, strict=True)])
        customer_search.index(self._conn, [
            (customer_search.search_rowid(cid, v[2]), _text(d, owner))
            for cid, v, (d, owner) in zip(ids, values, items, strict=True)])
        return ids

    def _insert_parts(self, rows: list[tuple[int, CustomerDraft]],
                      keep_contact_ids: frozenset[int] = frozenset()) -> None:
        self._conn.executemany(
            "INSERT INTO customer_phones (customer_id, position, phone) VALUES (?, ?, ?)",
            [(cid, i, phone) for cid, d in rows for i, phone in enumerate(d.phones)])
        self._conn.executemany("INSERT OR IGNORE INTO customer_tags (customer_id, tag) "
                               "VALUES (?, ?)", [(cid, tag) for cid, d in rows for tag in d.tags])
        # A contact keeps its id across an edit only if it was this customer's contact: an id
        # taken from another customer's record must not move that contact over.
        self._conn.executemany(
            "INSERT INTO customer_contacts (id, customer_id, name, title, phone, email) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(c.id if c.id in keep_contact_ids else None, cid, c.name, c.title, c.phone,
              c.email) for cid, d in rows for c in d.contacts])

    def save(self, customer: Customer, draft: CustomerDraft, at: datetime) -> Customer:
        """Replace the editable fields if nobody saved since `customer` was read (its version);
        otherwise EditConflict and nothing changes."""
        cursor = self._conn.execute(_UPDATE, (*_draft_values(draft), utc_text(at), customer.id,
                                              customer.version))
        if cursor.rowcount != 1:
            raise EditConflict()
        self._replace_parts(customer, draft)
        saved = self.get(customer.id)
        assert saved is not None
        return saved

    def _replace_parts(self, old: Customer, new: CustomerDraft) -> None:
        self._conn.execute("DELETE FROM customer_phones WHERE customer_id = ?", (old.id,))
        self._conn.execute("DELETE FROM customer_contacts WHERE customer_id = ?", (old.id,))
        self._conn.execute("DELETE FROM customer_tags WHERE customer_id = ?", (old.id,))
        self._insert_parts([(old.id, new)],
                           frozenset(c.id for c in old.contacts if c.id is not None))
        self._reindex(old, new)

    def _reindex(self, old: Customer, new: CustomerDraft | Customer | None = None) -> None:
        """Replace a customer's search entries (text, or owner and shares, changed)."""
        new = new or old
        old_rowid = customer_search.search_rowid(old.id, name_key(old.name))
        customer_search.unindex(self._conn, old_rowid, bool(old.sensitive))
        customer_search.index(self._conn, [
            (customer_search.search_rowid(old.id, name_key(new.name)),
             _text(new, old.owner_id, self.shared_with(old.id)))])

    def anonymise(self, customer_id: int, pseudonym: str, at: datetime) -> Customer | None:
        """Erase the personal fields (name -> pseudonym; phones, e-mail, address, notes,
        contacts, custom and protected values) but keep the row, so financial records stay
        attached under the pseudonym. The search entries then know only the pseudonym."""
        old = self.get(customer_id)
        if old is None:
            return None
        draft = CustomerDraft(kind=old.kind, name=pseudonym, status=old.status, city=old.city,
                              region=old.region, industry=old.industry, source=old.source,
                              tags=old.tags, credit_code=old.credit_code)
        self._conn.execute(_UPDATE, (*_draft_values(draft), utc_text(at), old.id, old.version))
        self._conn.execute("UPDATE customers SET anonymised = 1 WHERE id = ?", (old.id,))
        self._replace_parts(old, draft)
        return self.get(customer_id)

    def shared_with(self, customer_id: int) -> set[int]:
        return {r[0] for r in self._conn.execute(
            "SELECT user_id FROM customer_shares WHERE customer_id = ?", (customer_id,))}

    def set_shared(self, customer_id: int, user_id: int, shared: bool) -> None:
        if shared:
            self._conn.execute("INSERT OR IGNORE INTO customer_shares (customer_id, user_id) "
                               "VALUES (?, ?)", (customer_id, user_id))
        else:
            self._conn.execute("DELETE FROM customer_shares WHERE customer_id = ? AND "
                               "user_id = ?", (customer_id, user_id))
        customer = self.get(customer_id)
        if customer is not None:
            self._reindex(customer)  # who may find it changed

    def transfer(self, from_owner: int, to_owner: int, at: datetime) -> list[int]:
        """Every customer of one owner to another; the ids moved, ascending. Their search
        entries are rewritten, since the indexes know each row's owner."""
        if from_owner == to_owner:
            return []
        rows = self._conn.execute(
            "UPDATE customers SET owner_id = ?, updated_at = ?, version = version + 1 "
            "WHERE owner_id = ? RETURNING id", (to_owner, utc_text(at), from_owner)).fetchall()
        moved = sorted(r[0] for r in rows)
        for customer_id in moved:
            customer = self.get(customer_id)
            assert customer is not None
            self._reindex(customer)
        return moved

    # -- reading ---------------------------------------------------------------------------
    def get(self, customer_id: int) -> Customer | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM customers WHERE id = ?",  # noqa: S608
                                 (customer_id,)).fetchone()
        if row is None:
            return None
        phones = tuple(r[0] for r in self._conn.execute(
            "SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY position",
            (customer_id,)))
        contacts = tuple(Contact(id=r[0], name=r[1], title=r[2], phone=r[3], email=r[4])
                         for r in self._conn.execute(
            "SELECT id, name, title, phone, email FROM customer_contacts WHERE customer_id = ? "
            "ORDER BY id", (customer_id,)))
        return Customer(
            id=row[0], kind=CustomerKind(row[1]), name=row[2], status=CustomerStatus(row[3]),
            owner_id=row[4], phones=phones, email=row[5], address=row[6], city=row[7],
            region=row[8], industry=row[9], source=row[10], notes=row[11], credit_code=row[12],
            tags=tuple(json.loads(row[13])), contacts=contacts, custom=json.loads(row[14]),
            sensitive=json.loads(row[15]), created_at=datetime.fromisoformat(row[16]),
            updated_at=datetime.fromisoformat(row[17]), version=row[18],
            anonymised=bool(row[19]))

    def page(self, scope: Scope, flt: CustomerFilter, sort: str, descending: bool,
             after: PageCursor | None, limit: int) -> list[CustomerSummary]:
        return ordered_page(self._conn, scope, flt, sort, descending, after, limit)

    def cursor_of(self, summary: CustomerSummary, sort: str) -> PageCursor:
        return PageCursor(cursor_value(summary, sort), summary.id)

    def count(self, scope: Scope, flt: CustomerFilter) -> int:
        """From the per (owner, status) totals when the filter allows; a counted query over
        an index otherwise (city or tag)."""
        if scope.empty:
            return 0
        if flt.tag and scope.everyone and flt == CustomerFilter(tag=flt.tag):
            return int(self._conn.execute("SELECT count(*) FROM customer_tags WHERE tag = ?",
                                          (flt.tag,)).fetchone()[0])
        if flt.city or flt.tag:
            where = Clause().extend(scope_clause(scope)).extend(filter_clause(flt))
            return int(self._conn.execute(
                f"SELECT count(*) FROM customers AS c WHERE {where.sql()}",  # noqa: S608
                where.params).fetchone()[0])
        totals = Clause()
        if flt.status is not None:
            totals.add("status = ?", str(flt.status))
        if flt.owner_id is not None:
            totals.add("owner_id = ?", int(flt.owner_id))
        owners = sorted(scope.owners)
        if not scope.everyone:
            totals.add(f"owner_id IN ({placeholders(len(owners))})", *owners)
        total = int(self._conn.execute(
            f"SELECT COALESCE(SUM(n), 0) FROM customer_counts WHERE {totals.sql()}",  # noqa: S608
            totals.params).fetchone()[0])
        if scope.everyone or scope.shared_with is None:
            return total
        # Shared with the user and not already counted among the owners' rows.
        shared = Clause(["s.user_id = ?"], [scope.shared_with]).extend(filter_clause(flt))
        shared.add(f"c.owner_id NOT IN ({placeholders(len(owners))})", *owners)
        return total + int(self._conn.execute(
            "SELECT count(*) FROM customer_shares AS s JOIN customers AS c "  # noqa: S608
            f"ON c.id = s.customer_id WHERE {shared.sql()}", shared.params).fetchone()[0])

    def search(self, scope: Scope, query: str, limit: int) -> list[CustomerSummary]:
        return customer_search.search(self._conn, scope, query, limit)

    def search_sensitive(self, scope: Scope, query: str,
                         limit: int) -> list[CustomerSummary]:
        return customer_search.search_sensitive(self._conn, scope, query, limit)

    def optimize_search(self) -> None:
        """After a bulk load: merge the search indexes (slow, run it once, not per batch)."""
        customer_search.optimize(self._conn)
