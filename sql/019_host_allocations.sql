-- What each host's holding sandboxes take, kept as a ledger so that the check every create and resume makes under the
-- host's lock (docs/contract.md, "Capacity"; decision 0035) costs the same with 30 sandboxes on a host as with 30,000.
-- Counting the holding rows themselves (sql/018) read every one of them under the lock: at about 28,000 per host,
-- creates were accepted ten times slower.
--
-- The rule: for every host, the sum of its rows here equals the count and the sizes of its sandboxes with `holds`.
-- A trigger keeps it, in the transaction of every write that changes what a sandbox holds (created holding, paused,
-- resumed, stopped, lost from paused, deleted), by inserting a row of +1 or -1 and the sizes: an insert takes no lock
-- that another writer waits for, so the appliers, the HostMonitor and the API never queue on a host's counter.
-- `AllocationLedger` (ControlPlane/Capacity) folds each host's rows into one about every second; a fold replaces rows
-- by their sum in one transaction, so every reader sees the same total before and after it.
CREATE TABLE IF NOT EXISTS host_allocations (
    host_id    uuid   NOT NULL,
    sandboxes  bigint NOT NULL,
    vcpus      bigint NOT NULL,
    memory_mb  bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS host_allocations_host ON host_allocations (host_id) INCLUDE (sandboxes, vcpus, memory_mb);

CREATE OR REPLACE FUNCTION host_allocations_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.holds AND OLD.host_id IS NOT NULL THEN
        INSERT INTO host_allocations VALUES (OLD.host_id, -1, -OLD.vcpus, -OLD.memory_mb);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.holds AND NEW.host_id IS NOT NULL THEN
        INSERT INTO host_allocations VALUES (NEW.host_id, 1, NEW.vcpus, NEW.memory_mb);
    END IF;
    RETURN NULL;
END $$;

-- The WHEN conditions are checked without calling the function: a transition that changes nothing a host lends
-- (starting→running, running→pausing, …) costs nothing here.
DROP TRIGGER IF EXISTS sandboxes_allocations_insert ON sandboxes;
CREATE TRIGGER sandboxes_allocations_insert AFTER INSERT ON sandboxes
    FOR EACH ROW WHEN (NEW.holds) EXECUTE FUNCTION host_allocations_record();
DROP TRIGGER IF EXISTS sandboxes_allocations_update ON sandboxes;
CREATE TRIGGER sandboxes_allocations_update AFTER UPDATE ON sandboxes
    FOR EACH ROW WHEN (OLD.holds IS DISTINCT FROM NEW.holds
                       OR (NEW.holds AND (OLD.host_id, OLD.vcpus, OLD.memory_mb) IS DISTINCT FROM (NEW.host_id, NEW.vcpus, NEW.memory_mb)))
    EXECUTE FUNCTION host_allocations_record();
DROP TRIGGER IF EXISTS sandboxes_allocations_delete ON sandboxes;
CREATE TRIGGER sandboxes_allocations_delete AFTER DELETE ON sandboxes
    FOR EACH ROW WHEN (OLD.holds) EXECUTE FUNCTION host_allocations_record();

-- The opening balance. Creating the triggers locked `sandboxes` against writes until this transaction ends, so no
-- write falls between the count and the first row the triggers record.
DELETE FROM host_allocations;
INSERT INTO host_allocations
SELECT host_id, count(*), sum(vcpus), sum(memory_mb) FROM sandboxes WHERE holds AND host_id IS NOT NULL GROUP BY host_id;

-- Nothing counts a host's holding rows any more, so sql/018's partial index goes: without it no index names `holds`,
-- and every transition, those that start or stop holding included, can be a HOT update again (decision 0001).
DROP INDEX IF EXISTS sandboxes_host_holding;
