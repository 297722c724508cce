-- Skipper's SQL API: what applications (in any language) and operators call.
-- Installed and kept current by `runner migrate` (re-applied whenever this file changes);
-- by hand: psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -1 -f sql/functions.sql
-- Every function here only uses CREATE OR REPLACE, so applying it twice is harmless.
--
-- The functions that change executions run with their owner's rights (SECURITY DEFINER, with
-- the search_path fixed to the one they were installed with), so an application needs no
-- privilege on the tables at all: sql/roles.sql grants EXECUTE to the roles that need each one.
-- Nobody else may call them (EXECUTE is revoked from PUBLIC at the end of this file).

CREATE OR REPLACE FUNCTION priority_value(p_priority text) RETURNS smallint
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE lower(trim(p_priority))
        WHEN 'high' THEN 0 WHEN '0' THEN 0
        WHEN 'normal' THEN 1 WHEN '1' THEN 1
        WHEN 'low' THEN 2 WHEN '2' THEN 2
    END::smallint
$$;
COMMENT ON FUNCTION priority_value(text) IS
    'Turns a priority as a person types it (high/normal/low or 0/1/2) into its number; NULL for anything else.';

CREATE OR REPLACE FUNCTION backoff_delay(p_attempt integer) RETURNS interval
LANGUAGE sql VOLATILE AS $$
    SELECT make_interval(secs => least(3600, power(2, least(greatest(p_attempt, 0), 12)))
                                 * (0.5 + random() * 0.5))
$$;
COMMENT ON FUNCTION backoff_delay(integer) IS
    'Delay before the next try after failed attempt N: 2^N seconds capped at 1 hour, times a random factor in [0.5, 1] (jitter).';

CREATE OR REPLACE FUNCTION wake_channel() RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'skipper_executions' $$;
COMMENT ON FUNCTION wake_channel() IS
    'The NOTIFY channel ready work is announced on (announce_ready: the queue name, then the execution''s position); runners LISTEN on it.';

CREATE OR REPLACE FUNCTION cancellation_channel() RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'skipper_cancellations' $$;
COMMENT ON FUNCTION cancellation_channel() IS
    'The NOTIFY channel cancel_execution tells runners on (payload: worker_id:execution_id).';

CREATE OR REPLACE FUNCTION announce_ready(p_queue text, p_priority smallint, p_job_type text, p_run_at timestamptz, p_execution_id bigint)
RETURNS void
LANGUAGE sql VOLATILE AS $$
    -- The queue name alone (what every runner version wakes on), then where the execution is:
    -- 'queue priority job_type run_at_microseconds execution_id' (names hold no spaces).
    SELECT pg_notify(wake_channel(), p_queue);
    SELECT pg_notify(wake_channel(), concat_ws(' ', p_queue, p_priority, p_job_type,
                                               (extract(epoch FROM p_run_at) * 1000000)::bigint, p_execution_id));
$$;
COMMENT ON FUNCTION announce_ready(text, smallint, text, timestamptz, bigint) IS
    'Tells runners, when the caller''s transaction commits, that a ready execution is queued: on wake_channel(), once with the queue name and once with its position (queue, priority, job type, run_at in microseconds since 1970, execution_id), so that a runner whose claims already resume past that position reads from before it. Called by the SQL API wherever executions become ready.';

CREATE OR REPLACE FUNCTION max_payload_bytes() RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('skipper.max_payload_bytes', true), '')::integer, 1048576)
$$;
COMMENT ON FUNCTION max_payload_bytes() IS
    'The largest payload an enqueue accepts, in bytes: SET skipper.max_payload_bytes, else 1 MiB.';

