package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
	"github.com/managedagents/managedagents-go/webhooks"
)

// fleetRounds are the custom tools the agent calls, one requires_action
// round per entry. The victim call is alone in its round, so that the
// kill cuts no other call short.
var fleetRounds = [][]string{{"lookup", "charge"}, {"charge"}, {"notify", "lookup", "charge"}}

// victimRound is the round (from 1) of the call whose worker is killed.
const victimRound = 2

type stepInput struct {
	Round int `json:"round"`
	N     int `json:"n"`
}

// roundsScript plays an agent that calls the fleetRounds tools, waits for
// each round's answers, then replies.
func roundsScript(ctx context.Context, t *managedagentstest.Turn) error {
	for r, names := range fleetRounds {
		var ids []string
		for n, name := range names {
			id, err := t.Emit(managedagents.EventAgentCustomToolUse, map[string]any{
				"name": name, "input": stepInput{Round: r + 1, N: n + 1},
			})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if _, err := t.RequireAction(ids...); err != nil {
			return err
		}
	}
	_, err := t.Emit(managedagents.EventAgentMessage, map[string]any{
		"content": []map[string]any{{"type": "text", "text": "all rounds done"}},
	})
	return err
}

// ledger is what the workers did, as the user's own database would hold
// it: tool executions by idempotency key, events handled by ID.
type ledger struct {
	mu        sync.Mutex
	runs      map[string]int      // tool-use ID → handler executions
	processed map[string][]string // event ID → the workers that handled it
	victim    string              // the victim call's tool-use ID, once it ran
	ended     chan struct{}       // closed when a worker handled the end_turn idle
	endOnce   sync.Once
}

func newLedger() *ledger {
	return &ledger{runs: map[string]int{}, processed: map[string][]string{}, ended: make(chan struct{})}
}

func (l *ledger) onEvent(_ context.Context, worker string, ev managedagents.Event) error {
	l.mu.Lock()
	l.processed[ev.EventID()] = append(l.processed[ev.EventID()], worker)
	l.mu.Unlock()
	if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.Type == managedagents.StopReasonEndTurn {
		l.endOnce.Do(func() { close(l.ended) })
	}
	return nil
}

// tools returns the fleet's tools for one worker; blockVictim makes the
// victim call's execution kill the worker and block until it is dead.
func (l *ledger) tools(armed *atomic.Bool, blockVictim bool, kill func()) []managedagents.ToolDefinition {
	var defs []managedagents.ToolDefinition
	for _, name := range []string{"lookup", "charge", "notify"} {
		defs = append(defs, managedagents.TypedTool(name, "A step with a side effect.", json.RawMessage(`{"type":"object"}`),
			func(ctx context.Context, in stepInput) (string, error) {
				key, ok := managedagents.ToolUseIDFromContext(ctx)
				if !ok {
					return "", errors.New("no idempotency key")
				}
				l.mu.Lock()
				l.runs[key]++ // the side effect
				if in.Round == victimRound {
					l.victim = key
				}
				l.mu.Unlock()
				if blockVictim && in.Round == victimRound && armed.CompareAndSwap(true, false) {
					kill()
					<-ctx.Done()
					return "", ctx.Err()
				}
				return fmt.Sprintf("%s %d.%d done", name, in.Round, in.N), nil
			}))
	}
	return defs
}

// killingStore is one worker's view of the shared tool-call store: once
// the victim call's result is recorded, it kills its worker, which so
// dies after the tool ran and before the result was posted.
type killingStore struct {
	managedagents.ToolCallStore
	l     *ledger
	armed *atomic.Bool
	kill  func()
}

func (s killingStore) Finish(ctx context.Context, key managedagents.ToolCallKey, rec managedagents.ToolCallRecord) error {
	if err := s.ToolCallStore.Finish(ctx, key, rec); err != nil {
		return err
	}
	s.l.mu.Lock()
	victim := key.ToolUseID == s.l.victim
	s.l.mu.Unlock()
	if victim && s.armed.CompareAndSwap(true, false) {
		s.kill()
		return errors.New("the worker was killed")
	}
	return nil
}

// member is one worker process of the fleet.
type member struct {
	name    string
	handler http.Handler
	life    context.Context
	kill    context.CancelFunc
	served  atomic.Int32
}

// fleet is a load balancer in front of the workers: it hands each request
// to the next live worker. A request whose worker dies while serving it
// gets no answer at all: its connection is dropped, as a crashed process
// drops it.
type fleet struct {
	members []*member
	next    atomic.Uint64
}

func (f *fleet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m *member
	for m == nil {
		c := f.members[f.next.Add(1)%uint64(len(f.members))]
		if c.life.Err() == nil {
			m = c
		}
	}
	m.served.Add(1)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(m.life, cancel)()
	m.handler.ServeHTTP(w, r.WithContext(ctx))
	if m.life.Err() != nil {
		panic(http.ErrAbortHandler)
	}
}

// TestFleet runs one session through three workers behind one endpoint,
// with duplicated and reordered deliveries, and kills one worker in the
// middle of a call: every call is executed once and answered once, every
// event is handled once.
func TestFleet(t *testing.T) {
	for _, tc := range []struct {
		name string
		// blockVictim kills the victim's worker while its tool runs;
		// otherwise right after its result was recorded.
		blockVictim bool
	}{
		{"killed after the result was recorded", false},
		{"killed while the tool ran", true},
	} {
		t.Run(tc.name, func(t *testing.T) { testFleet(t, tc.blockVictim) })
	}
}

func testFleet(t *testing.T, blockVictim bool) {
	leakOpts := []goleak.Option{goleak.IgnoreCurrent(),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop")}
	t.Cleanup(func() { goleak.VerifyNone(t, leakOpts...) })
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()

	srv := managedagentstest.NewServer(
		managedagentstest.WithScript(roundsScript),
		managedagentstest.WithWebhookConcurrency(3),
		managedagentstest.WithWebhookRetries(5, 10*time.Millisecond, 100*time.Millisecond),
	)
	t.Cleanup(srv.Close)
	newClient := func() *managedagents.Client {
		c, err := managedagents.NewClient(managedagents.WithBaseURL(srv.URL()), managedagents.WithAPIKey("test-key"),
			managedagents.WithoutEnvironment(), managedagents.WithRetryWait(time.Millisecond, 5*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	// The state the workers share: the user's database.
	dir := t.TempDir()
	toolCalls, err := managedagents.OpenFileToolCallStore(filepath.Join(dir, "tool-calls.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { toolCalls.Close() })
	checkpoints := NewCheckpointFile(filepath.Join(dir, "checkpoints.json"))
	locks := &SessionLocks{}
	seen, err := webhooks.NewMemoryStore(1000)
	if err != nil {
		t.Fatal(err)
	}
	l := newLedger()
	var armed atomic.Bool
	armed.Store(true)

	secret, err := newSecret()
	if err != nil {
		t.Fatal(err)
	}
	lb := &fleet{}
	for i := range 3 {
		m := &member{name: fmt.Sprintf("worker-%d", i+1)}
		m.life, m.kill = context.WithCancel(context.Background())
		t.Cleanup(m.kill)
		w := &Worker{
			Name: m.name, Client: newClient(), Tools: l.tools(&armed, blockVictim, m.kill),
			ToolCalls:   killingStore{ToolCallStore: toolCalls, l: l, armed: &armed, kill: m.kill},
			Interrupted: managedagents.AnswerInterruptedWithError,
			Checkpoints: checkpoints, Locks: locks, OnEvent: l.onEvent,
		}
		if m.handler, err = webhooks.NewHandler(secret, w.Handle, webhooks.WithStore(seen),
			webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))); err != nil {
			t.Fatal(err)
		}
		lb.members = append(lb.members, m)
	}
	endpoint := httptest.NewServer(lb)
	t.Cleanup(endpoint.Close)
	if err := srv.AddWebhook(endpoint.URL, secret); err != nil {
		t.Fatal(err)
	}
	srv.DuplicateNextWebhooks(8)
	srv.ReorderNextWebhooks(6)

	client := newClient()
	var tools []managedagents.Tool
	for _, d := range l.tools(&armed, false, nil) {
		tools = append(tools, d.Tool())
	}
	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: managedagents.AgentWithOverrides(managedagentstest.DefaultAgentID, 0,
			managedagents.AgentOverrides{Tools: managedagents.Set(tools)}),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Events.Send(ctx, sess.ID, managedagents.UserMessage("go")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.ended:
		if err := srv.WaitWebhooks(ctx); err != nil { // the duplicates and retries too
			t.Fatal(err)
		}
	case <-ctx.Done():
		// Stuck: the checks below tell what went missing.
		t.Errorf("the turn did not end: %v", ctx.Err())
		ctx, cancel = context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
	}

	if armed.Load() {
		t.Fatal("no worker was killed")
	}
	dead := 0
	for _, m := range lb.members {
		if m.life.Err() != nil {
			dead++
		}
		if m.served.Load() == 0 {
			t.Errorf("%s served no delivery", m.name)
		}
	}
	if dead != 1 {
		t.Errorf("%d workers dead, want 1", dead)
	}
	dropped := 0
	for _, a := range srv.WebhookAttempts() {
		if a.Status == 0 {
			dropped++
		}
	}
	if dropped == 0 {
		t.Error("no delivery attempt went unanswered: the kill did not reach the sender")
	}

	var history []managedagents.Event
	for ev, err := range client.Events.All(ctx, sess.ID, managedagents.EventListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		history = append(history, ev)
	}
	l.mu.Lock()
	defer l.mu.Unlock()

	// Every event handled once, none missing, none unknown.
	ids := map[string]bool{}
	for _, ev := range history {
		ids[ev.EventID()] = true
		if by := l.processed[ev.EventID()]; len(by) != 1 {
			t.Errorf("event %s (%s) handled %d times, by %v", ev.EventID(), ev.EventType(), len(by), by)
		}
	}
	for id := range l.processed {
		if !ids[id] {
			t.Errorf("event %s handled but not in the history", id)
		}
	}

	// Every call executed once and answered once.
	calls, answers := 0, map[string][]*managedagents.UserCustomToolResultEvent{}
	for _, ev := range history {
		switch e := ev.(type) {
		case *managedagents.AgentCustomToolUseEvent:
			calls++
			if n := l.runs[e.ID]; n != 1 {
				t.Errorf("call %s (%s) executed %d times", e.ID, e.Name, n)
			}
		case *managedagents.UserCustomToolResultEvent:
			answers[e.CustomToolUseID] = append(answers[e.CustomToolUseID], e)
		}
	}
	if want := countCalls(); calls != want || len(answers) != want {
		t.Errorf("%d calls, %d answered, want %d", calls, len(answers), want)
	}
	for id, as := range answers {
		if len(as) != 1 {
			t.Errorf("call %s answered %d times", id, len(as))
			continue
		}
		isError := as[0].IsError != nil && *as[0].IsError
		// Killed while it ran, the victim's effect is unknown: the
		// policy answers it with an error rather than run it again.
		if wantError := blockVictim && id == l.victim; isError != wantError {
			t.Errorf("call %s: is_error %v, want %v (%s)", id, isError, wantError, resultText(as[0]))
		}
	}
	if posts, want := srv.Count(http.MethodPost, "/v1/sessions/"+sess.ID+"/events"), 1+countCalls(); posts != want {
		t.Errorf("%d event posts, want %d (the message and one per call)", posts, want)
	}
	t.Logf("events %d, calls %d, deliveries %v, unanswered attempts %d", len(history), calls,
		slices.Collect(func(yield func(string) bool) {
			for _, m := range lb.members {
				yield(fmt.Sprintf("%s:%d", m.name, m.served.Load()))
			}
		}), dropped)
}

func countCalls() int {
	n := 0
	for _, r := range fleetRounds {
		n += len(r)
	}
	return n
}

func resultText(r *managedagents.UserCustomToolResultEvent) string {
	var parts []string
	for _, b := range r.Content {
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, " ")
}
