-- GET /v1/sandboxes?metadata.KEY=VALUE (docs/contract.md, "Listing sandboxes"): the pairs are a containment test
-- (metadata @> '{"KEY": "VALUE"}') that this index answers. metadata never changes after the create, so the index
-- leaves every status change a HOT update (decision 0001); the other filters (status, template, the creation
-- window) are checked on the rows the team's newest-first index or the host's index yields.
CREATE INDEX IF NOT EXISTS sandboxes_metadata ON sandboxes USING gin (metadata jsonb_path_ops);
