-- Skipper schema, version 3: the claim index leads with every column a runner narrows by.
--
-- A runner claims from its queues × priorities × job types, ready ones only (run_at <= now()),
-- in the order priority, run_at, execution_id. Version 1's index (queue, priority, run_at,
-- execution_id) served exactly one shape — one queue, every priority and job type, all due —
-- and made PostgreSQL read, row by row, whatever a runner could not take: a runner of priority
-- low stepped over every ready high one, a runner without a handler for a million `bulk` rows
-- over all of them, a runner of several queues sorted every ready row of them all, and a million
-- executions due tomorrow stood in front of today's normal ones.
--
-- With job_type before run_at, each (queue, priority, job_type) that a runner serves is one
-- contiguous range of this index, ordered by run_at, execution_id, and `run_at <= now()` is a
-- bound of the scan, not a filter: claim_executions() (sql/functions.sql) reads each such range
-- from its start for at most the batch it wants and merges them, so what it reads does not grow
-- with executions of other queues, priorities or types, nor with executions not yet due. The
-- cost is one short index probe per combination the runner serves.
--
-- A range is read from its start only when the runner knows no better: each claim passes where
-- the previous one ended (claim_executions' p_after, sql/functions.sql), because a transaction
-- held open elsewhere keeps every claimed row version in this index until it ends, and a read
-- from the start would step over all of them on every claim.
--
-- Creating the index takes a lock that holds back enqueues for as long as it builds (about a
-- second per million queued executions); runners of the previous version keep working through
-- it, with a sort per claim until they are upgraded.
CREATE INDEX IF NOT EXISTS executions_claim_probe_idx ON executions (queue, priority, job_type, run_at, execution_id)
    WHERE status = 'queued';
DROP INDEX IF EXISTS executions_claim_idx;

-- Queue depth (the queue_depth view) counts each queue and priority exactly up to 10,000 queued
-- executions and estimates above that: statistics of the three columns together keep the
-- planner's estimate close (without them it multiplies their frequencies as if independent, and a
-- million executions of one queue at one priority come out as a hundred thousand).
CREATE STATISTICS IF NOT EXISTS executions_depth_stats (mcv) ON queue, priority, status FROM executions;

INSERT INTO skipper_schema_migrations (version, name) VALUES (3, '0003_claim_probes')
    ON CONFLICT (version) DO NOTHING;
