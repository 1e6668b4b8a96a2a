-- Several replicas share the work: each event stream partition and each shard of hosts has one
-- owner at a time, by lease (docs/deployment.md).

-- The replicas alive now. A replica is live while its row is fresh and its membership session holds
-- the advisory lock (namespace, hashtext(name)): a killed process's session ends, and with it the lock,
-- at once; a cut-off one's row goes stale within a lease period.
CREATE TABLE IF NOT EXISTS replicas (
    name        text PRIMARY KEY,
    kinds       text[] NOT NULL,
    joined_at   timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per slot of each kind ('events' partitions, 'hosts' shards). fence grows by one at every
-- change of owner, so a generation of ownership is named and a stale holder's renewal fails.
CREATE TABLE IF NOT EXISTS leases (
    kind        text NOT NULL,
    slot        integer NOT NULL,
    owner       text,
    fence       bigint NOT NULL DEFAULT 0,
    acquired_at timestamptz,
    expires_at  timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (kind, slot)
);
