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
// Inputs are typed Go structs, so the JSON Schema the SDK infers lists the
// real fields with their descriptions. Every result carries structured
// content — sessions, threads and events exactly as the API sent them
// (RawJSON), unknown event types included; resources as the library decodes
// them, unknown resource types unchanged — and a short text for people. API failures
// are tool results with isError set and a structured
// {"error": {type, message, error_code, request_id, status}}, never protocol
// errors. ReadOnly, NoDestructive and ToolPrefix select and rename the tools:
// ReadOnly keeps the list, get and history tools (and a wait that only
// follows), so adding and removing resources are left out; NoDestructive
// leaves out update, archive, delete and remove-resource.
//
// HTTPHandler and NewHTTPHandler serve a server over Streamable HTTP behind
// the checks a local or remote deployment needs: a bearer token compared in
// constant time, Host and Origin allow-lists against DNS rebinding and
// browser requests, and a request body limit. The command
// cmd/managedagents-mcp uses them; over stdio, run the server with the SDK's
// StdioTransport.
package mcp
