// Package webhooks receives the webhooks of Claude Managed Agents: it
// verifies deliveries, decodes their payloads into Go types, and serves an
// endpoint with an [http.Handler] that drops duplicates and acknowledges a
// delivery only when its work succeeded.
//
// A delivery is an HTTPS POST whose JSON body names an event and the
// resource it is about (a session, a thread, a vault, …), and no more: the
// receiver fetches the resource to see its state. Deliveries follow the
// Standard Webhooks specification (https://www.standardwebhooks.com):
// webhook-id, webhook-timestamp and webhook-signature headers, the
// signature an HMAC-SHA256 of "id.timestamp.body" under the endpoint's
// "whsec_…" secret. See
// https://platform.claude.com/docs/en/managed-agents/webhooks.
//
// # Verifying
//
// [Verifier] checks a delivery before anything reads its body as JSON:
// the body no larger than a limit ([WithMaxBodyBytes], 64 KiB by default;
// at most one byte more is read), the three headers present, the
// timestamp within a tolerance of the clock ([WithTolerance], five
// minutes; [WithClock] for tests), and a matching signature. The signature
// check is the one of the standard-webhooks Go library, the library the
// official SDKs use: every "v1,…" entry of a space-separated header is
// compared in constant time and one match suffices. [WithSecrets] accepts
// more secrets while one is rotated. Each failure matches one of the Err…
// variables with [errors.Is] and has a message that says what was wrong,
// never quoting the secret or the body.
//
// # Payloads
//
// [DecodeEvent] (which Verify calls) gives an [Event] whose Data is one
// Go type per session and thread webhook type ([*SessionStatusIdled],
// [*SessionThreadCreated], …; all implement [SessionPayload], the thread
// types also [ThreadPayload]) or, for any other type, an [*UnknownData].
// Nothing is dropped: every Event and every Data gives back its raw JSON.
//
// # Serving
//
// [NewHandler] combines the Verifier with a [HandlerFunc]. The sender
// delivers at least once and retries what was not answered 2xx, so the
// Handler remembers the webhook IDs it has handled (in bounded memory, or
// in the receiver's own [Store]), answers a duplicate 200 without calling
// the function, and marks an ID as handled only after the function
// returned nil. Refused deliveries are answered 4xx and logged at Warn
// ([WithLogger]); the function never sees them.
//
// The fake server of package managedagentstest sends signed deliveries for
// the sessions it runs (Fake.AddWebhook), with injectable duplicates,
// reordering, delays and bad signatures, so a receiver can be tested
// offline.
package webhooks
