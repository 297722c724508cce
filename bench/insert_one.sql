-- The ceiling for enqueue: one plain row per transaction, no function, no notification.
INSERT INTO executions (queue, job_type, payload) VALUES ('bench_insert', 'noop', '{"n": 1}');
