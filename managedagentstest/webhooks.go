package managedagentstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The fake sends webhooks: registered endpoints receive a signed POST for
// each session and thread transition that enters a session's log. This
// file holds the registration, the options, which events become which
// webhook types, and what tests observe; webhooks_sender.go delivers and
// webhooks_faults.go injects faults.

// The organization and workspace IDs that every delivery names.
const (
	WebhookOrganizationID = "org_01FakeOrganization00000000"
	WebhookWorkspaceID    = "wrkspc_01FakeWorkspace000000000"
)

// webhookConfig holds the webhook options.
type webhookConfig struct {
	attempts     int
	firstBackoff time.Duration
	maxBackoff   time.Duration
	timeout      time.Duration
	queue        int
	concurrency  int
}

var defaultWebhookConfig = webhookConfig{
	attempts:     3,
	firstBackoff: 20 * time.Millisecond,
	maxBackoff:   time.Second,
	timeout:      5 * time.Second,
	queue:        1024,
	concurrency:  1,
}

// WithWebhookRetries sets how many attempts a delivery gets (default 3,
// as the real sender) and the backoff between them: first after the
// first failure, doubling after each further one, capped at most (default
// 20 ms and 1 s; the real sender waits 5 to 120 s). attempts below 1 count
// as 1; a zero or negative duration keeps its default; most below first is
// raised to first.
func WithWebhookRetries(attempts int, first, most time.Duration) Option {
	return func(c *config) {
		c.webhook.attempts = max(attempts, 1)
		if first > 0 {
			c.webhook.firstBackoff = first
		}
		if most > 0 {
			c.webhook.maxBackoff = most
		}
		c.webhook.maxBackoff = max(c.webhook.maxBackoff, c.webhook.firstBackoff)
	}
}

// WithWebhookTimeout sets how long one delivery attempt may take before it
// counts as failed (default 5 s). Zero or negative keeps the default.
func WithWebhookTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.webhook.timeout = d
		}
	}
}

// WithWebhookQueue bounds the deliveries that wait to be sent or to be
// retried, for all endpoints together (default 1024; values below 1 count
// as 1). When it is full, a new delivery is dropped and counted in
// [WebhookStats].Dropped: the fake's state machine never waits for a
// receiver.
func WithWebhookQueue(n int) Option {
	return func(c *config) { c.webhook.queue = max(n, 1) }
}

// WithWebhookConcurrency sets how many delivery attempts may be in flight
// at once (default 1; values below 1 count as 1). With 1, deliveries go out
// in the order of their events unless a retry or a fault reorders them;
// with more, receivers see concurrent requests, and no order.
func WithWebhookConcurrency(n int) Option {
	return func(c *config) { c.webhook.concurrency = max(n, 1) }
}

// webhookEndpoint is one registered endpoint.
type webhookEndpoint struct {
	url      string
	hook     *standardwebhooks.Webhook // signs with the endpoint's secret
	types    map[string]bool           // nil: every type
	disabled string                    // why the endpoint was disabled; "" while enabled
}

// AddWebhook registers an endpoint: from now on, every session and thread
// transition listed in the package documentation is POSTed to rawURL as a
// delivery signed with secret (the "whsec_…" form or bare standard
// base64), with the Standard Webhooks headers. types limits the endpoint
// to those webhook types (data.type values, such as
// "session.status_idled"); none means all. Deliveries start with the
// events after the call; nothing is replayed. [Fake.Close] stops the
// sender.
func (f *Fake) AddWebhook(rawURL, secret string, types ...string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("managedagentstest: AddWebhook: %q is not an http or https URL", rawURL)
	}
	key := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	if key == "" {
		return errors.New("managedagentstest: AddWebhook: the secret is empty")
	}
	hook, err := standardwebhooks.NewWebhook(key)
	if err != nil {
		return errors.New(`managedagentstest: AddWebhook: the secret is not "whsec_" followed by standard, padded base64`)
	}
	ep := &webhookEndpoint{url: rawURL, hook: hook}
	for _, t := range types {
		if !slices.Contains(webhookTypes, t) {
			return fmt.Errorf("managedagentstest: AddWebhook: the fake does not send %q", t)
		}
		if ep.types == nil {
			ep.types = map[string]bool{}
		}
		ep.types[t] = true
	}
	f.mu.Lock()
	closed := f.proc.closed
	f.mu.Unlock()
	if closed {
		return errors.New("managedagentstest: AddWebhook: the fake is closed")
	}
	return f.webhooks.add(ep)
}

// webhookTypes are the webhook types the fake sends.
var webhookTypes = []string{
	"session.status_run_started", "session.status_idled", "session.status_rescheduled",
	"session.status_terminated", "session.budget_reached", "session.outcome_evaluation_ended",
	"session.updated", "session.deleted",
	"session.thread_created", "session.thread_idled", "session.thread_terminated",
}

