package webhooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
	"github.com/managedagents/managedagents-go/webhooks"
)

// These tests run the Handler against the fake server's real deliveries,
// over loopback: the fake signs and posts, the Handler verifies, dedupes
// and calls its function.

// recorded collects what a HandlerFunc received.
type recorded struct {
	mu  sync.Mutex
	got []webhooks.Delivery
}

func (r *recorded) add(d webhooks.Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, d)
}

func (r *recorded) all() []webhooks.Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *recorded) types() []string {
	var out []string
	for _, d := range r.all() {
		out = append(out, d.Event.Data.DataType())
	}
	return out
}

// fakeWithEndpoint starts a fake whose webhooks go to a Handler running fn,
// and a client for the fake. The fake retries after 10 ms.
func fakeWithEndpoint(t *testing.T, fn webhooks.HandlerFunc, fakeOpts ...managedagentstest.Option) (*managedagentstest.Server, *managedagents.Client, *receiver) {
	t.Helper()
	rcv := newReceiver(t, fn, webhooks.WithClock(time.Now))
	srv := managedagentstest.NewServer(append([]managedagentstest.Option{
		managedagentstest.WithWebhookRetries(3, 10*time.Millisecond, 50*time.Millisecond)}, fakeOpts...)...)
	t.Cleanup(srv.Close)
	if err := srv.AddWebhook(rcv.srv.URL, testSecret); err != nil {
		t.Fatal(err)
	}
	client, err := managedagents.NewClient(managedagents.WithBaseURL(srv.URL()), managedagents.WithAPIKey("sk-test"),
		managedagents.WithoutEnvironment())
	if err != nil {
		t.Fatal(err)
	}
	return srv, client, rcv
}

// turn creates a session (with agent, or the default one) whose first
// message is text, and waits until it and its webhooks have settled.
func turn(t *testing.T, srv *managedagentstest.Server, c *managedagents.Client, text string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := c.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: managedagents.AgentByID(managedagentstest.DefaultAgentID), EnvironmentID: managedagentstest.DefaultEnvironmentID,
		InitialEvents: []managedagents.EventParam{managedagents.UserMessage(text)},
	})
	if err != nil {
		t.Fatal(err)
	}
	settle(t, srv, s.ID)
	return s.ID
}

