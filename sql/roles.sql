-- Least privilege: one group role per kind of user, each granted only what it needs.
-- Run as the owner of Skipper's tables, with Skipper's schema first in search_path:
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f sql/roles.sql
-- then give login users the role they need, e.g.
--   CREATE ROLE billing_app LOGIN PASSWORD '...' IN ROLE skipper_enqueuer;
--   CREATE ROLE skipper_worker_login LOGIN PASSWORD '...' IN ROLE skipper_runner;
-- Only the owner can migrate (`runner migrate`), drop or alter tables, retry or cancel.
-- Safe to run again (after a migration that added objects, run it again).

DO $$
DECLARE
    v_role text;
BEGIN
    FOREACH v_role IN ARRAY ARRAY['skipper_runner', 'skipper_daemon', 'skipper_enqueuer', 'skipper_operator'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = v_role) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
        END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO skipper_runner, skipper_daemon, skipper_enqueuer, skipper_operator',
                   current_schema());
END
$$;

COMMENT ON ROLE skipper_runner IS 'Skipper runner: claims executions, writes their outcomes and its heartbeat row; can enqueue.';
COMMENT ON ROLE skipper_daemon IS 'Skipper cleanup daemon: declares runners dead, rescues and prunes executions, cleans idempotency records.';
COMMENT ON ROLE skipper_enqueuer IS 'An application that enqueues work: may call enqueue_execution(s) and manage schedules through their functions, nothing else.';
COMMENT ON ROLE skipper_operator IS 'Read-only operator: may read every Skipper table and view (sql/diagnostics.sql), change nothing.';

-- Runner: claim (SELECT ... FOR UPDATE, UPDATE), outcomes (UPDATE executions and the
-- idempotency record's result), its heartbeat row, the schema check at start, `runner enqueue`.
GRANT SELECT, UPDATE ON executions TO skipper_runner;
GRANT SELECT, UPDATE ON idempotency_records TO skipper_runner;
GRANT SELECT, INSERT, UPDATE ON worker_heartbeats TO skipper_runner;
GRANT SELECT ON skipper_schema_migrations TO skipper_runner;
GRANT EXECUTE ON FUNCTION claim_executions(text[], smallint[], text[], integer, text, jsonb, interval),
                          claim_resume_points(text[], smallint[], text[]),
                          announce_ready(text, smallint, text, timestamptz, bigint)
    TO skipper_runner;
GRANT EXECUTE ON FUNCTION sampled_queue_depth(interval, double precision) TO skipper_runner, skipper_daemon;
-- Its scheduler: take due schedules (SELECT ... FOR UPDATE), fire them, apply its schedules file;
-- `runner schedules pause|resume|trigger`.
GRANT SELECT, UPDATE ON schedules TO skipper_runner;
GRANT EXECUTE ON FUNCTION fire_schedule(text, timestamptz[], timestamptz, text),
                          sync_file_schedules(jsonb), queued_ranges(jsonb), announce_due(timestamptz, jsonb)
    TO skipper_runner;
GRANT EXECUTE ON FUNCTION upsert_schedule(text, text, text, jsonb, text, smallint, text, integer, text),
                          delete_schedule(text), pause_schedule(text), resume_schedule(text), trigger_schedule(text)
    TO skipper_runner, skipper_enqueuer;
GRANT EXECUTE ON FUNCTION enqueue_execution(text, jsonb, text, smallint, timestamptz, interval, integer, text, double precision, text),
                          enqueue_executions(text[], jsonb[], text[], smallint[], timestamptz[], double precision[], integer[], double precision[], text[])
    TO skipper_runner;

-- Cleanup daemon: mark workers dead and delete old ones, rescue and prune executions, clean keys.
GRANT SELECT, UPDATE, DELETE ON executions TO skipper_daemon;
GRANT SELECT, UPDATE, DELETE ON worker_heartbeats TO skipper_daemon;
GRANT EXECUTE ON FUNCTION cleanup_old_idempotency_records(interval) TO skipper_daemon;

-- Enqueuing application: the SQL function only (it runs with its owner's rights).
GRANT EXECUTE ON FUNCTION enqueue_execution(text, jsonb, text, smallint, timestamptz, interval, integer, text, double precision, text),
                          enqueue_executions(text[], jsonb[], text[], smallint[], timestamptz[], double precision[], integer[], double precision[], text[])
    TO skipper_enqueuer;

-- Operator: read everything, change nothing.
GRANT SELECT ON executions, worker_heartbeats, idempotency_records, skipper_schema_migrations, queue_depth, worker_health,
                 queue_depth_samples, schedules
    TO skipper_operator;