// webhookTypeOf maps the session log's event types to webhook types.
var webhookTypeOf = map[string]string{
	"session.status_running":           "session.status_run_started",
	"session.status_idle":              "session.status_idled",
	"session.status_rescheduled":       "session.status_rescheduled",
	"session.status_terminated":        "session.status_terminated",
	"span.outcome_evaluation_end":      "session.outcome_evaluation_ended",
	"session.updated":                  "session.updated",
	"session.deleted":                  "session.deleted",
	"session.thread_created":           "session.thread_created",
	"session.thread_status_idle":       "session.thread_idled",
	"session.thread_status_terminated": "session.thread_terminated",
}

// webhookEvent is the hook of the session log: appendEventID calls it for
// every event entering a session's log, and it queues the deliveries of
// the matching webhook types. It never blocks. The caller holds f.mu.
func (f *Fake) webhookEvent(s *session, ev event, members []field) {
	if !f.webhooks.active.Load() {
		return
	}
	typ, ok := webhookTypeOf[ev.typ]
	if !ok {
		return
	}
	var threadID string
	var stop any
	for _, m := range members {
		switch m.key {
		case "session_thread_id":
			threadID, _ = m.value.(string)
		case "stop_reason":
			stop = m.value
		}
	}
	f.webhooks.enqueue(typ, s.id, threadID, ev.processedAt)
	// The fake's choice where the documentation is silent: a session that
	// stops at its budget is idle too, so it sends both.
	if typ == "session.status_idled" && stopType(stop) == "budget_reached" {
		f.webhooks.enqueue("session.budget_reached", s.id, "", ev.processedAt)
	}
}

// stopType returns the type member of a stop_reason value.
func stopType(v any) string {
	var sr struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(mustMarshal(v), &sr)
	return sr.Type
}

// webhookBody is the JSON of a delivery, laid out as the real one.
func webhookBody(id, typ, sessionID, threadID string, at time.Time) []byte {
	data := orderedObject{{"id", sessionID}, {"organization_id", WebhookOrganizationID}}
	if threadID != "" {
		data = append(data, field{"session_thread_id", threadID})
	}
	data = append(data, field{"type", typ}, field{"workspace_id", WebhookWorkspaceID})
	return mustMarshal(orderedObject{{"id", id}, {"created_at", timestamp(at)}, {"data", data}, {"type", "event"}})
}

// WebhookAttempt is one delivery attempt as the fake made it.
type WebhookAttempt struct {
	// URL is the endpoint's URL.
	URL string
	// WebhookID is the webhook-id header, the same on every attempt of a
	// delivery and on its duplicates.
	WebhookID string
	// Type is data.type.
	Type string
	// SessionID is the session the delivery is about.
	SessionID string
	// ThreadID is the thread of a thread type, else empty.
	ThreadID string
	// Attempt counts the attempts of this delivery from 1; a duplicate
	// counts its own.
	Attempt int
	// Status is the receiver's HTTP status; 0 when there was no answer.
	Status int
	// Err describes a failure without an answer (connection refused,
	// timeout); empty otherwise.
	Err string
	// BadSignature reports that the attempt was signed wrong on purpose
	// ([Fake.BadSignatureNextWebhooks]).
	BadSignature bool
	// Duplicate reports an extra copy of a delivered event
	// ([Fake.DuplicateNextWebhooks]).
	Duplicate bool
	// Body is the body sent.
	Body []byte
	// At is when the attempt was sent.
	At time.Time
}

// WebhookStats counts the fake's deliveries over all endpoints.
type WebhookStats struct {
	// Queued counts deliveries accepted into the queue, duplicates
	// included.
	Queued int
	// Attempts counts requests sent (or tried).
	Attempts int
	// Delivered counts deliveries answered 2xx.
	Delivered int
	// Retried counts attempts scheduled again after a failure.
	Retried int
	// Failed counts deliveries given up: out of attempts, or their endpoint
	// answered a 3xx and was disabled.
	Failed int
	// Dropped counts deliveries that never went out: the queue was full,
	// or the fake was closed first.
	Dropped int
	// Pending counts deliveries waiting, held or in flight now.
	Pending int
}

// WebhookAttempts returns every delivery attempt so far, in the order they
// finished.
func (f *Fake) WebhookAttempts() []WebhookAttempt {
	ws := f.webhooks
	ws.mu.Lock()
	defer ws.mu.Unlock()
	out := slices.Clone(ws.log)
	for i := range out {
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// WebhookStats returns the delivery counters.
func (f *Fake) WebhookStats() WebhookStats {
	ws := f.webhooks
	ws.mu.Lock()
	defer ws.mu.Unlock()
	st := ws.stats
	st.Pending = ws.live()
	return st
}

// DisabledWebhook returns why the endpoint registered with rawURL was
// disabled (it answered a 3xx, which the real sender treats so), or "" if
// it is enabled or unknown.
func (f *Fake) DisabledWebhook(rawURL string) string {
	ws := f.webhooks
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, ep := range ws.endpoints {
		if ep.url == rawURL {
			return ep.disabled
		}
	}
	return ""
}
