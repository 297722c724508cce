-- Skipper schema, version 2: the index of running executions is keyed by execution_id, not worker_id.
--
-- A runner's fenced outcome update (execution_id, worker_id, attempt) could be planned through an
-- index on worker_id: after ANALYZE saw few running rows, PostgreSQL joined a batch of 500
-- outcomes against every running row of the worker (all of them share one worker_id), and a batch
-- took seconds once tens of thousands were running. Keyed by execution_id, every plan for the
-- fence is a lookup by id, and the reaper still scans running executions through it in id order.
DROP INDEX IF EXISTS executions_running_worker_idx;
CREATE INDEX IF NOT EXISTS executions_running_idx ON executions (execution_id) WHERE status = 'running';

INSERT INTO skipper_schema_migrations (version, name) VALUES (2, '0002_running_index')
    ON CONFLICT (version) DO NOTHING;
