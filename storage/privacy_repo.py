"""Consent records (migration 0006), the retention query, and the parts of anonymisation and of
an access request that reach beyond the customer row (interactions, tasks, the audit entries
about a customer)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlcipher3

from core.audit import AuditEntry
from core.customers.privacy import Consent, DueCustomer
from storage import customer_search
from storage.bank_accounts_repo import SqlBankAccounts
from storage.customer_sql import utc_text

# What interaction and task text becomes when its customer is anonymised: the rows, their kinds,
# times and authors stay (the history happened), the words about the person go.
SCRUBBED = "[anonymised]"
_CONSENT = ("SELECT id, customer_id, purpose, scope, given_at, withdrawn_at, recorded_by, "
            "withdrawn_by FROM customer_consents")


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _consent(row: tuple[Any, ...]) -> Consent:
    given = datetime.fromisoformat(row[4])
    return Consent(id=row[0], customer_id=row[1], purpose=row[2], scope=row[3], given_at=given,
                   withdrawn_at=_parse(row[5]), recorded_by=row[6], withdrawn_by=row[7])


class SqlPrivacy:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    # -- consent ---------------------------------------------------------------------------
    def add_consent(self, customer_id: int, purpose: str, scope: str, given_at: datetime,
                    recorded_by: int, created_at: datetime) -> Consent:
        cursor = self._conn.execute(
            "INSERT INTO customer_consents (customer_id, purpose, scope, given_at, recorded_by, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (customer_id, purpose, scope, utc_text(given_at), recorded_by,
             utc_text(created_at)))
        consent = self.get_consent(int(cursor.lastrowid))
        assert consent is not None
        return consent

    def get_consent(self, consent_id: int) -> Consent | None:
        row = self._conn.execute(f"{_CONSENT} WHERE id = ?", (consent_id,)).fetchone()
        return _consent(row) if row else None

    def withdraw_consent(self, consent_id: int, at: datetime, by: int) -> Consent:
        self._conn.execute("UPDATE customer_consents SET withdrawn_at = ?, withdrawn_by = ? "
                           "WHERE id = ? AND withdrawn_at IS NULL",
                           (utc_text(at), by, consent_id))
        consent = self.get_consent(consent_id)
        assert consent is not None
        return consent

    def consents(self, customer_id: int) -> list[Consent]:
        rows = self._conn.execute(f"{_CONSENT} WHERE customer_id = ? ORDER BY given_at, id",
                                  (customer_id,)).fetchall()
        return [_consent(r) for r in rows]

    def move_consents(self, from_id: int, to_id: int) -> int:
        return int(self._conn.execute(
            "UPDATE customer_consents SET customer_id = ? WHERE customer_id = ?",
            (to_id, from_id)).rowcount)

    # -- retention -------------------------------------------------------------------------
    def inactive_since(self, before: datetime, limit: int) -> list[DueCustomer]:
        """Not-yet-anonymised customers whose newest interaction and last change are both
        older than `before`, oldest activity first. A scan of the customers: an administrator's
        periodic report, not an as-you-type query."""
        rows = self._conn.execute(
            "SELECT id, name, owner_id, last FROM (SELECT c.id, c.name, c.owner_id, "
            "max(c.updated_at, COALESCE((SELECT max(i.at) FROM interactions AS i "
            "WHERE i.customer_id = c.id), '')) AS last FROM customers AS c "
            "WHERE c.anonymised = 0) WHERE last < ? ORDER BY last, id LIMIT ?",
            (utc_text(before), limit)).fetchall()
        return [DueCustomer(r[0], r[1], r[2], datetime.fromisoformat(r[3]).astimezone(UTC))
                for r in rows]

    # -- anonymisation ---------------------------------------------------------------------
    def scrub_history(self, customer_id: int) -> tuple[int, int]:
        """Interaction texts and task titles of one customer replaced; (interactions, tasks)."""
        interactions = self._conn.execute(
            "UPDATE interactions SET summary = ?, outcome = '', next_step = '' "
            "WHERE customer_id = ?", (SCRUBBED, customer_id)).rowcount
        tasks = self._conn.execute("UPDATE tasks SET title = ? WHERE customer_id = ?",
                                   (SCRUBBED, customer_id)).rowcount
        # Qualification numbers (an identity document's is a national ID); kinds and expiry
        # stay for the contracts' risk history.
        self._conn.execute("UPDATE customer_qualifications SET number = '' "
                           "WHERE customer_id = ?", (customer_id,))
        SqlBankAccounts(self._conn).forget(customer_id)
        return int(interactions), int(tasks)

    def purge_index_residue(self) -> None:
        """A contentless FTS5 delete only marks the old entry deleted: its terms (a whole
        phone number, a word of the name) stay in the index's segments until they are merged.
        Merging everything into one b-tree drops them, and secure_delete zeroes the freed pages.
        It rewrites the whole index (seconds on a million customers): anonymise in batches and
        purge once per batch, not per customer."""
        customer_search.optimize(self._conn)

    # -- access request --------------------------------------------------------------------
    def audit_about(self, customer_id: int) -> list[AuditEntry]:
        """Every audit entry whose object is this customer, oldest first (an exact match on
        the id, not the LIKE the audit screen's filter uses)."""
        rows = self._conn.execute(
            "SELECT seq, at, actor_id, actor_name, action, object_type, object_id, outcome, "
            "details, prev_hash, hash, seal FROM audit_log "
            "WHERE object_type = 'customer' AND object_id = ? ORDER BY seq",
            (str(customer_id),)).fetchall()
        return [AuditEntry(seq=r[0], at=datetime.fromisoformat(r[1]), actor_id=r[2],
                           actor_name=r[3], action=r[4], object_type=r[5], object_id=r[6],
                           outcome=r[7], details=json.loads(r[8]), prev_hash=r[9], hash=r[10],
                           seal=r[11]) for r in rows]
