-- 0008 list indexes: the customer list filtered by lifecycle status, in each
-- of its orders.
--
-- A list page reads its order's index from where the page starts and
-- stops after a page. With a status filter the old indexes gave the planner
-- two poor choices: the status index, then sort every customer of that
-- status (a quarter of the table) for each page; or the order's index,
-- reading and dropping the rows of the other statuses. One index per
-- (status, order) reads exactly the page. `customers_by_status` (status,
-- id) is a prefix of each, so it goes.

DROP INDEX customers_by_status;
CREATE INDEX customers_by_status_created_at ON customers (status, created_at, id);
CREATE INDEX customers_by_status_updated_at ON customers (status, updated_at, id);
CREATE INDEX customers_by_status_name ON customers (status, name_sort, id);
CREATE INDEX customers_by_status_last_interaction
    ON customers (status, coalesce(last_interaction, ''), id);
