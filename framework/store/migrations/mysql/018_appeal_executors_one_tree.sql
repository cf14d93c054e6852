-- The SQLite twin rebuilds appeal_executors as one B-tree for the create rate
-- (issue 2). InnoDB already clusters the rows on their primary key
-- (appeal_id, position); what is left to drop is the index on executor_id,
-- which no query reads (every read and delete goes by appeal_id) and every
-- create wrote.
ALTER TABLE appeal_executors DROP INDEX appeal_executors_executor;
