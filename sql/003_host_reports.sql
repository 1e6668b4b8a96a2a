-- The newest report each host agent made about each sandbox (auto-pause, exit). A host numbers its
-- reports; one that arrives after a newer one (an auto-pause overtaken by an exit) is recognised
-- here and refused, instead of undoing the newer transition.
CREATE TABLE host_reports (
    host_id      uuid NOT NULL REFERENCES hosts (id),
    sandbox_id   uuid NOT NULL,
    sequence     bigint NOT NULL,
    event_id     uuid NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host_id, sandbox_id)
);