// settle waits for the session and then for every webhook.
func settle(t *testing.T, srv *managedagentstest.Server, sessionID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if sessionID != "" {
		if err := srv.WaitIdle(ctx, sessionID); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.WaitWebhooks(ctx); err != nil {
		t.Fatalf("webhooks did not settle: %v (%+v)", err, srv.WebhookStats())
	}
}

// describe shows attempts without their bodies.
func describe(attempts ...managedagentstest.WebhookAttempt) []string {
	var out []string
	for _, a := range attempts {
		out = append(out, fmt.Sprintf("%s %s #%d bad-sig=%v dup=%v -> %d %s", a.WebhookID, a.Type, a.Attempt, a.BadSignature, a.Duplicate, a.Status, a.Err))
	}
	return out
}

// TestFakeDeliversEveryTypeTyped: every webhook type the fake sends
// arrives through the Handler as its own Go type, about the right session
// and thread.
func TestFakeDeliversEveryTypeTyped(t *testing.T) {
	rec := &recorded{}
	fn := func(_ context.Context, d webhooks.Delivery) error { rec.add(d); return nil }
	srv, c, _ := fakeWithEndpoint(t, fn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	id := turn(t, srv, c, "delegate: researcher look it up")
	if _, err := c.Sessions.Update(ctx, id, managedagents.SessionUpdateParams{Title: managedagents.Set("renamed")}); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"fail: overloaded_error", "terminate:"} {
		if _, err := c.Events.Send(ctx, id, managedagents.UserMessage(text)); err != nil {
			t.Fatal(err)
		}
		settle(t, srv, id)
	}
	if _, err := c.Sessions.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	settle(t, srv, "")

	// Budget and outcome events come from a script of their own.
	script := managedagentstest.WithScript(func(ctx context.Context, tn *managedagentstest.Turn) error {
		if _, err := tn.Emit("span.outcome_evaluation_end", map[string]any{"result": "satisfied"}); err != nil {
			return err
		}
		_, err := tn.Idle(map[string]any{"type": "budget_reached"}, nil)
		return err
	})
	srv2, c2, _ := fakeWithEndpoint(t, fn, script)
	id2 := turn(t, srv2, c2, "go")

	want := map[string]string{
		"session.status_run_started":       "*webhooks.SessionStatusRunStarted",
		"session.status_idled":             "*webhooks.SessionStatusIdled",
		"session.status_rescheduled":       "*webhooks.SessionStatusRescheduled",
		"session.status_terminated":        "*webhooks.SessionStatusTerminated",
		"session.budget_reached":           "*webhooks.SessionBudgetReached",
		"session.outcome_evaluation_ended": "*webhooks.SessionOutcomeEvaluationEnded",
		"session.updated":                  "*webhooks.SessionUpdated",
		"session.deleted":                  "*webhooks.SessionDeleted",
		"session.thread_created":           "*webhooks.SessionThreadCreated",
		"session.thread_idled":             "*webhooks.SessionThreadIdled",
		"session.thread_terminated":        "*webhooks.SessionThreadTerminated",
	}
	seen := map[string]bool{}
	for _, d := range rec.all() {
		typ := d.Event.Data.DataType()
		seen[typ] = true
		if got := fmt.Sprintf("%T", d.Event.Data); got != want[typ] {
			t.Errorf("%s decoded as %s, want %s", typ, got, want[typ])
		}
		sid, _ := d.Event.SessionID()
		if sid != id && sid != id2 {
			t.Errorf("%s names session %q", typ, sid)
		}
		if d.ID != d.Event.ID || d.Event.CreatedAt.IsZero() {
			t.Errorf("%s: webhook-id %q, event %q at %v", typ, d.ID, d.Event.ID, d.Event.CreatedAt)
		}
		th, isThread := d.Event.Data.(webhooks.ThreadPayload)
		if isThread != strings.HasPrefix(typ, "session.thread_") || (isThread && !strings.HasPrefix(th.Thread().SessionThreadID, "sthr_")) {
			t.Errorf("%s: thread payload %v, thread data %+v", typ, isThread, th)
		}
	}
	for typ := range want {
		if !seen[typ] {
			t.Errorf("no %s delivered; got %v", typ, rec.types())
		}
	}
}

// TestFakeDuplicatesAreDropped: the fake sends each of two deliveries twice;
// the function sees each once and the copies are answered 200.
func TestFakeDuplicatesAreDropped(t *testing.T) {
	rec := &recorded{}
	srv, c, rcv := fakeWithEndpoint(t, func(_ context.Context, d webhooks.Delivery) error { rec.add(d); return nil })
	srv.DuplicateNextWebhooks(2)
	turn(t, srv, c, "hello")
	if got := rec.types(); !slices.Equal(got, []string{"session.status_run_started", "session.status_idled"}) {
		t.Errorf("handled %v", got)
	}
	var copies int
	for _, a := range srv.WebhookAttempts() {
		if a.Duplicate {
			copies++
			if a.Status != http.StatusOK {
				t.Errorf("a duplicate was answered %d", a.Status)
			}
		} else if a.Status != http.StatusNoContent {
			t.Errorf("a first delivery was answered %d", a.Status)
		}
	}
	if copies != 2 || rcv.calls.Load() != 2 {
		t.Errorf("%d copies sent, %d calls", copies, rcv.calls.Load())
	}
}

// TestFakeBadSignatureIsRefusedThenRetried: an attempt signed wrong is
// refused with 401 before the function runs; the fake's retry, signed
// right, is handled once. (The retry waits for its backoff, so the next
// delivery may overtake it.)
func TestFakeBadSignatureIsRefusedThenRetried(t *testing.T) {
	rec := &recorded{}
	srv, c, rcv := fakeWithEndpoint(t, func(_ context.Context, d webhooks.Delivery) error { rec.add(d); return nil })
	srv.BadSignatureNextWebhooks(1)
	turn(t, srv, c, "hello")
	attempts := srv.WebhookAttempts()
	if len(attempts) != 3 {
		t.Fatalf("%d attempts: %v", len(attempts), describe(attempts...))
	}
	first := attempts[0]
	var retry managedagentstest.WebhookAttempt
	for _, a := range attempts[1:] {
		if a.WebhookID == first.WebhookID {
			retry = a
		}
	}
	if !first.BadSignature || first.Status != http.StatusUnauthorized || first.Attempt != 1 {
		t.Errorf("first attempt %v", describe(first))
	}
	if retry.WebhookID != first.WebhookID || retry.BadSignature || retry.Status != http.StatusNoContent || retry.Attempt != 2 {
		t.Errorf("retry %v", describe(retry))
	}
	if got := rec.types(); len(got) != 2 || !slices.Contains(got, "session.status_run_started") || !slices.Contains(got, "session.status_idled") {
		t.Errorf("handled %v", got)
	}
	if !strings.Contains(rcv.log.String(), "no v1 signature in webhook-signature matches the signing secret") {
		t.Errorf("no refusal logged:\n%s", rcv.log)
	}
}

// TestFakeRetriesAFailedHandler: a function error answers 500, the fake
// retries, and the retry is handled (not dropped as a duplicate).
func TestFakeRetriesAFailedHandler(t *testing.T) {
	var mu sync.Mutex
	tries := map[string]int{}
	srv, c, _ := fakeWithEndpoint(t, func(_ context.Context, d webhooks.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		tries[d.ID]++
		if d.Event.Data.DataType() == webhooks.TypeSessionStatusRunStarted && tries[d.ID] == 1 {
			return errors.New("downstream unavailable")
		}
		return nil
	})
	turn(t, srv, c, "hello")
	var statuses []int
	for _, a := range srv.WebhookAttempts() {
		if a.Type == webhooks.TypeSessionStatusRunStarted {
			statuses = append(statuses, a.Status)
		}
	}
	if !slices.Equal(statuses, []int{500, 204}) {
		t.Errorf("run_started attempts answered %v, want [500 204]", statuses)
	}
	if st := srv.WebhookStats(); st.Retried != 1 || st.Delivered != 2 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tries) != 2 {
		t.Errorf("tries %v", tries)
	}
}

