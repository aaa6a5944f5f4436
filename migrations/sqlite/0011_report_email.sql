-- 0011 report email: counters of the email figures (ADR 0012, "Email
-- counters"), which 0007 left as an indexed aggregation over the
-- recipients sent to in a range: at the benchmark's scale that read tens
-- of thousands of recipients and their events per report.
--
-- * A recipient counts in the bucket of its `sent_at` (none before it is
--   sent), per its customer's CURRENT owner and company (`report_emails`,
--   days and hours as in 0007; a recipient matched to no customer is in no
--   row of it), and in the totals over every recipient (`report_email_totals`,
--   days, hours and months as in 0009), which only a report over everything
--   reads: so an address that matched no customer counts only there.
-- * Its facts have one definition, the view `report_email_facts`: sent,
--   bounced (its status), "at least one" opened/clicked (human, or of any
--   class) and replied, and the number of opens and clicks not classified
--   human. Opens, clicks and replies arrive long after the sending and
--   change the counts of the sending's bucket; a hit can be reclassified
--   later (`EventLog::record_hit` rewrites the class of earlier hits of the
--   recipient), which can turn "opened by a human" off again.
-- * A trigger cannot read a recipient's facts as they were before the write
--   (an AFTER trigger sees the write done; a BEFORE trigger on an event
--   also fires for a hit that `ON CONFLICT DO NOTHING` then drops, one hit
--   a minute). So the facts each recipient is counted with are kept, a row
--   per recipient sent to (`report_email_recipients`), and the counters
--   follow that table as 0007's follow the interactions: a row inserted
--   adds to them, a row deleted takes away. Every write that can change a
--   recipient's facts recounts it: when the view's row differs from the
--   kept one, the kept row is deleted and the view's inserted. The recount
--   is written once, as the INSTEAD OF trigger of the view
--   `report_email_recounts`; the triggers on the tables insert the
--   recipient's id into that view.
-- * The triggers run in the transaction of the write, whichever code path
--   writes; the INSERT at the end keeps the facts of the recipients that
--   exist when this migration runs, which the triggers count. A counter may
--   go back to 0 and stay as a row.
-- * `email_recipients_by_sent_at` (0007) stays: the exact slices (under an
--   hour) still read the recipients sent to in them.

-- Facts ------------------------------------------------------------------

-- Each recipient sent to, with its customer (NULL: matched none), the
-- instant it counts at and its figures. An open or click whose class is
-- NULL counts as opened or clicked, neither human nor machine (as the
-- aggregation before this migration did; hits always have a class).
-- Read by recipient (`WHERE recipient_id = ?`), SQLite moves the condition
-- into the grouped query: one seek of the recipient and one of its events.
CREATE VIEW report_email_facts AS
SELECT r.id AS recipient_id, r.customer_id, r.sent_at AS at,
       1 AS sent,
       r.status = 'bounced' AS bounced,
       coalesce(max(e.kind = 'opened' AND e.class = 'human'), 0) AS opened_human,
       coalesce(max(e.kind = 'opened'), 0) AS opened_any,
       coalesce(max(e.kind = 'clicked' AND e.class = 'human'), 0) AS clicked_human,
       coalesce(max(e.kind = 'clicked'), 0) AS clicked_any,
       coalesce(max(e.kind = 'replied'), 0) AS replied,
       coalesce(sum(e.kind = 'opened' AND e.class <> 'human'), 0) AS machine_opens,
       coalesce(sum(e.kind = 'clicked' AND e.class <> 'human'), 0) AS machine_clicks
FROM email_recipients r LEFT JOIN email_events e ON e.recipient_id = r.id
WHERE r.sent_at IS NOT NULL
GROUP BY r.id;

-- Counters ---------------------------------------------------------------

CREATE TABLE report_emails (
    bucket         TEXT NOT NULL,
    owner_key      TEXT NOT NULL,
    company_key    TEXT NOT NULL,
    sent           INTEGER NOT NULL,
    bounced        INTEGER NOT NULL,
    opened_human   INTEGER NOT NULL,
    opened_any     INTEGER NOT NULL,
    clicked_human  INTEGER NOT NULL,
    clicked_any    INTEGER NOT NULL,
    replied        INTEGER NOT NULL,
    machine_opens  INTEGER NOT NULL,
    machine_clicks INTEGER NOT NULL,
    PRIMARY KEY (bucket, owner_key, company_key)
) STRICT;
CREATE INDEX report_emails_by_owner ON report_emails (owner_key, bucket);
CREATE INDEX report_emails_by_company ON report_emails (company_key, bucket);

