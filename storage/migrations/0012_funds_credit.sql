-- Version 12: fund approvals and credit limits (issue 5).
-- Money is INTEGER minor units beside a currency column; times are UTC ISO-8601; dates are
-- YYYY-MM-DD. Requests change state only forward; decisions, effects, refunds and limits are
-- append-only, and the database itself refuses a requester deciding their own request.
CREATE TABLE fund_requests (
    -- AUTOINCREMENT: "fund request 42" in the audit trail always means the same request.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('refund', 'discount', 'rebate', 'provision',
                                       'write_off')),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    reason TEXT NOT NULL CHECK (reason <> ''),
    receivable_id INTEGER REFERENCES receivables (id),
    receipt_id INTEGER REFERENCES receipts (id),
    destination TEXT NOT NULL DEFAULT '',
    approvals_needed INTEGER NOT NULL CHECK (approvals_needed IN (1, 2)),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected',
                                                           'cancelled')),
    requested_by INTEGER NOT NULL REFERENCES users (id),
    requested_at TEXT NOT NULL,
    decided_at TEXT,
    CHECK ((kind = 'refund') = (receipt_id IS NOT NULL AND receivable_id IS NULL)),
    CHECK (kind <> 'refund' OR destination <> '')
);
CREATE INDEX fund_requests_state ON fund_requests (state, id);
CREATE INDEX fund_requests_customer ON fund_requests (customer_id, id);

CREATE TRIGGER fund_requests_fixed BEFORE UPDATE OF kind, customer_id, currency, amount_minor,
    reason, receivable_id, receipt_id, destination, approvals_needed, requested_by,
    requested_at ON fund_requests
BEGIN
    SELECT RAISE(ABORT, 'a fund request cannot be changed; cancel it and request again');
END;
CREATE TRIGGER fund_requests_final BEFORE UPDATE OF state ON fund_requests
    WHEN OLD.state <> 'pending'
BEGIN
    SELECT RAISE(ABORT, 'a fund request already decided cannot change');
END;
CREATE TRIGGER fund_requests_no_delete BEFORE DELETE ON fund_requests
BEGIN
    SELECT RAISE(ABORT, 'fund requests cannot be deleted');
END;

CREATE TABLE fund_decisions (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES fund_requests (id),
    actor_id INTEGER NOT NULL REFERENCES users (id),
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected', 'cancelled')),
    comment TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    -- One decision per person per request: nobody approves twice.
    UNIQUE (request_id, actor_id)
);
-- Segregation of duties, enforced below the service: the requester may only cancel, others
-- may only approve or reject, and only while the request is pending.
CREATE TRIGGER fund_decisions_separated BEFORE INSERT ON fund_decisions
    WHEN (NEW.decision = 'cancelled') <> (NEW.actor_id = (SELECT requested_by FROM fund_requests
                                                          WHERE id = NEW.request_id))
BEGIN
    SELECT RAISE(ABORT, 'only the requester cancels a fund request, and never approves it');
END;
CREATE TRIGGER fund_decisions_pending BEFORE INSERT ON fund_decisions
    WHEN (SELECT state FROM fund_requests WHERE id = NEW.request_id) IS NOT 'pending'
BEGIN
    SELECT RAISE(ABORT, 'the fund request is no longer pending');
END;
CREATE TRIGGER fund_decisions_no_update BEFORE UPDATE ON fund_decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are final');
END;
CREATE TRIGGER fund_decisions_no_delete BEFORE DELETE ON fund_decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are final');
END;

