-- What VMs running on a host take that none of its holding sandboxes accounts for (docs/contract.md, "Capacity"): a VM
-- the database does not know there, or one whose row is paused or stopped, as the HostMonitor's last pass of the host
-- saw it. Counted with the holding sandboxes, so a host is never lent past what it really runs. Rewritten each pass; no
-- index names them, so the write is a HOT update.
ALTER TABLE hosts ADD COLUMN IF NOT EXISTS unaccounted_vcpus integer NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN IF NOT EXISTS unaccounted_memory_mb integer NOT NULL DEFAULT 0;
