package managedagents_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// childScript is a turn that delegates to a child thread, reports its ID on
// ids, waits for go (when not nil), then has the child emit n messages and
// finish.
func childScript(n int, ids chan<- string, goAhead <-chan struct{}) managedagentstest.Script {
	return func(ctx context.Context, turn *managedagentstest.Turn) error {
		child, err := turn.Delegate("worker", "count")
		if err != nil {
			return err
		}
		ids <- child.ID()
		if goAhead != nil {
			select {
			case <-goAhead:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		for i := range n {
			if _, err := child.Emit(managedagents.EventAgentMessage, map[string]any{
				"content": []map[string]any{{"type": "text", "text": fmt.Sprint("message ", i)}},
			}); err != nil {
				return err
			}
		}
		return child.Finish("done")
	}
}

// childFake starts a fake whose turn is childScript(n), with a small
// delay per event so that the child's events spread over time; the turn's
// child waits for goAhead to be closed.
func childFake(t *testing.T, n int) (*managedagentstest.Server, *managedagents.Client, chan string, chan struct{}) {
	ids, goAhead := make(chan string, 1), make(chan struct{})
	srv, c := newFakeWith(t, []managedagentstest.Option{
		managedagentstest.WithScript(childScript(n, ids, goAhead)),
		managedagentstest.WithStepDelay(100 * time.Microsecond),
	})
	return srv, c, ids, goAhead
}

// startChild creates a session, sends the message that starts childScript
// and returns the session's and the child thread's IDs.
func startChild(t *testing.T, ctx context.Context, c *managedagents.Client, ids <-chan string) (string, string) {
	t.Helper()
	s := create(t, c, "threads")
	if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage("go")); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-ids:
		return s.ID, id
	case <-ctx.Done():
		t.Fatal("no child thread")
	}
	return "", ""
}

// threadHistory reads a thread's whole history with the client.
func threadHistory(t *testing.T, c *managedagents.Client, sessionID, threadID string) []managedagents.Event {
	t.Helper()
	var out []managedagents.Event
	for ev, err := range c.Threads.AllEvents(t.Context(), sessionID, threadID, managedagents.ThreadEventListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// collectChild ranges over a thread stream until the child's reply to the
// primary thread (its last event).
func collectChild(t *testing.T, st *managedagents.Stream) []managedagents.Event {
	t.Helper()
	var out []managedagents.Event
	for ev, err := range st.Events() {
		if err != nil {
			t.Fatalf("stream error after %d events: %v", len(out), err)
		}
		out = append(out, ev)
		if ev.EventType() == managedagents.EventAgentThreadMessageSent {
			break
		}
	}
	return out
}

// TestThreadStreamFollowsChild: a thread stream opened on a child thread
// yields the child's events from then on, exactly its history's.
func TestThreadStreamFollowsChild(t *testing.T) {
	noLeaks(t)
	const n = 50
	ids, goAhead := make(chan string, 1), make(chan struct{})
	_, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(childScript(n, ids, goAhead))})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sid, tid := startChild(t, ctx, c, ids)
	before := threadHistory(t, c, sid, tid)
	st, err := c.Threads.Stream(ctx, sid, tid, fastReconnect(managedagents.StreamParams{}))
	if err != nil {
		t.Fatal(err)
	}
	close(goAhead)
	got := collectChild(t, st)
	all := threadHistory(t, c, sid, tid)
	if diff := cmp.Diff(eventIDs(all[len(before):]), eventIDs(got)); diff != "" {
		t.Fatalf("stream vs history after the open (-history +stream):\n%s", diff)
	}
	if len(got) != n+2 { // the messages, the idle, the reply
		t.Errorf("%d events, want %d", len(got), n+2)
	}
}

// TestThreadStreamFromStartAndNoResume: FromStart yields the thread's whole
// history first; NoResume yields only what comes live, and a drop ends it.
func TestThreadStreamFromStartAndNoResume(t *testing.T) {
	noLeaks(t)
	t.Run("FromStart", func(t *testing.T) {
		ids, goAhead := make(chan string, 1), make(chan struct{})
		_, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(childScript(20, ids, goAhead))})
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		sid, tid := startChild(t, ctx, c, ids)
		st, err := c.Threads.Stream(ctx, sid, tid, fastReconnect(managedagents.StreamParams{FromStart: true}))
		if err != nil {
			t.Fatal(err)
		}
		close(goAhead)
		got := collectChild(t, st)
		all := threadHistory(t, c, sid, tid)
		if diff := cmp.Diff(eventIDs(all), eventIDs(got)); diff != "" {
			t.Fatalf("stream vs history (-history +stream):\n%s", diff)
		}
		if got[0].EventType() != managedagents.EventSessionThreadStatusRunning {
			t.Errorf("first event %s, want the thread's first", got[0].EventType())
		}
	})
	t.Run("NoResume", func(t *testing.T) {
		ids, goAhead := make(chan string, 1), make(chan struct{})
		srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(childScript(20, ids, goAhead))})
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		sid, tid := startChild(t, ctx, c, ids)
		srv.DropNextStreams(5)
		st, err := c.Threads.Stream(ctx, sid, tid, managedagents.StreamParams{NoResume: true})
		if err != nil {
			t.Fatal(err)
		}
		close(goAhead)
		var got []managedagents.Event
		var last error
		for ev, err := range st.Events() {
			if err != nil {
				last = err
				continue
			}
			got = append(got, ev)
		}
		if last == nil || len(got) != 5 {
			t.Fatalf("%d events, last error %v; want 5 and a drop", len(got), last)
		}
		all := threadHistory(t, c, sid, tid)
		if diff := cmp.Diff(eventIDs(all[2:7]), eventIDs(got)); diff != "" { // after the delegation's running and message
			t.Errorf("stream vs history (-history +stream):\n%s", diff)
		}
	})
}

