-- 0004 interactions: meetings, calls, tasks, notes and emails with
-- customers, their attendees, and the secret calendar feeds of staff users.
--
-- The conventions of 0001 hold (UUIDv7 text ids, RFC 3339 text instants
-- with milliseconds and `Z` that sort as text, STRICT tables).
-- `customers.last_interaction` (from 0002) is maintained by the store in the
-- transaction of every interaction write: the start of the customer's latest
-- completed interaction, else of its latest interaction that is not
-- cancelled, else NULL.

-- Interactions. Every interaction names one customer for good: customers
-- are erased, never deleted, so the reference always holds.
CREATE TABLE interactions (
    id           TEXT NOT NULL PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    kind         TEXT NOT NULL CHECK (kind IN ('meeting', 'call', 'task', 'note', 'email')),
    -- The start, in UTC.
    date_time    TEXT NOT NULL,
    -- The end, in UTC; NULL for an interaction without length (it occupies
    -- its start instant).
    end_time     TEXT CHECK (end_time IS NULL OR end_time >= date_time),
    -- The IANA zone it was planned in (Europe/Berlin).
    time_zone    TEXT NOT NULL,
    location     TEXT,
    meeting_url  TEXT,
    description  TEXT NOT NULL,
    outcome      TEXT,
    -- Deleting a staff user leaves its interactions without organizer.
    organizer_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    status       TEXT NOT NULL
                 CHECK (status IN ('scheduled', 'completed', 'cancelled', 'no_show')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    -- Raised by every change (optimistic concurrency, the HTTP ETag).
    version      INTEGER NOT NULL CHECK (version >= 1)
) STRICT;

-- A customer's interactions in time order (its history, last_interaction,
-- the list filtered by customer; it also serves the foreign key).
CREATE INDEX interactions_by_customer ON interactions (customer_id, date_time, id);
-- An organizer's calendar and the overlap check.
CREATE INDEX interactions_by_organizer ON interactions (organizer_id, date_time, id);
-- The unfiltered list, keyset-paginated on (date_time, id).
CREATE INDEX interactions_by_date_time ON interactions (date_time, id);
CREATE INDEX interactions_by_status ON interactions (status);
CREATE INDEX interactions_by_kind ON interactions (kind);

-- The participants besides the organizer, in the order given: a staff user
-- or an outside email address, never both. Deleting a staff user removes it
-- from the interactions it attends.
CREATE TABLE interaction_attendees (
    interaction_id TEXT NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL CHECK (position >= 0),
    user_id        TEXT REFERENCES users (id) ON DELETE CASCADE,
    email          TEXT,
    CHECK ((user_id IS NULL) <> (email IS NULL)),
    PRIMARY KEY (interaction_id, position)
) STRICT, WITHOUT ROWID;

-- The interactions a staff user attends (its calendar).
CREATE INDEX interaction_attendees_by_user ON interaction_attendees (user_id, interaction_id);

-- One secret calendar feed per staff user. Only the hash of the feed's
-- token is stored, never the token; a new token replaces the old one.
CREATE TABLE calendar_feeds (
    user_id    TEXT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
