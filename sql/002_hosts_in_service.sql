-- A re-registered machine is a new host with a new token: a name is unique only among the hosts
-- still in service, so a decommissioned host keeps its row (and its history) under the same name.
ALTER TABLE hosts DROP CONSTRAINT hosts_name_key;
CREATE UNIQUE INDEX hosts_name_in_service ON hosts (name) WHERE status <> 'decommissioned';