CREATE OR REPLACE FUNCTION enqueue_execution(
    p_job_type        text,
    p_payload         jsonb            DEFAULT '{}'::jsonb,
    p_queue           text             DEFAULT 'default',
    p_priority        smallint         DEFAULT 1,
    p_run_at          timestamptz      DEFAULT NULL,
    p_delay           interval         DEFAULT NULL,
    p_max_attempts    integer          DEFAULT 4,
    p_idempotency_key text             DEFAULT NULL,
    p_timeout_seconds double precision DEFAULT NULL,
    p_trace_context   text             DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_id        bigint;
    v_run_at    timestamptz := coalesce(p_run_at, now() + coalesce(p_delay, interval '0'));
    v_max_bytes integer := max_payload_bytes();
BEGIN
    IF p_payload IS NULL THEN
        RAISE EXCEPTION 'payload must not be NULL (use ''{}'')' USING ERRCODE = '22023';
    END IF;
    IF pg_column_size(p_payload) > v_max_bytes THEN
        RAISE EXCEPTION 'payload is % bytes, more than the limit of % bytes', pg_column_size(p_payload), v_max_bytes
            USING ERRCODE = '54000', HINT = 'raise skipper.max_payload_bytes, or store large data elsewhere and pass a reference';
    END IF;
    IF p_idempotency_key IS NOT NULL THEN
        SELECT execution_id INTO v_id FROM idempotency_records WHERE idempotency_key = p_idempotency_key;
        IF FOUND THEN
            RETURN v_id;
        END IF;
        v_id := nextval(pg_get_serial_sequence('executions', 'execution_id'));
        -- Concurrent enqueues with one key: the loser waits here for the winner to commit,
        -- then finds its record and returns the winner's execution.
        INSERT INTO idempotency_records (idempotency_key, execution_id) VALUES (p_idempotency_key, v_id)
            ON CONFLICT (idempotency_key) DO NOTHING;
        IF NOT FOUND THEN
            SELECT execution_id INTO v_id FROM idempotency_records WHERE idempotency_key = p_idempotency_key;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'idempotency key % was taken by a concurrent transaction; retry', p_idempotency_key
                    USING ERRCODE = '40001';
            END IF;
            RETURN v_id;
        END IF;
        INSERT INTO executions (execution_id, queue, job_type, priority, payload, max_attempts, run_at,
                                idempotency_key, timeout_seconds, trace_context)
        VALUES (v_id, p_queue, p_job_type, p_priority, p_payload, p_max_attempts, v_run_at,
                p_idempotency_key, p_timeout_seconds, p_trace_context);
    ELSE
        INSERT INTO executions (queue, job_type, priority, payload, max_attempts, run_at, timeout_seconds, trace_context)
        VALUES (p_queue, p_job_type, p_priority, p_payload, p_max_attempts, v_run_at, p_timeout_seconds, p_trace_context)
        RETURNING execution_id INTO v_id;
    END IF;
    IF v_run_at <= now() THEN
        -- Delivered at commit, so idle runners wake as soon as the caller's transaction commits.
        PERFORM announce_ready(p_queue, p_priority, p_job_type, v_run_at, v_id);
    END IF;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION enqueue_execution(text, jsonb, text, smallint, timestamptz, interval, integer, text, double precision, text) IS
    'Adds one execution and returns its execution_id; works inside the caller''s transaction and wakes idle runners at commit. With an idempotency key, a repeated enqueue returns the first execution instead.';

CREATE OR REPLACE FUNCTION enqueue_executions(
    p_job_types        text[],
    p_payloads         jsonb[],
    p_queues           text[],
    p_priorities       smallint[],
    p_run_ats          timestamptz[],
    p_delays_seconds   double precision[],
    p_max_attempts     integer[],
    p_timeouts_seconds double precision[],
    p_trace_contexts   text[]
) RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_max_bytes   integer := max_payload_bytes();
    v_row         record;
    v_ids         bigint[];
    v_queues      text[];
    v_priorities  smallint[];
    v_job_types   text[];
    v_run_ats     timestamptz[];
    v_firsts      bigint[];
BEGIN
    -- The same rules as enqueue_execution, checked over the whole batch before anything is written.
    SELECT n, pg_column_size(payload) AS bytes INTO v_row
      FROM unnest(p_payloads) WITH ORDINALITY AS p(payload, n)
     WHERE payload IS NULL OR pg_column_size(payload) > v_max_bytes
     LIMIT 1;
    IF FOUND THEN
        IF v_row.bytes IS NULL THEN
            RAISE EXCEPTION 'payload of execution % in the batch must not be NULL (use ''{}'')', v_row.n USING ERRCODE = '22023';
        END IF;
        RAISE EXCEPTION 'payload of execution % in the batch is % bytes, more than the limit of % bytes', v_row.n, v_row.bytes, v_max_bytes
            USING ERRCODE = '54000', HINT = 'raise skipper.max_payload_bytes, or store large data elsewhere and pass a reference';
    END IF;
    WITH input AS (
        SELECT * FROM unnest(p_job_types, p_payloads, p_queues, p_priorities, p_run_ats, p_delays_seconds,
                             p_max_attempts, p_timeouts_seconds, p_trace_contexts)
            WITH ORDINALITY AS r(job_type, payload, queue, priority, run_at, delay_seconds, max_attempts,
                                 timeout_seconds, trace_context, n)),
    inserted AS (
        INSERT INTO executions (job_type, payload, queue, priority, run_at, max_attempts, timeout_seconds, trace_context)
        SELECT job_type, payload, queue, coalesce(priority, 1::smallint),
               coalesce(run_at, now() + make_interval(secs => coalesce(delay_seconds, 0))),
               coalesce(max_attempts, 4), timeout_seconds, trace_context
          FROM input ORDER BY n
        RETURNING execution_id, queue, priority, job_type, run_at),
    -- For each queue, priority and job type that got ready work, its first execution.
    firsts AS (
        SELECT DISTINCT ON (i.queue, i.priority, i.job_type) i.queue, i.priority, i.job_type, i.run_at, i.execution_id
          FROM inserted i
         WHERE i.run_at <= now()
         ORDER BY i.queue, i.priority, i.job_type, i.run_at, i.execution_id)
    SELECT (SELECT array_agg(i.execution_id ORDER BY i.execution_id) FROM inserted i),
           array_agg(f.queue), array_agg(f.priority), array_agg(f.job_type), array_agg(f.run_at), array_agg(f.execution_id)
      INTO v_ids, v_queues, v_priorities, v_job_types, v_run_ats, v_firsts
      FROM firsts f;
    -- Delivered at commit.
    PERFORM announce_ready(a.queue, a.priority, a.job_type, a.run_at, a.execution_id)
       FROM unnest(v_queues, v_priorities, v_job_types, v_run_ats, v_firsts) AS a(queue, priority, job_type, run_at, execution_id);
    RETURN QUERY SELECT unnest(v_ids);
END
$$;
COMMENT ON FUNCTION enqueue_executions(text[], jsonb[], text[], smallint[], timestamptz[], double precision[], integer[], double precision[], text[]) IS
    'Adds many executions in one call (element i of each array describes execution i; NULL elements take enqueue_execution''s defaults, delays count from the server''s clock) and returns their execution_ids in order. The payload limit is checked for the whole batch first. No idempotency keys: use enqueue_execution for those.';

CREATE OR REPLACE FUNCTION claim_commit_margin() RETURNS interval
LANGUAGE sql IMMUTABLE AS $$ SELECT interval '1 second' $$;
COMMENT ON FUNCTION claim_commit_margin() IS
    'How far behind now() the resume points of a runner that does not LISTEN stay: an enqueue whose transaction commits within this long of its run_at is still found by its next claim, a later one by the next claim_resume_points() check (every POLL_INTERVAL). A listening runner learns of each from announce_ready() instead and passes a margin of 0.';

-- Resumed claims. A runner's claim reads each (queue, priority, job type) range of
-- executions_claim_probe_idx from where its previous claim ended, not from the range's start.
-- Every execution a claim takes leaves its old row version in that index until VACUUM removes
-- it, and VACUUM may not while any transaction older than the claim is open (a forgotten BEGIN
-- in psql, a long report, a replication slot): a claim that started at the range's start would
-- step over every execution claimed since that transaction began, and grow slower for as long as
-- it stays. Executions can appear behind a resume point (an enqueue whose transaction commits
-- after a claim took later ones, a claim given back, run_at given in the past): announce_ready()
-- tells listening runners where each is when it commits, and they read from before it; a runner
-- that cannot LISTEN keeps its points claim_commit_margin() behind the claim's now(); and every
-- runner sets its points again from claim_resume_points() every POLL_INTERVAL, which finds the rest.
-- Positions travel as (run_at in microseconds since 1970, execution_id), exact both ways.
CREATE OR REPLACE FUNCTION claim_executions(
    p_queues     text[],
    p_priorities smallint[],
    p_job_types  text[],
    p_limit      integer,
    p_worker_id  text,
    p_after      jsonb DEFAULT NULL,
    p_commit_margin interval DEFAULT NULL
) RETURNS TABLE (
    execution_id bigint, queue text, job_type text, priority smallint, payload jsonb, attempt integer,
    max_attempts integer, run_at timestamptz, idempotency_key text, timeout_seconds double precision,
    trace_context text, resume_run_at_us bigint, resume_id bigint
)
LANGUAGE plpgsql VOLATILE
-- A generic plan from the first call (the plan does not depend on the values), and no JIT: the
-- planner cannot know how many rows each probe yields, and its estimate would make JIT
-- compile the statement on every call (a hundred milliseconds for a sub-millisecond claim).
SET search_path FROM CURRENT SET plan_cache_mode = force_generic_plan SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    v_margin_start timestamptz := now() - coalesce(p_commit_margin, claim_commit_margin());
BEGIN
    RETURN QUERY
    -- One probe per (queue, priority, job type): its range of executions_claim_probe_idx
    -- (migrations/0003_claim_probes.sql) from its resume point in p_after (else from the start),
    -- due ones only, locked with SKIP LOCKED so that runners never wait for each other. Each
    -- yields at most p_limit rows, so the merge below sorts at most p_limit × probes rows.
    WITH probes AS (
        SELECT p.execution_id, p.priority, p.run_at
          FROM unnest(p_queues) AS q(queue)
         CROSS JOIN unnest(p_priorities) AS pr(priority)
         CROSS JOIN unnest(p_job_types) AS t(job_type)
          LEFT JOIN jsonb_to_recordset(coalesce(p_after, '[]')) AS f(queue text, priority smallint, job_type text,
                                                                     run_at_us bigint, execution_id bigint)
            ON f.queue = q.queue AND f.priority = pr.priority AND f.job_type = t.job_type
         CROSS JOIN LATERAL (
             SELECT e.execution_id, e.priority, e.run_at
               FROM executions e
              WHERE e.status = 'queued' AND e.queue = q.queue AND e.priority = pr.priority
                AND e.job_type = t.job_type AND e.run_at <= now()
                AND (e.run_at, e.execution_id) > (coalesce(timestamptz 'epoch' + f.run_at_us * interval '1 microsecond', '-infinity'),
                                                  coalesce(f.execution_id, 0))
              ORDER BY e.run_at, e.execution_id
              LIMIT p_limit
                FOR UPDATE SKIP LOCKED) p),
    picked AS (
        SELECT probes.execution_id FROM probes
         ORDER BY probes.priority, probes.run_at, probes.execution_id
         LIMIT p_limit)
    -- By id through the primary key: a join with `picked` would be planned for the planner's
    -- guess of its size, a hash over the whole table.
    UPDATE executions e
       SET status = 'running', attempt = e.attempt + 1, worker_id = p_worker_id, started_at = now(), updated_at = now()
     WHERE e.execution_id = ANY(ARRAY(SELECT picked.execution_id FROM picked))
    RETURNING e.execution_id, e.queue, e.job_type, e.priority, e.payload, e.attempt, e.max_attempts, e.run_at,
              e.idempotency_key, e.timeout_seconds, e.trace_context,
              -- Where the next claim of this row's probe resumes: after this row, or after the
              -- commit margin when the row is younger than it.
              (extract(epoch FROM least(e.run_at, v_margin_start)) * 1000000)::bigint,
              CASE WHEN e.run_at < v_margin_start THEN e.execution_id ELSE 0 END;
END
$$;
COMMENT ON FUNCTION claim_executions(text[], smallint[], text[], integer, text, jsonb, interval) IS
    'The runner''s claim: up to p_limit ready executions of these queues, priorities and job types, in the order priority, run_at, execution_id (rows come back in no order), marked running under p_worker_id with the attempt counted. Rows another transaction holds are skipped. p_after, a JSON array of {queue, priority, job_type, run_at_us, execution_id}, says where each (queue, priority, job type) resumes: only executions after that (run_at in microseconds since 1970, execution_id) are read; each returned row''s resume_run_at_us and resume_id are the point after it, kept p_commit_margin (default claim_commit_margin()) behind now(). Its cost grows with the combinations asked for and the rows it returns, not with the executions of other queues, priorities or types, those not yet due, nor those claimed before its resume points.';

CREATE OR REPLACE FUNCTION claim_resume_points(p_queues text[], p_priorities smallint[], p_job_types text[])
RETURNS TABLE (queue text, priority smallint, job_type text, resume_run_at_us bigint, resume_id bigint)
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT SET plan_cache_mode = force_generic_plan SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    v_margin_start timestamptz := now() - claim_commit_margin();
BEGIN
    -- The first queued and due execution of each range (read from the range's start: the one
    -- check that steps over what a long transaction keeps), or none; the point just before it,
    -- kept behind the commit margin.
    RETURN QUERY
    SELECT q.queue, pr.priority, t.job_type,
           (extract(epoch FROM CASE WHEN h.run_at IS NULL OR h.run_at >= v_margin_start THEN v_margin_start ELSE h.run_at END) * 1000000)::bigint,
           CASE WHEN h.run_at IS NULL OR h.run_at >= v_margin_start THEN 0::bigint ELSE h.execution_id - 1 END
      FROM unnest(p_queues) AS q(queue)
     CROSS JOIN unnest(p_priorities) AS pr(priority)
     CROSS JOIN unnest(p_job_types) AS t(job_type)
      LEFT JOIN LATERAL (
          SELECT e.run_at, e.execution_id
            FROM executions e
           WHERE e.status = 'queued' AND e.queue = q.queue AND e.priority = pr.priority
             AND e.job_type = t.job_type AND e.run_at <= now()
           ORDER BY e.run_at, e.execution_id
           LIMIT 1) h ON true;
END
$$;
COMMENT ON FUNCTION claim_resume_points(text[], smallint[], text[]) IS
    'Where claims of these queues, priorities and job types may resume (the p_after of claim_executions): just before the first queued, due execution of each, or the commit margin behind now() when there is none. Runners call it every POLL_INTERVAL, so an execution that appeared behind a resume point waits at most that long.';

CREATE OR REPLACE FUNCTION retry_execution(p_execution_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_queue    text;
    v_priority smallint;
    v_job_type text;
BEGIN
    UPDATE executions
       SET status = 'queued', run_at = now(), finished_at = NULL, updated_at = now(),
           max_attempts = greatest(max_attempts, attempt + 1)
     WHERE execution_id = p_execution_id AND status IN ('failed', 'cancelled')
    RETURNING queue, priority, job_type INTO v_queue, v_priority, v_job_type;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM announce_ready(v_queue, v_priority, v_job_type, now(), p_execution_id);
    RETURN true;
END
$$;
COMMENT ON FUNCTION retry_execution(bigint) IS
    'Queues a failed or cancelled execution again now, with one more attempt allowed; false when it is not failed or cancelled.';

CREATE OR REPLACE FUNCTION cancel_execution(p_execution_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_status text;
    v_worker text;
BEGIN
    SELECT status, worker_id INTO v_status, v_worker
      FROM executions
     WHERE execution_id = p_execution_id AND status IN ('queued', 'running')
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE executions
       SET status = 'cancelled', finished_at = now(), updated_at = now()
     WHERE execution_id = p_execution_id;
    -- The runner that runs it stops its handler when this commits: 'worker_id:execution_id'.
    IF v_status = 'running' THEN
        PERFORM pg_notify(cancellation_channel(), v_worker || ':' || p_execution_id);
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION cancel_execution(bigint) IS
    'Cancels a queued or running execution; false when it had already finished. A running one''s runner is told on channel skipper_cancellations and stops its handler (SIGTERM, SIGKILL after CANCEL_GRACE); its outcome is refused by the fence.';

CREATE OR REPLACE FUNCTION cleanup_old_idempotency_records(p_older_than interval) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH deleted AS (
        DELETE FROM idempotency_records WHERE created_at < now() - p_older_than RETURNING 1
    )
    SELECT count(*) FROM deleted
$$;
COMMENT ON FUNCTION cleanup_old_idempotency_records(interval) IS
    'Deletes idempotency records older than the interval (e.g. ''24 hours'') and returns how many it deleted.';

CREATE OR REPLACE FUNCTION queue_depth_rows(p_exact_up_to integer DEFAULT 10000)
RETURNS TABLE (
    queue text, priority smallint, status text, executions bigint, ready bigint, oldest_ready_age_seconds numeric,
    scheduled bigint, longest_running_seconds numeric, estimated boolean
)
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    v_now       timestamptz := now();
    r           record;
    v_group     record;
    v_due       bigint;
    v_later     bigint;
    v_ready     bigint := 0;
    v_scheduled bigint := 0;
    v_capped_r  boolean := false;
    v_capped_s  boolean := false;
    v_oldest    timestamptz;
    v_plan      json;
BEGIN
    -- Queued: one walk over executions_claim_probe_idx, one index descent per (queue, priority,
    -- job type). Each descent lands on the first queued execution of its range, so the counts
    -- that follow start there, past the versions a long transaction keeps of executions already
    -- claimed (stepped over once per range, not once per count). In each range the due and the
    -- not-yet-due executions are counted exactly up to p_exact_up_to each; above that a group's
    -- total is the planner's estimate (marked estimated; executions_depth_stats keeps it close),
    -- so reading it stays cheap however deep the queue.
    SELECT e.queue, e.priority, e.job_type, e.run_at, e.execution_id INTO r
      FROM executions e
     WHERE e.status = 'queued'
     ORDER BY e.queue, e.priority, e.job_type, e.run_at, e.execution_id
     LIMIT 1;
    WHILE r.queue IS NOT NULL LOOP
        v_group := r;
        SELECT count(*) INTO v_due FROM (
            SELECT 1 FROM executions e
             WHERE e.status = 'queued' AND e.queue = r.queue AND e.priority = r.priority AND e.job_type = r.job_type
               AND (e.run_at, e.execution_id) >= (r.run_at, r.execution_id) AND e.run_at <= v_now
             LIMIT p_exact_up_to) x;
        SELECT count(*) INTO v_later FROM (
            SELECT 1 FROM executions e
             WHERE e.status = 'queued' AND e.queue = r.queue AND e.priority = r.priority AND e.job_type = r.job_type
               AND e.run_at > v_now
             LIMIT p_exact_up_to) x;
        v_ready := v_ready + v_due;
        v_scheduled := v_scheduled + v_later;
        v_capped_r := v_capped_r OR v_due >= p_exact_up_to;
        v_capped_s := v_capped_s OR v_later >= p_exact_up_to;
        IF r.run_at <= v_now AND (v_oldest IS NULL OR r.run_at < v_oldest) THEN
            v_oldest := r.run_at;
        END IF;
        SELECT e.queue, e.priority, e.job_type, e.run_at, e.execution_id INTO r
          FROM executions e
         WHERE e.status = 'queued' AND (e.queue, e.priority, e.job_type) > (v_group.queue, v_group.priority, v_group.job_type)
         ORDER BY e.queue, e.priority, e.job_type, e.run_at, e.execution_id
         LIMIT 1;
        IF r.queue IS NOT NULL AND (r.queue, r.priority) = (v_group.queue, v_group.priority) THEN
            CONTINUE;
        END IF;
        -- The last job type of (queue, priority): its row.
        queue := v_group.queue;
        priority := v_group.priority;
        status := 'queued';
        estimated := v_capped_r OR v_capped_s;
        executions := v_ready + v_scheduled;
        ready := v_ready;
        scheduled := v_scheduled;
        oldest_ready_age_seconds := extract(epoch FROM v_now - v_oldest);
        IF estimated THEN
            EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM executions WHERE status = ''queued'' AND queue = %L AND priority = %s',
                           v_group.queue, v_group.priority) INTO v_plan;
            executions := greatest(executions, (v_plan->0->'Plan'->>'Plan Rows')::bigint);
            -- The side counted exactly stays exact; the other is what is left of the total.
            IF NOT v_capped_s THEN
                ready := executions - v_scheduled;
            ELSIF NOT v_capped_r THEN
                scheduled := executions - v_ready;
            ELSE
                ready := round(executions * v_ready::numeric / (v_ready + v_scheduled));
                scheduled := executions - ready;
            END IF;
        END IF;
        longest_running_seconds := NULL;
        RETURN NEXT;
        v_ready := 0;
        v_scheduled := 0;
        v_capped_r := false;
        v_capped_s := false;
        v_oldest := NULL;
    END LOOP;
    -- Running: as many as the runners' slots and prefetch, counted exactly.
    RETURN QUERY
    SELECT e.queue, e.priority, 'running'::text, count(*), 0::bigint, NULL::numeric, 0::bigint,
           extract(epoch FROM v_now - min(e.started_at)), false
      FROM executions e
     WHERE e.status = 'running'
     GROUP BY e.queue, e.priority;
END
$$;
COMMENT ON FUNCTION queue_depth_rows(integer) IS
    'The rows of the queue_depth view: queued and running executions per queue, priority and status. Counts above p_exact_up_to queued executions per queue and priority are the planner''s estimates (estimated = true), so that reading it stays cheap with millions queued.';

CREATE OR REPLACE VIEW queue_depth AS
    SELECT queue, priority, status, executions, ready, oldest_ready_age_seconds, scheduled, longest_running_seconds,
           estimated
      FROM queue_depth_rows();
COMMENT ON VIEW queue_depth IS
    'Queued and running executions per queue, priority and status: how many, how many are ready and scheduled for later, how long the oldest ready one has waited and the longest running one has run, and whether the counts are estimates (above 10,000 queued per queue and priority). The one definition of queue depth: runner status, the queue_depth metric and the runbook read it.';

CREATE OR REPLACE FUNCTION sampled_queue_depth(p_interval interval, p_share double precision DEFAULT 0.01)
RETURNS TABLE (
    queue text, priority smallint, status text, executions bigint, ready bigint, oldest_ready_age_seconds numeric,
    scheduled bigint, longest_running_seconds numeric, estimated boolean, sampled_at timestamptz
)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    v_sample  queue_depth_samples;
    v_started timestamptz;
    v_depth   jsonb;
BEGIN
    -- A new sample is due once the last one is p_interval old, or took / p_share old when reading
    -- it took longer than p_share of p_interval (a long transaction keeps dead versions that the
    -- read steps over): one process takes it, the others meanwhile get the last one. The lock
    -- is this schema's table (two Skipper schemas in one database sample apart).
    SELECT * INTO v_sample FROM queue_depth_samples;
    IF (v_sample.sampled_at IS NULL OR clock_timestamp() - v_sample.sampled_at >= greatest(p_interval, v_sample.took / p_share))
       AND pg_try_advisory_xact_lock(hashtext('skipper.queue_depth_samples'), ('queue_depth_samples'::regclass::oid::bigint % 2147483647)::integer) THEN
        SELECT * INTO v_sample FROM queue_depth_samples;  -- another process may just have taken it
        IF v_sample.sampled_at IS NULL OR clock_timestamp() - v_sample.sampled_at >= greatest(p_interval, v_sample.took / p_share) THEN
            v_started := clock_timestamp();
            SELECT coalesce(jsonb_agg(to_jsonb(d)), '[]'::jsonb) INTO v_depth FROM queue_depth d;
            INSERT INTO queue_depth_samples AS q (singleton, sampled_at, took, depth)
            VALUES (true, v_started, clock_timestamp() - v_started, v_depth)
            ON CONFLICT (singleton) DO UPDATE SET sampled_at = excluded.sampled_at, took = excluded.took, depth = excluded.depth
            RETURNING * INTO v_sample;
        END IF;
    END IF;
    RETURN QUERY
    SELECT d.queue, d.priority, d.status, d.executions, d.ready, d.oldest_ready_age_seconds, d.scheduled,
           d.longest_running_seconds, d.estimated, v_sample.sampled_at
      FROM jsonb_to_recordset(coalesce(v_sample.depth, '[]'::jsonb)) AS d(
               queue text, priority smallint, status text, executions bigint, ready bigint, oldest_ready_age_seconds numeric,
               scheduled bigint, longest_running_seconds numeric, estimated boolean);
END
$$;
COMMENT ON FUNCTION sampled_queue_depth(interval, double precision) IS
    'The queue_depth view as last sampled (sampled_at says when), sampled again first when that is p_interval ago (or longer while reading the view takes more than p_share of that time): the gauges of every runner and daemon come from one read per interval per database. Returns nothing before the first sample only if the view is empty.';

CREATE OR REPLACE FUNCTION schedule_slot_key(p_name text, p_slot timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'schedule:' || p_name || ':' || to_char(p_slot AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
COMMENT ON FUNCTION schedule_slot_key(text, timestamptz) IS
    'The idempotency key of the execution a schedule fires for a slot: schedule:<name>:<slot in RFC 3339 UTC>, e.g. schedule:nightly_report:2026-11-25T01:30:00Z. Every run of a schedule: WHERE idempotency_key LIKE ''schedule:nightly_report:%''.';

CREATE OR REPLACE FUNCTION store_schedule(
    p_name text, p_cron text, p_job_type text, p_payload jsonb, p_queue text, p_priority smallint,
    p_timezone text, p_max_attempts integer, p_catch_up text, p_managed_by text
) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_old schedules;
BEGIN
    IF p_cron IS NULL OR p_cron !~* '^\s*(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every\s+[0-9smhd]+|(\S+\s+){4,5}\S+)\s*$' THEN
        RAISE EXCEPTION 'schedule %: invalid cron %', p_name, coalesce(quote_literal(p_cron), 'NULL')
            USING ERRCODE = '22023',
                  HINT = '5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, @hourly, @daily, @weekly, @monthly, @yearly or @every 30s';
    END IF;
    BEGIN
        PERFORM now() AT TIME ZONE p_timezone;
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'schedule %: unknown time zone %', p_name, quote_literal(p_timezone)
            USING ERRCODE = '22023', HINT = 'an IANA zone name such as UTC, Europe/Berlin or America/New_York';
    END;
    IF p_catch_up IS NULL OR p_catch_up NOT IN ('latest', 'all', 'none') THEN
        RAISE EXCEPTION 'schedule %: catch_up must be latest, all or none, not %', p_name, coalesce(quote_literal(p_catch_up), 'NULL')
            USING ERRCODE = '22023', HINT = 'latest fires the most recent missed slot, all every one (at most 100), none skips them';
    END IF;
    IF p_payload IS NULL OR jsonb_typeof(p_payload) NOT IN ('object', 'array') THEN
        RAISE EXCEPTION 'schedule %: payload must be a JSON object or array', p_name
            USING ERRCODE = '22023', HINT = 'e.g. ''{"kind": "nightly"}''';
    END IF;
    -- Runners that start together apply the same file at once: the second insert waits for
    -- the first and then finds the row.
    INSERT INTO schedules (name, cron, timezone, job_type, payload, queue, priority, max_attempts, catch_up, managed_by)
    VALUES (p_name, p_cron, p_timezone, p_job_type, p_payload, p_queue, p_priority, p_max_attempts, p_catch_up, p_managed_by)
    ON CONFLICT (name) DO NOTHING;
    IF FOUND THEN
        RETURN 'created';
    END IF;
    SELECT * INTO v_old FROM schedules WHERE name = p_name FOR UPDATE;
    IF (v_old.cron, v_old.timezone, v_old.job_type, v_old.payload, v_old.queue, v_old.priority, v_old.max_attempts,
        v_old.catch_up, v_old.managed_by)
       IS NOT DISTINCT FROM (p_cron, p_timezone, p_job_type, p_payload, p_queue, p_priority, p_max_attempts, p_catch_up, p_managed_by) THEN
        RETURN 'unchanged';
    END IF;
    -- A new cron or zone takes effect from its next slot after now: a scheduler computes it.
    UPDATE schedules
       SET cron = p_cron, timezone = p_timezone, job_type = p_job_type, payload = p_payload, queue = p_queue,
           priority = p_priority, max_attempts = p_max_attempts, catch_up = p_catch_up, managed_by = p_managed_by,
           next_slot = CASE WHEN (cron, timezone) IS DISTINCT FROM (p_cron, p_timezone) THEN NULL ELSE next_slot END,
           problem = CASE WHEN (cron, timezone) IS DISTINCT FROM (p_cron, p_timezone) THEN NULL ELSE problem END,
           updated_at = now()
     WHERE name = p_name;
    RETURN 'updated';
END
$$;
COMMENT ON FUNCTION store_schedule(text, text, text, jsonb, text, smallint, text, integer, text, text) IS
    'Creates or changes a schedule (the work of upsert_schedule and of a runner''s schedules file) and says which: created, updated or unchanged. A changed cron or time zone takes effect at its next slot after now; paused stays as it was.';

CREATE OR REPLACE FUNCTION upsert_schedule(
    p_name         text,
    p_cron         text,
    p_job_type     text,
    p_payload      jsonb    DEFAULT '{}'::jsonb,
    p_queue        text     DEFAULT 'default',
    p_priority     smallint DEFAULT 1,
    p_timezone     text     DEFAULT 'UTC',
    p_max_attempts integer  DEFAULT 4,
    p_catch_up     text     DEFAULT 'latest'
) RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT store_schedule(p_name, p_cron, p_job_type, p_payload, p_queue, p_priority, p_timezone, p_max_attempts, p_catch_up, 'sql')
$$;
COMMENT ON FUNCTION upsert_schedule(text, text, text, jsonb, text, smallint, text, integer, text) IS
    'Creates or changes a recurring schedule from SQL (no schedules file needed) and returns created, updated or unchanged. cron: 5 fields, 6 with seconds, @daily and the like, or @every 30s; timezone an IANA name; catch_up latest | all | none. A schedule created here is not removed by any runner''s schedules file.';

CREATE OR REPLACE FUNCTION delete_schedule(p_name text) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH deleted AS (DELETE FROM schedules WHERE name = p_name RETURNING 1)
    SELECT count(*) > 0 FROM deleted
$$;
COMMENT ON FUNCTION delete_schedule(text) IS
    'Deletes a schedule (the executions it fired stay); false when there is none of that name.';

CREATE OR REPLACE FUNCTION pause_schedule(p_name text) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE schedules SET paused = true, updated_at = now() WHERE name = p_name RETURNING 1)
    SELECT count(*) > 0 FROM changed
$$;
COMMENT ON FUNCTION pause_schedule(text) IS
    'Stops a schedule from firing until resume_schedule; false when there is none of that name.';

CREATE OR REPLACE FUNCTION resume_schedule(p_name text) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE schedules
           SET paused = false, next_slot = CASE WHEN paused THEN NULL ELSE next_slot END, updated_at = now()
         WHERE name = p_name RETURNING 1)
    SELECT count(*) > 0 FROM changed
$$;
COMMENT ON FUNCTION resume_schedule(text) IS
    'Lets a paused schedule fire again from its next slot after now (slots that passed while paused are not caught up); false when there is none of that name.';

CREATE OR REPLACE FUNCTION trigger_schedule(p_name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    s schedules;
BEGIN
    SELECT * INTO s FROM schedules WHERE name = p_name;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN enqueue_execution(s.job_type, s.payload, s.queue, s.priority, p_max_attempts => s.max_attempts,
        p_idempotency_key => 'schedule:' || s.name || ':manual:' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
END
$$;
COMMENT ON FUNCTION trigger_schedule(text) IS
    'Enqueues one execution of a schedule now, outside its slots (keyed schedule:<name>:manual:<instant>), and returns its execution_id; NULL when there is none of that name. The schedule''s slots are unchanged.';

CREATE OR REPLACE FUNCTION sync_file_schedules(p_schedules jsonb)
RETURNS TABLE (name text, change text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    s jsonb;
BEGIN
    FOR s IN SELECT value FROM jsonb_array_elements(p_schedules) LOOP
        name := s->>'name';
        change := store_schedule(
            s->>'name', s->>'cron', s->>'job_type', coalesce(s->'payload', '{}'::jsonb), coalesce(s->>'queue', 'default'),
            coalesce((s->>'priority')::smallint, 1::smallint), coalesce(s->>'timezone', 'UTC'),
            coalesce((s->>'max_attempts')::integer, 4), coalesce(s->>'catch_up', 'latest'), 'file');
        RETURN NEXT;
    END LOOP;
    -- Declarative: a schedule the file declared before and declares no more is deleted.
    RETURN QUERY
    DELETE FROM schedules d
     WHERE d.managed_by = 'file'
       AND d.name NOT IN (SELECT e->>'name' FROM jsonb_array_elements(p_schedules) e)
    RETURNING d.name, 'deleted'::text;
END
$$;
COMMENT ON FUNCTION sync_file_schedules(jsonb) IS
    'Makes the file-managed schedules what a runner''s schedules file declares (a JSON array of {name, cron, timezone, job_type, payload, queue, priority, max_attempts, catch_up}): creates and updates those, deletes file-managed ones it no longer lists, leaves the SQL API''s alone; returns each change.';

CREATE OR REPLACE FUNCTION fire_schedule(p_name text, p_slots timestamptz[], p_next_slot timestamptz, p_problem text DEFAULT NULL)
RETURNS bigint[]
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    s      schedules;
    v_slot timestamptz;
    v_ids  bigint[] := '{}';
BEGIN
    SELECT * INTO s FROM schedules WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    FOREACH v_slot IN ARRAY coalesce(p_slots, '{}') LOOP
        v_ids := v_ids || enqueue_execution(s.job_type, s.payload, s.queue, s.priority, p_max_attempts => s.max_attempts,
                                            p_idempotency_key => schedule_slot_key(s.name, v_slot));
        s.last_slot := v_slot;
        s.last_fired_at := now();
    END LOOP;
    UPDATE schedules
       SET next_slot = p_next_slot, last_slot = s.last_slot, last_execution_id = coalesce(v_ids[cardinality(v_ids)], s.last_execution_id),
           last_fired_at = s.last_fired_at, problem = p_problem
     WHERE name = p_name;
    RETURN v_ids;
END
$$;
COMMENT ON FUNCTION fire_schedule(text, timestamptz[], timestamptz, text) IS
    'A scheduler''s step for one due schedule (row locked by its pass): one execution per slot, keyed by schedule_slot_key (so a slot fired twice makes one execution), then the next slot due and the problem, if any; returns the execution_id of each slot in order (NULL when there is no such schedule).';

CREATE OR REPLACE FUNCTION queued_ranges(p_known jsonb DEFAULT NULL)
RETURNS TABLE (queue text, priority smallint, job_type text)
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT SET plan_cache_mode = force_generic_plan SET jit = off AS $$
#variable_conflict use_column
DECLARE
    k      record;
    v_new  record;
    v_q    text;
    v_p    smallint;
    v_t    text;
BEGIN
    -- A skip scan of executions_claim_probe_idx, one descent per (queue, priority, job type).
    -- With p_known (a JSON array of {queue, priority, job_type} a previous call returned) it
    -- reads only the gaps between them: each descent is bounded by the next known range, so the
    -- row versions a long transaction keeps at the head of a known range are never stepped over.
    -- The known ranges are returned as they are.
    FOR k IN
        SELECT x.queue, x.priority, x.job_type, false AS sentinel
          FROM jsonb_to_recordset(coalesce(p_known, '[]'::jsonb)) AS x(queue text, priority smallint, job_type text)
        UNION ALL SELECT NULL, NULL, NULL, true
         ORDER BY sentinel, queue, priority, job_type
    LOOP
        LOOP
            IF v_q IS NULL AND k.sentinel THEN
                SELECT e.queue, e.priority, e.job_type INTO v_new FROM executions e
                 WHERE e.status = 'queued' ORDER BY e.queue, e.priority, e.job_type LIMIT 1;
            ELSIF v_q IS NULL THEN
                SELECT e.queue, e.priority, e.job_type INTO v_new FROM executions e
                 WHERE e.status = 'queued' AND (e.queue, e.priority, e.job_type) < (k.queue, k.priority, k.job_type)
                 ORDER BY e.queue, e.priority, e.job_type LIMIT 1;
            ELSIF k.sentinel THEN
                SELECT e.queue, e.priority, e.job_type INTO v_new FROM executions e
                 WHERE e.status = 'queued' AND (e.queue, e.priority, e.job_type) > (v_q, v_p, v_t)
                 ORDER BY e.queue, e.priority, e.job_type LIMIT 1;
            ELSE
                SELECT e.queue, e.priority, e.job_type INTO v_new FROM executions e
                 WHERE e.status = 'queued' AND (e.queue, e.priority, e.job_type) > (v_q, v_p, v_t)
                   AND (e.queue, e.priority, e.job_type) < (k.queue, k.priority, k.job_type)
                 ORDER BY e.queue, e.priority, e.job_type LIMIT 1;
            END IF;
            EXIT WHEN NOT FOUND;
            queue := v_new.queue; priority := v_new.priority; job_type := v_new.job_type;
            RETURN NEXT;
            v_q := v_new.queue; v_p := v_new.priority; v_t := v_new.job_type;
        END LOOP;
        EXIT WHEN k.sentinel;
        queue := k.queue; priority := k.priority; job_type := k.job_type;
        RETURN NEXT;
        v_q := k.queue; v_p := k.priority; v_t := k.job_type;
    END LOOP;
END
$$;
COMMENT ON FUNCTION queued_ranges(jsonb) IS
    'Every (queue, priority, job type) with queued executions, one index descent each: the ranges a scheduler watches for delayed executions coming due. Given the ranges a previous call returned, it reads only the gaps between them (new ranges), so a long transaction''s dead versions at the head of a known range cost nothing; the known ones come back as they are.';

CREATE OR REPLACE FUNCTION announce_due(p_since timestamptz, p_ranges jsonb)
RETURNS TABLE (announced integer, next_due_in_seconds double precision)
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET plan_cache_mode = force_generic_plan SET jit = off AS $$
DECLARE
    g      record;
    v_hit  record;
    v_next timestamptz;
    v_soon timestamptz;
BEGIN
    announced := 0;
    -- In each range given (a JSON array of {queue, priority, job_type}): the first execution
    -- that came due since p_since and was not ready when it was written (delayed, or put back
    -- with a retry backoff: run_at after created_at), announced as announce_ready does at
    -- enqueue; and the soonest one still to come. Both reads start at a run_at bound, so what a
    -- long transaction keeps of claimed executions is not stepped over.
    FOR g IN SELECT x.queue, x.priority, x.job_type FROM jsonb_to_recordset(p_ranges) AS x(queue text, priority smallint, job_type text) LOOP
        SELECT e.run_at, e.execution_id INTO v_hit
          FROM executions e
         WHERE e.status = 'queued' AND e.queue = g.queue AND e.priority = g.priority AND e.job_type = g.job_type
           AND e.run_at > coalesce(p_since, now() - interval '2 seconds') AND e.run_at <= now() AND e.run_at > e.created_at
         ORDER BY e.run_at, e.execution_id
         LIMIT 1;
        IF FOUND THEN
            PERFORM announce_ready(g.queue, g.priority, g.job_type, v_hit.run_at, v_hit.execution_id);
            announced := announced + 1;
        END IF;
        SELECT e.run_at INTO v_next
          FROM executions e
         WHERE e.status = 'queued' AND e.queue = g.queue AND e.priority = g.priority AND e.job_type = g.job_type
           AND e.run_at > now()
         ORDER BY e.run_at, e.execution_id
         LIMIT 1;
        IF FOUND AND (v_soon IS NULL OR v_next < v_soon) THEN
            v_soon := v_next;
        END IF;
    END LOOP;
    next_due_in_seconds := extract(epoch FROM v_soon - clock_timestamp());
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION announce_due(timestamptz, jsonb) IS
    'A scheduler''s wake-up for delayed executions: in each given range, announces (on wake_channel(), when the caller commits) the first execution that came due after p_since (NULL: in the last 2 s) and was delayed or backed off, and says in how many seconds the next one comes due (NULL: none queued for later). Idle runners start such executions when they come due, not at their next poll.';

CREATE OR REPLACE VIEW worker_health AS
    SELECT worker_id, hostname, pid, status, mode, queues, concurrency, active_jobs,
           round(extract(epoch FROM now() - last_heartbeat_at)::numeric, 1) AS seconds_since_heartbeat,
           heartbeat_interval_seconds, started_at, version
      FROM worker_heartbeats;
COMMENT ON VIEW worker_health IS
    'Every runner with the seconds since its last heartbeat.';

REVOKE ALL ON FUNCTION sampled_queue_depth(interval, double precision) FROM PUBLIC;
REVOKE ALL ON FUNCTION store_schedule(text, text, text, jsonb, text, smallint, text, integer, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION upsert_schedule(text, text, text, jsonb, text, smallint, text, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION delete_schedule(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pause_schedule(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION resume_schedule(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION trigger_schedule(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION sync_file_schedules(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION fire_schedule(text, timestamptz[], timestamptz, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION enqueue_execution(text, jsonb, text, smallint, timestamptz, interval, integer, text, double precision, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION enqueue_executions(text[], jsonb[], text[], smallint[], timestamptz[], double precision[], integer[], double precision[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION claim_executions(text[], smallint[], text[], integer, text, jsonb, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION claim_resume_points(text[], smallint[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION announce_ready(text, smallint, text, timestamptz, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION queued_ranges(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION announce_due(timestamptz, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION retry_execution(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION cancel_execution(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION cleanup_old_idempotency_records(interval) FROM PUBLIC;
