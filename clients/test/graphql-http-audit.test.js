// graphql-http's auditServer: the GraphQL over HTTP spec's audits (MUST,
// SHOULD, MAY) against the real server. No audit may end in "error"; each
// warning and notice is listed in the test output with the server's answer,
// and the README ("GraphQL over HTTP") explains why the server answers so.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { auditServer } from "graphql-http";
import { startServer } from "./harness.js";

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

/** A failed audit as one line: its id, name, reason and the response's status, type and body. */
async function describeFail(r) {
  let body = "";
  try {
    body = await r.response.clone().text();
  } catch {
    body = "(body already read)";
  }
  const type = r.response.headers.get("content-type") ?? "";
  return `${r.status.toUpperCase()} ${r.id} "${r.name}": ${r.reason} [${r.response.status} ${type}] ${body.slice(0, 300)}`;
}

test("graphql-http auditServer: no errors", { timeout: 60_000 }, async (t) => {
  const results = await auditServer({ url: server.url });
  assert.ok(results.length > 0, "no audits ran");
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  const errors = [];
  for (const r of results) {
    counts[r.status]++;
    if (r.status === "ok") continue;
    const line = await describeFail(r);
    t.diagnostic(line);
    if (r.status === "error") errors.push(line);
  }
  t.diagnostic(`audits: ${JSON.stringify(counts)}`);
  assert.deepEqual(errors, [], `${errors.length} audits failed`);
});
