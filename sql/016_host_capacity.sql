-- What a host lets its sandboxes use (docs/contract.md, "Capacity"): allocatable vCPUs and memory in MiB, after what
-- the host keeps for itself and its VM monitor, as it last reported them (at registration, then in any heartbeat
-- that says). Null until it reports them. Metadata-only columns: adding them rewrites nothing, and no index names
-- them, so a heartbeat stays a HOT update.
ALTER TABLE hosts ADD COLUMN IF NOT EXISTS allocatable_vcpus integer CHECK (allocatable_vcpus > 0);
ALTER TABLE hosts ADD COLUMN IF NOT EXISTS allocatable_memory_mb integer CHECK (allocatable_memory_mb > 0);
