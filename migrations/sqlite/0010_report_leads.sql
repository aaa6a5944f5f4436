-- 0010 report leads: conversion's lead count from counters (ADR 0012,
-- "Leads from counters").
--
-- * 0007's conversion and funnel read every journey that touches the
--   range: every customer still a lead, for any range (43,000 of the 45,000
--   journeys of a month at the `default` bench). Of the figures, only
--   `leads` needs them. A journey touches `[s, e)` when `lead_at < e` and
--   its `prospect_at` is none or at or after `s`, so the journeys touching a
--   span are those begun before `e` less those qualified before `s` (a
--   journey qualified before `s` began before it): counters of journeys
--   begun (at `lead_at`) and qualified (at `prospect_at`) answer it, summed
--   over the lead-in `[1970, start)` and the periods.
-- * `leads` counts customers, not journeys. A customer has several
--   journeys only when it churned and was re-engaged as a lead; those
--   journeys are flagged `repeat` (all of the customer's, from its second
--   journey on), and the store reads the repeat journeys that touch the
--   range through a partial index to count their customers once.
-- * Prospects, conversions and their durations only involve journeys
--   qualified in the range: the store reads those through an index on
--   `prospect_at`. Nothing reads 0007's `report_journeys_by_lead_end` any
--   more: it is dropped.
-- * As in 0007 and 0009: counters per UTC day and hour by the customer's
--   current owner and company (`report_leads`), totals over every customer
--   also per UTC month (`report_lead_totals`); triggers keep them in the
--   transaction of the write (a journey begun or qualified, a customer's
--   owner or company changing); erasure keeps status, owner, company and
--   journeys, so it changes nothing here; journeys are never deleted
--   (customers are erased, never deleted). The statements at the end count
--   the journeys that exist when this migration runs.

ALTER TABLE report_journeys ADD COLUMN repeat INTEGER NOT NULL DEFAULT 0
    CHECK (repeat IN (0, 1));

-- Journeys begun and qualified in exact slices (under an hour), and the
-- journeys qualified in a range (prospects, conversions, durations): the
-- index on `prospect_at` holds every column that read needs (`repeat`
-- tells the journeys of customers with several apart), so a report over
-- three years reads its 57,000 qualified journeys (`default` bench) from
-- the index alone (12 ms instead of 46 with a row lookup each).
CREATE INDEX report_journeys_by_lead_at ON report_journeys (lead_at);
CREATE INDEX report_journeys_by_prospect_at
    ON report_journeys (prospect_at, lead_at, customer_at, repeat, customer_id)
    WHERE prospect_at IS NOT NULL;
-- The journeys of customers with several journeys that touch a range:
-- `coalesce(prospect_at, '~')` is the end of being a lead, as in 0007.
CREATE INDEX report_journeys_repeat_by_lead_end
    ON report_journeys (coalesce(prospect_at, '~'), lead_at) WHERE repeat = 1;
DROP INDEX report_journeys_by_lead_end;

-- Facts ------------------------------------------------------------------

-- A journey begins at its `lead_at` and is qualified at its `prospect_at`.
CREATE VIEW report_lead_facts AS
SELECT j.id AS journey_id, j.customer_id, j.lead_at AS at, 1 AS begun, 0 AS qualified
FROM report_journeys j
UNION ALL
SELECT j.id, j.customer_id, j.prospect_at, 0, 1
FROM report_journeys j WHERE j.prospect_at IS NOT NULL;

-- Counters ---------------------------------------------------------------

CREATE TABLE report_leads (
    bucket      TEXT NOT NULL,
    owner_key   TEXT NOT NULL,
    company_key TEXT NOT NULL,
    begun       INTEGER NOT NULL,
    qualified   INTEGER NOT NULL,
    PRIMARY KEY (bucket, owner_key, company_key)
) STRICT;
CREATE INDEX report_leads_by_owner ON report_leads (owner_key, bucket);
CREATE INDEX report_leads_by_company ON report_leads (company_key, bucket);

