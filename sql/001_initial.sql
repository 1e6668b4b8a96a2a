-- Teams, their API keys, hosts, sandboxes and the transition history.
-- Statuses are text with CHECK constraints so psql shows them as they are on the stream.

CREATE TABLE teams (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Keys are stored only as SHA-256 hashes; the key itself is shown once, on creation.
CREATE TABLE api_keys (
    id          uuid PRIMARY KEY,
    team_id     uuid NOT NULL REFERENCES teams (id),
    key_hash    bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE hosts (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL UNIQUE,
    grpc_address       text NOT NULL,
    token_hash         bytea NOT NULL UNIQUE,
    status             text NOT NULL DEFAULT 'online'
                       CHECK (status IN ('online', 'unreachable', 'decommissioned')),
    last_heartbeat_at  timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    decommissioned_at  timestamptz
);

CREATE TABLE sandboxes (
    id                  uuid PRIMARY KEY,          -- UUIDv7: time-ordered, so it doubles as the list cursor
    team_id             uuid NOT NULL REFERENCES teams (id),
    host_id             uuid REFERENCES hosts (id),
    status              text NOT NULL CHECK (status IN (
                            'starting', 'running', 'pausing', 'paused', 'resuming',
                            'stopping', 'stopped', 'error', 'missing')),
    version             bigint NOT NULL,
    template            text NOT NULL,
    vcpus               integer NOT NULL,
    memory_mb           integer NOT NULL,
    timeout_sec         integer NOT NULL,
    metadata            jsonb NOT NULL DEFAULT '{}',
    last_error          text,
    operation_deadline  timestamptz,               -- set while a transient state's operation runs
    idempotency_key     text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    UNIQUE (team_id, idempotency_key)
) WITH (fillfactor = 70);

-- No index mentions status, not even in a predicate, and pages keep 30% free (fillfactor): so a
-- status change is a HOT update that writes no index entry. That halves the cost of applying a
-- batch of events, the hottest path there is (docs/architecture.md, "Schema choices").
-- GET /v1/sandboxes: a team's sandboxes, newest first (a status filter scans this, newest first).
CREATE INDEX sandboxes_team_id_desc ON sandboxes (team_id, id DESC);
-- Host choice and per-host reconciliation.
CREATE INDEX sandboxes_host ON sandboxes (host_id);
-- (Dropped by 004_no_deadline_index.sql: it made transitions non-HOT and nothing reads by it.)
CREATE INDEX sandboxes_operation_deadline ON sandboxes (operation_deadline);

-- One row per applied transition, keyed by the event id so a redelivered event is a no-op.
-- version is the row version the transition applied to; the row then holds version + 1.
CREATE TABLE sandbox_transitions (
    event_id     uuid PRIMARY KEY,
    -- No foreign key: each row is written by the statement that updates that sandbox, and the
    -- per-row FK check cost a sixth of the batch apply.
    sandbox_id   uuid NOT NULL,
    type         text NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    version      bigint NOT NULL,
    actor        text NOT NULL,
    reason       text,
    error        text,
    at           timestamptz NOT NULL,
    applied_at   timestamptz NOT NULL DEFAULT now()
);

-- One transition per version: two writers can never both win the same compare-and-set.
CREATE UNIQUE INDEX sandbox_transitions_sandbox_version ON sandbox_transitions (sandbox_id, version);
