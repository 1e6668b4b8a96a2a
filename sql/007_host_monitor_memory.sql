-- What one HostMonitor pass over a host leaves for the next pass over that host. It lives here, not
-- in a replica's memory, because the next pass may run on another replica (the host's owner changed):
-- that replica must neither restart an orphan's grace nor refuse again what was refused once.
-- Hosts are never deleted today (decommissioned ones keep their row); the cascade only keeps this
-- memory from standing in the way should that change.

-- A VM on a host that the database does not know there, since the first pass that saw it. Rows of
-- orphans a pass no longer sees are deleted by that pass. first_seen is Postgres's clock, so the
-- grace is measured on one clock whichever replicas see the orphan.
CREATE TABLE orphan_sightings (
    host_id     uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    sandbox_id  text NOT NULL,            -- as the host lists it: not always an id we gave out
    first_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host_id, sandbox_id)
);

-- The destructive decisions (Decision.Key) the safety brake last withheld on a host; the next pass
-- carries out those it proposes again. No row: the last pass withheld nothing.
CREATE TABLE brake_refusals (
    host_id        uuid PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    decision_keys  text[] NOT NULL,
    refused_at     timestamptz NOT NULL DEFAULT now()
);
