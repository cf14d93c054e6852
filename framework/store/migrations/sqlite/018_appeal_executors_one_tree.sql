-- Creating an appeal (issue 2: 5,000 a second or more on this 2-core machine)
-- costs one WAL frame per B-tree it touches, and most of a create's time is
-- the kernel taking those page writes. appeal_executors was three trees: the
-- rowid table, its (appeal_id, position) key and an index on executor_id that
-- no query reads (every read and delete goes by appeal_id). Rebuilt WITHOUT
-- ROWID on its key and without that index it is one: two frames fewer per
-- create, ~6% of a create's CPU measured over 20,000 creates.
CREATE TABLE appeal_executors_new (
  appeal_id   INTEGER NOT NULL REFERENCES appeals (id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  executor_id TEXT NOT NULL,
  PRIMARY KEY (appeal_id, position)
) WITHOUT ROWID;
INSERT INTO appeal_executors_new (appeal_id, position, executor_id)
  SELECT appeal_id, position, executor_id FROM appeal_executors;
DROP TABLE appeal_executors;
ALTER TABLE appeal_executors_new RENAME TO appeal_executors;
