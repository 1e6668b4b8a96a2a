-- Idempotency keys (docs/contract.md, "Retries and idempotency"): one row per team and key, written in the
-- transaction of the change it answers, so no crash or replica can leave a change without its answer or an
-- answer without its change.
--   fingerprint  SHA-256 of the request's method, path and body (JSON whitespace removed): the same key with
--                another request is refused (422), never answered with the first request's result.
--   status_code, location, etag, body
--                the answer the first request got, replayed as it was (Idempotent-Replayed: true). Null only
--                inside the claiming transaction, which writes them before it commits.
--   expires_at   created_at + the retention (24 h by default); an expired row is reclaimed by the next request
--                with its key and deleted by the janitor.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    team_id      uuid NOT NULL,
    key          text NOT NULL,
    method       text NOT NULL,
    path         text NOT NULL,
    fingerprint  bytea NOT NULL,
    status_code  integer,
    location     text,
    etag         text,
    body         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (team_id, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- sandboxes.idempotency_key (001) is no longer written: a create's key lives here, with every other request's.
-- The column and its unique constraint stay until no replica older than this migration runs (their creates
-- still name the constraint in ON CONFLICT).
