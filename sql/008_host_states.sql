-- The host states of the contract (Core/Hosts/HostTransitionTable.cs): a new host is `registered`
-- until its first heartbeat; operators cordon, drain and uncordon hosts. A drain's mode and deadline
-- live on the host's row, so whichever replica owns the host carries the drain on after a handover.
-- Every status change is a row of host_transitions: a host's story for `lifecyclectl host ID`.
ALTER TABLE hosts DROP CONSTRAINT hosts_status_check;
ALTER TABLE hosts ADD CONSTRAINT hosts_status_check CHECK (status IN (
    'registered', 'online', 'unreachable', 'cordoned', 'draining', 'drained', 'decommissioned'));
ALTER TABLE hosts ALTER COLUMN status SET DEFAULT 'registered';

ALTER TABLE hosts
    ADD COLUMN drain_mode        text CHECK (drain_mode IN ('pause', 'destroy', 'wait')),
    ADD COLUMN drain_started_at  timestamptz,
    ADD COLUMN drain_deadline    timestamptz;

CREATE TABLE host_transitions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    host_id      uuid NOT NULL REFERENCES hosts (id),
    type         text NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    actor        text NOT NULL,
    reason       text,
    at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX host_transitions_host ON host_transitions (host_id, id);
