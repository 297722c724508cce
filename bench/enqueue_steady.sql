-- A steady producer for the held-xmin figure: one enqueue per transaction, run at a fixed rate
-- (pgbench --rate), into the queue its one runner serves.
SELECT enqueue_execution('noop', '{"n": 1}'::jsonb, p_queue => 'bench_xmin');
