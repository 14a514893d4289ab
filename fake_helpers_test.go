package managedagents_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
	"go.uber.org/goleak"
)

// Helpers of the external tests, which drive the client against the fake
// server.

// newFake starts a fake server and a client for it.
func newFake(t testing.TB, opts ...managedagents.Option) (*managedagentstest.Server, *managedagents.Client) {
	t.Helper()
	return newFakeWith(t, nil, opts...)
}

// newFakeWith starts a fake server with srvOpts and a client for it.
func newFakeWith(t testing.TB, srvOpts []managedagentstest.Option, opts ...managedagents.Option) (*managedagentstest.Server, *managedagents.Client) {
	t.Helper()
	srv := managedagentstest.NewServer(srvOpts...)
	t.Cleanup(srv.Close)
	c, err := srv.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func create(t testing.TB, c *managedagents.Client, title string) *managedagents.Session {
	t.Helper()
	s, err := c.Sessions.Create(testContext(t), managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Title:         title,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tickingClock returns a clock that moves one second per reading, so that
// sessions created one after the other have distinct created_at.
func tickingClock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
}

// history reads a session's whole history with the client.
func history(t *testing.T, c *managedagents.Client, sessionID string, params managedagents.EventListParams) []managedagents.Event {
	t.Helper()
	var out []managedagents.Event
	for ev, err := range c.Events.All(testContext(t), sessionID, params) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func types(evs []managedagents.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.EventType())
	}
	return out
}

// fastReconnect keeps reconnect waits short in tests.
func fastReconnect(p managedagents.StreamParams) managedagents.StreamParams {
	p.ReconnectMin, p.ReconnectMax = time.Millisecond, 5*time.Millisecond
	return p
}

// noLeaks checks that the test leaves no goroutine behind once the fake
// server is closed (t.Cleanup runs last-in first-out, so register this
// before starting the fake).
func noLeaks(t *testing.T) {
	opts := append([]goleak.Option{goleak.IgnoreCurrent()}, managedagents.LeakOptions...)
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}

// collect ranges over st until the turn ends (an idle other than
// requires_action) or the stream ends, and returns the events.
func collect(t *testing.T, st *managedagents.Stream, untilTurnEnd bool) []managedagents.Event {
	t.Helper()
	var out []managedagents.Event
	for ev, err := range st.Events() {
		if err != nil {
			t.Fatalf("stream error after %d events: %v", len(out), err)
		}
		out = append(out, ev)
		if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && untilTurnEnd && idle.StopReason.EndsTurn() {
			break
		}
	}
	return out
}

func eventIDs(evs []managedagents.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.EventID())
	}
	return out
}

// countingTransport counts the history requests (GET …/events) and the
// bytes of their response bodies.
type countingTransport struct {
	mu       sync.Mutex
	requests int
	bytes    int64
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/events") {
		return resp, err
	}
	ct.mu.Lock()
	ct.requests++
	ct.mu.Unlock()
	resp.Body = &countingBody{ReadCloser: resp.Body, ct: ct}
	return resp, nil
}

func (ct *countingTransport) counts() (int, int64) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return ct.requests, ct.bytes
}

type countingBody struct {
	io.ReadCloser
	ct *countingTransport
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.ct.mu.Lock()
	b.ct.bytes += int64(n)
	b.ct.mu.Unlock()
	return n, err
}

// testContext is t.Context with a 10 s deadline, so that a test waiting on
// a stream, a turn or a runner fails in seconds when it never ends. (The
// package's internal tests have their own copy: an external test package
// cannot see them.)
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
