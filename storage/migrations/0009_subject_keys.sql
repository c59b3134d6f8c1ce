-- Version 9: one key per data subject for the personal details of audit entries
-- (core/audit_personal.py). Deleting a row erases those details without touching the chain.
CREATE TABLE subject_keys (
    subject TEXT PRIMARY KEY,
    key BLOB NOT NULL CHECK (length(key) = 32)
) WITHOUT ROWID;
