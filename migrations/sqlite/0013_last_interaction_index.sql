-- 0013 last interaction index: a customer's interactions by status, in
-- time order.
--
-- Every interaction write recomputes its customer's `last_interaction`
-- (0004): the start of its latest completed interaction, else of its latest
-- one that is not cancelled. On `interactions_by_customer` (customer_id,
-- date_time, id) the first of these walked the customer's interactions back
-- from the latest, reading each one's row for its status, until it met a
-- completed one: every scheduled interaction ahead of the last completed
-- one was read on every write. A customer with a few thousand meetings
-- ahead (a weekly series, a busy account) made each of its writes read them
-- all. On this index each latest start is one seek.

CREATE INDEX interactions_by_customer_status
    ON interactions (customer_id, status, date_time);