CREATE TABLE report_email_totals (
    bucket         TEXT NOT NULL PRIMARY KEY,
    sent           INTEGER NOT NULL,
    bounced        INTEGER NOT NULL,
    opened_human   INTEGER NOT NULL,
    opened_any     INTEGER NOT NULL,
    clicked_human  INTEGER NOT NULL,
    clicked_any    INTEGER NOT NULL,
    replied        INTEGER NOT NULL,
    machine_opens  INTEGER NOT NULL,
    machine_clicks INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The facts each recipient sent to is counted with: a row of
-- `report_email_facts`, replaced whole by a recount, never updated.
CREATE TABLE report_email_recipients (
    recipient_id   TEXT NOT NULL PRIMARY KEY,
    customer_id    TEXT,
    at             TEXT NOT NULL,
    sent           INTEGER NOT NULL,
    bounced        INTEGER NOT NULL,
    opened_human   INTEGER NOT NULL,
    opened_any     INTEGER NOT NULL,
    clicked_human  INTEGER NOT NULL,
    clicked_any    INTEGER NOT NULL,
    replied        INTEGER NOT NULL,
    machine_opens  INTEGER NOT NULL,
    machine_clicks INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Counting ---------------------------------------------------------------

-- Kept facts count in the buckets of their instant: per the customer's
-- owner and company (none for a recipient matched to no customer) and in
-- the totals.
CREATE TRIGGER report_email_recipients_count
AFTER INSERT ON report_email_recipients
BEGIN
    INSERT INTO report_emails (bucket, owner_key, company_key, sent, bounced, opened_human,
                               opened_any, clicked_human, clicked_any, replied,
                               machine_opens, machine_clicks)
    SELECT g.grain || substr(new.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), new.sent, new.bounced, new.opened_human,
           new.opened_any, new.clicked_human, new.clicked_any, new.replied,
           new.machine_opens, new.machine_clicks
    FROM report_grains g, customers c WHERE c.id = new.customer_id
    ON CONFLICT DO UPDATE SET sent = sent + excluded.sent, bounced = bounced + excluded.bounced,
        opened_human = opened_human + excluded.opened_human,
        opened_any = opened_any + excluded.opened_any,
        clicked_human = clicked_human + excluded.clicked_human,
        clicked_any = clicked_any + excluded.clicked_any, replied = replied + excluded.replied,
        machine_opens = machine_opens + excluded.machine_opens,
        machine_clicks = machine_clicks + excluded.machine_clicks;
    INSERT INTO report_email_totals (bucket, sent, bounced, opened_human, opened_any,
                                     clicked_human, clicked_any, replied, machine_opens,
                                     machine_clicks)
    SELECT g.grain || substr(new.at, 1, g.len), new.sent, new.bounced, new.opened_human,
           new.opened_any, new.clicked_human, new.clicked_any, new.replied,
           new.machine_opens, new.machine_clicks
    FROM report_total_grains g WHERE true
    ON CONFLICT DO UPDATE SET sent = sent + excluded.sent, bounced = bounced + excluded.bounced,
        opened_human = opened_human + excluded.opened_human,
        opened_any = opened_any + excluded.opened_any,
        clicked_human = clicked_human + excluded.clicked_human,
        clicked_any = clicked_any + excluded.clicked_any, replied = replied + excluded.replied,
        machine_opens = machine_opens + excluded.machine_opens,
        machine_clicks = machine_clicks + excluded.machine_clicks;
END;

-- Kept facts deleted are taken away, from the rows they were added to (the
-- customer's owner and company move its rows, below).
CREATE TRIGGER report_email_recipients_uncount
AFTER DELETE ON report_email_recipients
BEGIN
    INSERT INTO report_emails (bucket, owner_key, company_key, sent, bounced, opened_human,
                               opened_any, clicked_human, clicked_any, replied,
                               machine_opens, machine_clicks)
    SELECT g.grain || substr(old.at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), -old.sent, -old.bounced, -old.opened_human,
           -old.opened_any, -old.clicked_human, -old.clicked_any, -old.replied,
           -old.machine_opens, -old.machine_clicks
    FROM report_grains g, customers c WHERE c.id = old.customer_id
    ON CONFLICT DO UPDATE SET sent = sent + excluded.sent, bounced = bounced + excluded.bounced,
        opened_human = opened_human + excluded.opened_human,
        opened_any = opened_any + excluded.opened_any,
        clicked_human = clicked_human + excluded.clicked_human,
        clicked_any = clicked_any + excluded.clicked_any, replied = replied + excluded.replied,
        machine_opens = machine_opens + excluded.machine_opens,
        machine_clicks = machine_clicks + excluded.machine_clicks;
    INSERT INTO report_email_totals (bucket, sent, bounced, opened_human, opened_any,
                                     clicked_human, clicked_any, replied, machine_opens,
                                     machine_clicks)
    SELECT g.grain || substr(old.at, 1, g.len), -old.sent, -old.bounced, -old.opened_human,
           -old.opened_any, -old.clicked_human, -old.clicked_any, -old.replied,
           -old.machine_opens, -old.machine_clicks
    FROM report_total_grains g WHERE true
    ON CONFLICT DO UPDATE SET sent = sent + excluded.sent, bounced = bounced + excluded.bounced,
        opened_human = opened_human + excluded.opened_human,
        opened_any = opened_any + excluded.opened_any,
        clicked_human = clicked_human + excluded.clicked_human,
        clicked_any = clicked_any + excluded.clicked_any, replied = replied + excluded.replied,
        machine_opens = machine_opens + excluded.machine_opens,
        machine_clicks = machine_clicks + excluded.machine_clicks;
END;

-- Recounts ---------------------------------------------------------------

-- Inserting a recipient's id here recounts it; nothing is stored.
CREATE VIEW report_email_recounts AS
SELECT recipient_id FROM report_email_recipients WHERE false;

-- The recount of `new.recipient_id`: its kept facts go unless the view
-- gives the same (an open by a person of a recipient a person opened
-- before changes no figure, and writes no counter); the view's facts are
-- kept unless they still are. A recipient not (or no longer) sent to has
-- no row in the view: its kept facts go, none come. The triggers above
-- count both. Every row is read and written by its key.
CREATE TRIGGER report_email_recount
INSTEAD OF INSERT ON report_email_recounts
BEGIN
    DELETE FROM report_email_recipients
    WHERE recipient_id = new.recipient_id
      AND (customer_id, at, sent, bounced, opened_human, opened_any, clicked_human,
           clicked_any, replied, machine_opens, machine_clicks)
          IS NOT (SELECT customer_id, at, sent, bounced, opened_human, opened_any,
                         clicked_human, clicked_any, replied, machine_opens, machine_clicks
                  FROM report_email_facts WHERE recipient_id = new.recipient_id);
    INSERT INTO report_email_recipients (recipient_id, customer_id, at, sent, bounced,
                                         opened_human, opened_any, clicked_human, clicked_any,
                                         replied, machine_opens, machine_clicks)
    SELECT recipient_id, customer_id, at, sent, bounced, opened_human, opened_any,
           clicked_human, clicked_any, replied, machine_opens, machine_clicks
    FROM report_email_facts
    WHERE recipient_id = new.recipient_id
      AND NOT EXISTS (SELECT 1 FROM report_email_recipients k
                      WHERE k.recipient_id = new.recipient_id);
END;

-- Triggers ---------------------------------------------------------------

-- A recipient written already sent (an import, a test): counted at once.
CREATE TRIGGER report_email_recipients_on_insert
AFTER INSERT ON email_recipients
WHEN new.sent_at IS NOT NULL
BEGIN
    INSERT INTO report_email_recounts (recipient_id) VALUES (new.id);
END;

-- Sending sets `sent_at`, a hard bounce sets the status to bounced; a
-- change of the matched customer moves the recipient. The outbox rewrites
-- these columns on every claim and attempt: only a change of what the
-- facts read recounts.
CREATE TRIGGER report_email_recipients_on_update
AFTER UPDATE OF sent_at, status, customer_id ON email_recipients
WHEN old.sent_at IS NOT new.sent_at OR old.customer_id IS NOT new.customer_id
  OR (old.status = 'bounced') IS NOT (new.status = 'bounced')
BEGIN
    INSERT INTO report_email_recounts (recipient_id) VALUES (new.id);
END;

-- No code path deletes a recipient; if one is, its counts go with it.
CREATE TRIGGER report_email_recipients_on_delete
AFTER DELETE ON email_recipients
BEGIN
    INSERT INTO report_email_recounts (recipient_id) VALUES (old.id);
END;

-- Opens, clicks and replies: the only kinds the facts read (a bounce
-- counts by the recipient's status; honeypot hits, soft bounces and
-- opt-outs are in no figure), so the scanners' honeypot hits recount
-- nothing.
CREATE TRIGGER report_email_events_on_insert
AFTER INSERT ON email_events
WHEN new.kind IN ('opened', 'clicked', 'replied')
BEGIN
    INSERT INTO report_email_recounts (recipient_id) VALUES (new.recipient_id);
END;

-- A later hit reclassifies earlier ones (`class`): a human open found to be
-- a scanner's no longer makes the recipient "opened by a human" and adds a
-- machine open. The other columns are never rewritten; a change of kind or
-- recipient is recounted all the same (both recipients when it moves).
CREATE TRIGGER report_email_events_on_update
AFTER UPDATE OF recipient_id, kind, class ON email_events
WHEN (old.recipient_id IS NOT new.recipient_id OR old.kind IS NOT new.kind
      OR old.class IS NOT new.class)
  AND (old.kind IN ('opened', 'clicked', 'replied') OR new.kind IN ('opened', 'clicked', 'replied'))
BEGIN
    INSERT INTO report_email_recounts (recipient_id)
    SELECT old.recipient_id UNION SELECT new.recipient_id;
END;

-- No code path deletes an event; if one is, the recipient is recounted.
CREATE TRIGGER report_email_events_on_delete
AFTER DELETE ON email_events
WHEN old.kind IN ('opened', 'clicked', 'replied')
BEGIN
    INSERT INTO report_email_recounts (recipient_id) VALUES (old.recipient_id);
END;

-- A customer's new owner or company takes its recipients' counts along (as
-- 0007's `report_counts_follow_the_customer` does for the other counters;
-- the totals do not depend on it). Its recipients are found through
-- `email_recipients_by_customer`, their kept facts by key. Erasure keeps
-- the customer's owner and company and its recipients: it changes nothing.
CREATE TRIGGER report_emails_follow_the_customer
AFTER UPDATE OF owner_id, company_id ON customers
WHEN old.owner_id IS NOT new.owner_id OR old.company_id IS NOT new.company_id
BEGIN
    INSERT INTO report_emails (bucket, owner_key, company_key, sent, bounced, opened_human,
                               opened_any, clicked_human, clicked_any, replied,
                               machine_opens, machine_clicks)
    SELECT g.grain || substr(f.at, 1, g.len), k.owner_key, k.company_key,
           sum(k.sign * f.sent), sum(k.sign * f.bounced), sum(k.sign * f.opened_human),
           sum(k.sign * f.opened_any), sum(k.sign * f.clicked_human),
           sum(k.sign * f.clicked_any), sum(k.sign * f.replied),
           sum(k.sign * f.machine_opens), sum(k.sign * f.machine_clicks)
    FROM email_recipients r
    JOIN report_email_recipients f ON f.recipient_id = r.id
    JOIN report_grains g
    JOIN (SELECT coalesce(old.owner_id, '') AS owner_key,
                 coalesce(old.company_id, '') AS company_key, -1 AS sign
          UNION ALL
          SELECT coalesce(new.owner_id, ''), coalesce(new.company_id, ''), 1) k
    WHERE r.customer_id = new.id
    GROUP BY 1, 2, 3
    ON CONFLICT DO UPDATE SET sent = sent + excluded.sent, bounced = bounced + excluded.bounced,
        opened_human = opened_human + excluded.opened_human,
        opened_any = opened_any + excluded.opened_any,
        clicked_human = clicked_human + excluded.clicked_human,
        clicked_any = clicked_any + excluded.clicked_any, replied = replied + excluded.replied,
        machine_opens = machine_opens + excluded.machine_opens,
        machine_clicks = machine_clicks + excluded.machine_clicks;
END;

-- Backfill: the recipients that exist now ------------------------------------

-- Their facts, kept; `report_email_recipients_count` counts each.
INSERT INTO report_email_recipients (recipient_id, customer_id, at, sent, bounced,
                                     opened_human, opened_any, clicked_human, clicked_any,
                                     replied, machine_opens, machine_clicks)
SELECT recipient_id, customer_id, at, sent, bounced, opened_human, opened_any,
       clicked_human, clicked_any, replied, machine_opens, machine_clicks
FROM report_email_facts;
