-- Version 8: signing keys (issue 4). One table for the vault's certificate authority
-- (kind 'vault_ca'), each user's signing certificate from it ('user') and an organisation's own
-- certificate from a public CA ('organisation'). Certificates are DER; `chain` holds the issuers
-- above the certificate as PEM text, nearest first (empty for the self-signed CA).
--
-- Private keys are unencrypted PKCS#8 DER. The whole database is SQLCipher-encrypted under the
-- vault key; a second layer keyed from another secret in this same database (the audit seal
-- key) would stop nobody who can read the database, so there is none.
--
-- Rows are never deleted: a replaced certificate is retired (active = 0), so the roots of
-- retired organisation certificates stay trusted for the documents they signed.
CREATE TABLE signing_keys (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('vault_ca', 'user', 'organisation', 'seal')),
    user_id INTEGER REFERENCES users (id),
    certificate BLOB NOT NULL,
    chain TEXT NOT NULL DEFAULT '',
    private_key BLOB NOT NULL,
    serial TEXT NOT NULL,
    not_after TEXT NOT NULL,
    created_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    CHECK ((kind = 'user') = (user_id IS NOT NULL))
);
-- At most one active key of each kind (per user for 'user').
CREATE UNIQUE INDEX signing_keys_active ON signing_keys (kind, COALESCE(user_id, 0))
    WHERE active = 1;
CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys
BEGIN
    SELECT RAISE(ABORT, 'signing keys are retired, never deleted');
END;
