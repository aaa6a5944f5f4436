-- 0001 identity: staff users, the seed of the customer record, sign-in
-- credentials and refresh-token sessions.
--
-- Conventions every migration follows:
-- * ids are the kernel's UUIDv7 text (36 characters, lower-case, hyphenated);
-- * instants are TEXT in the kernel's RFC 3339 form with milliseconds and a
--   `Z` suffix (2026-11-25T09:28:06.123Z): they compare and sort as text;
-- * tables are STRICT, so a value of the wrong type is refused, not coerced;
-- * a `*_sort` or `*_key` column holds a lower-cased copy of a text that
--   lists sort by or that must be unique regardless of case; the store
--   computes it from the domain value, never SQL's ASCII-only lower().

-- Staff users (admins and agents).
CREATE TABLE users (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    name_sort  TEXT NOT NULL,
    email      TEXT NOT NULL,
    email_sort TEXT NOT NULL,
    phone      TEXT,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    status     TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    notes      TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- One index per sort of the user list; `id` breaks ties (keyset pagination).
CREATE INDEX users_by_name ON users (name_sort, id);
CREATE INDEX users_by_email ON users (email_sort, id);
CREATE INDEX users_by_created_at ON users (created_at, id);
CREATE INDEX users_by_updated_at ON users (updated_at, id);
-- Counting active admins (the last-active-admin guard).
CREATE INDEX users_by_role_status ON users (role, status);

-- Companies whose customers a user works with. No foreign key to companies:
-- that table arrives with the customers context.
CREATE TABLE user_companies (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id TEXT NOT NULL,
    -- Keeps the order in which the companies were given.
    position   INTEGER NOT NULL,
    PRIMARY KEY (user_id, company_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX user_companies_by_company ON user_companies (company_id);

-- The seed of the customer record; the customers context adds to it. A
-- customer entered by staff may have no email yet, so email is optional
-- here; a customer who signs up always has one (and a credential).
CREATE TABLE customers (
    id         TEXT NOT NULL PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    email      TEXT,
    email_key  TEXT UNIQUE,
    phone      TEXT,
    status     TEXT NOT NULL DEFAULT 'lead'
               CHECK (status IN ('lead', 'prospect', 'customer', 'churned')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((email IS NULL) = (email_key IS NULL))
) STRICT;

-- Sign-in credentials: one row per principal, a staff user or a customer.
-- `email_key` (EmailAddress::key, lower-cased) is unique across both, so no
-- email signs in to two accounts.
CREATE TABLE credentials (
    user_id       TEXT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    customer_id   TEXT UNIQUE REFERENCES customers (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (customer_id IS NULL))
) STRICT;

-- Refresh-token sessions. Only the hash of a token is stored, never the token.
-- The principal has no foreign key (it is a user or a customer); deleting a
-- principal deletes its sessions explicitly.
CREATE TABLE refresh_sessions (
    id             TEXT NOT NULL PRIMARY KEY,
    family_id      TEXT NOT NULL,
    principal_kind TEXT NOT NULL CHECK (principal_kind IN ('user', 'customer')),
    principal_id   TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    rotated_at     TEXT,
    revoked_at     TEXT
) STRICT;

CREATE INDEX refresh_sessions_by_family ON refresh_sessions (family_id);
CREATE INDEX refresh_sessions_by_principal ON refresh_sessions (principal_kind, principal_id);
