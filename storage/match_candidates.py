"""The open instalments a statement's lines can reach, fetched by key for matching
(core.money.match_model.CandidateSource; core/money/candidates.py says what each rule asks):
by reference, payer, exact amount and amount range, through the indexes of migration 0014,
then read whole (customer, contract number, names paid under) as open_instalments reads them.

Keys computed in Python (names.reference_key, names.normalize_name) are found through SQL
expressions that equal them for ordinary numbers and names; the rest ("odd": other
characters, or a name whose start normalize_name may strip) is listed by partial indexes and
compared in Python, so nothing reachable is missed. The expressions must stay word for word
as in 0014_money_speed.sql, or SQLite scans instead of using those indexes."""

from __future__ import annotations

import functools
import json
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlcipher3

from core.contracts.money import MINOR_UNITS
from core.money.match_model import AmountWant, NearWant, OpenInstalment, PayerRow
from core.money.names import normalize_name, reference_key


def _ref(column: str) -> str:
    return (f"upper(replace(replace(replace(replace(replace({column}, '-', ''), '_', ''), "
            "'/', ''), '.', ''), ' ', ''))")


_PLAIN = "[a-z0-9一-龥]"  # all of these are str.isalnum and kept as they are by NFKC/casefold


def _odd_name(column: str) -> str:
    starts = " OR ".join(f"{column} GLOB '{_PLAIN * n}{'*' if n == 4 else ''}'"
                         for n in (4, 3, 2, 1))
    return (f"NOT (({starts}) AND {column} NOT GLOB 'the*' AND "
            f"instr(substr({column}, 1, 4), '股') = 0 AND "
            f"instr(substr({column}, 1, 4), '有') = 0)")


_NOT_REVERSED = "p.id NOT IN (SELECT receipt_id FROM receipt_reversals)"
_INVOICE_ODD = (f"r.open_minor > 0 AND r.invoice_number <> '' AND "
                f"{_ref('r.invoice_number')} GLOB '*[^A-Z0-9]*'")


@functools.lru_cache(maxsize=1 << 16)
def _folded(text: str) -> bool:
    """NFKC and casefold leave it as it is (so it normalises as the name it was made from)."""
    return unicodedata.is_normalized("NFKC", text) and text.casefold() == text


def _prefix_ranges(keys: Iterable[str]) -> str:
    """[low, high) bounds of the stored keys that start with a key's first four characters."""
    out = set()
    for key in keys:
        head = key[:4]
        out.add((head, head[:-1] + chr(ord(head[-1]) + 1)))
    return json.dumps(sorted(out), ensure_ascii=False)


