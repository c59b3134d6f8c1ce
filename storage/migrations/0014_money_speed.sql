-- Version 14: indexes for money at scale (issue 5 benchmarks: ageing over 1M instalments,
-- reconciling a 10,000-line statement).

-- Reconciliation (storage/match_candidates.py): a statement's lines fetch only the open
-- instalments they can reach. The expressions below must stay word for word as in that file
-- (SQLite uses an expression or partial index only for the same expression).
-- By exact amount (rule 3, suggestions) and by amount range (rule 4), index only. The amount
-- leads: with the currency first, ageing's per-currency sums would take this index instead of
-- receivables_open_currency (their plan is pinned by tests/storage/test_money_repo.py).
CREATE INDEX receivables_open_amount ON receivables (open_minor, currency, due_date)
    WHERE open_minor > 0;
-- By reference: an invoice or contract number without its usual separators, upper case. This
-- is names.reference_key exactly when the result is plain ASCII letters and digits; the few
-- other numbers are listed by the *_odd indexes and compared in Python.
CREATE INDEX receivables_open_invoice_key ON receivables (upper(replace(replace(replace(replace(replace(invoice_number, '-', ''), '_', ''), '/', ''), '.', ''), ' ', ''))) WHERE open_minor > 0;
CREATE INDEX receivables_open_invoice_odd ON receivables (id) WHERE open_minor > 0 AND invoice_number <> '' AND upper(replace(replace(replace(replace(replace(invoice_number, '-', ''), '_', ''), '/', ''), '.', ''), ' ', '')) GLOB '*[^A-Z0-9]*';
CREATE INDEX contracts_number_key ON contracts (upper(replace(replace(replace(replace(replace(number, '-', ''), '_', ''), '/', ''), '.', ''), ' ', '')));
CREATE INDEX contracts_number_odd ON contracts (id) WHERE upper(replace(replace(replace(replace(replace(number, '-', ''), '_', ''), '/', ''), '.', ''), ' ', '')) GLOB '*[^A-Z0-9]*';
-- By payer: names.normalize_name of a name whose first four characters (or all, if fewer) are
-- ASCII letters or digits or common CJK ideographs, not "the..." and without 股/有 (the legal
-- forms it strips) starts with the key's first four: a range of the name_key index. The
-- others (irregular) are listed by the partial indexes and compared in Python.
CREATE INDEX customers_name_odd ON customers (id) WHERE NOT ((name_key GLOB '[a-z0-9一-龥][a-z0-9一-龥][a-z0-9一-龥][a-z0-9一-龥]*' OR name_key GLOB '[a-z0-9一-龥][a-z0-9一-龥][a-z0-9一-龥]' OR name_key GLOB '[a-z0-9一-龥][a-z0-9一-龥]' OR name_key GLOB '[a-z0-9一-龥]') AND name_key NOT GLOB 'the*' AND instr(substr(name_key, 1, 4), '股') = 0 AND instr(substr(name_key, 1, 4), '有') = 0);
CREATE INDEX receipts_payer ON receipts (payer_key, customer_id) WHERE payer_name <> '';
CREATE INDEX receipts_payer_odd ON receipts (customer_id) WHERE payer_name <> '' AND NOT ((payer_key GLOB '[a-z0-9一-龥][a-z0-9一-龥][a-z0-9一-龥][a-z0-9一-龥]*' OR payer_key GLOB '[a-z0-9一-龥][a-z0-9一-龥][a-z0-9一-龥]' OR payer_key GLOB '[a-z0-9一-龥][a-z0-9一-龥]' OR payer_key GLOB '[a-z0-9一-龥]') AND payer_key NOT GLOB 'the*' AND instr(substr(payer_key, 1, 4), '股') = 0 AND instr(substr(payer_key, 1, 4), '有') = 0);
