"""Contracts, templates, qualifications and the signed-PDF archive in the vault (migration 0007).

Money crosses this boundary as Decimal and is stored as integer minor units of the row's
currency; quantities and rates as exact decimal text."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlcipher3

from core.contracts.model import (
    ArchivedDocument,
    ClauseCategory,
    Contract,
    ContractClause,
    ContractEvent,
    ContractFilter,
    ContractSummary,
    Instalment,
    LineItem,
    Qualification,
    QualificationKind,
    RiskRecord,
    StandardClause,
    Template,
    TemplateClause,
    TemplateVersion,
)
from core.contracts.money import from_minor, to_minor
from core.customers.access import Scope
from storage.customer_sql import scope_clause


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_HEADER = ("id, number, customer_id, author_id, template_version_id, language, state, title, "
           "currency, net_minor, tax_minor, gross_minor, delivery_terms, contract_date, "
           "start_date, end_date, revision, review_round, approval_steps, risk, family_id, "
           "origin_id, relation, version_no, created_at, updated_at, signed_at")

_SUMMARY = ("SELECT k.id, k.number, k.customer_id, c.name, k.title, k.state, k.currency, "
            "k.gross_minor, k.end_date, k.version_no, k.updated_at, k.author_id "
            "FROM contracts AS k JOIN customers AS c ON c.id = k.customer_id")


def _summary(row: tuple[Any, ...]) -> ContractSummary:
    return ContractSummary(id=row[0], number=row[1], customer_id=row[2], customer_name=row[3],
                           title=row[4], state=row[5], currency=row[6],
                           gross=from_minor(row[7], row[6]), end_date=_day(row[8]),
                           version_no=row[9], updated_at=datetime.fromisoformat(row[10]),
                           author_id=row[11])


def _risk_json(risk: RiskRecord | None) -> str | None:
    if risk is None:
        return None
    return json.dumps({"score": risk.score, "level": risk.level,
                       "reasons": [list(r) for r in risk.reasons]}, ensure_ascii=False)


def _risk(text: str | None) -> RiskRecord | None:
    if not text:
        return None
    data = json.loads(text)
    return RiskRecord(int(data["score"]), str(data["level"]),
                      tuple((str(c), str(m), int(p)) for c, m, p in data["reasons"]))


class SqlContracts:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    # -- contracts ---------------------------------------------------------------------------
    def next_number(self, year: int) -> int:
        self._conn.execute(
            "INSERT INTO contract_counters (year, last) VALUES (?, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = last + 1", (int(year),))
        return int(self._conn.execute("SELECT last FROM contract_counters WHERE year = ?",
                                      (int(year),)).fetchone()[0])

    def _header_values(self, k: Contract) -> tuple[Any, ...]:
        return (k.number, k.customer_id, k.author_id, k.template_version_id, k.language, k.state,
                k.title, k.currency, to_minor(k.net, k.currency), to_minor(k.tax, k.currency),
                to_minor(k.gross, k.currency), k.delivery_terms, _iso(k.contract_date),
                _iso(k.start_date), _iso(k.end_date), k.revision, k.review_round,
                json.dumps(list(k.approval_steps)), _risk_json(k.risk), k.family_id,
                k.origin_id, k.relation, k.version_no, _utc(k.created_at), _utc(k.updated_at),
                _utc(k.signed_at) if k.signed_at else None)

    def insert(self, contract: Contract) -> Contract:
        columns = _HEADER.split(", ")[1:]
        cursor = self._conn.execute(
            f"INSERT INTO contracts ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(columns))})", self._header_values(contract))
        contract_id = int(cursor.lastrowid)
        self._write_children(contract_id, contract)
        stored = self.get(contract_id)
        assert stored is not None
        return stored

    def _write_children(self, contract_id: int, k: Contract) -> None:
        self._conn.executemany(
            "INSERT INTO contract_items (contract_id, position, product, quantity, "
            "unit_price_minor, discount, tax_rate) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(contract_id, n, i.product, str(i.quantity), to_minor(i.unit_price, k.currency),
              str(i.discount), str(i.tax_rate)) for n, i in enumerate(k.items, start=1)])
        self._conn.executemany(
            "INSERT INTO contract_instalments (contract_id, position, due_date, amount_minor, "
            "label) VALUES (?, ?, ?, ?, ?)",
            [(contract_id, n, i.due.isoformat(), to_minor(i.amount, k.currency), i.label)
             for n, i in enumerate(k.instalments, start=1)])
        self._conn.executemany(
            "INSERT INTO contract_clauses (contract_id, position, category, title, text, "
            "standard_text) VALUES (?, ?, ?, ?, ?, ?)",
            [(contract_id, c.position, c.category.value, c.title, c.text, c.standard_text)
             for c in k.clauses])

    def update_terms(self, contract: Contract) -> Contract:
        columns = _HEADER.split(", ")[1:]
        self._conn.execute(
            f"UPDATE contracts SET {', '.join(f'{c} = ?' for c in columns)} "  # noqa: S608
            "WHERE id = ?", (*self._header_values(contract), contract.id))
        for table in ("contract_items", "contract_instalments", "contract_clauses"):
            self._conn.execute(f"DELETE FROM {table} WHERE contract_id = ?",  # noqa: S608
                               (contract.id,))
        self._write_children(contract.id, contract)
        stored = self.get(contract.id)
        assert stored is not None
        return stored

    def update_workflow(self, contract: Contract) -> Contract:
        if contract.signed_at is not None:
            # Before the state moves: once signed, the trigger refuses any write of signed_at.
            self._conn.execute(
                "UPDATE contracts SET signed_at = ? WHERE id = ? AND signed_at IS NULL "
                "AND state NOT IN ('signed', 'active', 'completed', 'terminated')",
                (_utc(contract.signed_at), contract.id))
        self._conn.execute(
            "UPDATE contracts SET state = ?, review_round = ?, approval_steps = ?, risk = ?, "
            "updated_at = ? WHERE id = ?",
            (contract.state, contract.review_round, json.dumps(list(contract.approval_steps)),
             _risk_json(contract.risk), _utc(contract.updated_at), contract.id))
        stored = self.get(contract.id)
        assert stored is not None
        return stored

    def get(self, contract_id: int) -> Contract | None:
        row = self._conn.execute(f"SELECT {_HEADER} FROM contracts WHERE id = ?",  # noqa: S608
                                 (int(contract_id),)).fetchone()
        return self._contract(row) if row else None

    def by_number(self, number: str) -> Contract | None:
        row = self._conn.execute(f"SELECT {_HEADER} FROM contracts "  # noqa: S608
                                 "WHERE number = ?", (number,)).fetchone()
        return self._contract(row) if row else None

    def _contract(self, r: tuple[Any, ...]) -> Contract:
        contract_id, currency = r[0], r[8]
        items = tuple(
            LineItem(product=i[0], quantity=Decimal(i[1]), unit_price=from_minor(i[2], currency),
                     discount=Decimal(i[3]), tax_rate=Decimal(i[4]))
            for i in self._conn.execute(
                "SELECT product, quantity, unit_price_minor, discount, tax_rate "
                "FROM contract_items WHERE contract_id = ? ORDER BY position", (contract_id,)))
        instalments = tuple(
            Instalment(date.fromisoformat(i[0]), from_minor(i[1], currency), i[2])
            for i in self._conn.execute(
                "SELECT due_date, amount_minor, label FROM contract_instalments "
                "WHERE contract_id = ? ORDER BY position", (contract_id,)))
        clauses = tuple(
            ContractClause(c[0], ClauseCategory(c[1]), c[2], c[3], c[4])
            for c in self._conn.execute(
                "SELECT position, category, title, text, standard_text FROM contract_clauses "
                "WHERE contract_id = ? ORDER BY position", (contract_id,)))
        contract_date = _day(r[13])
        assert contract_date is not None
        return Contract(
            id=contract_id, number=r[1], customer_id=r[2], author_id=r[3],
            template_version_id=r[4], language=r[5], state=r[6], title=r[7], currency=currency,
            items=items, instalments=instalments, clauses=clauses, delivery_terms=r[12],
            contract_date=contract_date, start_date=_day(r[14]), end_date=_day(r[15]),
            net=from_minor(r[9], currency), tax=from_minor(r[10], currency),
            gross=from_minor(r[11], currency), created_at=datetime.fromisoformat(r[24]),
            updated_at=datetime.fromisoformat(r[25]), revision=r[16], review_round=r[17],
            approval_steps=tuple(json.loads(r[18])), risk=_risk(r[19]), family_id=r[20],
            origin_id=r[21], relation=r[22], version_no=r[23], signed_at=_time(r[26]))

    def page(self, scope: Scope, flt: ContractFilter, before_id: int | None,
             limit: int) -> list[ContractSummary]:
        if scope.empty:
            return []
        where = scope_clause(scope)
        if flt.customer_id is not None:
            where.add("k.customer_id = ?", int(flt.customer_id))
        if flt.state:
            where.add("k.state = ?", flt.state)
        if flt.text:
            where.add("(k.number LIKE ? ESCAPE '\\' OR k.title LIKE ? ESCAPE '\\')",
                      _like(flt.text), _like(flt.text))
        if before_id is not None:
            where.add("k.id < ?", int(before_id))
        rows = self._conn.execute(
            f"{_SUMMARY} WHERE {where.sql()} ORDER BY k.id DESC LIMIT ?",
            (*where.params, int(limit))).fetchall()
        return [_summary(r) for r in rows]

    def ending_between(self, scope: Scope, first: date, last: date,
                       states: tuple[str, ...]) -> list[ContractSummary]:
        if scope.empty or not states:
            return []
        where = scope_clause(scope)
        where.add("k.end_date BETWEEN ? AND ?", first.isoformat(), last.isoformat())
        where.add(f"k.state IN ({', '.join('?' * len(states))})", *states)
        rows = self._conn.execute(
            f"{_SUMMARY} WHERE {where.sql()} ORDER BY k.end_date, k.id",
            where.params).fetchall()
        return [_summary(r) for r in rows]

    def has_signed(self, customer_id: int, excluding: int, states: tuple[str, ...]) -> bool:
        row = self._conn.execute(
            f"SELECT 1 FROM contracts WHERE customer_id = ? AND id <> ? "  # noqa: S608
            f"AND state IN ({', '.join('?' * len(states))}) LIMIT 1",
            (int(customer_id), int(excluding), *states)).fetchone()
        return row is not None

    def family_versions(self, family_id: int) -> int:
        row = self._conn.execute(
            "SELECT max(version_no) FROM contracts WHERE id = ? OR family_id = ?",
            (int(family_id), int(family_id))).fetchone()
        return int(row[0] or 0)

    # -- history -----------------------------------------------------------------------------
    def add_event(self, event: ContractEvent) -> ContractEvent:
        cursor = self._conn.execute(
            "INSERT INTO contract_events (contract_id, round, at, actor_id, action, from_state, "
            "to_state, step_role, comment, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event.contract_id, event.round, _utc(event.at), event.actor_id, event.action,
             event.from_state, event.to_state, event.step_role, event.comment,
             event.fingerprint))
        return next(e for e in self.events(event.contract_id) if e.id == cursor.lastrowid)

    def events(self, contract_id: int) -> list[ContractEvent]:
        rows = self._conn.execute(
            "SELECT e.id, e.contract_id, e.round, e.at, e.actor_id, COALESCE(u.name, ''), "
            "e.action, e.from_state, e.to_state, e.step_role, e.comment, e.fingerprint "
            "FROM contract_events AS e LEFT JOIN users AS u ON u.id = e.actor_id "
            "WHERE e.contract_id = ? ORDER BY e.id", (int(contract_id),)).fetchall()
        return [ContractEvent(id=r[0], contract_id=r[1], round=r[2],
                              at=datetime.fromisoformat(r[3]), actor_id=r[4], actor_name=r[5],
                              action=r[6], from_state=r[7], to_state=r[8], step_role=r[9],
                              comment=r[10], fingerprint=r[11]) for r in rows]

    # -- archive -----------------------------------------------------------------------------
    def archive(self, contract_id: int, pdf: bytes, sha256: str, fingerprint: str,
                signed_by: int, signed_at: datetime) -> ArchivedDocument:
        self._conn.execute(
            "INSERT INTO contract_archive (contract_id, pdf, sha256, fingerprint, size, "
            "signed_by, signed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (int(contract_id), bytes(pdf), sha256, fingerprint, len(pdf), signed_by,
             _utc(signed_at)))
        stored = self.archived(contract_id)
        assert stored is not None
        return stored

    def archived(self, contract_id: int) -> ArchivedDocument | None:
        row = self._conn.execute(
            "SELECT contract_id, sha256, fingerprint, size, signed_by, signed_at "
            "FROM contract_archive WHERE contract_id = ?", (int(contract_id),)).fetchone()
        if row is None:
            return None
        return ArchivedDocument(row[0], row[1], row[2], row[3], row[4],
                                datetime.fromisoformat(row[5]))

    def archived_pdf(self, contract_id: int) -> bytes | None:
        row = self._conn.execute("SELECT pdf FROM contract_archive WHERE contract_id = ?",
                                 (int(contract_id),)).fetchone()
        return bytes(row[0]) if row else None


def _clauses_json(clauses: tuple[TemplateClause, ...]) -> str:
    return json.dumps([{"category": c.category.value, "title": c.title, "text": c.text}
                       for c in clauses], ensure_ascii=False)


class SqlContractTemplates:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def templates(self) -> list[Template]:
        rows = self._conn.execute(
            "SELECT t.id, t.code, t.name, t.language, COALESCE(max(v.version), 0) "
            "FROM contract_templates AS t "
            "LEFT JOIN contract_template_versions AS v ON v.template_id = t.id "
            "GROUP BY t.id ORDER BY t.id").fetchall()
        return [Template(*r) for r in rows]

    def add_template(self, code: str, name: str, language: str, created_at: datetime) -> int:
        cursor = self._conn.execute(
            "INSERT INTO contract_templates (code, name, language, created_at) "
            "VALUES (?, ?, ?, ?)", (code, name, language, _utc(created_at)))
        return int(cursor.lastrowid)

    def add_version(self, template_id: int, title: str, preamble: str,
                    clauses: tuple[TemplateClause, ...], created_by: int | None,
                    created_at: datetime) -> TemplateVersion:
        cursor = self._conn.execute(
            "INSERT INTO contract_template_versions (template_id, version, title, preamble, "
            "clauses, created_by, created_at) VALUES (?, (SELECT COALESCE(max(version), 0) + 1 "
            "FROM contract_template_versions WHERE template_id = ?), ?, ?, ?, ?, ?)",
            (int(template_id), int(template_id), title, preamble, _clauses_json(clauses),
             created_by, _utc(created_at)))
        stored = self.version(int(cursor.lastrowid))
        assert stored is not None
        return stored

    _VERSION = ("SELECT id, template_id, version, title, preamble, clauses, created_by, "
                "created_at FROM contract_template_versions")

    @staticmethod
    def _version(r: tuple[Any, ...]) -> TemplateVersion:
        clauses = tuple(TemplateClause(ClauseCategory(c["category"]), c["title"], c["text"])
                        for c in json.loads(r[5]))
        return TemplateVersion(id=r[0], template_id=r[1], version=r[2], title=r[3],
                               preamble=r[4], clauses=clauses, created_by=r[6],
                               created_at=datetime.fromisoformat(r[7]))

    def version(self, version_id: int) -> TemplateVersion | None:
        row = self._conn.execute(f"{self._VERSION} WHERE id = ?", (int(version_id),)).fetchone()
        return self._version(row) if row else None

    def versions(self, template_id: int) -> list[TemplateVersion]:
        rows = self._conn.execute(f"{self._VERSION} WHERE template_id = ? ORDER BY version",
                                  (int(template_id),)).fetchall()
        return [self._version(r) for r in rows]

    def clauses(self, language: str | None) -> list[StandardClause]:
        sql = ("SELECT id, key, language, category, title, text, version, created_at "
               "FROM standard_clauses AS s WHERE version = (SELECT max(version) FROM "
               "standard_clauses AS t WHERE t.key = s.key AND t.language = s.language)")
        params: tuple[Any, ...] = ()
        if language is not None:
            sql += " AND language = ?"
            params = (language,)
        rows = self._conn.execute(sql + " ORDER BY language, id", params).fetchall()
        return [StandardClause(id=r[0], key=r[1], language=r[2], category=ClauseCategory(r[3]),
                               title=r[4], text=r[5], version=r[6],
                               created_at=datetime.fromisoformat(r[7])) for r in rows]

    def add_clause(self, key: str, language: str, category: str, title: str, text: str,
                   created_at: datetime) -> StandardClause:
        cursor = self._conn.execute(
            "INSERT INTO standard_clauses (key, language, category, title, text, version, "
            "created_at) VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(max(version), 0) + 1 FROM "
            "standard_clauses WHERE key = ? AND language = ?), ?)",
            (key, language, category, title, text, key, language, _utc(created_at)))
        row = self._conn.execute(
            "SELECT id, key, language, category, title, text, version, created_at "
            "FROM standard_clauses WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return StandardClause(id=row[0], key=row[1], language=row[2],
                              category=ClauseCategory(row[3]), title=row[4], text=row[5],
                              version=row[6], created_at=datetime.fromisoformat(row[7]))


class SqlQualifications:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def add(self, customer_id: int, kind: QualificationKind, number: str,
            expires_on: date | None, added_by: int, created_at: datetime) -> Qualification:
        cursor = self._conn.execute(
            "INSERT INTO customer_qualifications (customer_id, kind, number, expires_on, "
            "added_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (int(customer_id), kind.value, number, _iso(expires_on), added_by,
             _utc(created_at)))
        return next(q for q in self.for_customer(customer_id) if q.id == cursor.lastrowid)

    def for_customer(self, customer_id: int) -> list[Qualification]:
        rows = self._conn.execute(
            "SELECT id, customer_id, kind, number, expires_on, added_by, created_at "
            "FROM customer_qualifications WHERE customer_id = ? ORDER BY kind, id",
            (int(customer_id),)).fetchall()
        return [Qualification(id=r[0], customer_id=r[1], kind=QualificationKind(r[2]),
                              number=r[3], expires_on=_day(r[4]), added_by=r[5],
                              created_at=datetime.fromisoformat(r[6])) for r in rows]

# The contracts' CreditSource (credit limits and exposure) is storage/funds_repo.py SqlCredit.
