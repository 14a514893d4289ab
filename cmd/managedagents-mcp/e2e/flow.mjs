// Drives managedagents-mcp with the official TypeScript MCP SDK client, with
// its default settings (60 s request timeout, output schemas checked),
// through a whole flow: list tools, create a session with the server's
// defaults, send, wait across several calls with the cursor, list events,
// threads and resources, delete.
//
//   node flow.mjs http <url>                  a server already listening
//   node flow.mjs stdio <command> [args...]   a server the client starts
//
// It prints one JSON line with what it saw and exits 1 on any failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [mode, target, ...rest] = process.argv.slice(2);

function check(cond, what) {
  if (!cond) throw new Error(what);
}

async function call(client, name, args) {
  const res = await client.callTool({ name, arguments: args });
  check(!res.isError, `${name} failed: ${JSON.stringify(res.content)}`);
  check(res.structuredContent, `${name} returned no structured content`);
  return res.structuredContent;
}

async function main() {
  let transport;
  if (mode === "http") {
    transport = new StreamableHTTPClientTransport(new URL(target));
  } else if (mode === "stdio") {
    transport = new StdioClientTransport({ command: target, args: rest, stderr: "inherit" });
  } else {
    throw new Error(`unknown mode ${mode}: want http or stdio`);
  }
  const client = new Client({ name: "managedagents-e2e", version: "1.0.0" });
  await client.connect(transport);

  const { tools } = await client.listTools();
  check(tools.length === 15, `${tools.length} tools, want 15`);
  for (const t of tools) {
    check(t.outputSchema && t.outputSchema.type === "object", `${t.name} has no output schema`);
  }

  const session = await call(client, "anthropic-create-session", { title: "e2e" });
  check(/^sesn_/.test(session.id), `created ${JSON.stringify(session)}`);

  const sent = await call(client, "anthropic-send-session-events", {
    session_id: session.id,
    events: [{ type: "user.message", content: "hello from TypeScript" }],
  });
  check(sent.events.length === 1, `sent ${JSON.stringify(sent)}`);

  // Wait with the server's default wait, following the cursor until the
  // turn ends.
  let args = { session_id: session.id, after_event_ids: [sent.events[0].id] };
  const ids = [];
  let text = "";
  let calls = 0;
  let last;
  for (;;) {
    calls++;
    const started = Date.now();
    last = await call(client, "anthropic-wait-for-session", args);
    check(Date.now() - started < 60000, `a wait call took ${Date.now() - started} ms`);
    ids.push(...last.events.map((e) => e.id));
    text += last.text;
    if (last.outcome !== "running") break;
    check(last.cursor, "outcome running without a cursor");
    args = { session_id: session.id, cursor: last.cursor };
    check(calls < 1000, "the turn never ended");
  }
  check(last.outcome === "turn_ended", `outcome ${last.outcome}`);
  check(text === "Echo: hello from TypeScript", `text ${JSON.stringify(text)}`);

  const history = await call(client, "anthropic-list-session-events", { session_id: session.id });
  const historyIDs = history.data.map((e) => e.id);
  check(JSON.stringify(historyIDs) === JSON.stringify(ids),
    `events over the waits ${JSON.stringify(ids)} differ from the history ${JSON.stringify(historyIDs)}`);

  const threads = await call(client, "anthropic-list-session-threads", { session_id: session.id });
  const resources = await call(client, "anthropic-list-session-resources", { session_id: session.id });
  const deleted = await call(client, "anthropic-delete-session", { session_id: session.id });
  check(deleted.deleted === true, `delete ${JSON.stringify(deleted)}`);

  // A malformed call gets an error result that says how to fix it.
  const bad = await client.callTool({ name: "anthropic-send-session-events", arguments: { session_id: session.id, body: {} } });
  check(bad.isError && /Fix: there is no body/.test(bad.content[0].text), `bad call: ${JSON.stringify(bad)}`);

  await client.close();
  console.log(JSON.stringify({
    ok: true, mode, tools: tools.length, wait_calls: calls, events: ids.length,
    threads: threads.data.length, resources: resources.data.length,
  }));
}

main().catch((err) => {
  console.error(`e2e ${mode}: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
