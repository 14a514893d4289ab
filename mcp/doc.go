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
// Inputs are typed Go structs, so the JSON Schema the SDK infers lists the
// real fields with their descriptions. Every result carries structured
// content — sessions and events exactly as the API sent them (RawJSON),
// unknown event types included — and a short text for people. API failures
// are tool results with isError set and a structured
// {"error": {type, message, error_code, request_id, status}}, never protocol
// errors. ReadOnly, NoDestructive and ToolPrefix select and rename the tools.
//
// HTTPHandler and NewHTTPHandler serve a server over Streamable HTTP behind
// the checks a local or remote deployment needs: a bearer token compared in
// constant time, Host and Origin allow-lists against DNS rebinding and
// browser requests, and a request body limit. The command
// cmd/managedagents-mcp uses them; over stdio, run the server with the SDK's
// StdioTransport.
package mcp
