// Package managedagentstest is an in-memory fake of the Claude Managed Agents
// Sessions API, for tests and examples that must run without the real service.
//
// The fake speaks the real wire format: the same paths, headers, JSON shapes,
// error envelope, status codes and opaque cursors. It is written from the
// API's documentation of that format alone and does not import the client
// package, so a test that drives the client against the fake also checks the
// client's idea of the wire format.
//
// Two entry points share all behaviour:
//
//   - [New] builds the state and an [http.Handler] without a listener, for
//     mounting in another server (the examples embed it this way);
//   - [NewServer] wraps the same fake in an [httptest.Server] on 127.0.0.1.
//
// A fresh fake knows one agent ([DefaultAgentID]) and one environment
// ([DefaultEnvironmentID]), so a session can be created with no set-up. Tests
// seed more with [Fake.AddAgent], [Fake.AddEnvironment], [Fake.AddFile],
// [Fake.AddVault] and [Fake.AddMemoryStore], inject failures with
// [Fake.FailNext] and [Fake.SetLatency], and observe what the fake received
// with [Fake.Requests] and [Fake.Count].
//
// # Events and the scripted agent
//
// POST /v1/sessions/{id}/events validates the seven client event types and
// answers at once with their echoes (processed_at null; user.define_outcome
// is processed immediately). A worker goroutine per session then processes
// the queue in order, asynchronously, as the real API does: each event
// enters the log (history, [Fake.SessionEvents]) when processed, with the
// echo's ID, and every user.message runs a [Script] that emits the agent's
// events. user.interrupt jumps the queue and stops the current turn at its
// next step. Status changes emit the matching session.status_* events and
// show in GET responses. GET /v1/sessions/{id}/events pages the history;
// queued, unprocessed events are not in it.
//
// The default agent, [DefaultScript], echoes the user's text and obeys
// directives, one per line of the message text:
//
//	run: <command>                       built-in bash tool use (policy-aware: allow, ask, deny)
//	call: <custom tool> <JSON input>     custom tool use; idles with requires_action until answered
//	fail: [error type]                   a retried session.error, rescheduled, then the turn
//	fail-exhausted: [error type]         session.error exhausted; idle retries_exhausted
//	refuse: [explanation]                idle refusal with stop_details
//	terminate: [error type]              session.error terminal; session terminated
//	delegate: <agent name> <task>        a child thread does the task and replies (multi-agent)
//	auto: <allow|ask|deny> [reason code] the auto policy's verdict on the message's run: calls
//	cost: <cents> [fetches] [searches]   list_cost and server_tool_use in the session's usage
//	redact:                              the reply ends with a redacted content block
//
// See [DefaultScript] for the exact sequences. Replace the agent with
// [WithScript], slow it down with [WithStepDelay], wait for a session to
// settle with [Fake.WaitIdle], and stop every worker with [Fake.Close]
// ([Server.Close] calls it).
//
// # Streams
//
// GET /v1/sessions/{id}/events/stream (and the alias /v1/sessions/{id}/stream)
// answers 200 text/event-stream and flushes the headers at once: a client
// that has the 200 is subscribed. It then delivers every event that enters
// the session's log from that moment on (no replay), in order, to every
// subscriber independently, with live previews for event_deltas[]
// subscribers and heartbeats ([WithHeartbeat], [WithCommentHeartbeats]).
// Deleting the session ends its streams after a final session.deleted;
// [WithCloseStreamsOnTerminate] also ends them after
// session.status_terminated; [Fake.Close] ends them all. Streams can be cut
// like a failing network ([Fake.DropStreamsAfter], [Fake.DropNextStreams])
// or stalled ([Fake.StallStreamsAfter]), and counted ([Fake.OpenStreams],
// [Fake.StreamsOpened]).
//
// # Threads and resources
//
// Every session has a primary thread from creation; its history and stream
// are the session's. Scripts spawn child threads with [Turn.Delegate] and
// play their turns through [ChildThread]; each child has a history and a
// stream of its own (GET /v1/sessions/{id}/threads/{thread_id}/events and
// …/stream), while the session's log carries the threads' lifecycle events,
// the messages of the primary thread and the children's tool uses. The
// session's status aggregates its threads, and at most 25 run at once.
// Inspect them with [Fake.ThreadIDs] and [Fake.ThreadEvents].
//
// The resource endpoints list, add (files only), get, update (a
// repository's authorization_token) and delete the session's resources,
// the same list the session object shows. Recorded requests
// ([Fake.Requests]) show every authorization_token as "REDACTED".
//
// # Webhooks
//
// [Fake.AddWebhook] registers an endpoint URL, its signing secret and
// optionally the webhook types it takes. From then on every session and
// thread transition that enters a session's log is POSTed to it as the
// real sender does (https://platform.claude.com/docs/en/managed-agents/webhooks):
// a JSON envelope {"id":"whe_…","created_at":…,"data":{…},"type":"event"},
// the webhook-id (equal to the envelope's id on every attempt),
// webhook-timestamp and webhook-signature headers, signed with the
// standard-webhooks library. The data names the session (and the thread)
// and the fixed [WebhookOrganizationID] and [WebhookWorkspaceID]. The log's
// events map to webhook types so:
//
//	session.status_running            session.status_run_started
//	session.status_idle               session.status_idled, and also session.budget_reached
//	                                  when the stop reason is budget_reached
//	session.status_rescheduled        session.status_rescheduled
//	session.status_terminated         session.status_terminated (archiving terminates)
//	session.updated, session.deleted  the same names
//	session.thread_created            session.thread_created
//	session.thread_status_idle        session.thread_idled
//	session.thread_status_terminated  session.thread_terminated
//	span.outcome_evaluation_end       session.outcome_evaluation_ended
//
// Delivery is at least once and never holds up the fake: a sender
// goroutine takes deliveries from a bounded queue ([WithWebhookQueue];
// when it is full a new delivery is dropped and counted) and sends them
// one at a time in order ([WithWebhookConcurrency] for more). A non-2xx
// answer or a connection error is retried with doubling backoff, three
// attempts in all by default ([WithWebhookRetries], [WithWebhookTimeout]),
// so a retry can arrive after later deliveries; a 3xx disables the
// endpoint at once ([Fake.DisabledWebhook]). Faults, each used up by the
// next deliveries: [Fake.DuplicateNextWebhooks], [Fake.ReorderNextWebhooks],
// [Fake.DelayNextWebhooks] and [Fake.BadSignatureNextWebhooks] (one
// attempt each; the retry is signed right). Tests wait with
// [Fake.WaitWebhooks] and look with [Fake.WebhookAttempts] and
// [Fake.WebhookStats]. [Fake.Close] stops the sender, ends attempts in
// flight and drops what is queued.
//
// Where the API's documentation leaves the real behaviour open, the fake makes one
// documented choice; the comments at each such place say which.
package managedagentstest
