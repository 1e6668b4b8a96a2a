-- Time to live and why a sandbox stopped (docs/contract.md, "Time to live" and "Stop reasons").
--   expires_at        when the control plane acts on it next: while it runs, the end of its time to live
--                     (timeout_sec from its last create, resume, timeout or connect call, never past its
--                     lifetime); while paused, the end of its lifetime (a paused sandbox's timer does not run);
--                     null once stopped or errored, or paused without a lifetime.
--   lifetime_ends_at  created_at + max_lifetime_sec, or null; never changes.
--   stop_reason       why it is paused, stopped or error (StopReasons in the contract); null otherwise.
--   stop_intent       what the pause or destroy under way will yield (timeout, drained, …): a settle after a
--                     crash still knows it. Internal; cleared once the operation has ended.
ALTER TABLE sandboxes
    ADD COLUMN IF NOT EXISTS on_timeout text NOT NULL DEFAULT 'pause' CHECK (on_timeout IN ('pause', 'destroy')),
    ADD COLUMN IF NOT EXISTS max_lifetime_sec integer,
    ADD COLUMN IF NOT EXISTS lifetime_ends_at timestamptz,
    ADD COLUMN IF NOT EXISTS expires_at timestamptz,
    ADD COLUMN IF NOT EXISTS stop_reason text,
    ADD COLUMN IF NOT EXISTS stop_intent text;

-- Sandboxes that already run get their whole time to live from now: nothing was promised before.
UPDATE sandboxes
   SET expires_at = now() + make_interval(secs => timeout_sec)
 WHERE status IN ('starting', 'running', 'pausing', 'resuming') AND expires_at IS NULL;

-- The evictor's one query: what has expired, oldest first. It names no status (a status change stays a HOT
-- update); only the moves that change expires_at itself (into paused, stopped or error) write an entry.
CREATE INDEX IF NOT EXISTS sandboxes_expires_at ON sandboxes (expires_at) WHERE expires_at IS NOT NULL;

-- Each history row says why, when it moved a sandbox into paused, stopped or error.
ALTER TABLE sandbox_transitions ADD COLUMN IF NOT EXISTS stop_reason text;
