-- Skipper's SQL enqueue, one per transaction (what an application does).
SELECT enqueue_execution('noop', '{"n": 1}'::jsonb, p_queue => 'bench_enqueue');
