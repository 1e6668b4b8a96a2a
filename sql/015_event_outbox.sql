-- The event outbox (docs/contract.md, "What the stream guarantees"; decision 0034): every state event is a row here
-- before anything depends on its stream copy. A request's event is written by the statement that moves its sandbox;
-- an operation's outcome, a host's report and the HostMonitor's correction as soon as they are known. The row stays
-- until the `appliers` group has seen its event on the stream (applied, skipped as stale or duplicate, or
-- dead-lettered), so an event Redis acknowledged and then lost is sent again.
--   seq         the order events were recorded in; per sandbox, the order they reach the stream in.
--   partition   the stream partition the event belongs to (its sandbox's), as the relay that owns it reads it.
--   fields      the event in the one stream schema (Contract/Events/StreamFields): the stream entry, verbatim.
--   stream_id   the entry id it last got on the stream; null while it is not on the stream yet.
--   sent_at     when it was last appended, or last seen still on the stream: the relay looks again after a while.
CREATE TABLE IF NOT EXISTS event_outbox (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    sandbox_id   uuid NOT NULL,
    partition    integer NOT NULL,
    fields       jsonb NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    stream_id    text,
    sent_at      timestamptz
);
-- What a partition's relay has to send, oldest first.
CREATE INDEX IF NOT EXISTS event_outbox_unsent ON event_outbox (partition, seq) WHERE stream_id IS NULL;
-- What a partition's relay checks is still on the stream, and a sandbox's recorded events (the HostMonitor's look).
CREATE INDEX IF NOT EXISTS event_outbox_sent ON event_outbox (partition, sent_at) WHERE stream_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS event_outbox_sandbox ON event_outbox (sandbox_id, seq);
