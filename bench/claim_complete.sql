-- The ceiling: what PostgreSQL itself does for Skipper's hot path with no client work at all.
-- One client loop = claim a batch of :batch ready executions with the runner's claim function,
-- then complete that batch with one fenced update, each in its own transaction (as the runner).
\set batch 100
SELECT count(*) FROM claim_executions('{bench_ceiling}', '{0,1,2}', '{noop}', :batch, 'pgbench-' || :client_id);
UPDATE executions
   SET status = 'completed', finished_at = now(), updated_at = now(), result = NULL
 WHERE status = 'running' AND worker_id = 'pgbench-' || :client_id;