class SqlCandidates:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn
        self._indexes: set[str] | None = None

    def _by(self, index: str) -> str:
        """INDEXED BY the partial index of the odd few (without statistics SQLite may walk
        a whole index instead); nothing when the vault lacks it (one migrated before 0014
        held these), where the query is only slower."""
        if self._indexes is None:
            self._indexes = {r[0] for r in self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%_odd'")}
        return f"INDEXED BY {index}" if index in self._indexes else ""

    def _ids(self, sql: str, params: Sequence[Any] = ()) -> list[int]:
        return [r[0] for r in self._conn.execute(sql, params)]

    # -- CandidateSource ---------------------------------------------------------------------
    def by_reference(self, keys: set[str]) -> list[OpenInstalment]:
        if not keys:
            return []
        wanted = json.dumps(sorted(keys), ensure_ascii=False)
        ids = set(self._ids(
            "SELECT r.id FROM receivables AS r "  # noqa: S608
            f"WHERE r.open_minor > 0 AND {_ref('r.invoice_number')} IN "
            "(SELECT value FROM json_each(?))", (wanted,)))
        ids.update(self._ids(
            "SELECT r.id FROM contracts AS k JOIN receivables AS r ON r.contract_id = k.id "  # noqa: S608
            f"WHERE {_ref('k.number')} IN (SELECT value FROM json_each(?)) "
            "AND r.open_minor > 0", (wanted,)))
        ids.update(rid for rid, invoice in self._conn.execute(
            "SELECT r.id, r.invoice_number FROM receivables AS r "  # noqa: S608
            f"{self._by('receivables_open_invoice_odd')} WHERE {_INVOICE_ODD}")
            if reference_key(invoice) in keys)
        odd = [cid for cid, number in self._conn.execute(
            f"SELECT k.id, k.number FROM contracts AS k {self._by('contracts_number_odd')} "  # noqa: S608
            f"WHERE {_ref('k.number')} GLOB '*[^A-Z0-9]*'") if reference_key(number) in keys]
        if odd:
            ids.update(self._ids(
                "SELECT r.id FROM receivables AS r WHERE r.open_minor > 0 AND r.contract_id IN "
                "(SELECT value FROM json_each(?))", (json.dumps(odd),)))
        return self.load(ids)

    def by_payer(self, keys: Mapping[str, date | None]) -> list[OpenInstalment]:
        rows = self.payer_rows(keys)
        return self.load({int(r[0]) for found in rows.values() for r in found})

    def payer_rows(self, keys: Mapping[str, date | None]) -> dict[str, list[PayerRow]]:
        # Instalments carry no payer accounts ("a:" keys): their customers' names only.
        names = {k[2:]: until for k, until in keys.items() if k.startswith("n:")}
        customers = self._payer_customers(names)
        if not customers:
            return {}
        until: dict[int, date | None] = {}
        for customer_id, found in customers.items():
            limits = [names[k] for k in found]
            until[customer_id] = None if None in limits else max(limits)  # type: ignore[type-var]
        pairs = json.dumps([[cid, day.isoformat() if day else None]
                            for cid, day in sorted(until.items())])
        day = functools.lru_cache(maxsize=4096)(date.fromisoformat)
        rows: dict[int, list[PayerRow]] = defaultdict(list)
        for rid, cid, due, minor, currency in self._conn.execute(
                "SELECT r.id, r.customer_id, r.due_date, r.open_minor, r.currency "
                "FROM json_each(?) AS j CROSS JOIN receivables AS r "
                "ON r.customer_id = json_extract(j.value, '$[0]') "
                "WHERE r.open_minor > 0 AND (json_extract(j.value, '$[1]') IS NULL "
                "OR r.due_date <= json_extract(j.value, '$[1]'))", (pairs,)):
            rows[cid].append((str(rid), str(cid), day(due), minor, currency))
        out: dict[str, list[PayerRow]] = defaultdict(list)
        for customer_id, found in customers.items():
            mine = rows[customer_id]
            for key in found:
                limit = names[key]
                out["n:" + key] += mine if limit == until[customer_id] \
                    else [r for r in mine if limit is None or r[2] <= limit]
        return dict(out)

    def instalments(self, ids: Sequence[str]) -> list[OpenInstalment]:
        return self.load(int(i) for i in ids)

    def _payer_customers(self, names: Mapping[str, date | None]) -> dict[int, set[str]]:
        """Customers whose own name, or a name they paid under, normalises to a key."""
        if not names:
            return {}
        ranges = _prefix_ranges(names)
        # name_key (from the index alone) normalises as the name does, unless folding it
        # again would change it (rare letters): then the name itself is read.
        found: list[tuple[int, str]] = []
        refolded = []
        for cid, name_key in self._conn.execute(
                "SELECT c.id, c.name_key FROM json_each(?) AS j CROSS JOIN customers AS c "
                "ON c.name_key >= json_extract(j.value, '$[0]') "
                "AND c.name_key < json_extract(j.value, '$[1]')", (ranges,)):
            if _folded(name_key):
                found.append((cid, name_key))
            else:
                refolded.append(cid)
        if refolded:
            found += self._conn.execute(
                "SELECT id, name FROM customers WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(refolded),)).fetchall()
        found += self._conn.execute(
            f"SELECT id, name FROM customers {self._by('customers_name_odd')} "  # noqa: S608
            f"WHERE {_odd_name('name_key')}").fetchall()
        found += self._conn.execute(
            "SELECT p.customer_id, p.payer_name FROM json_each(?) AS j CROSS JOIN receipts AS p "  # noqa: S608
            "ON p.payer_key >= json_extract(j.value, '$[0]') "
            "AND p.payer_key < json_extract(j.value, '$[1]') "
            f"WHERE p.payer_name <> '' AND {_NOT_REVERSED}", (ranges,)).fetchall()
        found += self._conn.execute(
            "SELECT p.customer_id, p.payer_name FROM receipts AS p "  # noqa: S608
            f"{self._by('receipts_payer_odd')} "
            f"WHERE p.payer_name <> '' AND {_odd_name('p.payer_key')} "
            f"AND {_NOT_REVERSED}").fetchall()
        customers: dict[int, set[str]] = defaultdict(set)
        for customer_id, name in found:
            key = normalize_name(name)
            if key in names:
                customers[customer_id].add(key)
        return customers

    def by_amount(self, wants: Sequence[AmountWant]) -> list[OpenInstalment]:
        ids: set[int] = set()
        for w in set(wants):
            ids.update(self._ids(
                "SELECT id FROM receivables WHERE open_minor = ? AND currency = ? "
                "AND open_minor > 0 AND due_date >= ? AND due_date <= ? "
                "ORDER BY due_date, CAST(id AS TEXT) LIMIT ?",
                (w.minor, w.currency, w.due_from.isoformat() if w.due_from else "",
                 w.due_to.isoformat() if w.due_to else "9999-12-31", w.limit)))
        return self.load(ids)

    def near_amount(self, wants: Sequence[NearWant]) -> tuple[
            list[OpenInstalment], dict[int, list[tuple[int, str]]]]:
        ids: set[int] = set()
        scans: dict[int, list[tuple[int, str]]] = {}
        for w in wants:
            first, last = w.due_from.isoformat(), w.due_to.isoformat()
            if not w.every:
                rows = self._near_in_window(w, first, last)
            else:
                rows = self._conn.execute(
                    "SELECT id, open_minor, due_date FROM receivables WHERE currency = ? "
                    "AND open_minor >= ? AND open_minor <= ? AND open_minor > 0 "
                    "ORDER BY open_minor, CAST(id AS TEXT) LIMIT ?",
                    (w.currency, w.lo, w.hi, w.limit)).fetchall()
            near = [(rid, minor) for rid, minor, due in rows if first <= due <= last]
            scans[w.row] = [(minor, str(rid)) for rid, minor, _ in rows] if w.every \
                else [(minor, str(rid)) for rid, minor in near]
            ids.update(rid for rid, _ in near)
        return self.load(ids), scans

    def _near_in_window(self, w: NearWant, first: str,
                        last: str) -> list[tuple[int, int, str]]:
        """Those due in the window among the first `limit` in the amount range, in (amount,
        id as text) order; only they leave SQLite. The index walks ties of an amount by
        rowid, not by id as text: where the cut falls inside the last amount's ties, those
        ties are read again and cut as text."""
        *rows, (_, count, top, below) = self._conn.execute(
            "WITH f AS MATERIALIZED (SELECT id, open_minor, due_date FROM receivables "
            "WHERE currency = ? AND open_minor >= ? AND open_minor <= ? AND open_minor > 0 "
            "ORDER BY open_minor LIMIT ?) "
            "SELECT id, open_minor, due_date, NULL FROM f WHERE due_date BETWEEN ? AND ? "
            "UNION ALL SELECT NULL, count(*), max(open_minor), "
            "(SELECT count(*) FROM f WHERE open_minor < (SELECT max(open_minor) FROM f)) "
            "FROM f", (w.currency, w.lo, w.hi, w.limit, first, last)).fetchall()
        found = [(r[0], r[1], r[2]) for r in rows]
        if count >= w.limit:
            ties = sorted(self._conn.execute(
                "SELECT id, open_minor, due_date FROM receivables WHERE open_minor = ? "
                "AND currency = ? AND open_minor > 0", (top, w.currency)).fetchall(),
                key=lambda r: str(r[0]))[:w.limit - below]
            found = [r for r in found if r[1] < top] + [r for r in ties
                                                        if first <= r[2] <= last]
        return sorted(found, key=lambda r: (r[1], str(r[0])))

    # -- reading instalments whole -----------------------------------------------------------
    def load(self, ids: Iterable[int]) -> list[OpenInstalment]:
        """The open instalments with these ids, as open_instalments gives them."""
        wanted = json.dumps(sorted(set(ids)))
        rows = self._conn.execute(
            "SELECT r.id, r.customer_id, c.name, k.number, r.due_date, r.open_minor, "
            "r.currency, r.invoice_number FROM json_each(?) AS j CROSS "
            "JOIN receivables AS r ON r.id = j.value "
            "JOIN customers AS c ON c.id = r.customer_id "
            "JOIN contracts AS k ON k.id = r.contract_id "
            "WHERE r.open_minor > 0", (wanted,)).fetchall()
        payers = self.payer_names({r[1] for r in rows})
        day = functools.lru_cache(maxsize=4096)(date.fromisoformat)
        return [OpenInstalment(str(r[0]), str(r[1]), r[2], day(r[4]),
                               Decimal(r[5]).scaleb(-MINOR_UNITS[r[6]]), r[6],
                               tuple(x for x in (r[3], r[7]) if x), payers.get(r[1], ()))
                for r in rows]

    def payer_names(self, customer_ids: Iterable[int]) -> Mapping[int, tuple[str, ...]]:
        """The names each customer has paid under (receipts not reversed), in name order."""
        out: dict[int, list[str]] = defaultdict(list)
        for customer_id, name in self._conn.execute(
                "SELECT DISTINCT p.customer_id, p.payer_name FROM receipts AS p "  # noqa: S608
                f"WHERE p.payer_name <> '' AND {_NOT_REVERSED} AND p.customer_id IN "
                "(SELECT value FROM json_each(?)) ORDER BY p.customer_id, p.payer_name",
                (json.dumps(sorted(set(customer_ids))),)):
            out[customer_id].append(name)
        return {cid: tuple(names) for cid, names in out.items()}

    def open_count(self) -> int:
        row = self._conn.execute(
            "SELECT count(*) FROM receivables WHERE open_minor > 0").fetchone()
        return int(row[0])
