package managedagents_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// holdAfterAnswers is a script that calls add twice, waits for both
// answers and then works on until the session is closed: a turn that
// never ends.
func holdAfterAnswers(ctx context.Context, t *managedagentstest.Turn) error {
	var ids []string
	for _, in := range []string{`{"a":1,"b":2}`, `{"a":3,"b":4}`} {
		id, err := t.Emit(managedagents.EventAgentCustomToolUse, map[string]any{"name": "add", "input": json.RawMessage(in)})
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if _, err := t.RequireAction(ids...); err != nil {
		return err
	}
	<-ctx.Done()
	return ctx.Err()
}

// TestRunnerAnswerPendingReturns: AnswerPending answers each open call once
// and returns while the turn goes on; again, it sends nothing.
func TestRunnerAnswerPendingReturns(t *testing.T) {
	noLeaks(t)
	srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(holdAfterAnswers)})
	toolAgent(srv, "agent_t", "add")
	s := createWith(t, c, "agent_t")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage("go")); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(ctx, s.ID); err != nil { // idle, requires_action
		t.Fatal(err)
	}
	store := managedagents.NewMemoryToolCallStore()
	before := eventPosts(srv, s.ID)
	for round := 1; round <= 2; round++ {
		r := &managedagents.Runner{Client: c, Tools: arithmetic(), Store: store}
		ended, err := r.AnswerPending(ctx, s.ID)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if ended != nil {
			t.Errorf("round %d: the turn ended with %s, but it goes on", round, ended.Type)
		}
		if n := eventPosts(srv, s.ID) - before; n != 2 {
			t.Errorf("after round %d: %d posts, want 2", round, n)
		}
	}
	results := customResults(t, c, s.ID)
	if len(results) != 2 {
		t.Errorf("%d calls answered, want 2", len(results))
	}
	for id, answers := range results {
		if len(answers) != 1 || isErrorResult(answers[0]) {
			t.Errorf("call %s: %d answers (the first an error: %v)", id, len(answers), isErrorResult(answers[0]))
		}
	}
}

// TestRunnerAnswerPendingCancelled: a call whose handler outlives the
// context is left started, AnswerPending returns the context's error, and
// the next AnswerPending with the same store answers it per Interrupted
// without running the tool again. Once the turn has ended, AnswerPending
// sends nothing and returns its stop reason.
func TestRunnerAnswerPendingCancelled(t *testing.T) {
	noLeaks(t)
	srv, c, s, ctx := addSession(t)
	if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage(`call: add {"a":1,"b":2}`)); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	blocking := []managedagents.ToolDefinition{{Name: "add", Handler: func(hctx context.Context, _ json.RawMessage) ([]managedagents.ContentBlock, error) {
		runs.Add(1)
		<-hctx.Done()
		return nil, hctx.Err()
	}}}
	store := managedagents.NewMemoryToolCallStore()
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	if _, err := (&managedagents.Runner{Client: c, Tools: blocking, Store: store}).AnswerPending(short, s.ID); err == nil {
		t.Fatal("no error from a cancelled AnswerPending")
	}
	if n := eventPosts(srv, s.ID); n != 1 { // the message only
		t.Fatalf("%d posts, want 1", n)
	}
	if _, err := (&managedagents.Runner{Client: c, Tools: blocking, Store: store}).AnswerPending(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("the tool ran %d times", n)
	}
	for id, answers := range customResults(t, c, s.ID) {
		if len(answers) != 1 || !isErrorResult(answers[0]) {
			t.Errorf("call %s: %d answers, want one error result", id, len(answers))
		}
	}

	if err := srv.WaitIdle(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	before := eventPosts(srv, s.ID)
	ended, err := (&managedagents.Runner{Client: c, Tools: blocking, Store: store}).AnswerPending(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ended == nil || ended.Type != managedagents.StopReasonEndTurn {
		t.Errorf("stop %+v, want end_turn", ended)
	}
	if n := eventPosts(srv, s.ID) - before; n != 0 {
		t.Errorf("%d posts on a finished turn", n)
	}
}

// isErrorResult reports a result marked is_error.
func isErrorResult(r *managedagents.UserCustomToolResultEvent) bool {
	return r.IsError != nil && *r.IsError
}
