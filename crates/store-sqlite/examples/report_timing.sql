-- The rows of the scale test: staff, companies, 400 customers and a million
-- interactions 31 seconds apart from 2026-01-01.
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 19)
INSERT INTO users (id, name, name_sort, email, email_sort, role, status, created_at, updated_at)
SELECT printf('00000000-0000-7000-8000-%012d', i), 'Agent', 'agent', printf('a%d@x.test', i),
       printf('a%d@x.test', i), 'agent', 'active', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'
FROM k WHERE i < 10;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 19)
INSERT INTO companies (id, name, name_sort, created_at, updated_at)
SELECT printf('00000000-0000-7000-9000-%012d', i), 'Company', 'company',
       '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z' FROM k;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 399)
INSERT INTO customers (id, first_name, last_name, status, created_at, updated_at, company_id, owner_id, name_sort)
SELECT printf('00000000-0000-7000-a000-%012d', i), 'A', 'B', 'customer',
       '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z',
       CASE WHEN i % 5 = 0 THEN NULL ELSE printf('00000000-0000-7000-9000-%012d', i % 20) END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE printf('00000000-0000-7000-8000-%012d', i % 10) END,
       'b a'
FROM k;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 999999)
INSERT INTO interactions (id, customer_id, kind, date_time, time_zone, description, status,
                          created_at, updated_at, version)
SELECT printf('i%08d', i), printf('00000000-0000-7000-a000-%012d', i % 400),
       CASE i % 5 WHEN 0 THEN 'meeting' WHEN 1 THEN 'call' WHEN 2 THEN 'task' WHEN 3 THEN 'note'
                  ELSE 'email' END,
       strftime('%Y-%m-%dT%H:%M:%S.000Z', 1767225600 + i * 31, 'unixepoch'), 'UTC', 'x',
       CASE (i / 5) % 4 WHEN 0 THEN 'scheduled' WHEN 1 THEN 'completed' WHEN 2 THEN 'cancelled'
                        ELSE 'no_show' END,
       '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1
FROM k;
