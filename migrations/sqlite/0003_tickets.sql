-- 0003 tickets: support tickets, their status history, comments and the
-- idempotency keys of raising.
--
-- The conventions of 0001 hold (UUIDv7 text ids, RFC 3339 text instants
-- that sort as text, STRICT tables, lower-cased copies computed by the
-- store).

-- Support tickets. A ticket names its customer for good: customers are
-- erased, never deleted, so the reference always holds (an erased
-- customer's tickets stay attached to its tombstone).
CREATE TABLE tickets (
    id                     TEXT NOT NULL PRIMARY KEY,
    customer_id            TEXT NOT NULL REFERENCES customers (id),
    subject                TEXT NOT NULL,
    issue                  TEXT NOT NULL,
    -- The subject, U+001F, then the issue, lower-cased by the store
    -- (Unicode, not SQL's ASCII-only lower()): the case-insensitive text
    -- filter of the list matches it with LIKE. Neither text can hold the
    -- separator, so a match never spans both.
    search_text            TEXT NOT NULL,
    status                 TEXT NOT NULL
                           CHECK (status IN ('open', 'in_progress', 'resolved', 'closed', 'reopened')),
    priority               TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    -- The order of priorities (low = 0 … urgent = 3): the priority sort
    -- and filter use it. Always the rank of `priority`.
    priority_rank          INTEGER NOT NULL CHECK (
                               priority_rank = CASE priority
                                   WHEN 'low' THEN 0 WHEN 'normal' THEN 1
                                   WHEN 'high' THEN 2 WHEN 'urgent' THEN 3 END),
    -- Deleting a staff user leaves its tickets unassigned.
    assignee_id            TEXT REFERENCES users (id) ON DELETE SET NULL,
    channel                TEXT NOT NULL CHECK (channel IN ('api', 'email', 'portal')),
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    first_response_at      TEXT,
    resolved_at            TEXT,
    closed_at              TEXT,
    first_response_seconds INTEGER CHECK (first_response_seconds >= 0),
    resolution_seconds     INTEGER CHECK (resolution_seconds >= 0),
    -- Raised by every change (optimistic concurrency, the HTTP ETag).
    version                INTEGER NOT NULL CHECK (version >= 1)
) STRICT;

-- One index per filter and sort of the ticket list, each ending in `id`
-- (the tie-breaker of keyset pagination). The filters most lists start
-- from (status, a customer's tickets, an assignee's queue) continue with
-- the default order, creation time; they also serve the foreign keys.
CREATE INDEX tickets_by_status ON tickets (status, created_at, id);
CREATE INDEX tickets_by_customer ON tickets (customer_id, created_at, id);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, created_at, id);
CREATE INDEX tickets_by_priority ON tickets (priority_rank, id);
CREATE INDEX tickets_by_created_at ON tickets (created_at, id);
CREATE INDEX tickets_by_updated_at ON tickets (updated_at, id);

-- Every change of a ticket's status, written in the transaction of the
-- change; `from_status` is NULL for the raising. Append-only: response and
-- resolution reports read it, so the triggers below refuse to rewrite or
-- delete it. The actor is a staff user or a customer, so it has no foreign
-- key.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id),
    from_status TEXT CHECK (from_status IN ('open', 'in_progress', 'resolved', 'closed', 'reopened')),
    to_status   TEXT NOT NULL
                CHECK (to_status IN ('open', 'in_progress', 'resolved', 'closed', 'reopened')),
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('user', 'customer')),
    actor_id    TEXT NOT NULL
) STRICT;

CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, at, id);

CREATE TRIGGER ticket_events_are_not_updated
BEFORE UPDATE ON ticket_events
BEGIN
    SELECT RAISE(ABORT, 'ticket_events is append-only');
END;

CREATE TRIGGER ticket_events_are_not_deleted
BEFORE DELETE ON ticket_events
BEGIN
    SELECT RAISE(ABORT, 'ticket_events is append-only');
END;

-- Comments on tickets; `internal` ones are staff-only notes.
CREATE TABLE ticket_comments (
    id          TEXT NOT NULL PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id),
    author_kind TEXT NOT NULL CHECK (author_kind IN ('user', 'customer')),
    author_id   TEXT NOT NULL,
    body        TEXT NOT NULL,
    internal    INTEGER NOT NULL CHECK (internal IN (0, 1)),
    created_at  TEXT NOT NULL
) STRICT;

-- A ticket's comments, oldest first (keyset pagination on (created_at, id)).
CREATE INDEX ticket_comments_by_ticket ON ticket_comments (ticket_id, created_at, id);

-- Idempotency keys of raising a ticket, per principal (a staff user or a
-- customer, so no foreign key). `fingerprint` is the SHA-256 (hex) of the
-- request's canonical text: equal requests have equal fingerprints, and the
-- issue's text is not stored a second time.
CREATE TABLE ticket_idempotency (
    principal_kind TEXT NOT NULL CHECK (principal_kind IN ('user', 'customer')),
    principal_id   TEXT NOT NULL,
    key            TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    ticket_id      TEXT NOT NULL REFERENCES tickets (id),
    created_at     TEXT NOT NULL,
    PRIMARY KEY (principal_kind, principal_id, key)
) STRICT, WITHOUT ROWID;
