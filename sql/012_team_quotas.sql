-- A team's limits (docs/contract.md, "Team quotas"). A team without a row has the configured defaults
-- (Lifecycle:Quotas); its first PUT /v1/teams/{id}/quotas writes all four, starting from them. NULL is no limit.
-- Usage is never stored: it is counted from sandboxes under a per-team advisory lock, so it cannot drift.
CREATE TABLE IF NOT EXISTS team_quotas (
    team_id               uuid PRIMARY KEY REFERENCES teams (id),
    max_active_sandboxes  integer CHECK (max_active_sandboxes >= 0),
    max_vcpus             integer CHECK (max_vcpus >= 0),
    max_memory_mb         integer CHECK (max_memory_mb >= 0),
    max_paused_sandboxes  integer CHECK (max_paused_sandboxes >= 0),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
