-- Version 7: contracts (issue 4): templates and the clause library, contracts with their items,
-- payment schedules, clauses and history, customer qualification documents, and the archive of
-- signed PDFs. Money is INTEGER minor units beside a currency column; quantities and rates are
-- exact decimal TEXT; times are UTC ISO-8601 with microseconds; dates are YYYY-MM-DD.
CREATE TABLE contract_templates (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- A version is never changed once written: contracts name the version they were drafted from.
CREATE TABLE contract_template_versions (
    id INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES contract_templates (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    preamble TEXT NOT NULL,
    clauses TEXT NOT NULL CHECK (json_valid(clauses)),
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    UNIQUE (template_id, version)
);
CREATE TRIGGER contract_template_versions_frozen BEFORE UPDATE ON contract_template_versions
BEGIN
    SELECT RAISE(ABORT, 'a template version cannot be changed; add a new version');
END;

CREATE TABLE standard_clauses (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    language TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (key, language, version)
);

-- The serial part of contract numbers, per year (SR-2026-000123).
CREATE TABLE contract_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE contracts (
    -- AUTOINCREMENT: "contract 42" in the audit trail always means the same contract.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    author_id INTEGER NOT NULL REFERENCES users (id),
    template_version_id INTEGER REFERENCES contract_template_versions (id),
    language TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'approved', 'rejected', 'signed',
                                         'active', 'completed', 'terminated')),
    title TEXT NOT NULL,
    currency TEXT NOT NULL,
    net_minor INTEGER NOT NULL,
    tax_minor INTEGER NOT NULL,
    gross_minor INTEGER NOT NULL CHECK (gross_minor = net_minor + tax_minor),
    delivery_terms TEXT NOT NULL DEFAULT '',
    contract_date TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    revision INTEGER NOT NULL DEFAULT 1,
    review_round INTEGER NOT NULL DEFAULT 0,
    approval_steps TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(approval_steps)),
    risk TEXT CHECK (risk IS NULL OR json_valid(risk)),
    family_id INTEGER REFERENCES contracts (id),
    origin_id INTEGER REFERENCES contracts (id),
    relation TEXT CHECK (relation IS NULL OR relation IN ('amendment', 'renewal')),
    version_no INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    signed_at TEXT
);
CREATE INDEX contracts_customer ON contracts (customer_id, id);
CREATE INDEX contracts_state ON contracts (state, id);
CREATE INDEX contracts_end ON contracts (end_date) WHERE end_date IS NOT NULL;
CREATE INDEX contracts_family ON contracts (family_id, version_no);

-- Once signed, the terms are what was signed: only the life-cycle columns may still change.
CREATE TRIGGER contracts_signed_terms BEFORE UPDATE OF number, customer_id, author_id,
    template_version_id, language, title, currency, net_minor, tax_minor, gross_minor,
    delivery_terms, contract_date, start_date, end_date, revision, family_id, origin_id,
    relation, version_no, signed_at ON contracts
    WHEN OLD.state IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;
CREATE TRIGGER contracts_signed_state BEFORE UPDATE OF state ON contracts
    WHEN OLD.state IN ('signed', 'active', 'completed', 'terminated')
     AND NEW.state NOT IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot return to an unsigned state');
END;
CREATE TRIGGER contracts_no_delete BEFORE DELETE ON contracts
    WHEN OLD.state IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be deleted');
END;

CREATE TABLE contract_items (
    contract_id INTEGER NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    product TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit_price_minor INTEGER NOT NULL,
    discount TEXT NOT NULL,
    tax_rate TEXT NOT NULL,
    PRIMARY KEY (contract_id, position)
) WITHOUT ROWID;

CREATE TABLE contract_instalments (
    contract_id INTEGER NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    due_date TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (contract_id, position)
) WITHOUT ROWID;

CREATE TABLE contract_clauses (
    contract_id INTEGER NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    standard_text TEXT NOT NULL,
    PRIMARY KEY (contract_id, position)
) WITHOUT ROWID;

CREATE TRIGGER contract_items_signed_insert BEFORE INSERT ON contract_items
    WHEN (SELECT state FROM contracts WHERE id = NEW.contract_id)
         IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;
CREATE TRIGGER contract_items_signed_update BEFORE UPDATE ON contract_items
    WHEN (SELECT state FROM contracts WHERE id = OLD.contract_id)
         IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;
CREATE TRIGGER contract_items_signed_delete BEFORE DELETE ON contract_items
    WHEN (SELECT state FROM contracts WHERE id = OLD.contract_id)
         IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;
CREATE TRIGGER contract_instalments_signed_insert BEFORE INSERT ON contract_instalments
    WHEN (SELECT state FROM contracts WHERE id = NEW.contract_id)
         IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;
CREATE TRIGGER contract_instalments_signed_update BEFORE UPDATE ON contract_instalments
    WHEN (SELECT state FROM contracts WHERE id = OLD.contract_id)
         IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;
CREATE TRIGGER contract_instalments_signed_delete BEFORE DELETE ON contract_instalments
    WHEN (SELECT state FROM contracts WHERE id = OLD.contract_id)
         IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;
CREATE TRIGGER contract_clauses_signed_insert BEFORE INSERT ON contract_clauses
    WHEN (SELECT state FROM contracts WHERE id = NEW.contract_id)
         IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;
CREATE TRIGGER contract_clauses_signed_update BEFORE UPDATE ON contract_clauses
    WHEN (SELECT state FROM contracts WHERE id = OLD.contract_id)
         IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;
CREATE TRIGGER contract_clauses_signed_delete BEFORE DELETE ON contract_clauses
    WHEN (SELECT state FROM contracts WHERE id = OLD.contract_id)
         IN ('signed', 'active', 'completed', 'terminated')
BEGIN
    SELECT RAISE(ABORT, 'a signed contract cannot be changed; make an amendment');
END;

-- Transitions and approval decisions; comments live here, not in the audit trail.
CREATE TABLE contract_events (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts (id),
    round INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    step_role TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    -- An approval's content fingerprint: what the approver saw (signing requires it).
    fingerprint TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contract_events_contract ON contract_events (contract_id, id);
CREATE TRIGGER contract_events_no_update BEFORE UPDATE ON contract_events
BEGIN
    SELECT RAISE(ABORT, 'contract history is append-only');
END;
CREATE TRIGGER contract_events_no_delete BEFORE DELETE ON contract_events
BEGIN
    SELECT RAISE(ABORT, 'contract history is append-only');
END;

-- Signed PDFs, inside the encrypted vault; never changed or removed once written.
CREATE TABLE contract_archive (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL UNIQUE REFERENCES contracts (id),
    pdf BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    size INTEGER NOT NULL,
    signed_by INTEGER NOT NULL REFERENCES users (id),
    signed_at TEXT NOT NULL
);
CREATE TRIGGER contract_archive_no_update BEFORE UPDATE ON contract_archive
BEGIN
    SELECT RAISE(ABORT, 'the contract archive is immutable');
END;
CREATE TRIGGER contract_archive_no_delete BEFORE DELETE ON contract_archive
BEGIN
    SELECT RAISE(ABORT, 'the contract archive is immutable');
END;

-- Customers' qualification documents (business licence, permits): numbers and expiry only.
CREATE TABLE customer_qualifications (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL DEFAULT '',
    expires_on TEXT,
    added_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX customer_qualifications_customer ON customer_qualifications (customer_id, kind);
