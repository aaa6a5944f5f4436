-- 0016 long interactions: an index of the interactions that last more than
-- a day, by organizer and start.
--
-- The overlap check of scheduling read every entry of the organizer's
-- index from a week (the longest an interaction lasts) before the new
-- start: on a busy calendar hundreds of entries, nearly all of meetings
-- that ended days before. Nearly every interaction lasts less than a day:
-- the check now reads the organizer's index from a day before the start,
-- and this index (holding only the few interactions longer than a day, so
-- a scheduled meeting writes nothing to it) for the six days before that.
-- Instants are in one fixed format (`2026-03-01T09:30:00.000Z`), so the
-- text comparison with `strftime` is exact.

CREATE INDEX interactions_long_by_organizer
    ON interactions (organizer_id, date_time)
    WHERE end_time > strftime('%Y-%m-%dT%H:%M:%fZ', date_time, '+1 day');
