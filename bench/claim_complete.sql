-- The ceiling: what PostgreSQL itself does for Skipper's hot path with no client work at all.
-- One client loop = claim a batch of :batch ready executions with the runner's claim statement,
-- then complete that batch with one fenced update, each in its own transaction (as the runner).
-- scripts/bench puts the claim here from sql/statements/claim.sql, its one text.
\set batch 100
{claim};
UPDATE executions
   SET status = 'completed', finished_at = now(), updated_at = now(), result = NULL
 WHERE status = 'running' AND worker_id = 'pgbench-' || :client_id;