CREATE TABLE report_lead_totals (
    bucket    TEXT NOT NULL PRIMARY KEY,
    begun     INTEGER NOT NULL,
    qualified INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Triggers ---------------------------------------------------------------

-- A new journey (0007's trigger inserts one per change to lead) counts as
-- begun, and as qualified if it already is; a customer's second journey
-- flags all of its journeys `repeat` (a handful of rows, by customer).
CREATE TRIGGER report_leads_on_journey
AFTER INSERT ON report_journeys
BEGIN
    INSERT INTO report_leads (bucket, owner_key, company_key, begun, qualified)
    SELECT g.grain || substr(x.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), x.begun, x.qualified
    FROM (SELECT new.lead_at AS at, 1 AS begun, 0 AS qualified
          UNION ALL
          SELECT new.prospect_at, 0, 1 WHERE new.prospect_at IS NOT NULL) x
    JOIN customers c ON c.id = new.customer_id
    JOIN report_grains g
    WHERE true
    ON CONFLICT DO UPDATE SET begun = begun + excluded.begun,
                              qualified = qualified + excluded.qualified;
    INSERT INTO report_lead_totals (bucket, begun, qualified)
    SELECT g.grain || substr(x.at, 1, g.len), x.begun, x.qualified
    FROM (SELECT new.lead_at AS at, 1 AS begun, 0 AS qualified
          UNION ALL
          SELECT new.prospect_at, 0, 1 WHERE new.prospect_at IS NOT NULL) x
    JOIN report_total_grains g
    WHERE true
    ON CONFLICT DO UPDATE SET begun = begun + excluded.begun,
                              qualified = qualified + excluded.qualified;
    UPDATE report_journeys SET repeat = 1
    WHERE customer_id = new.customer_id AND repeat = 0
      AND EXISTS (SELECT 1 FROM report_journeys o
                  WHERE o.customer_id = new.customer_id AND o.id <> new.id);
END;

-- A journey qualified (0007's trigger sets `prospect_at` once): takes back
-- the old instants, then adds the current ones (so a changed `lead_at` or
-- `prospect_at`, which 0007 never writes, would still be counted right).
CREATE TRIGGER report_leads_on_journey_update
AFTER UPDATE OF lead_at, prospect_at ON report_journeys
WHEN old.lead_at IS NOT new.lead_at OR old.prospect_at IS NOT new.prospect_at
BEGIN
    INSERT INTO report_leads (bucket, owner_key, company_key, begun, qualified)
    SELECT g.grain || substr(x.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), x.begun, x.qualified
    FROM (SELECT old.lead_at AS at, -1 AS begun, 0 AS qualified
          UNION ALL
          SELECT old.prospect_at, 0, -1 WHERE old.prospect_at IS NOT NULL
          UNION ALL
          SELECT new.lead_at, 1, 0
          UNION ALL
          SELECT new.prospect_at, 0, 1 WHERE new.prospect_at IS NOT NULL) x
    JOIN customers c ON c.id = new.customer_id
    JOIN report_grains g
    WHERE true
    ON CONFLICT DO UPDATE SET begun = begun + excluded.begun,
                              qualified = qualified + excluded.qualified;
    INSERT INTO report_lead_totals (bucket, begun, qualified)
    SELECT g.grain || substr(x.at, 1, g.len), x.begun, x.qualified
    FROM (SELECT old.lead_at AS at, -1 AS begun, 0 AS qualified
          UNION ALL
          SELECT old.prospect_at, 0, -1 WHERE old.prospect_at IS NOT NULL
          UNION ALL
          SELECT new.lead_at, 1, 0
          UNION ALL
          SELECT new.prospect_at, 0, 1 WHERE new.prospect_at IS NOT NULL) x
    JOIN report_total_grains g
    WHERE true
    ON CONFLICT DO UPDATE SET begun = begun + excluded.begun,
                              qualified = qualified + excluded.qualified;
END;

-- A customer's new owner or company takes its journeys' counts along (its
-- journeys, by customer; the totals do not move).
CREATE TRIGGER report_leads_follow_the_customer
AFTER UPDATE OF owner_id, company_id ON customers
WHEN old.owner_id IS NOT new.owner_id OR old.company_id IS NOT new.company_id
BEGIN
    INSERT INTO report_leads (bucket, owner_key, company_key, begun, qualified)
    SELECT g.grain || substr(f.at, 1, g.len), k.owner_key, k.company_key,
           sum(k.sign * f.begun), sum(k.sign * f.qualified)
    FROM report_lead_facts f, report_grains g,
         (SELECT coalesce(old.owner_id, '') AS owner_key,
                 coalesce(old.company_id, '') AS company_key, -1 AS sign
          UNION ALL
          SELECT coalesce(new.owner_id, ''), coalesce(new.company_id, ''), 1) k
    WHERE f.customer_id = new.id
    GROUP BY 1, 2, 3
    ON CONFLICT DO UPDATE SET begun = begun + excluded.begun,
                              qualified = qualified + excluded.qualified;
END;

-- Backfill: the journeys that exist now ------------------------------------

UPDATE report_journeys SET repeat = 1
WHERE customer_id IN (SELECT customer_id FROM report_journeys
                      GROUP BY customer_id HAVING count(*) > 1);

INSERT INTO report_leads (bucket, owner_key, company_key, begun, qualified)
SELECT g.grain || substr(f.at, 1, g.len), coalesce(c.owner_id, ''),
       coalesce(c.company_id, ''), sum(f.begun), sum(f.qualified)
FROM report_lead_facts f JOIN customers c ON c.id = f.customer_id, report_grains g
WHERE true
GROUP BY 1, 2, 3;

INSERT INTO report_lead_totals (bucket, begun, qualified)
SELECT g.grain || substr(f.at, 1, g.len), sum(f.begun), sum(f.qualified)
FROM report_lead_facts f, report_total_grains g
WHERE true
GROUP BY 1;
