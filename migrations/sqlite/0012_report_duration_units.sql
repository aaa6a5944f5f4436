-- 0012 report duration units: the duration histograms (ticket first
-- response and resolution, ADR 0012) keep about three significant digits
-- of a duration instead of four (crm_analytics::duration::bucket_of):
-- whole minutes under 1,000 minutes, then units of 10 minutes, an hour,
-- 12 hours and 5 days from 1,000, 10,000, 100,000 and 1,000,000 minutes
-- on. A percentile read back loses at most 1 %, and whole hours and days
-- stay exact.
--
-- Why: a counter row per distinct minute made a three-year report read
-- 136,000 histogram rows at the benchmark's scale (most resolutions take
-- 1,000 to 10,000 minutes, each minute its own row); these units leave
-- 53,000.
--
-- * The facts view is redefined with the new units; the triggers that read
--   it (0007, 0009) use it as it now is. The two triggers that take back an
--   old first response compute the unit themselves, so they are made anew.
-- * The histograms are counted again from the tickets and resolutions, as
--   0007 and 0009 first counted them: the old rows cannot be re-cut (a unit
--   of 720 minutes does not hold whole units of 100).

DROP VIEW report_ticket_duration_facts;

-- Seconds between two instants, in whole minutes cut to the unit of
-- crm_analytics::duration::bucket_of, for the duration histograms.
CREATE VIEW report_ticket_duration_facts AS
SELECT f.ticket_id, f.event_id, f.customer_id, f.measure, f.at,
       CASE WHEN f.m < 1000 THEN f.m
            WHEN f.m < 10000 THEN f.m / 10 * 10
            WHEN f.m < 100000 THEN f.m / 60 * 60
            WHEN f.m < 1000000 THEN f.m / 720 * 720
            ELSE f.m / 7200 * 7200 END AS minutes
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

DROP TRIGGER report_tickets_on_first_response;

CREATE TRIGGER report_tickets_on_first_response
AFTER UPDATE OF first_response_at ON tickets
WHEN old.first_response_at IS NOT new.first_response_at
BEGIN
    -- Takes back the old response (the domain sets it once; this keeps the
    -- counters right if it ever changed), then adds the current one.
    INSERT INTO report_ticket_durations (bucket, owner_key, company_key, measure, minutes, n)
    SELECT g.grain || substr(old.first_response_at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), 'first_response',
           (SELECT CASE WHEN m < 1000 THEN m WHEN m < 10000 THEN m / 10 * 10
                        WHEN m < 100000 THEN m / 60 * 60
                        WHEN m < 1000000 THEN m / 720 * 720 ELSE m / 7200 * 7200 END
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

DROP TRIGGER report_ticket_totals_on_first_response;

CREATE TRIGGER report_ticket_totals_on_first_response
AFTER UPDATE OF first_response_at ON tickets
WHEN old.first_response_at IS NOT new.first_response_at
BEGIN
    -- Takes back the old response (as report_tickets_on_first_response
    -- does), then adds the current one.
    INSERT INTO report_ticket_duration_totals (bucket, measure, minutes, n)
    SELECT g.grain || substr(old.first_response_at, 1, g.len), 'first_response',
           (SELECT CASE WHEN m < 1000 THEN m WHEN m < 10000 THEN m / 10 * 10
                        WHEN m < 100000 THEN m / 60 * 60
                        WHEN m < 1000000 THEN m / 720 * 720 ELSE m / 7200 * 7200 END
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

-- Counted again -------------------------------------------------------------

DELETE FROM report_ticket_durations;

INSERT INTO report_ticket_durations (bucket, owner_key, company_key, measure, minutes, n)
SELECT g.grain || substr(f.at, 1, g.len), coalesce(c.owner_id, ''),
       coalesce(c.company_id, ''), f.measure, f.minutes, count(*)
FROM report_ticket_duration_facts f JOIN customers c ON c.id = f.customer_id, report_grains g
WHERE true
GROUP BY 1, 2, 3, 4, 5;

DELETE FROM report_ticket_duration_totals;

INSERT INTO report_ticket_duration_totals (bucket, measure, minutes, n)
SELECT g.grain || substr(f.at, 1, g.len), f.measure, f.minutes, count(*)
FROM report_ticket_duration_facts f, report_total_grains g
WHERE true
GROUP BY 1, 2, 3;