-- What an approved write-off, discount or rebate took off an instalment. The receivable's
-- written_off and open balance move in the same statement; its CHECKs (open >= 0, billed =
-- received + written off + open) refuse taking off more than is open.
CREATE TABLE write_offs (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL UNIQUE REFERENCES fund_requests (id),
    receivable_id INTEGER NOT NULL REFERENCES receivables (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    applied_at TEXT NOT NULL
);
CREATE INDEX write_offs_receivable ON write_offs (receivable_id);
CREATE TRIGGER write_offs_apply AFTER INSERT ON write_offs
BEGIN
    UPDATE receivables
       SET written_off_minor = written_off_minor + NEW.amount_minor,
           open_minor = open_minor - NEW.amount_minor
     WHERE id = NEW.receivable_id;
END;
CREATE TRIGGER write_offs_no_update BEFORE UPDATE ON write_offs
BEGIN
    SELECT RAISE(ABORT, 'write-offs are append-only');
END;
CREATE TRIGGER write_offs_no_delete BEFORE DELETE ON write_offs
BEGIN
    SELECT RAISE(ABORT, 'write-offs are append-only');
END;

-- Bad-debt provisions: an allowance against an instalment the customer still owes (collection
-- goes on), so the open balance does not move.
CREATE TABLE provisions (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL UNIQUE REFERENCES fund_requests (id),
    receivable_id INTEGER NOT NULL REFERENCES receivables (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    applied_at TEXT NOT NULL
);
CREATE INDEX provisions_receivable ON provisions (receivable_id);
CREATE TRIGGER provisions_no_update BEFORE UPDATE ON provisions
BEGIN
    SELECT RAISE(ABORT, 'provisions are append-only');
END;
CREATE TRIGGER provisions_no_delete BEFORE DELETE ON provisions
BEGIN
    SELECT RAISE(ABORT, 'provisions are append-only');
END;

-- Refunds pay back a receipt's unallocated part (the customer's credit from it).
CREATE TABLE refunds (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL UNIQUE REFERENCES fund_requests (id),
    receipt_id INTEGER NOT NULL REFERENCES receipts (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    destination TEXT NOT NULL CHECK (destination <> ''),
    applied_at TEXT NOT NULL
);
CREATE INDEX refunds_receipt ON refunds (receipt_id);
CREATE TRIGGER refunds_within_credit BEFORE INSERT ON refunds
    WHEN (SELECT COALESCE(sum(amount_minor), 0) FROM allocations
          WHERE receipt_id = NEW.receipt_id)
       + (SELECT COALESCE(sum(amount_minor), 0) FROM refunds WHERE receipt_id = NEW.receipt_id)
       + NEW.amount_minor > (SELECT amount_minor FROM receipts WHERE id = NEW.receipt_id)
       OR EXISTS (SELECT 1 FROM receipt_reversals WHERE receipt_id = NEW.receipt_id)
BEGIN
    SELECT RAISE(ABORT, 'a refund cannot exceed what is left unallocated of the receipt');
END;
-- Money refunded cannot be allocated to an instalment afterwards. (The EXISTS first: most
-- receipts have no refund, and allocating stays one index probe dearer, no more.)
CREATE TRIGGER allocations_not_refunded BEFORE INSERT ON allocations
    WHEN NEW.amount_minor > 0
     AND EXISTS (SELECT 1 FROM refunds WHERE receipt_id = NEW.receipt_id)
     AND (SELECT COALESCE(sum(amount_minor), 0) FROM allocations
          WHERE receipt_id = NEW.receipt_id)
       + (SELECT COALESCE(sum(amount_minor), 0) FROM refunds WHERE receipt_id = NEW.receipt_id)
       + NEW.amount_minor > (SELECT amount_minor FROM receipts WHERE id = NEW.receipt_id)
BEGIN
    SELECT RAISE(ABORT, 'this receipt''s credit was refunded and cannot be allocated');
END;
-- Money paid back must stay on the books: a receipt partly refunded is not reversed.
CREATE TRIGGER receipt_reversals_not_refunded BEFORE INSERT ON receipt_reversals
    WHEN EXISTS (SELECT 1 FROM refunds WHERE receipt_id = NEW.receipt_id)
BEGIN
    SELECT RAISE(ABORT, 'a receipt with a refund cannot be reversed');
END;
CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds
BEGIN
    SELECT RAISE(ABORT, 'refunds are append-only');
END;
CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
BEGIN
    SELECT RAISE(ABORT, 'refunds are append-only');
END;

-- What the credit scorecard needs that the customer record does not hold.
CREATE TABLE credit_profiles (
    customer_id INTEGER PRIMARY KEY REFERENCES customers (id),
    established_on TEXT,
    registered_capital_minor INTEGER CHECK (registered_capital_minor IS NULL
                                            OR registered_capital_minor >= 0),
    capital_currency TEXT NOT NULL DEFAULT 'CNY',
    updated_by INTEGER NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL
);

-- Credit limits proposed, append-only (the decisions are below).
CREATE TABLE credit_limits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    currency TEXT NOT NULL,
    limit_minor INTEGER NOT NULL CHECK (limit_minor >= 0),
    reason TEXT NOT NULL CHECK (reason <> ''),
    rating TEXT NOT NULL DEFAULT '',
    review_on TEXT NOT NULL,
    set_by INTEGER NOT NULL REFERENCES users (id),
    set_at TEXT NOT NULL
);
CREATE INDEX credit_limits_customer ON credit_limits (customer_id, currency, id);
CREATE TRIGGER credit_limits_no_update BEFORE UPDATE ON credit_limits
BEGIN
    SELECT RAISE(ABORT, 'credit limits are append-only; set a new one');
END;
CREATE TRIGGER credit_limits_no_delete BEFORE DELETE ON credit_limits
BEGIN
    SELECT RAISE(ABORT, 'credit limits are append-only; set a new one');
END;

-- A limit set is a proposal until someone else with the permission approves it (design.md §3:
-- whoever asks for a credit-limit change cannot approve it). The limit in force is the newest
-- approved one per customer and currency.
CREATE TABLE credit_limit_decisions (
    limit_id INTEGER PRIMARY KEY REFERENCES credit_limits (id),
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    decided_by INTEGER NOT NULL REFERENCES users (id),
    comment TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL
);
CREATE TRIGGER credit_limit_decisions_separated BEFORE INSERT ON credit_limit_decisions
    WHEN NEW.decided_by = (SELECT set_by FROM credit_limits WHERE id = NEW.limit_id)
BEGIN
    SELECT RAISE(ABORT, 'whoever proposes a credit limit cannot approve or reject it');
END;
CREATE TRIGGER credit_limit_decisions_no_update BEFORE UPDATE ON credit_limit_decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are final');
END;
CREATE TRIGGER credit_limit_decisions_no_delete BEFORE DELETE ON credit_limit_decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are final');
END;
