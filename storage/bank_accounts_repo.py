"""The history of customers' bank accounts (migration 0013) and the accounts their money
actually came from, for the refund fraud signals."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlcipher3

from core.customers.ports import AccountChange


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class SqlBankAccounts:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def add_change(self, customer_id: int, old_account: str, new_account: str, at: datetime,
                   by: int) -> None:
        self._conn.execute(
            "INSERT INTO bank_account_changes (customer_id, changed_at, old_account, "
            "new_account, changed_by) VALUES (?, ?, ?, ?, ?)",
            (customer_id, _utc(at), old_account, new_account, by))

    def changes(self, customer_id: int, since: datetime) -> list[AccountChange]:
        rows = self._conn.execute(
            "SELECT customer_id, changed_at, old_account, new_account, changed_by "
            "FROM bank_account_changes WHERE customer_id = ? AND changed_at >= ? "
            "ORDER BY changed_at, id", (customer_id, _utc(since))).fetchall()
        return [AccountChange(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4])
                for r in rows]

    def paying_accounts(self, customer_id: int) -> list[str]:
        rows = self._conn.execute(
            "SELECT DISTINCT l.payer_account FROM statement_matches AS m "
            "JOIN statement_lines AS l ON l.id = m.line_id "
            "JOIN receipts AS r ON r.id = m.receipt_id "
            "WHERE r.customer_id = ? AND m.undone_at IS NULL AND l.payer_account <> '' "
            "ORDER BY 1", (customer_id,)).fetchall()
        return [r[0] for r in rows]

    def move(self, from_customer: int, to_customer: int) -> None:
        self._conn.execute("UPDATE bank_account_changes SET customer_id = ? "
                           "WHERE customer_id = ?", (to_customer, from_customer))

    def forget(self, customer_id: int) -> None:
        """Anonymisation: the accounts are personal data; the dates of the changes stay."""
        self._conn.execute("UPDATE bank_account_changes SET old_account = '', new_account = '' "
                           "WHERE customer_id = ?", (customer_id,))
