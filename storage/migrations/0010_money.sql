-- Version 10: money (issue 5): receivables billed from signed contracts' payment schedules,
-- receipts, and allocations of receipts to receivables. Money is INTEGER minor units beside a
-- currency column; times are UTC ISO-8601 with microseconds; dates are YYYY-MM-DD.
-- Receipts and allocations are append-only; a receivable's open balance is kept up to date by
-- the allocation trigger in the same transaction, so ageing reads open rows only.
CREATE TABLE receivables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES contracts (id),
    position INTEGER NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    allocated_minor INTEGER NOT NULL DEFAULT 0 CHECK (allocated_minor >= 0),
    written_off_minor INTEGER NOT NULL DEFAULT 0 CHECK (written_off_minor >= 0),
    open_minor INTEGER NOT NULL CHECK (open_minor >= 0),
    due_date TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    invoice_number TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (contract_id, position),
    -- billed = received + written off + open, row by row.
    CHECK (open_minor = amount_minor - allocated_minor - written_off_minor)
);
-- Open instalments by due date: the receivables list and the overdue list walk this.
CREATE INDEX receivables_open_due ON receivables (due_date, id) WHERE open_minor > 0;
-- Covering for ageing and allocation: per customer and currency, the open rows with their due
-- dates and open balances, read from the index alone and already in GROUP BY order.
CREATE INDEX receivables_open_customer ON receivables (customer_id, currency, due_date,
                                                       open_minor) WHERE open_minor > 0;
-- Everyone's total per currency: five range sums per currency over this index, no grouping.
CREATE INDEX receivables_open_currency ON receivables (currency, due_date, open_minor)
    WHERE open_minor > 0;
CREATE INDEX receivables_customer ON receivables (customer_id, due_date, id);
CREATE INDEX receivables_due ON receivables (due_date, id);

CREATE TRIGGER receivables_terms_fixed BEFORE UPDATE OF contract_id, position, customer_id,
    currency, amount_minor, due_date, label, created_at ON receivables
BEGIN
    SELECT RAISE(ABORT, 'a receivable follows its signed contract and cannot be changed');
END;
CREATE TRIGGER receivables_no_delete BEFORE DELETE ON receivables
BEGIN
    SELECT RAISE(ABORT, 'receivables cannot be deleted');
END;

CREATE TABLE receipts (
    -- AUTOINCREMENT: "receipt 42" in the audit trail always means the same receipt.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    received_on TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    method TEXT NOT NULL CHECK (method IN ('bank_transfer', 'cash', 'cheque', 'alipay',
                                           'wechat_pay')),
    reference TEXT NOT NULL DEFAULT '',
    reference_key TEXT NOT NULL DEFAULT '',
    payer_name TEXT NOT NULL DEFAULT '',
    payer_key TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX receipts_customer ON receipts (customer_id, id);
-- The same reference from the same payer for the same amount on the same day is one payment
-- entered twice. Not a UNIQUE index: a receipt entered wrongly and reversed may be entered
-- again correctly. The check runs inside the writing transaction (BEGIN IMMEDIATE: writers
-- take turns), so two submissions cannot both pass it.
CREATE INDEX receipts_reference ON receipts (reference_key, payer_key, amount_minor, currency,
                                             received_on) WHERE reference_key <> '';
CREATE TRIGGER receipts_no_update BEFORE UPDATE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'receipts are append-only; record a correction instead');
END;
CREATE TRIGGER receipts_no_delete BEFORE DELETE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'receipts are append-only; record a correction instead');
END;

-- A receipt entered by mistake is reversed, never deleted: its allocations are undone by
-- reversing (negative) allocations in the same transaction, and it no longer counts as received.
CREATE TABLE receipt_reversals (
    receipt_id INTEGER PRIMARY KEY REFERENCES receipts (id),
    reason TEXT NOT NULL CHECK (reason <> ''),
    reversed_by INTEGER NOT NULL REFERENCES users (id),
    reversed_at TEXT NOT NULL
);
CREATE TRIGGER receipt_reversals_no_update BEFORE UPDATE ON receipt_reversals
BEGIN
    SELECT RAISE(ABORT, 'a reversal is final');
