package managedagents_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

func TestFakeStreamTurn(t *testing.T) {
	noLeaks(t)
	srv, c := newFake(t)
	s := create(t, c, "stream")
	st, err := c.Events.Stream(t.Context(), s.ID, managedagents.StreamParams{})
	if err != nil {
		t.Fatal(err)
	}
	// Opened before sending: nothing can be missed.
	if _, err := c.Events.Send(t.Context(), s.ID, managedagents.UserMessage("hello")); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st, true)
	if err := srv.WaitIdle(t.Context(), s.ID); err != nil {
		t.Fatal(err)
	}
	want := history(t, c, s.ID, managedagents.EventListParams{})
	if diff := cmp.Diff(eventIDs(want), eventIDs(got)); diff != "" {
		t.Errorf("stream vs history (-history +stream):\n%s", diff)
	}
}

func TestFakeStreamTwoSubscribers(t *testing.T) {
	noLeaks(t)
	_, c := newFake(t)
	s := create(t, c, "fan-out")
	a, err := c.Events.Stream(t.Context(), s.ID, managedagents.StreamParams{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Events.Stream(t.Context(), s.ID, managedagents.StreamParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events.Send(t.Context(), s.ID, managedagents.UserMessage("run: ls")); err != nil {
		t.Fatal(err)
	}
	ga, gb := collect(t, a, true), collect(t, b, true)
	if len(ga) < 8 || !cmp.Equal(eventIDs(ga), eventIDs(gb)) {
		t.Errorf("subscribers differ:\n%v\n%v", eventIDs(ga), eventIDs(gb))
	}
}

func TestFakeStreamEndsOnDelete(t *testing.T) {
	noLeaks(t)
	_, c := newFake(t)
	s := create(t, c, "deleted")
	st, err := c.Events.Stream(t.Context(), s.ID, managedagents.StreamParams{})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		c.Sessions.Delete(context.Background(), s.ID)
	}()
	got := collect(t, st, false)
	if len(got) != 1 || got[0].EventType() != managedagents.EventSessionDeleted {
		t.Errorf("got %v, want just session.deleted", got)
	}
}

func TestFakeStreamEndsOnTerminated(t *testing.T) {
	noLeaks(t)
	_, c := newFake(t)
	s := create(t, c, "terminated")
	st, err := c.Events.Stream(t.Context(), s.ID, managedagents.StreamParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events.Send(t.Context(), s.ID, managedagents.UserMessage("terminate: unknown_error")); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st, false) // the fake keeps the connection open; the client stops
	if last := got[len(got)-1]; last.EventType() != managedagents.EventSessionStatusTerminated {
		t.Errorf("last event = %s, want session.status_terminated", last.EventType())
	}
}

func TestFakeStreamOpenErrors(t *testing.T) {
	_, c := newFake(t)
	if _, err := c.Events.Stream(t.Context(), "sesn_nope", managedagents.StreamParams{}); err == nil {
		t.Fatal("stream of an unknown session opened")
	}
	srv, c := newFake(t)
	s := create(t, c, "x")
	srv.FailNext(1, 401, managedagentstest.FailOnly("GET", "/v1/sessions/"+s.ID+"/events/stream"))
	if _, err := c.Events.Stream(t.Context(), s.ID, managedagents.StreamParams{}); err == nil {
		t.Fatal("a 401 on connect did not fail Stream")
	}
}

// TestFakeStreamIdleWatchdog: a stream that goes silent is reconnected,
// and the gap is filled from the history.
func TestFakeStreamIdleWatchdog(t *testing.T) {
	noLeaks(t)
	// A slow turn, so that most of it has to come over the live stream.
	srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithStepDelay(30 * time.Millisecond)})
	s := create(t, c, "stall")
	srv.StallStreamsAfter(2)
	st, err := c.Events.Stream(t.Context(), s.ID, fastReconnect(managedagents.StreamParams{IdleTimeout: 200 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	srv.StallStreamsAfter(0) // only the first stream stalls
	if _, err := c.Events.Send(t.Context(), s.ID, managedagents.UserMessage("hello")); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st, true)
	want := history(t, c, s.ID, managedagents.EventListParams{})
	if diff := cmp.Diff(eventIDs(want), eventIDs(got)); diff != "" {
		t.Errorf("stream vs history (-history +stream):\n%s", diff)
	}
	if st.Reconnects() != 1 {
		t.Errorf("reconnects = %d, want 1", st.Reconnects())
	}
}

// TestFakeStreamHeartbeatsKeepItAlive: heartbeats count as data for the
// watchdog, so a quiet but healthy stream is not reconnected.
func TestFakeStreamHeartbeatsKeepItAlive(t *testing.T) {
	noLeaks(t)
	for _, opt := range []managedagentstest.Option{managedagentstest.WithCommentHeartbeats(), managedagentstest.WithHeartbeat(40 * time.Millisecond)} {
		srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithHeartbeat(40 * time.Millisecond), opt})
		s := create(t, c, "quiet")
		st, err := c.Events.Stream(t.Context(), s.ID, fastReconnect(managedagents.StreamParams{IdleTimeout: 150 * time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(500*time.Millisecond, func() { c.Sessions.Delete(context.Background(), s.ID) })
		got := collect(t, st, false)
		if len(got) != 1 || st.Reconnects() != 0 || srv.StreamsOpened() != 1 {
			t.Errorf("got %d events, %d reconnects, %d streams; want only session.deleted on one stream", len(got), st.Reconnects(), srv.StreamsOpened())
		}
	}
}

// TestStreamChaos sends a turn of 5,000 events while the fake server cuts
// the stream at random points at least 20 times: the consumer must see
// every persisted event exactly once, in order. Run it hard with
//
//	go test -race -run TestStreamChaos -count 20 .
func TestStreamChaos(t *testing.T) {
	noLeaks(t)
	const n = 5000
	script := messagesScript(n)
	// A small delay per event spreads the turn over time, so that the
	// drops hit the live stream rather than a finished history.
	srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(script), managedagentstest.WithStepDelay(100 * time.Microsecond)})
	s := create(t, c, "chaos")

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed))
	drops := make([]int, 40)
	for i := range drops {
		drops[i] = 1 + rng.IntN(200)
	}
	srv.DropNextStreams(drops...)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	st, err := c.Events.Stream(ctx, s.ID, fastReconnect(managedagents.StreamParams{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage("go")); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st, true)
	want := history(t, c, s.ID, managedagents.EventListParams{})
	if len(want) < n {
		t.Fatalf("history has %d events, want at least %d", len(want), n)
	}
	if diff := cmp.Diff(eventIDs(want), eventIDs(got)); diff != "" {
		t.Fatalf("seed %d, drops %v: stream vs history (-history +stream):\n%s", seed, drops, diff)
	}
	if st.Reconnects() < 20 {
		t.Errorf("only %d reconnects (drops %v); the test wants at least 20", st.Reconnects(), drops)
	}
	t.Logf("%d events, %d reconnects", len(got), st.Reconnects())
}

