-- Skipper schema, version 4: queue depth is sampled once per database, not once per process.
--
-- Every runner and cleanup daemon exports the queue_depth gauges, and each used to read the
-- queue_depth view on its own every QUEUE_DEPTH_INTERVAL: ten runners read it ten times. The
-- reads are cheap while VACUUM keeps up, and not while a transaction held open elsewhere keeps
-- every claimed row version: each read steps over them (once per range of the claim index), on
-- the same CPUs as the claims. sampled_queue_depth() (sql/functions.sql) reads the view for
-- whichever process asks first once the last sample is QUEUE_DEPTH_INTERVAL old (one at a time,
-- under an advisory lock) and keeps the result here; the others read this one row. While reads
-- are slow the sample is taken less often, so that sampling takes at most 1% of the time.
--
-- One row (singleton), rewritten in place each sample.
CREATE TABLE IF NOT EXISTS queue_depth_samples (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    sampled_at timestamptz NOT NULL,
    took       interval    NOT NULL,
    depth      jsonb       NOT NULL
);
COMMENT ON TABLE queue_depth_samples IS
    'The last sample of the queue_depth view (rows as a JSON array), when it was taken and how long it took: what sampled_queue_depth() hands to every runner and daemon between samples.';

INSERT INTO skipper_schema_migrations (version, name) VALUES (4, '0004_queue_depth_sample')
    ON CONFLICT (version) DO NOTHING;
