-- No query reads sandboxes by operation_deadline (the HostMonitor compares each host's sandboxes, found
-- by host_id), yet the index on it made every transition into or out of a transient state a non-HOT
-- update: the deadline changes with the status, so each such update wrote an entry into every index
-- of the table. Without it, those updates are HOT, as 001_initial.sql intends for status changes.
DROP INDEX IF EXISTS sandboxes_operation_deadline;