// TestStreamResumeCostIsBounded drops a stream after it has delivered
// 10,000 events and measures the reconnect's history reads: the resume
// reads from a little before the newest event delivered, so it costs one
// page, not the whole history. The fake's clock moves 100 ms per reading,
// so the turn spans minutes as a real one would.
func TestStreamResumeCostIsBounded(t *testing.T) {
	noLeaks(t)
	const n = 10_000
	script := messagesScript(n)
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(100 * time.Millisecond)
		return now
	}
	ct := &countingTransport{}
	srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(script), managedagentstest.WithClock(clock)},
		managedagents.WithHTTPClient(&http.Client{Transport: ct}))
	s := create(t, c, "long")
	srv.DropNextStreams(n) // cut after 10,000 event frames

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	st, err := c.Events.Stream(ctx, s.ID, fastReconnect(managedagents.StreamParams{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage("go")); err != nil {
		t.Fatal(err)
	}
	var got []managedagents.Event
	var beforeReqs int
	var beforeBytes int64
	for ev, err := range st.Events() {
		if err != nil {
			t.Fatalf("after %d events: %v", len(got), err)
		}
		got = append(got, ev)
		if len(got) == n-1 {
			// The first connection's last events: what was read so far is
			// the open's start marker and first fill.
			beforeReqs, beforeBytes = ct.counts()
		}
		if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.EndsTurn() {
			break
		}
	}
	if st.Reconnects() != 1 {
		t.Fatalf("%d reconnects, want 1", st.Reconnects())
	}
	afterReqs, afterBytes := ct.counts()
	want := history(t, c, s.ID, managedagents.EventListParams{})
	_, allBytes := ct.counts()
	allBytes -= afterBytes
	if diff := cmp.Diff(eventIDs(want), eventIDs(got)); diff != "" {
		t.Fatalf("stream vs history (-history +stream):\n%s", diff)
	}
	reqs, bytes := afterReqs-beforeReqs, afterBytes-beforeBytes
	t.Logf("resume after %d events: %d history request(s), %d bytes; the whole history is %d bytes", len(got), reqs, bytes, allBytes)
	if reqs != 1 || bytes*20 > allBytes {
		t.Errorf("resume read %d pages, %d bytes (%.1f %% of the history); want 1 page under 5 %%", reqs, bytes, 100*float64(bytes)/float64(allBytes))
	}
}