// TestFakeReorderAndDelay: with the deliveries reordered or the first one
// delayed, the idle arrives first; CreatedAt still tells the true order.
func TestFakeReorderAndDelay(t *testing.T) {
	for _, c := range []struct {
		name   string
		inject func(*managedagentstest.Server)
	}{
		{"reorder", func(s *managedagentstest.Server) { s.ReorderNextWebhooks(2) }},
		{"delay", func(s *managedagentstest.Server) { s.DelayNextWebhooks(1, 400*time.Millisecond) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorded{}
			srv, client, _ := fakeWithEndpoint(t, func(_ context.Context, d webhooks.Delivery) error { rec.add(d); return nil })
			c.inject(srv)
			turn(t, srv, client, "hello")
			got := rec.all()
			if types := rec.types(); !slices.Equal(types, []string{"session.status_idled", "session.status_run_started"}) {
				t.Fatalf("arrival order %v", types)
			}
			if got[1].Event.CreatedAt.After(got[0].Event.CreatedAt) {
				t.Errorf("run_started created at %v, after the idle at %v", got[1].Event.CreatedAt, got[0].Event.CreatedAt)
			}
		})
	}
}

// TestFakeWorkerAnswersRequiresAction is the stateless worker pattern in
// small: on session.status_idled the function reads the session's events,
// answers the custom tool calls the idle waits for, and returns; no stream
// is open anywhere, and the session finishes its turn.
func TestFakeWorkerAnswersRequiresAction(t *testing.T) {
	var c *managedagents.Client
	var answered sync.Map
	worker := func(ctx context.Context, d webhooks.Delivery) error {
		idled, ok := d.Event.Data.(*webhooks.SessionStatusIdled)
		if !ok {
			return nil
		}
		var idle *managedagents.SessionStatusIdleEvent
		uses := map[string]*managedagents.AgentCustomToolUseEvent{}
		for ev, err := range c.Events.All(ctx, idled.SessionID, managedagents.EventListParams{}) {
			if err != nil {
				return err
			}
			switch e := ev.(type) {
			case *managedagents.SessionStatusIdleEvent:
				idle = e
			case *managedagents.AgentCustomToolUseEvent:
				uses[e.ID] = e
			}
		}
		if idle == nil || idle.StopReason.Type != managedagents.StopReasonRequiresAction {
			return nil
		}
		for _, id := range idle.StopReason.EventIDs {
			if _, dup := answered.LoadOrStore(id, true); dup {
				continue
			}
			if _, err := c.Events.Send(ctx, idled.SessionID, managedagents.CustomToolResult(id, managedagents.TextBlock("plan: "+string(uses[id].Input)))); err != nil {
				return err
			}
		}
		return nil
	}
	srv, client, _ := fakeWithEndpoint(t, worker)
	c = client
	if err := srv.AddAgent(managedagentstest.Agent{ID: "agent_tools", Name: "With tools",
		Tools: json.RawMessage(`[{"type":"custom","name":"lookup","description":"Look up.","input_schema":{"type":"object"}}]`)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: managedagents.AgentByID("agent_tools"), EnvironmentID: managedagentstest.DefaultEnvironmentID,
		InitialEvents: []managedagents.EventParam{managedagents.UserMessage(`call: lookup {"id":7}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The turn ends only when the worker has answered: wait for the
	// final end_turn idle.
	for {
		settle(t, srv, s.ID)
		got, err := c.Sessions.Get(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		page, err := c.Events.List(ctx, s.ID, managedagents.EventListParams{Types: []string{managedagents.EventAgentMessage}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Data) > 0 {
			if text := managedagents.JoinText(page.Data[0].(*managedagents.AgentMessageEvent).Content); !strings.Contains(text, `plan: {"id":7}`) {
				t.Errorf("reply %q", text)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the worker never finished the turn; status %s", got.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
