package managedagents_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// runnerTimeout bounds each pick-up test's runs.
const runnerTimeout = 5 * time.Second

// addSession starts a fake with an agent that has the custom tool add and
// a session of it, and returns a context with the runner tests' deadline.
func addSession(t *testing.T, opts ...managedagents.Option) (*managedagentstest.Server, *managedagents.Client, *managedagents.Session, context.Context) {
	t.Helper()
	srv, c := newFake(t, opts...)
	toolAgent(srv, "agent_t", "add")
	s := createWith(t, c, "agent_t")
	ctx, cancel := context.WithTimeout(t.Context(), runnerTimeout)
	t.Cleanup(cancel)
	return srv, c, s, ctx
}

// eventPosts counts the send requests of a session.
func eventPosts(srv *managedagentstest.Server, sessionID string) int {
	return srv.Count(http.MethodPost, "/v1/sessions/"+sessionID+"/events")
}

// TestRunnerSecondRunSendsNothing: a second Run with no events on a session
// whose turn already answered its call sends nothing and returns at once
// with the stop reason of the finished turn.
func TestRunnerSecondRunSendsNothing(t *testing.T) {
	noLeaks(t)
	srv, c, s, ctx := addSession(t)
	r := &managedagents.Runner{Client: c, Tools: arithmetic()}
	if _, err := r.Run(ctx, s.ID, managedagents.UserMessage(`call: add {"a":1,"b":2}`)); err != nil {
		t.Fatal(err)
	}
	before := eventPosts(srv, s.ID)
	for i, runner := range []*managedagents.Runner{r, {Client: c, Tools: arithmetic()}} {
		runCtx, cancel := context.WithTimeout(ctx, time.Second)
		res, err := runner.Run(runCtx, s.ID)
		cancel()
		if n := eventPosts(srv, s.ID) - before; n != 0 {
			t.Errorf("run %d sent %d requests", i+2, n)
		}
		if err != nil {
			t.Fatalf("run %d: %v", i+2, err)
		}
		if res.StopReason == nil || res.StopReason.Type != managedagents.StopReasonEndTurn || len(res.Events) != 0 {
			t.Errorf("run %d: stop %+v, %d events", i+2, res.StopReason, len(res.Events))
		}
	}
	for id, answers := range customResults(t, c, s.ID) {
		if len(answers) != 1 {
			t.Errorf("call %s answered %d times", id, len(answers))
		}
	}
}

// overlapTransport makes the runner's pick-up history read see a tool use
// that the already open stream delivers live as well: before that request
// goes out, it lets the script emit the call and waits until the call is
// in the session's log.
type overlapTransport struct {
	srv     *managedagentstest.Server
	emit    chan<- struct{}
	emitted <-chan struct{}
	once    sync.Once
}

func (o *overlapTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	// The pick-up reads the history filtered by type; the stream's own
	// history reads are not filtered.
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/events") &&
		slices.Contains(r.URL.Query()["types[]"], managedagents.EventAgentCustomToolUse) {
		o.once.Do(func() {
			close(o.emit)
			select {
			case <-o.emitted:
			case <-r.Context().Done():
			}
		})
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestRunnerOverlapAnswersOnce: one Run sees the same
// agent.custom_tool_use in the history it reads when it picks up the
// session and on its live stream, and answers it once.
func TestRunnerOverlapAnswersOnce(t *testing.T) {
	noLeaks(t)
	emit, emitted := make(chan struct{}), make(chan struct{})
	script := func(ctx context.Context, turn *managedagentstest.Turn) error {
		select {
		case <-emit:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		id, err := turn.Emit(managedagents.EventAgentCustomToolUse, map[string]any{"name": "add", "input": map[string]int{"a": 20, "b": 22}})
		if err != nil {
			return err
		}
		close(emitted)
		answers, err := turn.RequireAction(id)
		if err != nil {
			return err
		}
		_, err = turn.Emit(managedagents.EventAgentMessage, map[string]any{"content": []any{map[string]any{"type": "text", "text": "got " + string(answers[0])}}})
		return err
	}
	srv := managedagentstest.NewServer(managedagentstest.WithScript(script))
	t.Cleanup(srv.Close)
	c, err := managedagents.NewClient(managedagents.WithBaseURL(srv.URL()), managedagents.WithAPIKey("k"), managedagents.WithoutEnvironment(),
		managedagents.WithHTTPClient(&http.Client{Transport: &overlapTransport{srv: srv, emit: emit, emitted: emitted}}))
	if err != nil {
		t.Fatal(err)
	}
	s := create(t, c, "overlap")
	ctx, cancel := context.WithTimeout(t.Context(), runnerTimeout)
	defer cancel()
	if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage("go")); err != nil {
		t.Fatal(err)
	}
	r := &managedagents.Runner{Client: c, Tools: arithmetic()}
	res, err := r.Run(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var uses int
	for _, ev := range res.Events {
		if _, ok := ev.(*managedagents.AgentCustomToolUseEvent); ok {
			uses++
		}
	}
	if uses != 1 || !strings.Contains(res.Text, `"text":"42"`) {
		t.Errorf("the stream showed %d tool uses; text %q", uses, res.Text)
	}
	if n := eventPosts(srv, s.ID); n != 2 {
		t.Errorf("%d sends, want 2 (the message and one answer)", n)
	}
	for id, answers := range customResults(t, c, s.ID) {
		if len(answers) != 1 {
			t.Errorf("call %s answered %d times", id, len(answers))
		}
	}
}
