-- When each host was last reconciled (a HostMonitor pass asked it what it runs and settled its rows),
-- and by which replica: on-call reads it beside the host's shard owner (`lifecyclectl hosts`, `host ID`),
-- so a host whose owner is live yet passes it by shows as overdue.
ALTER TABLE hosts
    ADD COLUMN IF NOT EXISTS reconciled_at timestamptz,
    ADD COLUMN IF NOT EXISTS reconciled_by text;
