-- Version 6: PIPL duties. Consent records per customer: a withdrawal is recorded on the row
-- (withdrawn_at, withdrawn_by), never by deleting it, so the history of what was allowed when
-- stays provable. No ON DELETE CASCADE: a merge moves consents to the kept customer.
CREATE TABLE customer_consents (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    purpose TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    given_at TEXT NOT NULL,
    withdrawn_at TEXT,
    recorded_by INTEGER NOT NULL REFERENCES users (id),
    withdrawn_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX customer_consents_customer ON customer_consents (customer_id, given_at, id);
