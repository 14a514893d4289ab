// Package mcp turns a managedagents.Client into a Model Context Protocol
// server, built on the official MCP Go SDK
// (github.com/modelcontextprotocol/go-sdk).
//
// NewServer returns an *sdk.Server (the SDK's mcp.Server) with one tool per
// Sessions API operation:
//
//	anthropic-create-session       create a session            (not idempotent)
//	anthropic-list-sessions        list sessions               (read-only)
//	anthropic-get-session          read one session            (read-only)
//	anthropic-update-session       rename, tag, change budget  (destructive, idempotent)
//	anthropic-archive-session      archive a session           (destructive, idempotent)
//	anthropic-delete-session       delete a session            (destructive, idempotent)
//	anthropic-send-session-events  send client events          (not idempotent)
//	anthropic-list-session-events  read the history            (read-only)
//	anthropic-wait-for-session     send, then wait for the turn to end
//
// and, for multi-agent sessions and what is mounted into the sandbox:
//
//	anthropic-list-session-threads        list the primary and child threads  (read-only)
//	anthropic-get-session-thread          read one thread                     (read-only)
//	anthropic-list-session-thread-events  read one thread's own history       (read-only)
//	anthropic-list-session-resources      list the mounted resources          (read-only)
//	anthropic-add-session-resource        mount an uploaded file              (not idempotent)
//	anthropic-remove-session-resource     unmount a resource                  (destructive, idempotent)
//
// Inputs and outputs are typed Go structs, so the SDK advertises an input
// and an output schema for every tool and checks arguments and results
// against them. Arguments are flat (no body wrapper), with one vocabulary:
// session_id, events, statuses, limit, page and order mean the same in
// every tool. The input schemas have no nullable types (leaving a field out
// serves) and carry enums for the closed sets, bounds and date-time formats.
// Results carry the API's objects unchanged — sessions, threads and events
// exactly as the API sent them (RawJSON), unknown event types included;
// resources as the library decodes them, unknown resource types unchanged —
// as structured content, and a short summary and the exact JSON as text.
// Failures are tool results with isError set, a one-line text that ends in
// how to fix the call, and {"error": {type, message, fix, error_code,
// request_id, status, outcome_unknown}} as a second text (not as structured
// content, which clients check against the output schema); never protocol
// errors. WithDefaultAgent and WithDefaultEnvironment fill in
// create-session, and its description says so. One wait lasts at most
// MaxWaitTimeout (WithWaitLimits), under the 60 s request timeout of common
// clients; a turn that outlasts it returns outcome "running" and a cursor
// to go on with, which carries all the next call needs, so that stateless
// replicas (HTTPStateless) can serve the calls in turn. ReadOnly,
// NoDestructive and ToolPrefix select and rename the tools:
// ReadOnly keeps the list, get and history tools (and a wait that only
// follows), so adding and removing resources are left out; NoDestructive
// leaves out update, archive, delete and remove-resource.
//
// HTTPHandler and NewHTTPHandler serve a server over Streamable HTTP behind
// the checks a local or remote deployment needs: a bearer token compared in
// constant time, Host and Origin allow-lists against DNS rebinding and
// browser requests, and a request body limit. The command
// cmd/managedagents-mcp uses them; over stdio, run the server with the SDK's
// StdioTransport, or with NewStdioTransport, which answers a malformed
// input line with a JSON-RPC error and goes on.
package mcp
