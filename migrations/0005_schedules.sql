-- Skipper schema, version 5: recurring schedules.
--
-- One row per schedule: when it fires (cron in a time zone), what it enqueues, and where it
-- stands (the last slot fired, the next slot due). Every runner's scheduler reads this table, so
-- psql, the SQL API (upsert_schedule, pause_schedule, ...) and every runner see one truth. A
-- scheduler takes a due row FOR UPDATE SKIP LOCKED, enqueues one execution per slot with the
-- idempotency key 'schedule:<name>:<slot as RFC 3339 UTC>' and moves next_slot on, in one
-- transaction: any number of schedulers, no leader, one execution per slot.
--
-- next_slot is NULL until a scheduler has computed it (the cron evaluator is the runners'):
-- a new schedule, a changed cron or zone, a resumed one. `problem` says why a scheduler cannot
-- fire it (a cron or zone it cannot read); it is cleared when the schedule is fixed.
-- managed_by is 'file' for schedules a runner's SCHEDULES_FILE declares (a schedule removed from
-- the file is deleted when a runner with that file starts) and 'sql' for the SQL API's.
CREATE TABLE IF NOT EXISTS schedules (
    name              text        PRIMARY KEY,
    cron              text        NOT NULL,
    timezone          text        NOT NULL DEFAULT 'UTC',
    job_type          text        NOT NULL,
    payload           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    queue             text        NOT NULL DEFAULT 'default',
    priority          smallint    NOT NULL DEFAULT 1,
    max_attempts      integer     NOT NULL DEFAULT 4,
    catch_up          text        NOT NULL DEFAULT 'latest',
    paused            boolean     NOT NULL DEFAULT false,
    managed_by        text        NOT NULL DEFAULT 'sql',
    next_slot         timestamptz,
    last_slot         timestamptz,
    last_execution_id bigint,
    last_fired_at     timestamptz,
    problem           text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schedules_name_check CHECK (name ~ '^[A-Za-z0-9_.:-]{1,128}$'),
    CONSTRAINT schedules_queue_name_check CHECK (queue ~ '^[A-Za-z0-9_.:-]{1,128}$'),
    CONSTRAINT schedules_job_type_name_check CHECK (job_type ~ '^[A-Za-z0-9_.:-]{1,128}$'),
    CONSTRAINT schedules_priority_check CHECK (priority BETWEEN 0 AND 2),
    CONSTRAINT schedules_max_attempts_check CHECK (max_attempts >= 1),
    CONSTRAINT schedules_catch_up_check CHECK (catch_up IN ('latest', 'all', 'none')),
    CONSTRAINT schedules_managed_by_check CHECK (managed_by IN ('file', 'sql')),
    CONSTRAINT schedules_payload_check CHECK (jsonb_typeof(payload) IN ('object', 'array'))
);
COMMENT ON TABLE schedules IS
    'Recurring schedules: each fires one execution per slot of its cron (in its time zone), keyed schedule:<name>:<slot>. next_slot NULL means a scheduler has yet to compute it.';
-- The schedulers' pass: what is due (or has no next slot yet), paused ones left out.
CREATE INDEX IF NOT EXISTS schedules_due_idx ON schedules (next_slot NULLS FIRST) WHERE NOT paused;

INSERT INTO skipper_schema_migrations (version, name) VALUES (5, '0005_schedules')
    ON CONFLICT (version) DO NOTHING;
