-- The ceiling: what PostgreSQL itself does for Skipper's hot path with no client work at all.
-- One client loop = claim a batch of :batch ready executions with the runner's claim statement,
-- then complete that batch with one fenced update, each in its own transaction (as the runner).
\set batch 100
WITH picked AS (
    SELECT execution_id FROM executions
     WHERE status = 'queued' AND queue = 'bench_ceiling' AND run_at <= now()
       AND priority::int = ANY('{0,1,2}'::int[]) AND job_type = ANY('{noop}'::text[])
     ORDER BY priority, run_at, execution_id
     LIMIT :batch
     FOR UPDATE SKIP LOCKED)
UPDATE executions e
   SET status = 'running', attempt = e.attempt + 1, worker_id = 'pgbench-' || :client_id, started_at = now(), updated_at = now()
  FROM picked WHERE e.execution_id = picked.execution_id;
UPDATE executions
   SET status = 'completed', finished_at = now(), updated_at = now(), result = NULL
 WHERE status = 'running' AND worker_id = 'pgbench-' || :client_id;
