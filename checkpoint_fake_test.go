package managedagents_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// process is one run of a consumer: its own client, with its own
// connections, which a kill closes.
type process struct {
	c         *managedagents.Client
	transport *http.Transport
}

func startProcess(t *testing.T, srv *managedagentstest.Server) process {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	c, err := managedagents.NewClient(
		managedagents.WithBaseURL(srv.URL()),
		managedagents.WithAPIKey("test-key"),
		managedagents.WithoutEnvironment(),
		managedagents.WithRetryWait(time.Millisecond, 5*time.Millisecond),
		managedagents.WithHTTPClient(&http.Client{Transport: tr}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return process{c: c, transport: tr}
}

func (p process) kill() { p.transport.CloseIdleConnections() }

// killPoints returns k distinct event counts in [1, n), ascending.
func killPoints(rng *rand.Rand, k, n int) []int {
	var out []int
	for len(out) < k {
		if p := 1 + rng.IntN(n-1); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// consumer reads a stream in "processes" that are killed at given event
// counts: after each event it saves the stream's checkpoint as text (its
// database), and each new process opens a new stream from what was saved.
type consumer struct {
	t     *testing.T
	srv   *managedagentstest.Server
	kills []int
	// open opens a stream in a process, from the saved checkpoint (the
	// zero Checkpoint for the first process).
	open func(c *managedagents.Client, after managedagents.Checkpoint) (*managedagents.Stream, error)
	// last reports the event after which the consumer is done.
	last func(managedagents.Event) bool
	// down is how long each killed process stays down, while the session
	// goes on.
	down func() time.Duration

	saved      []byte
	got        []string
	reconnects int
	minSize    int
	maxSize    int
}

// sessionConsumer reads a session's stream until its turn ends; the first
// process reads from the start of the history with fromStart, from the
// open otherwise.
func sessionConsumer(ctx context.Context, t *testing.T, srv *managedagentstest.Server, sessionID string, kills []int, fromStart bool) *consumer {
	return &consumer{
		t: t, srv: srv, kills: kills,
		open: func(c *managedagents.Client, after managedagents.Checkpoint) (*managedagents.Stream, error) {
			p := managedagents.StreamParams{After: after, FromStart: fromStart && after.IsZero()}
			return c.Events.Stream(ctx, sessionID, fastReconnect(p))
		},
		last: func(ev managedagents.Event) bool {
			idle, ok := ev.(*managedagents.SessionStatusIdleEvent)
			return ok && idle.StopReason.EndsTurn()
		},
	}
}

// threadConsumer reads a child thread's stream until its reply to the
// primary thread (childScript's last event).
func threadConsumer(ctx context.Context, t *testing.T, srv *managedagentstest.Server, sessionID, threadID string, kills []int, fromStart bool) *consumer {
	return &consumer{
		t: t, srv: srv, kills: kills,
		open: func(c *managedagents.Client, after managedagents.Checkpoint) (*managedagents.Stream, error) {
			p := managedagents.StreamParams{After: after, FromStart: fromStart && after.IsZero()}
			return c.Threads.Stream(ctx, sessionID, threadID, fastReconnect(p))
		},
		last: func(ev managedagents.Event) bool { return ev.EventType() == managedagents.EventAgentThreadMessageSent },
	}
}

// runTurn opens the first process's stream, then starts a turn of the
// session, and reads it with run.
func (cs *consumer) runTurn(ctx context.Context, c *managedagents.Client, sessionID string) {
	first, err := cs.open(c, managedagents.Checkpoint{})
	if err != nil {
		cs.t.Fatal(err)
	}
	if _, err := c.Events.Send(ctx, sessionID, managedagents.UserMessage("go")); err != nil {
		cs.t.Fatal(err)
	}
	cs.run(first)
}

// run reads until last, starting the first process with first (a stream
// already open, so that the test can send after it opened).
func (cs *consumer) run(first *managedagents.Stream) {
	t := cs.t
	st, proc := first, process{}
	for {
		done := cs.read(st)
		cs.reconnects += st.Reconnects()
		if proc.c != nil {
			proc.kill()
		}
		if done {
			return
		}
		if cs.down != nil {
			time.Sleep(cs.down())
		}
		// A new process: a new client, and the checkpoint from storage.
		proc = startProcess(t, cs.srv)
		var ck managedagents.Checkpoint
		if err := ck.UnmarshalText(cs.saved); err != nil {
			t.Fatalf("after %d events: the saved checkpoint does not decode: %v", len(cs.got), err)
		}
		var err error
		if st, err = cs.open(proc.c, ck); err != nil {
			t.Fatalf("after %d events: opening from the checkpoint: %v", len(cs.got), err)
		}
	}
}

// read ranges over st until the consumer is done (true) or killed.
func (cs *consumer) read(st *managedagents.Stream) bool {
	t := cs.t
	for ev, err := range st.Events() {
		if err != nil {
			t.Fatalf("stream error after %d events: %v", len(cs.got), err)
		}
		cs.got = append(cs.got, ev.EventID())
		ck, ok := st.Checkpoint()
		if !ok {
			t.Fatal("no checkpoint")
		}
		text, err := ck.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		cs.saved = text
		if cs.minSize == 0 || len(text) < cs.minSize {
			cs.minSize = len(text)
		}
		cs.maxSize = max(cs.maxSize, len(text))
		if cs.last(ev) {
			return true
		}
		if len(cs.kills) > 0 && len(cs.got) == cs.kills[0] {
			cs.kills = cs.kills[1:]
			return false // killed: the loop's end closes the stream
		}
	}
	t.Fatalf("the stream ended after %d events", len(cs.got))
	return true
}

// check compares what the consumer got with want, the persisted events.
func (cs *consumer) check(seed uint64, want []managedagents.Event) {
	t := cs.t
	ids := eventIDs(want)
	if diff := cmp.Diff(ids, cs.got); diff != "" {
		dups := len(cs.got) - len(uniq(cs.got))
		t.Fatalf("seed %d: %d events delivered (%d duplicates), %d persisted (-persisted +delivered):\n%s", seed, len(cs.got), dups, len(ids), diff)
	}
}

func uniq(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// testSeed returns the seed of a randomised test, from CHECKPOINT_SEED when
// set (to replay a failure), and logs it.
func testSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("CHECKPOINT_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (replay with CHECKPOINT_SEED=%d)", seed, seed)
	return seed
}

// TestCheckpointSurvivesKills reads a turn of 5,000 events in processes
// killed at 10 random points, each time continuing in a new client from
// the checkpoint saved after the last event after up to 40 ms of downtime
// (hundreds of events persisted meanwhile), while the fake server also
// cuts the streams at random points: every persisted event is delivered
// exactly once, in order. The fake stamps events to the millisecond, so
// about ten share each processed_at, and kills land between them.
func TestCheckpointSurvivesKills(t *testing.T) {
	noLeaks(t)
	const n = 5000
	srv, c := newFakeWith(t, []managedagentstest.Option{
		managedagentstest.WithScript(messagesScript(n)),
		managedagentstest.WithStepDelay(100 * time.Microsecond),
	})
	s := create(t, c, "kills")
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, seed))
	kills := killPoints(rng, 10, n)
	drops := make([]int, 20)
	for i := range drops {
		drops[i] = 1 + rng.IntN(600)
	}
	srv.DropNextStreams(drops...)
	t.Logf("kills after events %v, drops after %v frames", kills, drops)
	down := func() time.Duration { return time.Duration(rng.IntN(40)) * time.Millisecond }

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cs := sessionConsumer(ctx, t, srv, s.ID, kills, false)
	cs.down = down
	cs.runTurn(ctx, c, s.ID)
	want := history(t, c, s.ID, managedagents.EventListParams{})
	if len(want) < n {
		t.Fatalf("history has %d events, want at least %d", len(want), n)
	}
	cs.check(seed, want)
	if len(cs.kills) != 0 {
		t.Errorf("kills %v did not happen", cs.kills)
	}
	t.Logf("%d events, 10 kills, %d reconnects, 0 duplicates, 0 losses; checkpoint %d to %d bytes",
		len(cs.got), cs.reconnects, cs.minSize, cs.maxSize)
	if cs.maxSize > 512 {
		t.Errorf("a checkpoint took %d bytes, want at most 512", cs.maxSize)
	}
}

// TestThreadCheckpointSurvivesKills: the same for a child thread's stream,
// over 2,000 events.
func TestThreadCheckpointSurvivesKills(t *testing.T) {
	noLeaks(t)
	const n = 2000
	srv, c, ids, goAhead := childFake(t, n)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, seed))
	kills := killPoints(rng, 10, n)
	drops := make([]int, 10)
	for i := range drops {
		drops[i] = 1 + rng.IntN(400)
	}
	t.Logf("kills after events %v, drops after %v frames", kills, drops)
	down := func() time.Duration { return time.Duration(rng.IntN(40)) * time.Millisecond }
	sid, tid := startChild(t, ctx, c, ids)
	before := len(threadHistory(t, c, sid, tid))
	srv.DropNextStreams(drops...)
	cs := threadConsumer(ctx, t, srv, sid, tid, kills, false)
	cs.down = down
	first, err := cs.open(c, managedagents.Checkpoint{})
	if err != nil {
		t.Fatal(err)
	}
	close(goAhead)
	cs.run(first)
	want := threadHistory(t, c, sid, tid)
	if len(want) < n {
		t.Fatalf("history has %d events, want at least %d", len(want), n)
	}
	cs.check(seed, want[before:])
	if len(cs.kills) != 0 {
		t.Errorf("kills %v did not happen", cs.kills)
	}
	t.Logf("%d events, 10 kills, %d reconnects, 0 duplicates, 0 losses; checkpoint %d to %d bytes",
		len(cs.got), cs.reconnects, cs.minSize, cs.maxSize)
	if cs.maxSize > 512 {
		t.Errorf("a checkpoint took %d bytes, want at most 512", cs.maxSize)
	}
}