END;
CREATE TRIGGER receipt_reversals_no_delete BEFORE DELETE ON receipt_reversals
BEGIN
    SELECT RAISE(ABORT, 'a reversal is final');
END;

CREATE TABLE allocations (
    id INTEGER PRIMARY KEY,
    receipt_id INTEGER NOT NULL REFERENCES receipts (id),
    receivable_id INTEGER NOT NULL REFERENCES receivables (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor <> 0),
    allocated_by INTEGER NOT NULL REFERENCES users (id),
    allocated_at TEXT NOT NULL
);
CREATE INDEX allocations_receipt ON allocations (receipt_id);
CREATE INDEX allocations_receivable ON allocations (receivable_id);

CREATE TRIGGER allocations_match BEFORE INSERT ON allocations
    WHEN (SELECT customer_id || ' ' || currency FROM receipts WHERE id = NEW.receipt_id)
         IS NOT (SELECT customer_id || ' ' || currency FROM receivables
                 WHERE id = NEW.receivable_id)
BEGIN
    SELECT RAISE(ABORT, 'a receipt pays only its own customer''s receivables in its currency');
END;
CREATE TRIGGER allocations_not_reversed BEFORE INSERT ON allocations
    WHEN NEW.amount_minor > 0
     AND EXISTS (SELECT 1 FROM receipt_reversals WHERE receipt_id = NEW.receipt_id)
BEGIN
    SELECT RAISE(ABORT, 'a reversed receipt cannot be allocated');
END;
CREATE TRIGGER allocations_within_receipt BEFORE INSERT ON allocations
    WHEN (SELECT COALESCE(sum(amount_minor), 0) FROM allocations
          WHERE receipt_id = NEW.receipt_id) + NEW.amount_minor
         > (SELECT amount_minor FROM receipts WHERE id = NEW.receipt_id)
BEGIN
    SELECT RAISE(ABORT, 'allocations cannot exceed the receipt');
END;
-- A reversing allocation undoes at most what the same receipt gave the same instalment.
CREATE TRIGGER allocations_reverse_own BEFORE INSERT ON allocations
    WHEN NEW.amount_minor < 0
     AND (SELECT COALESCE(sum(amount_minor), 0) FROM allocations
          WHERE receipt_id = NEW.receipt_id AND receivable_id = NEW.receivable_id)
         + NEW.amount_minor < 0
BEGIN
    SELECT RAISE(ABORT, 'a reversing allocation cannot exceed what it reverses');
END;
-- The open balance moves with every allocation (the CHECK on receivables refuses paying more
-- than is open).
CREATE TRIGGER allocations_apply AFTER INSERT ON allocations
BEGIN
    UPDATE receivables
       SET allocated_minor = allocated_minor + NEW.amount_minor,
           open_minor = open_minor - NEW.amount_minor
     WHERE id = NEW.receivable_id;
END;
CREATE TRIGGER allocations_no_update BEFORE UPDATE ON allocations
BEGIN
    SELECT RAISE(ABORT, 'allocations are append-only; record a reversing allocation');
END;
CREATE TRIGGER allocations_no_delete BEFORE DELETE ON allocations
BEGIN
    SELECT RAISE(ABORT, 'allocations are append-only; record a reversing allocation');
END;

-- Contracts signed before this version owe their schedules too.
INSERT INTO receivables (contract_id, position, customer_id, currency, amount_minor,
                         open_minor, due_date, label, created_at)
SELECT i.contract_id, i.position, k.customer_id, k.currency, i.amount_minor, i.amount_minor,
       i.due_date, i.label, COALESCE(k.signed_at, k.updated_at)
  FROM contract_instalments AS i JOIN contracts AS k ON k.id = i.contract_id
 WHERE k.state IN ('signed', 'active', 'completed', 'terminated') AND i.amount_minor > 0
 ORDER BY i.contract_id, i.position;