// TestThreadStreamChaos drops a child's thread stream at 40 random points
// over 5,000 events: every event of the thread comes once, in order, as
// the thread history has it (from the start, or from the open).
func TestThreadStreamChaos(t *testing.T) {
	for _, fromStart := range []bool{false, true} {
		t.Run(fmt.Sprint("FromStart=", fromStart), func(t *testing.T) { threadChaos(t, fromStart) })
	}
}

func threadChaos(t *testing.T, fromStart bool) {
	noLeaks(t)
	const n = 5000
	srv, c, ids, goAhead := childFake(t, n)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed))
	drops := make([]int, 40)
	for i := range drops {
		drops[i] = 1 + rng.IntN(200)
	}
	sid, tid := startChild(t, ctx, c, ids)
	before := 0
	if !fromStart {
		before = len(threadHistory(t, c, sid, tid))
	}
	srv.DropNextStreams(drops...)
	st, err := c.Threads.Stream(ctx, sid, tid, fastReconnect(managedagents.StreamParams{FromStart: fromStart}))
	if err != nil {
		t.Fatal(err)
	}
	close(goAhead)
	got := collectChild(t, st)
	want := threadHistory(t, c, sid, tid)
	if len(want) < n {
		t.Fatalf("history has %d events, want at least %d", len(want), n)
	}
	if diff := cmp.Diff(eventIDs(want[before:]), eventIDs(got)); diff != "" {
		t.Fatalf("seed %d, drops %v: stream vs history (-history +stream):\n%s", seed, drops, diff)
	}
	if st.Reconnects() < 20 {
		t.Errorf("only %d reconnects (drops %v); the test wants at least 20", st.Reconnects(), drops)
	}
	t.Logf("%d events, %d reconnects", len(got), st.Reconnects())
}

// TestThreadStreamResumeCostIsBounded drops a child's thread stream after
// more than 10,000 events and measures the reconnect's history reads: it
// reads from the page of the last events delivered, not the whole history.
func TestThreadStreamResumeCostIsBounded(t *testing.T) {
	noLeaks(t)
	// Not a multiple of the stream's 200-event refresh, so that no refresh
	// falls between the measures.
	const n = 10_050
	ids, goAhead := make(chan string, 1), make(chan struct{})
	ct := &countingTransport{}
	srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(childScript(n, ids, goAhead))},
		managedagents.WithHTTPClient(&http.Client{Transport: ct}))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sid, tid := startChild(t, ctx, c, ids)
	srv.DropNextStreams(n) // cut after the n messages
	st, err := c.Threads.Stream(ctx, sid, tid, fastReconnect(managedagents.StreamParams{}))
	if err != nil {
		t.Fatal(err)
	}
	close(goAhead)
	var got []managedagents.Event
	var beforeReqs int
	var beforeBytes int64
	for ev, err := range st.Events() {
		if err != nil {
			t.Fatalf("after %d events: %v", len(got), err)
		}
		got = append(got, ev)
		if len(got) == n-1 {
			beforeReqs, beforeBytes = ct.counts()
		}
		if ev.EventType() == managedagents.EventAgentThreadMessageSent {
			break
		}
	}
	if st.Reconnects() != 1 {
		t.Fatalf("%d reconnects, want 1", st.Reconnects())
	}
	afterReqs, afterBytes := ct.counts()
	all := threadHistory(t, c, sid, tid)
	_, allBytes := ct.counts()
	allBytes -= afterBytes
	if len(got) != n+2 {
		t.Fatalf("%d events, want %d", len(got), n+2)
	}
	if diff := cmp.Diff(eventIDs(all[len(all)-len(got):]), eventIDs(got)); diff != "" {
		t.Fatalf("stream vs history (-history +stream):\n%s", diff)
	}
	reqs, bytes := afterReqs-beforeReqs, afterBytes-beforeBytes
	t.Logf("resume after %d events: %d history request(s), %d bytes; the whole history is %d bytes", len(got), reqs, bytes, allBytes)
	t.Logf("the whole stream (open, refreshes, resume): %d history requests, %d bytes", afterReqs, afterBytes)
	if reqs > 3 || bytes*20 > allBytes {
		t.Errorf("resume read %d pages, %d bytes (%.1f %% of the history); want at most 3 pages under 5 %%", reqs, bytes, 100*float64(bytes)/float64(allBytes))
	}
}
