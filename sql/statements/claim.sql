-- The runner's claim: up to $4 ready executions of its queues, priorities ($2, numbers) and job
-- types ($3), in the order the design promises (priority, then run_at, then execution_id), taken
-- with FOR UPDATE SKIP LOCKED so that runners never wait for each other, and marked running under
-- worker $5 with the attempt counted.
--
-- {queue_filter} is `queue = $1` for one queue, which keeps the claim an ordered scan of
-- executions_claim_idx (an `= ANY` on the leading column would make PostgreSQL 15 sort every
-- ready row), or `queue = ANY($1::text[])` for several. The priority filter compares
-- `priority::int` so that it stays a filter and does not break that order.
--
-- The one text of this statement: SkipperStore's ClaimStatement runs it, and scripts/bench
-- measures it as PostgreSQL's ceiling.
WITH picked AS (
    SELECT execution_id FROM executions
     WHERE status = 'queued' AND {queue_filter} AND run_at <= now()
       AND priority::int = ANY($2::int[]) AND job_type = ANY($3::text[])
     ORDER BY priority, run_at, execution_id
     LIMIT $4
     FOR UPDATE SKIP LOCKED)
UPDATE executions e
   SET status = 'running', attempt = e.attempt + 1, worker_id = $5, started_at = now(), updated_at = now()
  FROM picked WHERE e.execution_id = picked.execution_id
RETURNING e.execution_id, e.queue, e.job_type, e.priority, e.payload, e.attempt, e.max_attempts, e.run_at,
          e.idempotency_key, e.timeout_seconds, e.trace_context
