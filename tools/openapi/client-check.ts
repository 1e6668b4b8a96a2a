// A client as a team would write it against the generated types (schema.d.ts, from openapi-typescript): the tests
// generate the types from a running control plane's document and compile this with `tsc --strict --noEmit`.
// The @ts-expect-error lines must fail to compile: they show the types are exact, not `any` or `string`.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Sandbox = components["schemas"]["SandboxResponse"];
type SandboxStatus = Sandbox["status"];

const client = createClient<paths>({
  baseUrl: "http://127.0.0.1:8080",
  headers: { Authorization: "Bearer lck_example" },
});

export async function createPauseAndList(): Promise<Sandbox[]> {
  const created = await client.POST("/v1/sandboxes", {
    params: { header: { "Idempotency-Key": "nightly-build-42" } },
    body: { template: "base", vcpus: 2, memory_mb: 1024, timeout_sec: 600, on_timeout: "destroy", metadata: { owner: "ci" } },
  });
  if (created.error) {
    throw new Error(`${created.error.status} ${created.error.title}: ${created.error.detail ?? ""}`);
  }
  const sandbox: Sandbox = created.data;
  const version: number = sandbox.version;
  const owner: string | undefined = sandbox.metadata["owner"];

  const paused = await client.POST("/v1/sandboxes/{id}/pause", {
    params: { path: { id: sandbox.id }, header: { "If-Match": created.response.headers.get("ETag") ?? "*" } },
  });
  if (paused.error) {
    const current: string | undefined = paused.error.current_status;
    throw new Error(`cannot pause a sandbox that is ${current ?? "unknown"} (version ${version}, owner ${owner ?? "none"})`);
  }

  const wanted: SandboxStatus[] = ["pausing", "paused"];
  const listed = await client.GET("/v1/sandboxes", {
    params: { query: { status: wanted, metadata: { owner: "ci" }, limit: 100, created_after: "2026-01-01T00:00:00.000Z" } },
  });
  if (listed.error) {
    throw new Error(listed.error.title);
  }
  const next: string | null = listed.data.next_cursor;
  return next === null ? listed.data.sandboxes : [...listed.data.sandboxes];
}

export async function typesAreExact(): Promise<void> {
  // @ts-expect-error "sleeping" is no sandbox status
  await client.GET("/v1/sandboxes", { params: { query: { status: ["sleeping"] } } });
  // @ts-expect-error limit is an integer, not text
  await client.GET("/v1/sandboxes", { params: { query: { limit: "100" } } });
  // @ts-expect-error vcpus is an integer, not text
  await client.POST("/v1/sandboxes", { body: { vcpus: "2" } });
  // @ts-expect-error on_timeout is pause or destroy
  await client.POST("/v1/sandboxes", { body: { on_timeout: "explode" } });
  // @ts-expect-error a timeout needs timeout_sec
  await client.POST("/v1/sandboxes/{id}/timeout", { params: { path: { id: "0" } }, body: {} });
}
