-- Version 4: customers, their phones, contacts and shares, and the search indexes.
-- Everything here lives inside the encrypted database, the search indexes included.
CREATE TABLE customers (
    -- AUTOINCREMENT: an id is never reused after a delete (a merge), so "customer 42" in the
    -- audit trail always means the same customer.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('company', 'individual')),
    name TEXT NOT NULL,
    -- casefolded name: the sort key of the list (keyset paging walks (name_key, id)).
    name_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('lead', 'prospect', 'active', 'inactive')),
    owner_id INTEGER NOT NULL REFERENCES users (id),
    email TEXT NOT NULL DEFAULT '',
    -- The first of customer_phones again: a list row then costs one lookup, not two.
    phone TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    industry TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    credit_code TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    custom TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom)),
    -- Clear values of protected fields: the whole file is encrypted, and core masks them on
    -- the way out. Never indexed by the ordinary search (see customer_sensitive_fts).
    sensitive TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(sensitive)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    anonymised INTEGER NOT NULL DEFAULT 0 CHECK (anonymised IN (0, 1))
);
-- One index per sort key for the keyset walk of those who see everyone. The city sort orders
-- by name within a city, so the same index serves "customers in 上海, by name"...
CREATE INDEX customers_name ON customers (name_key, id);
CREATE INDEX customers_updated ON customers (updated_at, id);
CREATE INDEX customers_city ON customers (city, name_key, id);
-- ...and per owner, so a rep's or a team's list walks only their own rows, already in order.
CREATE INDEX customers_owner_name ON customers (owner_id, name_key, id);
CREATE INDEX customers_owner_updated ON customers (owner_id, updated_at, id);
CREATE INDEX customers_owner_city ON customers (owner_id, city, name_key, id);
CREATE INDEX customers_status ON customers (status, name_key, id);
-- Duplicate detection (same credit code or e-mail); most rows have neither.
CREATE INDEX customers_credit_code ON customers (credit_code) WHERE credit_code <> '';
CREATE INDEX customers_email ON customers (email) WHERE email <> '';

CREATE TABLE customer_phones (
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,  -- the first phone is the one lists show
    phone TEXT NOT NULL,
    PRIMARY KEY (customer_id, position)
) WITHOUT ROWID;
CREATE INDEX customer_phones_phone ON customer_phones (phone);

CREATE TABLE customer_contacts (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX customer_contacts_customer ON customer_contacts (customer_id, id);
CREATE INDEX customer_contacts_phone ON customer_contacts (phone) WHERE phone <> '';

-- The tags again, one row each, so a tag filter is an index lookup, not JSON parsed per row.
CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
) WITHOUT ROWID;
CREATE INDEX customer_tags_tag ON customer_tags (tag, customer_id);

CREATE TABLE customer_shares (
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (customer_id, user_id)
) WITHOUT ROWID;
CREATE INDEX customer_shares_user ON customer_shares (user_id, customer_id);

-- Counting a million encrypted rows costs a scan; these per (owner, status) totals, kept by
-- triggers whatever path writes, answer the list's row count at once.
CREATE TABLE customer_counts (
    owner_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (owner_id, status)
) WITHOUT ROWID;
CREATE TRIGGER customer_counts_insert AFTER INSERT ON customers
BEGIN
    INSERT INTO customer_counts (owner_id, status, n) VALUES (new.owner_id, new.status, 1)
        ON CONFLICT (owner_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER customer_counts_delete AFTER DELETE ON customers
BEGIN
    UPDATE customer_counts SET n = n - 1
        WHERE owner_id = old.owner_id AND status = old.status;
END;
CREATE TRIGGER customer_counts_update AFTER UPDATE OF owner_id, status ON customers
    WHEN old.owner_id <> new.owner_id OR old.status <> new.status
BEGIN
    UPDATE customer_counts SET n = n - 1
        WHERE owner_id = old.owner_id AND status = old.status;
    INSERT INTO customer_counts (owner_id, status, n) VALUES (new.owner_id, new.status, 1)
        ON CONFLICT (owner_id, status) DO UPDATE SET n = n + 1;
END;

-- Search. Contentless (the text is already in customers) so the indexes add no second copy of
-- the rows; contentless_delete lets the repository replace a row's entry when the customer
-- changes. The rowid is storage.customer_search.search_rowid: the customer id below the first
-- two characters of the name's sort key, so hits come out of FTS5 in (nearly) name order.
-- Substrings of 3+ characters: Chinese inside longer names, phone fragments, parts of e-mails.
-- `scope` holds who may see the row (#owner3#, #share5#): a rep's search is then one lazy
-- FTS5 intersection in name order, not a lookup of every hit's owner in the table.
CREATE VIRTUAL TABLE customer_trigram USING fts5 (
    body, scope, content = '', contentless_delete = 1,
    tokenize = 'trigram case_sensitive 0 remove_diacritics 1'
);
-- Terms of 1-2 characters, which the trigram index cannot answer: `words` holds the same text
-- as words (prefix queries: "ac" -> Acme, "王" -> 王芳华), `grams` the CJK bigrams of every run
-- of Chinese (王芳华 -> 王芳 芳华), so a two-character name is found inside a longer one.
CREATE VIRTUAL TABLE customer_words USING fts5 (
    words, grams, scope, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2'
);
-- Protected values (ID numbers, personal mobiles, bank accounts, protected custom fields):
-- searched only for users who may reveal them, never by the ordinary search.
CREATE VIRTUAL TABLE customer_sensitive_fts USING fts5 (
    body, content = '', contentless_delete = 1,
    tokenize = 'trigram case_sensitive 0'
);
