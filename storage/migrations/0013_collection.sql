-- Version 13: collection (issue 5): reminders, collection notes, escalations; and the history of
-- customers' bank accounts the refund fraud signals read.
-- Money is INTEGER minor units beside a currency; dates YYYY-MM-DD; times UTC ISO-8601.

-- Every change of a customer's bank account, written by the customer service in the
-- transaction of the edit. A refund shortly after a change is the classic invoice fraud
-- ("we have a new account"). Anonymisation blanks the accounts (personal data) and keeps the
-- dates.
CREATE TABLE bank_account_changes (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    changed_at TEXT NOT NULL,
    old_account TEXT NOT NULL DEFAULT '',
    new_account TEXT NOT NULL DEFAULT '',
    changed_by INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX bank_account_changes_customer ON bank_account_changes (customer_id, changed_at);

-- A collection note is an interaction (so it shows in the customer's history) linked to the
-- instalments it chased, with the promise to pay if the customer made one.
CREATE TABLE collection_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    interaction_id INTEGER NOT NULL REFERENCES interactions (id),
    receivable_id INTEGER NOT NULL REFERENCES receivables (id),
    promised_on TEXT,
    promised_minor INTEGER CHECK (promised_minor IS NULL OR promised_minor > 0),
    UNIQUE (interaction_id, receivable_id)
);
CREATE INDEX collection_notes_receivable ON collection_notes (receivable_id, id);
CREATE TRIGGER collection_notes_no_update BEFORE UPDATE ON collection_notes
BEGIN
    SELECT RAISE(ABORT, 'collection notes are append-only');
END;
CREATE TRIGGER collection_notes_no_delete BEFORE DELETE ON collection_notes
BEGIN
    SELECT RAISE(ABORT, 'collection notes are append-only');
END;

-- An instalment overdue for longer than the setting is escalated once, to the manager of the
-- customer's owner (NULL: the owner has no manager; finance and administrators see it).
CREATE TABLE collection_escalations (
    receivable_id INTEGER PRIMARY KEY REFERENCES receivables (id),
    manager_id INTEGER REFERENCES users (id),
    days_overdue INTEGER NOT NULL CHECK (days_overdue > 0),
    open_minor INTEGER NOT NULL CHECK (open_minor > 0),
    escalated_at TEXT NOT NULL
);
CREATE INDEX collection_escalations_manager ON collection_escalations (manager_id,
                                                                        escalated_at);
CREATE TRIGGER collection_escalations_no_update BEFORE UPDATE ON collection_escalations
BEGIN
    SELECT RAISE(ABORT, 'escalations are append-only');
END;
CREATE TRIGGER collection_escalations_no_delete BEFORE DELETE ON collection_escalations
BEGIN
    SELECT RAISE(ABORT, 'escalations are append-only');
END;

-- The fraud watch reads receipts by date (core/money/watch.py).
CREATE INDEX receipts_received ON receipts (received_on, id);
