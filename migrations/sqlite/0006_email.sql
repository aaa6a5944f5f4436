-- The email context: messages and their recipients (the outbox), events
-- (tracking hits, replies, bounces, opt-outs), inbound mail, the
-- suppression list, templates and idempotency keys of sending.
--
-- Instants are RFC 3339 text in UTC with milliseconds, which sorts like
-- the instants. Addresses are kept as written and compared by their key
-- (lower case).

-- One message as written: sender, content, template, due time.
CREATE TABLE emails (
    id             TEXT NOT NULL PRIMARY KEY,
    from_name      TEXT,
    from_address   TEXT NOT NULL,
    -- The staff user who sent it; no foreign key: the message outlives a
    -- deleted user.
    sender_id      TEXT NOT NULL,
    subject        TEXT NOT NULL,
    text_body      TEXT NOT NULL,
    html_body      TEXT NOT NULL,
    html_generated INTEGER NOT NULL CHECK (html_generated IN (0, 1)),
    -- No foreign key: a deleted template leaves its messages as they were.
    template_id    TEXT,
    send_at        TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

CREATE INDEX emails_by_created ON emails (created_at, id);
CREATE INDEX emails_by_sender ON emails (sender_id, created_at, id);

-- One recipient of a message: the unit that is sent, tracked and bounced.
CREATE TABLE email_recipients (
    id                  TEXT NOT NULL PRIMARY KEY,
    email_id            TEXT NOT NULL REFERENCES emails (id),
    -- The order the recipients were given in.
    position            INTEGER NOT NULL,
    address             TEXT NOT NULL,
    address_key         TEXT NOT NULL,
    customer_id         TEXT REFERENCES customers (id),
    message_id          TEXT NOT NULL UNIQUE,
    -- Its own rendering of a template (all NULL: the message's content).
    subject             TEXT,
    text_body           TEXT,
    html_body           TEXT,
    html_generated      INTEGER CHECK (html_generated IN (0, 1)),
    status              TEXT NOT NULL
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced')),
    attempts            INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at     TEXT NOT NULL,
    lease_worker        TEXT,
    lease_until         TEXT,
    error_detail        TEXT,
    error_code          INTEGER,
    error_enhanced      TEXT,
    error_text          TEXT,
    accepted_code       INTEGER,
    accepted_enhanced   TEXT,
    accepted_text       TEXT,
    sent_at             TEXT,
    failed_at           TEXT,
    bounced_at          TEXT,
    updated_at          TEXT NOT NULL,
    CHECK ((status = 'sending') = (lease_worker IS NOT NULL AND lease_until IS NOT NULL)),
    UNIQUE (email_id, position)
) STRICT;

-- The outbox: what is due (queued) and whose lease runs out (sending).
CREATE INDEX email_recipients_due ON email_recipients (next_attempt_at, id)
    WHERE status = 'queued';
CREATE INDEX email_recipients_leased ON email_recipients (lease_until, id)
    WHERE status = 'sending';
CREATE INDEX email_recipients_by_customer ON email_recipients (customer_id, email_id);
CREATE INDEX email_recipients_by_status ON email_recipients (status, email_id);

-- What happened to a recipient's copy. Hits (opened, clicked, honeypot)
-- carry their classification and a `minute` (milliseconds since the epoch
-- divided by 60 000): at most one hit per recipient, kind, link and minute.
CREATE TABLE email_events (
    id                     TEXT NOT NULL PRIMARY KEY,
    email_id               TEXT NOT NULL REFERENCES emails (id),
    recipient_id           TEXT NOT NULL REFERENCES email_recipients (id),
    customer_id            TEXT,
    kind                   TEXT NOT NULL CHECK (kind IN
        ('opened', 'clicked', 'honeypot', 'replied', 'soft_bounced', 'bounced', 'unsubscribed')),
    at                     TEXT NOT NULL,
    link                   INTEGER,
    url                    TEXT,
    class                  TEXT CHECK (class IN ('human', 'privacy_proxy', 'scanner')),
    -- Comma-separated reason names.
    reasons                TEXT,
    seconds_since_delivery INTEGER,
    head                   INTEGER CHECK (head IN (0, 1)),
    user_agent             TEXT,
    detail                 TEXT,
    minute                 INTEGER,
    CHECK ((minute IS NULL) = (class IS NULL))
) STRICT;

CREATE UNIQUE INDEX email_events_one_hit_a_minute
    ON email_events (recipient_id, kind, coalesce(link, -1), minute)
    WHERE minute IS NOT NULL;
CREATE INDEX email_events_by_email ON email_events (email_id, at, id);
CREATE INDEX email_events_by_recipient ON email_events (recipient_id, at);
CREATE INDEX email_events_by_customer ON email_events (customer_id, kind, at);

-- Mail posted to the inbound webhook: replies, delivery reports, and what
-- matched nothing (kept, never dropped). A gateway's retry of the same
-- message (same Message-ID) is stored once.
CREATE TABLE inbound_messages (
    id               TEXT NOT NULL PRIMARY KEY,
    received_at      TEXT NOT NULL,
    kind             TEXT NOT NULL
        CHECK (kind IN ('reply', 'hard_bounce', 'soft_bounce', 'report', 'unmatched')),
    email_id         TEXT REFERENCES emails (id),
    recipient_id     TEXT REFERENCES email_recipients (id),
    customer_id      TEXT,
    matched_by       TEXT,
    response         TEXT,
    -- The reported block of a bounce, as JSON.
    bounce           TEXT,
    message_id       TEXT UNIQUE,
    -- Newline-separated lists.
    in_reply_to      TEXT NOT NULL,
    reference_ids    TEXT NOT NULL,
    to_addresses     TEXT NOT NULL,
    from_address     TEXT,
    subject          TEXT,
    text_body        TEXT,
    sent_date        TEXT,
    -- The delivery report, as JSON.
    report           TEXT,
    raw              TEXT NOT NULL
) STRICT;

CREATE INDEX inbound_messages_by_email ON inbound_messages (email_id, received_at, id);
CREATE INDEX inbound_messages_unmatched ON inbound_messages (received_at, id)
    WHERE kind = 'unmatched';
CREATE INDEX inbound_messages_by_customer ON inbound_messages (customer_id, kind, received_at);

-- Addresses that are not written to: hard bounces and opt-outs.
CREATE TABLE email_suppressions (
    address_key  TEXT NOT NULL PRIMARY KEY,
    address      TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('hard_bounce', 'opt_out')),
    customer_id  TEXT,
    recipient_id TEXT,
    detail       TEXT,
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX email_suppressions_by_created ON email_suppressions (created_at, address_key);

-- Templates; names are unique case-insensitively.
CREATE TABLE email_templates (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    html_body  TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1)
) STRICT;

CREATE INDEX email_templates_by_name ON email_templates (name_key, id);

-- Idempotency keys of sending, one per (principal, key), written in the
-- transaction of the message they name (as for tickets).
CREATE TABLE email_idempotency (
    principal_kind TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    key            TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    email_id       TEXT NOT NULL REFERENCES emails (id),
    created_at     TEXT NOT NULL,
    PRIMARY KEY (principal_kind, principal_id, key)
) STRICT;
