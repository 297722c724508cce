-- Skipper diagnostics: the psql queries an operator needs.
-- Run one by copying it, or all:  psql "$DATABASE_URL" -f sql/diagnostics.sql
-- Each query is preceded by a comment saying what it answers.

-- Worker heartbeats: every runner, its status and the seconds since its last heartbeat.
SELECT worker_id, hostname, pid, status, mode, active_jobs, concurrency,
       round(extract(epoch FROM now() - last_heartbeat_at)::numeric, 1) AS seconds_since_heartbeat
  FROM worker_heartbeats
 ORDER BY last_heartbeat_at DESC;
