// Package managedagents is a client for the Claude Managed Agents Sessions
// API (beta managed-agents-2026-04-01): create, list, read, update, archive
// and delete sessions; send and read their events; read the threads of
// multi-agent sessions; and manage what is mounted into them.
//
// # Getting started
//
//	client, err := managedagents.NewClient() // reads ANTHROPIC_API_KEY
//	if err != nil { … }
//	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
//		Agent:         managedagents.AgentByID("agent_…"),
//		EnvironmentID: "env_…",
//	})
//
// Package managedagentstest provides an in-memory fake of the API for tests
// and for running the examples without a key. Package webhooks verifies and
// decodes webhook deliveries and serves a webhook endpoint.
//
// # Errors
//
// A non-2xx answer is an *APIError carrying the status, the error type and
// message, the error_code, the request ID and the raw body. It matches the
// sentinels of its status and type with errors.Is (ErrNotFound,
// ErrRateLimited, ErrOverloaded, …). Input that the client can tell is
// wrong (an empty ID, a missing required field) fails before any I/O with an
// error matching ErrInvalidParams. No error string contains credentials.
//
// # Retries
//
// Failed requests are retried twice by default (WithMaxRetries), waiting for
// the server's retry-after-ms or retry-after hint (capped at a minute) or
// else 0.5 s doubling to 8 s with jitter; x-should-retry is obeyed.
// Idempotent calls (reads, updates, archives, deletes) retry on connection
// errors, 408, 429 and 5xx. A 409 is a state conflict and is never retried.
//
// Creating a session, sending events and adding a resource are not
// idempotent: the API has no idempotency key, so a repeated create can make
// two sessions, a repeated send can queue a message twice and a repeated
// add can mount a file twice. They are retried only when the
// server certainly did not act: 429 (other than a spend limit), 529, a 503
// whose body is the API's error envelope of type overloaded_error or with
// "unavailable" in its type or error_code (but not change_outcome_unknown),
// or a connection that was never made. After a timeout, a reset once the
// request was written, a 503 without that envelope (a proxy's page, an empty
// body) or another 5xx, they return an error matching ErrOutcomeUnknown that
// wraps the cause; the caller can then look for the session (for example by
// listing with CreatedAtOrAfter and a metadata marker) or the event before
// trying again.
//
// # Live streams
//
// Events.Stream follows a session over Server-Sent Events and resumes after
// drops: it reconnects with backoff, reads the history from a little before
// the newest event it delivered, and drops the copies it has already
// delivered by their IDs (8-byte hashes of the recent ones; a stream retains
// at most 32 KiB for this at the default settings). Every wait is bounded:
// a reconnect without response headers (ConnectTimeout), a history page
// that does not come (HistoryTimeout), a connection that falls silent
// (IdleTimeout), and a frame too large (MaxFrameBytes).
//
// A consumer that outlives its process saves Stream.Checkpoint (a short,
// URL-safe text) after the events it has handled, and opens its next
// stream with StreamParams.After: it gets every persisted event after the
// checkpoint exactly once, in order, then follows live. Threads.Stream
// follows one thread of a multi-agent session the same way.
//
// The client reads SSE with a reader of its own rather than
// launchdarkly/eventsource's Decoder, because that decoder runs a goroutine
// per stream, grows without bound on a line with no ending and joins data
// lines in quadratic time. The fake server writes its frames with that
// library's Encoder, and a fuzz test holds the two to the same frames.
//
// # Tracing
//
// The client traces with OpenTelemetry once the program sets a tracer
// provider, globally (otel.SetTracerProvider) or with WithTracerProvider:
// each API call is one client span named by its route ("POST
// /v1/sessions/{session_id}/events"), whatever its number of attempts,
// with the HTTP client semantic conventions' attributes, the attempts, the
// request-id, the session and thread IDs and the outcome (success,
// api_error, outcome_unknown, …), and a "retry" event per retry with its
// reason and wait; each Stream is one span (Events.Stream, Threads.Stream)
// from its opening to its end, the parent of its connections and history
// reads, with its drops, reconnects and gap fills as events and the events
// it delivered as attributes; each Runner tool call is an "execute_tool
// <name>" span. Spans are children of the span in the caller's context.
// Requests carry the trace context in their headers (traceparent) only when
// the program sets a propagator (otel.SetTextMapPropagator). Until a
// provider is set, nothing is started and tracing costs no allocation.
//
// # Layout (for maintainers)
//
// Each file holds one concern:
//
//   - client.go: Client, NewClient and the one request path (encode, send,
//     read the body once, decode, the caller's error); options.go its
//     options; credential.go the key that never prints.
//   - retry.go: the retry policy (which attempts may be sent again) and the
//     one backoff, shared by requests and stream reconnects, plugged into
//     go-retryablehttp.
//   - paging.go: the list parameters every list shares, their query
//     encoder, and the generic page iterator behind every All.
//   - sessions.go, events.go: the Sessions and Events services and their
//     types; agent.go, field.go the agent references and three-state
//     fields of session params; multiagent.go, web_tools.go and
//     tool_schema.go the typed subtrees of an agent's configuration;
//     deleted.go the deletion confirmation.
//   - threads.go: the Threads service, SessionThread and its agent union;
//     resources.go: the Resources service and the Resource union.
//   - catalog.go: the event catalog, declared once; catalog_gen.go what
//     go generate derives from it.
//   - event.go, event_types.go, event_params.go, content.go, unions.go:
//     received events, their nested shapes, the params clients send,
//     content blocks, and the one-pass decoding of unions.
//   - sse.go: the bounded SSE frame reader; stream.go: Stream (open, read,
//     resume, close); dedupe.go: what a resuming stream remembers;
//     checkpoint.go: that memory as a Checkpoint, and back;
//     thread_stream.go: the thread stream's history reads;
//     preview.go: the live-preview accumulator.
//   - history_since.go: Events.Since, the history after a checkpoint.
//   - turn.go, runner.go: SendAndWait and the tool Runner;
//     runner_pending.go: Runner.AnswerPending; toolstore.go,
//     toolstore_file.go: the Runner's record of its calls, in memory and in
//     a file; tool_schema_infer.go: input schemas from Go types.
//   - tracing.go: the OpenTelemetry spans of calls, streams and tool calls.
//   - errors.go: APIError, StreamError, DecodeError and the sentinels.
//   - tracing.go: the OpenTelemetry spans of calls, streams and tool calls;
//     the request path, streams and the Runner call its hooks.
//
// # Adding an event type (for maintainers)
//
// Every event type is declared once, in the catalog in catalog.go. To add
// one: add its entry there (wire type, Go type, group, persisted, and the
// param type if clients send it); write its struct, embedding EventMeta,
// beside the others in event_types.go; add a fixture named after the type
// under testdata/events; and run go generate, which writes its Event…
// constant, its registry entry and its MarshalJSON (and the fake server's
// copy of the catalog). The catalog tests fail until the four agree.
package managedagents
