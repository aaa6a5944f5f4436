-- 0007 report counters: what reports read instead of every record
-- (ADR 0012). Email figures read the recipients sent to in the range
-- through an index instead (the last index below the grains).
--
-- * Counters per UTC day and per UTC hour. A bucket is 'd' || 'YYYY-MM-DD'
--   or 'h' || 'YYYY-MM-DDTHH' (the first 10 or 13 characters of the RFC 3339
--   instants of 0001's convention), so one index range reads the days or the
--   hours of a span and never both.
-- * Counters are kept per the customer's CURRENT owner and company
--   (`owner_key`, `company_key`: the id, '' for none), as visibility judges
--   them; interactions also have totals over every customer, for reports
--   without a filter.
-- * The triggers below keep them in the transaction of every write that
--   changes them, whichever code path writes; the INSERTs at the end count
--   the records that exist when this migration runs. A counter may go back
--   to 0 and stay as a row; it adds nothing.
-- * Each fact has one definition, a view (`report_*_facts`), that the
--   backfill, the triggers and the recount tests share.

-- The two grains and the length of their bucket prefix of an instant.
CREATE TABLE report_grains (
    grain TEXT NOT NULL PRIMARY KEY,
    len   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO report_grains (grain, len) VALUES ('d', 10), ('h', 13);

-- Indexes the exact slices (under an hour) and the recounts range over.
CREATE INDEX ticket_events_by_at ON ticket_events (at);
CREATE INDEX tickets_by_first_response_at ON tickets (first_response_at)
    WHERE first_response_at IS NOT NULL;
CREATE INDEX customer_status_changes_by_at ON customer_status_changes (at);
-- Email figures are an indexed aggregation over the recipients sent to in
-- a range (and their events, by recipient), not counters.
CREATE INDEX email_recipients_by_sent_at ON email_recipients (sent_at)
    WHERE sent_at IS NOT NULL;

-- Facts ------------------------------------------------------------------

-- Seconds between two instants, in whole minutes cut to four significant
-- digits (crm_analytics::duration::bucket_of), for the duration histograms.
CREATE VIEW report_ticket_duration_facts AS
SELECT f.ticket_id, f.event_id, f.customer_id, f.measure, f.at,
       CASE WHEN f.m < 10000 THEN f.m
            WHEN f.m < 100000 THEN f.m / 10 * 10
            WHEN f.m < 1000000 THEN f.m / 100 * 100
            WHEN f.m < 10000000 THEN f.m / 1000 * 1000
            ELSE f.m / 10000 * 10000 END AS minutes
FROM (
    SELECT t.id AS ticket_id, NULL AS event_id, t.customer_id, 'first_response' AS measure,
           t.first_response_at AS at,
           max(0, CAST(round((julianday(t.first_response_at) - julianday(t.created_at)) * 86400000.0)
                       AS INTEGER)) / 60000 AS m
    FROM tickets t WHERE t.first_response_at IS NOT NULL
    UNION ALL
    SELECT e.ticket_id, e.id, t.customer_id, 'resolution', e.at,
           max(0, CAST(round((julianday(e.at) - julianday(t.created_at)) * 86400000.0)
                       AS INTEGER)) / 60000
    FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.to_status = 'resolved'
) f;

-- Tickets raised (at their creation) and resolutions and reopenings (at the event).
CREATE VIEW report_ticket_flow_facts AS
SELECT t.id AS ticket_id, NULL AS event_id, t.customer_id, t.created_at AS at,
       1 AS opened, 0 AS resolved, 0 AS reopened
FROM tickets t
UNION ALL
SELECT e.ticket_id, e.id, t.customer_id, e.at, 0,
       e.to_status = 'resolved', e.to_status = 'reopened'
FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
WHERE e.to_status IN ('resolved', 'reopened');

-- Customers created (their first status change), won (a later change to
-- customer) and churned (a later change to churned).
CREATE VIEW report_customer_facts AS
SELECT s.id AS change_id, s.customer_id, s.at,
       s.from_status IS NULL AS created,
       s.from_status IS NOT NULL AND s.to_status = 'customer' AS won,
       s.from_status IS NOT NULL AND s.to_status = 'churned' AS churned
FROM customer_status_changes s;

-- Counters ---------------------------------------------------------------

CREATE TABLE report_interactions (
    bucket      TEXT NOT NULL,
    owner_key   TEXT NOT NULL,
    company_key TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (bucket, owner_key, company_key, kind, status)
) STRICT;
CREATE INDEX report_interactions_by_owner ON report_interactions (owner_key, bucket);
CREATE INDEX report_interactions_by_company ON report_interactions (company_key, bucket);

CREATE TABLE report_interaction_totals (
    bucket TEXT NOT NULL,
    kind   TEXT NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (bucket, kind, status)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_tickets (
    bucket      TEXT NOT NULL,
    owner_key   TEXT NOT NULL,
    company_key TEXT NOT NULL,
    opened      INTEGER NOT NULL,
    resolved    INTEGER NOT NULL,
    reopened    INTEGER NOT NULL,
    PRIMARY KEY (bucket, owner_key, company_key)
) STRICT;
CREATE INDEX report_tickets_by_owner ON report_tickets (owner_key, bucket);
CREATE INDEX report_tickets_by_company ON report_tickets (company_key, bucket);

CREATE TABLE report_ticket_durations (
    bucket      TEXT NOT NULL,
    owner_key   TEXT NOT NULL,
    company_key TEXT NOT NULL,
    measure     TEXT NOT NULL CHECK (measure IN ('first_response', 'resolution')),
    minutes     INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (bucket, owner_key, company_key, measure, minutes)
) STRICT;
CREATE INDEX report_ticket_durations_by_owner ON report_ticket_durations (owner_key, bucket);
CREATE INDEX report_ticket_durations_by_company ON report_ticket_durations (company_key, bucket);

CREATE TABLE report_customers (
    bucket      TEXT NOT NULL,
    owner_key   TEXT NOT NULL,
    company_key TEXT NOT NULL,
    created     INTEGER NOT NULL,
    won         INTEGER NOT NULL,
    churned     INTEGER NOT NULL,
    PRIMARY KEY (bucket, owner_key, company_key)
) STRICT;
CREATE INDEX report_customers_by_owner ON report_customers (owner_key, bucket);
CREATE INDEX report_customers_by_company ON report_customers (company_key, bucket);

-- One row per lead journey: a change to lead, the change to prospect right
-- after it, and the change to customer right after that (when they
-- happened). Conversion and the funnel read the journeys that touch a
-- range; `coalesce(prospect_at, '~')` is the end of being a lead.
CREATE TABLE report_journeys (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    lead_at     TEXT NOT NULL,
    prospect_at TEXT,
    customer_at TEXT
) STRICT;
CREATE INDEX report_journeys_by_customer ON report_journeys (customer_id, id);
CREATE INDEX report_journeys_by_lead_end ON report_journeys (coalesce(prospect_at, '~'), lead_at);

-- Triggers ---------------------------------------------------------------

-- An interaction counts at its start, with its kind and status; an update
-- of any of them (or of its customer) moves it.
CREATE TRIGGER report_interactions_on_insert
AFTER INSERT ON interactions
BEGIN
    INSERT INTO report_interactions (bucket, owner_key, company_key, kind, status, n)
    SELECT g.grain || substr(new.date_time, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), new.kind, new.status, 1
    FROM report_grains g, customers c WHERE c.id = new.customer_id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO report_interaction_totals (bucket, kind, status, n)
    SELECT g.grain || substr(new.date_time, 1, g.len), new.kind, new.status, 1
    FROM report_grains g WHERE true
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER report_interactions_on_update
AFTER UPDATE OF customer_id, kind, status, date_time ON interactions
WHEN old.customer_id IS NOT new.customer_id OR old.kind IS NOT new.kind
  OR old.status IS NOT new.status OR old.date_time IS NOT new.date_time
BEGIN
    INSERT INTO report_interactions (bucket, owner_key, company_key, kind, status, n)
    SELECT g.grain || substr(x.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), x.kind, x.status, x.n
    FROM (SELECT old.customer_id AS customer_id, old.date_time AS at, old.kind AS kind,
                 old.status AS status, -1 AS n
          UNION ALL
          SELECT new.customer_id, new.date_time, new.kind, new.status, 1) x
    JOIN customers c ON c.id = x.customer_id
    JOIN report_grains g
    WHERE true
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO report_interaction_totals (bucket, kind, status, n)
    SELECT g.grain || substr(x.at, 1, g.len), x.kind, x.status, x.n
    FROM (SELECT old.date_time AS at, old.kind AS kind, old.status AS status, -1 AS n
          UNION ALL
          SELECT new.date_time, new.kind, new.status, 1) x
    JOIN report_grains g
    WHERE true
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- A ticket counts as opened at its creation; its first response (set once)
-- adds to the first-response histogram.
CREATE TRIGGER report_tickets_on_insert
AFTER INSERT ON tickets
BEGIN
    INSERT INTO report_tickets (bucket, owner_key, company_key, opened, resolved, reopened)
    SELECT g.grain || substr(new.created_at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), 1, 0, 0
    FROM report_grains g, customers c WHERE c.id = new.customer_id
    ON CONFLICT DO UPDATE SET opened = opened + excluded.opened;
    INSERT INTO report_ticket_durations (bucket, owner_key, company_key, measure, minutes, n)
    SELECT g.grain || substr(f.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), f.measure, f.minutes, 1
    FROM report_ticket_duration_facts f
    JOIN customers c ON c.id = f.customer_id
    JOIN report_grains g
    WHERE f.ticket_id = new.id AND f.measure = 'first_response'
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER report_tickets_on_first_response
AFTER UPDATE OF first_response_at ON tickets
WHEN old.first_response_at IS NOT new.first_response_at
BEGIN
    -- Takes back the old response (the domain sets it once; this keeps the
    -- counters right if it ever changed), then adds the current one.
    INSERT INTO report_ticket_durations (bucket, owner_key, company_key, measure, minutes, n)
    SELECT g.grain || substr(old.first_response_at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), 'first_response',
           (SELECT CASE WHEN m < 10000 THEN m WHEN m < 100000 THEN m / 10 * 10
                        WHEN m < 1000000 THEN m / 100 * 100
                        WHEN m < 10000000 THEN m / 1000 * 1000 ELSE m / 10000 * 10000 END
            FROM (SELECT max(0, CAST(round((julianday(old.first_response_at)
                    - julianday(old.created_at)) * 86400000.0) AS INTEGER)) / 60000 AS m)),
           -1
    FROM report_grains g, customers c
    WHERE old.first_response_at IS NOT NULL AND c.id = old.customer_id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO report_ticket_durations (bucket, owner_key, company_key, measure, minutes, n)
    SELECT g.grain || substr(f.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), f.measure, f.minutes, 1
    FROM report_ticket_duration_facts f
    JOIN customers c ON c.id = f.customer_id
    JOIN report_grains g
    WHERE f.ticket_id = new.id AND f.measure = 'first_response'
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- Resolutions and reopenings count at their event; a resolution also adds
-- the time from raising to the resolution histogram.
CREATE TRIGGER report_ticket_events_on_insert
AFTER INSERT ON ticket_events
WHEN new.to_status IN ('resolved', 'reopened')
BEGIN
    INSERT INTO report_tickets (bucket, owner_key, company_key, opened, resolved, reopened)
    SELECT g.grain || substr(new.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), 0, new.to_status = 'resolved', new.to_status = 'reopened'
    FROM report_grains g, tickets t JOIN customers c ON c.id = t.customer_id
    WHERE t.id = new.ticket_id
    ON CONFLICT DO UPDATE SET resolved = resolved + excluded.resolved,
                              reopened = reopened + excluded.reopened;
    INSERT INTO report_ticket_durations (bucket, owner_key, company_key, measure, minutes, n)
    SELECT g.grain || substr(f.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), f.measure, f.minutes, 1
    FROM report_ticket_duration_facts f
    JOIN customers c ON c.id = f.customer_id
    JOIN report_grains g
    WHERE f.event_id = new.id AND f.measure = 'resolution'
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- Every status change: created, won, churned; and the lead journeys.
CREATE TRIGGER report_status_changes_on_insert
AFTER INSERT ON customer_status_changes
BEGIN
    INSERT INTO report_customers (bucket, owner_key, company_key, created, won, churned)
    SELECT g.grain || substr(f.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), f.created, f.won, f.churned
    FROM report_customer_facts f
    JOIN customers c ON c.id = f.customer_id
    JOIN report_grains g
    WHERE f.change_id = new.id AND (f.created OR f.won OR f.churned)
    ON CONFLICT DO UPDATE SET created = created + excluded.created, won = won + excluded.won,
                              churned = churned + excluded.churned;
    INSERT INTO report_journeys (customer_id, lead_at)
    SELECT new.customer_id, new.at WHERE new.to_status = 'lead';
    UPDATE report_journeys SET prospect_at = new.at
    WHERE new.to_status = 'prospect' AND new.from_status = 'lead' AND prospect_at IS NULL
      AND id = (SELECT max(id) FROM report_journeys WHERE customer_id = new.customer_id);
    UPDATE report_journeys SET customer_at = new.at
    WHERE new.to_status = 'customer' AND new.from_status = 'prospect'
      AND prospect_at IS NOT NULL AND customer_at IS NULL
      AND id = (SELECT max(id) FROM report_journeys WHERE customer_id = new.customer_id);
END;

-- A customer's new owner or company takes its counts along.
CREATE TRIGGER report_counts_follow_the_customer
AFTER UPDATE OF owner_id, company_id ON customers
WHEN old.owner_id IS NOT new.owner_id OR old.company_id IS NOT new.company_id
BEGIN
    INSERT INTO report_interactions (bucket, owner_key, company_key, kind, status, n)
    SELECT g.grain || substr(i.date_time, 1, g.len), k.owner_key, k.company_key,
           i.kind, i.status, sum(k.sign)
    FROM interactions i, report_grains g,
         (SELECT coalesce(old.owner_id, '') AS owner_key,
                 coalesce(old.company_id, '') AS company_key, -1 AS sign
          UNION ALL
          SELECT coalesce(new.owner_id, ''), coalesce(new.company_id, ''), 1) k
    WHERE i.customer_id = new.id
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO report_tickets (bucket, owner_key, company_key, opened, resolved, reopened)
    SELECT g.grain || substr(f.at, 1, g.len), k.owner_key, k.company_key,
           sum(k.sign * f.opened), sum(k.sign * f.resolved), sum(k.sign * f.reopened)
    FROM report_ticket_flow_facts f, report_grains g,
         (SELECT coalesce(old.owner_id, '') AS owner_key,
                 coalesce(old.company_id, '') AS company_key, -1 AS sign
          UNION ALL
          SELECT coalesce(new.owner_id, ''), coalesce(new.company_id, ''), 1) k
    WHERE f.customer_id = new.id
    GROUP BY 1, 2, 3
    ON CONFLICT DO UPDATE SET opened = opened + excluded.opened,
                              resolved = resolved + excluded.resolved,
                              reopened = reopened + excluded.reopened;
    INSERT INTO report_ticket_durations (bucket, owner_key, company_key, measure, minutes, n)
    SELECT g.grain || substr(f.at, 1, g.len), k.owner_key, k.company_key,
           f.measure, f.minutes, sum(k.sign)
    FROM report_ticket_duration_facts f, report_grains g,
         (SELECT coalesce(old.owner_id, '') AS owner_key,
                 coalesce(old.company_id, '') AS company_key, -1 AS sign
          UNION ALL
          SELECT coalesce(new.owner_id, ''), coalesce(new.company_id, ''), 1) k
    WHERE f.customer_id = new.id
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO report_customers (bucket, owner_key, company_key, created, won, churned)
    SELECT g.grain || substr(f.at, 1, g.len), k.owner_key, k.company_key,
           sum(k.sign * f.created), sum(k.sign * f.won), sum(k.sign * f.churned)
    FROM report_customer_facts f, report_grains g,
         (SELECT coalesce(old.owner_id, '') AS owner_key,
                 coalesce(old.company_id, '') AS company_key, -1 AS sign
          UNION ALL
          SELECT coalesce(new.owner_id, ''), coalesce(new.company_id, ''), 1) k
    WHERE f.customer_id = new.id AND (f.created OR f.won OR f.churned)
    GROUP BY 1, 2, 3
    ON CONFLICT DO UPDATE SET created = created + excluded.created, won = won + excluded.won,
                              churned = churned + excluded.churned;
END;

-- Backfill: the records that exist now -------------------------------------

INSERT INTO report_interactions (bucket, owner_key, company_key, kind, status, n)
SELECT g.grain || substr(i.date_time, 1, g.len), coalesce(c.owner_id, ''),
       coalesce(c.company_id, ''), i.kind, i.status, count(*)
FROM interactions i JOIN customers c ON c.id = i.customer_id, report_grains g
WHERE true
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO report_interaction_totals (bucket, kind, status, n)
SELECT g.grain || substr(i.date_time, 1, g.len), i.kind, i.status, count(*)
FROM interactions i, report_grains g
WHERE true
GROUP BY 1, 2, 3;

INSERT INTO report_tickets (bucket, owner_key, company_key, opened, resolved, reopened)
SELECT g.grain || substr(f.at, 1, g.len), coalesce(c.owner_id, ''),
       coalesce(c.company_id, ''), sum(f.opened), sum(f.resolved), sum(f.reopened)
FROM report_ticket_flow_facts f JOIN customers c ON c.id = f.customer_id, report_grains g
WHERE true
GROUP BY 1, 2, 3;

INSERT INTO report_ticket_durations (bucket, owner_key, company_key, measure, minutes, n)
SELECT g.grain || substr(f.at, 1, g.len), coalesce(c.owner_id, ''),
       coalesce(c.company_id, ''), f.measure, f.minutes, count(*)
FROM report_ticket_duration_facts f JOIN customers c ON c.id = f.customer_id, report_grains g
WHERE true
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO report_customers (bucket, owner_key, company_key, created, won, churned)
SELECT g.grain || substr(f.at, 1, g.len), coalesce(c.owner_id, ''),
       coalesce(c.company_id, ''), sum(f.created), sum(f.won), sum(f.churned)
FROM report_customer_facts f JOIN customers c ON c.id = f.customer_id, report_grains g
WHERE f.created OR f.won OR f.churned
GROUP BY 1, 2, 3;

-- A journey per change to lead, with the two changes right after it (in
-- the order of the history: instant, then id).
INSERT INTO report_journeys (customer_id, lead_at, prospect_at, customer_at)
SELECT customer_id, at,
       CASE WHEN next1 = 'prospect' THEN at1 END,
       CASE WHEN next1 = 'prospect' AND next2 = 'customer' THEN at2 END
FROM (
    SELECT customer_id, to_status, at,
           lead(to_status, 1) OVER w AS next1, lead(at, 1) OVER w AS at1,
           lead(to_status, 2) OVER w AS next2, lead(at, 2) OVER w AS at2
    FROM customer_status_changes
    WINDOW w AS (PARTITION BY customer_id ORDER BY at, id)
)
WHERE to_status = 'lead'
ORDER BY at, customer_id;
