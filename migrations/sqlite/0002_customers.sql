-- 0002 customers: companies, the full customer record, tags, the status
-- history and the full-text index of the customer list.
--
-- The conventions of 0001 hold. The store computes `*_sort` and `*_key`
-- columns from the domain values (Unicode lower-casing); the backfills below
-- use SQL's ASCII-only lower() for rows that existed before this migration,
-- and the store rewrites a row's keys whenever it writes the row.

-- Companies: the organisations customers belong to.
CREATE TABLE companies (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    name_sort  TEXT NOT NULL,
    address    TEXT,
    phone      TEXT,
    website    TEXT,
    notes      TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
) STRICT;

-- One index per sort of the company list; `id` breaks ties (keyset pagination).
CREATE INDEX companies_by_name ON companies (name_sort, id);
CREATE INDEX companies_by_created_at ON companies (created_at, id);
CREATE INDEX companies_by_updated_at ON companies (updated_at, id);

-- The rest of the customer record. A column with a REFERENCES clause can only
-- be added with a NULL default, which is what these are.
ALTER TABLE customers ADD COLUMN company_id TEXT REFERENCES companies (id);
ALTER TABLE customers ADD COLUMN notes TEXT;
-- Deleting a staff user leaves its customers without an owner.
ALTER TABLE customers ADD COLUMN owner_id TEXT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE customers ADD COLUMN source TEXT;
ALTER TABLE customers ADD COLUMN last_interaction TEXT;
-- Raised by every change (optimistic concurrency, the HTTP ETag).
ALTER TABLE customers ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
-- Set when the customer's personal data was erased; the row stays as an
-- anonymised tombstone (status, company, dates, status history) for reports.
ALTER TABLE customers ADD COLUMN erased_at TEXT;
-- "last first", lower-cased: the name sort of the customer list. NOT NULL
-- (with a default only to allow adding the column) so that keyset
-- comparisons never meet a NULL.
ALTER TABLE customers ADD COLUMN name_sort TEXT NOT NULL DEFAULT '';

UPDATE customers SET name_sort = lower(last_name || ' ' || first_name);

-- One index per filter and sort of the customer list, each ending in `id`
-- (the tie-breaker of keyset pagination).
CREATE INDEX customers_by_status ON customers (status, id);
CREATE INDEX customers_by_company ON customers (company_id, id);
CREATE INDEX customers_by_owner ON customers (owner_id, id);
CREATE INDEX customers_by_created_at ON customers (created_at, id);
CREATE INDEX customers_by_updated_at ON customers (updated_at, id);
-- Customers without an interaction sort first ascending, last descending.
CREATE INDEX customers_by_last_interaction ON customers (coalesce(last_interaction, ''), id);
CREATE INDEX customers_by_name ON customers (name_sort, id);

-- Labels, stored lower-cased (the domain's Tag).
CREATE TABLE customer_tags (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
) STRICT, WITHOUT ROWID;

CREATE INDEX customer_tags_by_tag ON customer_tags (tag, customer_id);

-- Every change of a customer's lifecycle status, written in the transaction
-- of the change. Append-only: conversion reports read it, so the triggers
-- below refuse to rewrite or delete it. No ON DELETE action: customers are
-- erased, never deleted.
CREATE TABLE customer_status_changes (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    from_status TEXT CHECK (from_status IN ('lead', 'prospect', 'customer', 'churned')),
    to_status   TEXT NOT NULL CHECK (to_status IN ('lead', 'prospect', 'customer', 'churned')),
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('user', 'customer')),
    actor_id    TEXT NOT NULL
) STRICT;

CREATE INDEX customer_status_changes_by_customer ON customer_status_changes (customer_id, at, id);

CREATE TRIGGER customer_status_changes_are_not_updated
BEFORE UPDATE ON customer_status_changes
BEGIN
    SELECT RAISE(ABORT, 'customer_status_changes is append-only');
END;

CREATE TRIGGER customer_status_changes_are_not_deleted
BEFORE DELETE ON customer_status_changes
BEGIN
    SELECT RAISE(ABORT, 'customer_status_changes is append-only');