// messagesScript is a turn of n agent messages.
func messagesScript(n int) managedagentstest.Script {
	return func(ctx context.Context, turn *managedagentstest.Turn) error {
		for i := range n {
			if _, err := turn.Emit(managedagents.EventAgentMessage, map[string]any{
				"content": []map[string]any{{"type": "text", "text": fmt.Sprint("message ", i)}},
			}); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestCheckpointAtOneTimestamp: when every event of a turn shares one
// processed_at (a frozen clock), a checkpoint taken between two of them
// still continues exactly after the last one delivered.
func TestCheckpointAtOneTimestamp(t *testing.T) {
	noLeaks(t)
	const n = 60
	frozen := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	srv, c := newFakeWith(t, []managedagentstest.Option{
		managedagentstest.WithScript(messagesScript(n)),
		managedagentstest.WithClock(func() time.Time { return frozen }),
	})
	s := create(t, c, "one instant")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	cs := sessionConsumer(ctx, t, srv, s.ID, []int{1, 2, 17, 40, 41}, false)
	cs.runTurn(ctx, c, s.ID)
	cs.check(0, history(t, c, s.ID, managedagents.EventListParams{}))
	t.Logf("%d events at one instant; checkpoint up to %d bytes", len(cs.got), cs.maxSize)
}

// TestCheckpointInHistory reads a finished turn from the start of its
// history, killed at page boundaries of the thread history (200 events a
// page) and around them: each new process continues from the history page
// of the checkpoint, exactly after its last event.
func TestCheckpointInHistory(t *testing.T) {
	kills := []int{1, 150, 199, 200, 201, 399, 400, 401, 555}
	t.Run("session", func(t *testing.T) {
		noLeaks(t)
		srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(messagesScript(700))})
		s := create(t, c, "history")
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage("go")); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitIdle(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		cs := sessionConsumer(ctx, t, srv, s.ID, slices.Clone(kills), true)
		first, err := cs.open(c, managedagents.Checkpoint{})
		if err != nil {
			t.Fatal(err)
		}
		cs.run(first)
		cs.check(0, history(t, c, s.ID, managedagents.EventListParams{}))
	})
	t.Run("thread", func(t *testing.T) {
		noLeaks(t)
		ids, goAhead := make(chan string, 1), make(chan struct{})
		close(goAhead)
		srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(childScript(700, ids, goAhead))})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		sid, tid := startChild(t, ctx, c, ids)
		if err := srv.WaitIdle(ctx, sid); err != nil {
			t.Fatal(err)
		}
		cs := threadConsumer(ctx, t, srv, sid, tid, slices.Clone(kills), true)
		first, err := cs.open(c, managedagents.Checkpoint{})
		if err != nil {
			t.Fatal(err)
		}
		cs.run(first)
		cs.check(0, threadHistory(t, c, sid, tid))
	})
}

