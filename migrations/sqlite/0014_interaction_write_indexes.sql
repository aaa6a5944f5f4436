-- 0014 interaction write indexes: fewer index entries written per
-- interaction, and none that misleads the list.
--
-- Every interaction write touched nine b-trees of `interactions` alone; each
-- index entry on a random leaf is a page of the write-ahead log.
--
-- `interactions_by_status` and `interactions_by_kind` (0004) served no read
-- well: with four statuses and five kinds, the planner took them for the
-- list filtered by status or kind and then sorted every interaction of that
-- status (most of the table for `completed`) to return a page of 50. Without
-- them, the list walks `interactions_by_date_time` in page order and stops
-- after a page's worth of matches.
--
-- `last_interaction` needs a customer's latest completed interaction, and
-- only when it has none its latest one that is scheduled or a no-show
-- (0004). 0013's index (customer_id, status, date_time) took an entry for
-- every interaction to answer both in one seek. The completed ones alone
-- answer the first; the second, read only for a customer without a
-- completed interaction, walks `interactions_by_customer` back from the
-- latest and stops at the first one that is not cancelled. Scheduling a
-- meeting, the common write, no longer writes to it.

DROP INDEX interactions_by_status;
DROP INDEX interactions_by_kind;
DROP INDEX interactions_by_customer_status;
CREATE INDEX interactions_completed_by_customer
    ON interactions (customer_id, date_time) WHERE status = 'completed';