END;

-- The existing customers' history starts with their current status, set by
-- themselves when they signed up.
INSERT INTO customer_status_changes (customer_id, from_status, to_status, at, actor_kind, actor_id)
SELECT id, NULL, status, created_at, 'customer', id FROM customers ORDER BY created_at, id;

-- Full-text search of the customer list: names, email, phone (E.164 and its
-- bare digits), the company's current name and the notes of every customer
-- that is not erased.
--
-- * The table keeps its own copy of the indexed text, deleted with the row.
-- * `secure-delete` (below) makes a deleted row leave no trace in the index:
--   its terms are removed from the index pages, not just marked deleted, so
--   an erased customer's data is gone from the index as it is from its row.
--   (A contentless table with contentless_delete would only add tombstones.)
-- * The FTS rowid is the rowid of the customer's row. `customers` has no
--   INTEGER PRIMARY KEY, but it has indexes, and VACUUM copies the rowids of
--   such tables unchanged.
-- * Triggers keep it in sync: the store never writes it.
CREATE VIRTUAL TABLE customers_fts USING fts5 (
    first_name,
    last_name,
    email,
    phone,
    phone_digits,
    company,
    notes,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

INSERT INTO customers_fts (customers_fts, rank) VALUES ('secure-delete', 1);

INSERT INTO customers_fts (rowid, first_name, last_name, email, phone, phone_digits, company, notes)
SELECT c.rowid, c.first_name, c.last_name, c.email, c.phone, replace(c.phone, '+', ''),
       NULL, c.notes
FROM customers c
WHERE c.erased_at IS NULL;

CREATE TRIGGER customers_fts_on_insert
AFTER INSERT ON customers
WHEN new.erased_at IS NULL
BEGIN
    INSERT INTO customers_fts (rowid, first_name, last_name, email, phone, phone_digits, company, notes)
    VALUES (new.rowid, new.first_name, new.last_name, new.email, new.phone,
            replace(new.phone, '+', ''),
            (SELECT co.name FROM companies co WHERE co.id = new.company_id), new.notes);
END;

-- Rewrites the row only when an indexed value changed (the store's updates
-- set every column).
CREATE TRIGGER customers_fts_on_update
AFTER UPDATE OF first_name, last_name, email, phone, company_id, notes, erased_at ON customers
WHEN old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name
  OR old.email IS NOT new.email OR old.phone IS NOT new.phone
  OR old.company_id IS NOT new.company_id OR old.notes IS NOT new.notes
  OR old.erased_at IS NOT new.erased_at
BEGIN
    DELETE FROM customers_fts WHERE rowid = old.rowid;
    INSERT INTO customers_fts (rowid, first_name, last_name, email, phone, phone_digits, company, notes)
    SELECT new.rowid, new.first_name, new.last_name, new.email, new.phone,
           replace(new.phone, '+', ''),
           (SELECT co.name FROM companies co WHERE co.id = new.company_id), new.notes
    WHERE new.erased_at IS NULL;
END;

CREATE TRIGGER customers_fts_on_delete
AFTER DELETE ON customers
BEGIN
    DELETE FROM customers_fts WHERE rowid = old.rowid;
END;

-- A renamed company's customers are found by the new name at once.
CREATE TRIGGER customers_fts_on_company_rename
AFTER UPDATE OF name ON companies
WHEN new.name IS NOT old.name
BEGIN
    DELETE FROM customers_fts
    WHERE rowid IN (SELECT c.rowid FROM customers c
                    WHERE c.company_id = new.id AND c.erased_at IS NULL);
    INSERT INTO customers_fts (rowid, first_name, last_name, email, phone, phone_digits, company, notes)
    SELECT c.rowid, c.first_name, c.last_name, c.email, c.phone, replace(c.phone, '+', ''),
           new.name, c.notes
    FROM customers c
    WHERE c.company_id = new.id AND c.erased_at IS NULL;
END;