// TestStreamOpensAfterOneTimestamp: a stream opened at "now" on a session
// whose last events share one processed_at (a frozen clock) yields none of
// them, only what comes next; and so does a stream opened in another
// process from its checkpoint taken before its first event.
func TestStreamOpensAfterOneTimestamp(t *testing.T) {
	for _, viaCheckpoint := range []bool{false, true} {
		t.Run(fmt.Sprint("checkpoint=", viaCheckpoint), func(t *testing.T) { opensAfterOneTimestamp(t, viaCheckpoint) })
	}
}

func opensAfterOneTimestamp(t *testing.T, viaCheckpoint bool) {
	noLeaks(t)
	frozen := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	srv, c := newFakeWith(t, []managedagentstest.Option{
		managedagentstest.WithScript(messagesScript(30)),
		managedagentstest.WithClock(func() time.Time { return frozen }),
	})
	s := create(t, c, "one instant")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage("one")); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	before := len(history(t, c, s.ID, managedagents.EventListParams{}))
	st, err := c.Events.Stream(ctx, s.ID, fastReconnect(managedagents.StreamParams{}))
	if err != nil {
		t.Fatal(err)
	}
	if viaCheckpoint {
		ck, ok := st.Checkpoint()
		st.Close()
		if !ok {
			t.Fatal("no checkpoint after the open")
		}
		text, _ := ck.MarshalText()
		var after managedagents.Checkpoint
		if err := after.UnmarshalText(text); err != nil {
			t.Fatal(err)
		}
		histPath, streamPath := "/v1/sessions/"+s.ID+"/events", "/v1/sessions/"+s.ID+"/events/stream"
		h0, s0 := srv.Count(http.MethodGet, histPath), srv.Count(http.MethodGet, streamPath)
		if st, err = startProcess(t, srv).c.Events.Stream(ctx, s.ID, fastReconnect(managedagents.StreamParams{After: after})); err != nil {
			t.Fatal(err)
		}
		// Opening from a checkpoint: the connection, one history read.
		if h, n := srv.Count(http.MethodGet, histPath)-h0, srv.Count(http.MethodGet, streamPath)-s0; h != 1 || n != 1 {
			t.Errorf("opening from the checkpoint took %d history reads and %d connections, want 1 and 1", h, n)
		}
	}
	if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage("two")); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st, true)
	want := history(t, c, s.ID, managedagents.EventListParams{})[before:]
	if diff := cmp.Diff(eventIDs(want), eventIDs(got)); diff != "" {
		t.Errorf("stream vs the history after the open (-history +stream):\n%s", diff)
	}
}
