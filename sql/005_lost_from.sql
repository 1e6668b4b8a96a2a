-- The status a sandbox was in when it became missing. A sandbox lost mid-operation (stopping, say)
-- must, when its host shows it again, return to that operation and finish it, never jump to what the
-- host shows: an accepted destroy is never undone. Set by the transition statement itself on every
-- move into missing and cleared on every other move, so it is never stale.
ALTER TABLE sandboxes ADD COLUMN IF NOT EXISTS lost_from text;

-- Sandboxes already missing learn it from their history.
UPDATE sandboxes s
   SET lost_from = (SELECT t.from_status FROM sandbox_transitions t
                     WHERE t.sandbox_id = s.id AND t.to_status = 'missing'
                     ORDER BY t.version DESC LIMIT 1)
 WHERE s.status = 'missing' AND s.lost_from IS NULL;
