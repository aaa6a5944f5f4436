-- 0015 overlap index: the organizer's index carries what the overlap check
-- filters on.
--
-- Scheduling checks the organizer's scheduled meetings and calls that
-- overlap the new one: a range of `interactions_by_organizer` (0004) from a
-- week (the longest an interaction lasts) before its start to its end. On
-- (organizer_id, date_time, id) every entry of that range cost a read of
-- its row for the status, kind and end, though almost none overlaps: a
-- third of the server's time in `POST /api/interactions` for a busy
-- organizer went to those reads. With the end, status and kind in the
-- entry, the check filters on the index and reads only the rows it
-- returns. The index stays one b-tree written per interaction.

DROP INDEX interactions_by_organizer;
CREATE INDEX interactions_by_organizer
    ON interactions (organizer_id, date_time, id, end_time, status, kind);
