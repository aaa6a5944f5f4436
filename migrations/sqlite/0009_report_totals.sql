-- 0009 report totals: counters over every customer for ticket flow, ticket
-- durations and customer changes, as 0007's `report_interaction_totals` is
-- for interactions, and month buckets in every totals table (ADR 0012,
-- "Totals and months").
--
-- * A report over every customer (no owner, company or agent scope) read
--   0007's tables of rows per bucket, owner and company: close to a row per
--   ticket, resolution or status change, and the ticket backlog's lead-in
--   read every ticket counter row before the range's start. The totals
--   below have one row per bucket (flow, customers) or per bucket and
--   duration bucket (durations).
-- * Totals also count per UTC calendar month: 'm' || 'YYYY-MM' (the first 7
--   characters of an instant). 'd' < 'h' < 'm', so one index range still
--   reads one grain. A run of whole months of day buckets is read as month
--   buckets: three years by month, or the lead-in from 1970, read a row per
--   month instead of a row per day.
-- * Totals do not depend on the customer's owner or company, so a
--   reassignment does not move them; erasure keeps status and times, as in
--   0007. The triggers below run in the transaction of the write, beside
--   0007's (which they do not change); the INSERTs at the end count what
--   0007's counters hold when this migration runs.

-- The grains of the totals tables and the length of their bucket prefix.
CREATE TABLE report_total_grains (
    grain TEXT NOT NULL PRIMARY KEY,
    len   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO report_total_grains (grain, len) VALUES ('d', 10), ('h', 13), ('m', 7);

CREATE TABLE report_ticket_totals (
    bucket   TEXT NOT NULL PRIMARY KEY,
    opened   INTEGER NOT NULL,
    resolved INTEGER NOT NULL,
    reopened INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE report_ticket_duration_totals (
    bucket  TEXT NOT NULL,
    measure TEXT NOT NULL CHECK (measure IN ('first_response', 'resolution')),
    minutes INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (bucket, measure, minutes)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_customer_totals (
    bucket  TEXT NOT NULL PRIMARY KEY,
    created INTEGER NOT NULL,
    won     INTEGER NOT NULL,
    churned INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Triggers ---------------------------------------------------------------

-- Interactions: 0007's triggers keep the day and hour totals; these add
-- the month.
CREATE TRIGGER report_interaction_months_on_insert
AFTER INSERT ON interactions
BEGIN
    INSERT INTO report_interaction_totals (bucket, kind, status, n)
    VALUES ('m' || substr(new.date_time, 1, 7), new.kind, new.status, 1)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER report_interaction_months_on_update
AFTER UPDATE OF kind, status, date_time ON interactions
WHEN old.kind IS NOT new.kind OR old.status IS NOT new.status
  OR old.date_time IS NOT new.date_time
BEGIN
    INSERT INTO report_interaction_totals (bucket, kind, status, n)
    SELECT 'm' || substr(x.at, 1, 7), x.kind, x.status, x.n
    FROM (SELECT old.date_time AS at, old.kind AS kind, old.status AS status, -1 AS n
          UNION ALL
          SELECT new.date_time, new.kind, new.status, 1) x
    WHERE true
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- A ticket counts as opened at its creation; its first response (set once)
-- adds to the first-response histogram.
CREATE TRIGGER report_ticket_totals_on_insert
AFTER INSERT ON tickets
BEGIN
    INSERT INTO report_ticket_totals (bucket, opened, resolved, reopened)
    SELECT g.grain || substr(new.created_at, 1, g.len), 1, 0, 0
    FROM report_total_grains g WHERE true
    ON CONFLICT DO UPDATE SET opened = opened + excluded.opened;
    INSERT INTO report_ticket_duration_totals (bucket, measure, minutes, n)
    SELECT g.grain || substr(f.at, 1, g.len), f.measure, f.minutes, 1
    FROM report_ticket_duration_facts f, report_total_grains g
    WHERE f.ticket_id = new.id AND f.measure = 'first_response'
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER report_ticket_totals_on_first_response
AFTER UPDATE OF first_response_at ON tickets
WHEN old.first_response_at IS NOT new.first_response_at
BEGIN
    -- Takes back the old response (as 0007's trigger does), then adds the
    -- current one.
    INSERT INTO report_ticket_duration_totals (bucket, measure, minutes, n)
    SELECT g.grain || substr(old.first_response_at, 1, g.len), 'first_response',
           (SELECT CASE WHEN m < 10000 THEN m WHEN m < 100000 THEN m / 10 * 10
                        WHEN m < 1000000 THEN m / 100 * 100
                        WHEN m < 10000000 THEN m / 1000 * 1000 ELSE m / 10000 * 10000 END
            FROM (SELECT max(0, CAST(round((julianday(old.first_response_at)
                    - julianday(old.created_at)) * 86400000.0) AS INTEGER)) / 60000 AS m)),
           -1
    FROM report_total_grains g
    WHERE old.first_response_at IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO report_ticket_duration_totals (bucket, measure, minutes, n)
    SELECT g.grain || substr(f.at, 1, g.len), f.measure, f.minutes, 1
    FROM report_ticket_duration_facts f, report_total_grains g
    WHERE f.ticket_id = new.id AND f.measure = 'first_response'
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- Resolutions and reopenings count at their event; a resolution also adds
-- the time from raising to the resolution histogram.
CREATE TRIGGER report_ticket_event_totals_on_insert
AFTER INSERT ON ticket_events
WHEN new.to_status IN ('resolved', 'reopened')
BEGIN
    INSERT INTO report_ticket_totals (bucket, opened, resolved, reopened)
    SELECT g.grain || substr(new.at, 1, g.len), 0, new.to_status = 'resolved',
           new.to_status = 'reopened'
    FROM report_total_grains g WHERE true
    ON CONFLICT DO UPDATE SET resolved = resolved + excluded.resolved,
                              reopened = reopened + excluded.reopened;
    INSERT INTO report_ticket_duration_totals (bucket, measure, minutes, n)
    SELECT g.grain || substr(f.at, 1, g.len), f.measure, f.minutes, 1
    FROM report_ticket_duration_facts f, report_total_grains g
    WHERE f.event_id = new.id AND f.measure = 'resolution'
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- Every status change: created, won, churned.
CREATE TRIGGER report_customer_totals_on_insert
AFTER INSERT ON customer_status_changes
BEGIN
    INSERT INTO report_customer_totals (bucket, created, won, churned)
    SELECT g.grain || substr(f.at, 1, g.len), f.created, f.won, f.churned
    FROM report_customer_facts f, report_total_grains g
    WHERE f.change_id = new.id AND (f.created OR f.won OR f.churned)
    ON CONFLICT DO UPDATE SET created = created + excluded.created, won = won + excluded.won,
                              churned = churned + excluded.churned;
END;

-- Backfill: what 0007's counters hold ---------------------------------------

-- Days and hours: 0007's rows summed over owners and companies.
INSERT INTO report_ticket_totals (bucket, opened, resolved, reopened)
SELECT bucket, sum(opened), sum(resolved), sum(reopened)
FROM report_tickets GROUP BY bucket;

INSERT INTO report_ticket_duration_totals (bucket, measure, minutes, n)
SELECT bucket, measure, minutes, sum(n)
FROM report_ticket_durations GROUP BY bucket, measure, minutes;

INSERT INTO report_customer_totals (bucket, created, won, churned)
SELECT bucket, sum(created), sum(won), sum(churned)
FROM report_customers GROUP BY bucket;

-- Months: the days of each month.
INSERT INTO report_interaction_totals (bucket, kind, status, n)
SELECT 'm' || substr(bucket, 2, 7), kind, status, sum(n)
FROM report_interaction_totals WHERE bucket >= 'd' AND bucket < 'e'
GROUP BY 1, 2, 3;

INSERT INTO report_ticket_totals (bucket, opened, resolved, reopened)
SELECT 'm' || substr(bucket, 2, 7), sum(opened), sum(resolved), sum(reopened)
FROM report_ticket_totals WHERE bucket >= 'd' AND bucket < 'e'
GROUP BY 1;

INSERT INTO report_ticket_duration_totals (bucket, measure, minutes, n)
SELECT 'm' || substr(bucket, 2, 7), measure, minutes, sum(n)
FROM report_ticket_duration_totals WHERE bucket >= 'd' AND bucket < 'e'
GROUP BY 1, 2, 3;

INSERT INTO report_customer_totals (bucket, created, won, churned)
SELECT 'm' || substr(bucket, 2, 7), sum(created), sum(won), sum(churned)
FROM report_customer_totals WHERE bucket >= 'd' AND bucket < 'e'
GROUP BY 1;
