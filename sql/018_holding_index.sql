-- What a host has lent is counted under its lock on every create and resume (docs/contract.md, "Capacity"): read by
-- (host_id) alone, that count grew with every sandbox the host ever ran (30 ms a create with 11,000 on a host). `holds`
-- says whether a sandbox may still have a VM on its host (Contract/Capacity/CapacityRules.Holding; a test keeps the two
-- lists equal), and the partial index covers the count, so it reads only what the host holds now.
-- No index names `status` (decision 0001): `holds` changes only when a sandbox starts or stops holding its share
-- (created, paused, resumed, stopped), so every other transition (starting→running, running→pausing, …) stays HOT.
-- Adding the column rewrites the table once.
ALTER TABLE sandboxes ADD COLUMN IF NOT EXISTS holds boolean
    GENERATED ALWAYS AS (status IN ('starting', 'running', 'pausing', 'resuming', 'stopping', 'missing', 'error')) STORED;
CREATE INDEX IF NOT EXISTS sandboxes_host_holding ON sandboxes (host_id) INCLUDE (vcpus, memory_mb) WHERE holds;
