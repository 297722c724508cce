-- Skipper diagnostics: the psql queries an operator needs.
-- All at once:   psql "$DATABASE_URL" -f sql/diagnostics.sql
-- One of them:   copy it into psql. Thresholds are psql variables with defaults below; override
--                them with -v, e.g. psql -v stale_minutes=5 -v long_running_minutes=30 ...
-- Each query is preceded by a comment that says what it answers.

\if :{?stale_minutes} \else \set stale_minutes 2 \endif
\if :{?long_running_minutes} \else \set long_running_minutes 15 \endif

-- Worker heartbeats: every runner, its status, what it serves, and the seconds since its last heartbeat.
SELECT worker_id, hostname, pid, status, mode, queues, active_jobs, concurrency,
       round(extract(epoch FROM now() - last_heartbeat_at)::numeric, 1) AS seconds_since_heartbeat,
       heartbeat_interval_seconds, version
  FROM worker_heartbeats
 ORDER BY status, last_heartbeat_at DESC;

-- Stale workers: runners still marked running whose heartbeat is older than the stale threshold
-- (the cleanup daemon will declare them dead; if this list stays non-empty, the daemon is not running).
SELECT worker_id, hostname, pid, status,
       round(extract(epoch FROM now() - last_heartbeat_at)::numeric, 1) AS seconds_since_heartbeat,
       (SELECT count(*) FROM executions e WHERE e.worker_id = w.worker_id AND e.status = 'running') AS running_executions
  FROM worker_heartbeats w
 WHERE status IN ('running', 'stopping')
   AND last_heartbeat_at < now() - make_interval(mins => :stale_minutes)
 ORDER BY last_heartbeat_at;

-- Executions failed by dead workers: the ones the cleanup daemon rescued ('Worker died unexpectedly'), newest first.
SELECT execution_id, worker_id, queue, job_type, status, attempt, max_attempts, execution_error, updated_at
  FROM executions
 WHERE execution_error = 'Worker died unexpectedly'
 ORDER BY created_at DESC
 LIMIT 10;

-- Queue depth: queued (ready and scheduled) and running executions per queue and priority,
-- with the age of the oldest ready one (how far behind the runners are).
SELECT queue,
       CASE priority WHEN 0 THEN 'high' WHEN 1 THEN 'normal' ELSE 'low' END AS priority,
       sum(ready) AS ready,
       sum(scheduled) AS scheduled,
       sum(executions) FILTER (WHERE status = 'running') AS running,
       round(coalesce(max(oldest_ready_age_seconds), 0)::numeric, 1) AS oldest_ready_seconds
  FROM queue_depth
 GROUP BY queue, priority
 ORDER BY queue, priority;

-- Long-running executions: running longer than :long_running_minutes minutes, with their runner's heartbeat age.
SELECT e.execution_id, e.queue, e.job_type, e.worker_id, e.attempt,
       round(extract(epoch FROM now() - e.started_at)::numeric, 1) AS running_seconds,
       e.timeout_seconds,
       round(extract(epoch FROM now() - w.last_heartbeat_at)::numeric, 1) AS worker_heartbeat_age_seconds,
       w.status AS worker_status
  FROM executions e
  LEFT JOIN worker_heartbeats w ON w.worker_id = e.worker_id
 WHERE e.status = 'running' AND e.started_at < now() - make_interval(mins => :long_running_minutes)
 ORDER BY e.started_at;

-- Failure rate in the last hour by job type: finished attempts, how many failed for good, and
-- the share of attempts that failed (including those queued again for a retry).
SELECT job_type,
       count(*) FILTER (WHERE status = 'completed') AS completed,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status = 'queued' AND execution_error IS NOT NULL) AS retrying,
       round(100.0 * count(*) FILTER (WHERE execution_error IS NOT NULL AND status <> 'completed')
             / nullif(count(*), 0), 1) AS failing_percent
  FROM executions
 WHERE updated_at > now() - interval '1 hour'
   AND (status IN ('completed', 'failed') OR (status = 'queued' AND execution_error IS NOT NULL))
 GROUP BY job_type
 ORDER BY failed DESC, job_type;

-- Most common errors in the last hour: what is failing, grouped by the first line of the error.
SELECT job_type, split_part(execution_error, E'\n', 1) AS error, count(*) AS executions
  FROM executions
 WHERE execution_error IS NOT NULL AND updated_at > now() - interval '1 hour'
 GROUP BY 1, 2
 ORDER BY 3 DESC
 LIMIT 10;

-- Idempotency records by age: how many keys are kept, per day of age (cleanup_old_idempotency_records trims them).
SELECT CASE WHEN created_at > now() - interval '1 hour' THEN '1: < 1 hour'
            WHEN created_at > now() - interval '24 hours' THEN '2: 1-24 hours'
            WHEN created_at > now() - interval '7 days' THEN '3: 1-7 days'
            ELSE '4: > 7 days' END AS age,
       count(*) AS records,
       min(created_at) AS oldest
  FROM idempotency_records
 GROUP BY 1
 ORDER BY 1;

-- Table health: rows and dead rows of Skipper's tables, and when autovacuum last ran.
SELECT relname AS table_name, n_live_tup AS live_rows, n_dead_tup AS dead_rows, last_autovacuum, last_autoanalyze
  FROM pg_stat_user_tables
 WHERE relname IN ('executions', 'worker_heartbeats', 'idempotency_records') AND schemaname = current_schema()
 ORDER BY relname;

-- Schedules: when each fires next, what it fired last and how late, paused, and why one cannot fire.
SELECT s.name, s.cron, s.timezone, s.job_type, s.paused, s.managed_by, s.next_slot, s.last_slot,
       s.last_execution_id, e.status AS last_execution_status,
       round(extract(epoch FROM s.last_fired_at - s.last_slot)::numeric, 3) AS last_lag_seconds, s.problem
  FROM schedules s
  LEFT JOIN executions e ON e.execution_id = s.last_execution_id
 ORDER BY s.next_slot NULLS FIRST, s.name;
