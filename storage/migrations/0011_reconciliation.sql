-- Version 11: bank-statement reconciliation (issue 5): each bank's remembered column mapping,
-- imported statements and their lines, matches of lines to receipts and instalments, and
-- closed periods. Money is INTEGER minor units beside a currency; dates YYYY-MM-DD; times UTC.
CREATE TABLE bank_mappings (
    bank_key TEXT PRIMARY KEY,          -- the bank's name folded (case, width, spaces)
    bank TEXT NOT NULL,
    mapping TEXT NOT NULL,              -- BankMapping.to_dict() as JSON
    updated_by INTEGER NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL
);

CREATE TABLE statements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bank TEXT NOT NULL,
    bank_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    line_count INTEGER NOT NULL CHECK (line_count > 0),
    -- SHA-256 over the lines' values: the same statement imported twice is refused.
    content_hash TEXT NOT NULL UNIQUE,
    imported_by INTEGER NOT NULL REFERENCES users (id),
    imported_at TEXT NOT NULL
);

CREATE TABLE statement_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id INTEGER NOT NULL REFERENCES statements (id),
    row INTEGER NOT NULL,               -- the row number in the file
    line_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor <> 0),  -- negative: money out
    reference TEXT NOT NULL DEFAULT '',
    payer_name TEXT NOT NULL DEFAULT '',
    payer_account TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (statement_id, row)
);
CREATE INDEX statement_lines_date ON statement_lines (line_date, id);

CREATE TRIGGER statements_no_change BEFORE UPDATE ON statements
BEGIN
    SELECT RAISE(ABORT, 'an imported statement is kept as the bank sent it');
END;
CREATE TRIGGER statements_no_delete BEFORE DELETE ON statements
BEGIN
    SELECT RAISE(ABORT, 'an imported statement is kept as the bank sent it');
END;
CREATE TRIGGER statement_lines_no_change BEFORE UPDATE ON statement_lines
BEGIN
    SELECT RAISE(ABORT, 'statement lines are kept as the bank sent them');
END;
CREATE TRIGGER statement_lines_no_delete BEFORE DELETE ON statement_lines
BEGIN
    SELECT RAISE(ABORT, 'statement lines are kept as the bank sent them');
END;

-- One row per part of a line's match: a receipt it confirms, or an instalment it pays (then
-- receipt_id is the receipt recorded for that money). Undone matches are kept (undone_at).
CREATE TABLE statement_matches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    line_id INTEGER NOT NULL REFERENCES statement_lines (id),
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'instalment')),
    target_id INTEGER NOT NULL,
    receipt_id INTEGER REFERENCES receipts (id),
    amount_minor INTEGER NOT NULL,
    difference_minor INTEGER NOT NULL DEFAULT 0,  -- of the whole line, on each of its parts
    rule TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    matched_by INTEGER NOT NULL REFERENCES users (id),
    matched_at TEXT NOT NULL,
    undone_by INTEGER REFERENCES users (id),
    undone_at TEXT
);
CREATE INDEX statement_matches_line ON statement_matches (line_id) WHERE undone_at IS NULL;
CREATE INDEX statement_matches_receipt ON statement_matches (receipt_id)
    WHERE undone_at IS NULL;
CREATE TRIGGER statement_matches_only_undone BEFORE UPDATE OF line_id, kind, target_id,
    receipt_id, amount_minor, difference_minor, rule, reason, matched_by, matched_at
    ON statement_matches
BEGIN
    SELECT RAISE(ABORT, 'a match is undone, never edited');
END;
CREATE TRIGGER statement_matches_no_delete BEFORE DELETE ON statement_matches
BEGIN
    SELECT RAISE(ABORT, 'a match is undone, never deleted');
END;

CREATE TABLE closed_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    until_date TEXT NOT NULL,
    forced INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    closed_by INTEGER NOT NULL REFERENCES users (id),
    closed_at TEXT NOT NULL
);
CREATE TRIGGER closed_periods_no_change BEFORE UPDATE ON closed_periods
BEGIN
    SELECT RAISE(ABORT, 'a closed period stays closed');
END;
CREATE TRIGGER closed_periods_no_delete BEFORE DELETE ON closed_periods
BEGIN
    SELECT RAISE(ABORT, 'a closed period stays closed');
END;
