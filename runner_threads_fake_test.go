package managedagents_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// coordinatorSession starts a fake with a saved agent named "Tool user"
// (bash asks; the given custom tools) for child threads to run, and a
// session of the default agent, the coordinator. The context has the
// runner tests' deadline.
func coordinatorSession(t *testing.T, customTools ...string) (*managedagentstest.Server, *managedagents.Client, *managedagents.Session, context.Context) {
	t.Helper()
	srv, c := newFake(t)
	toolAgent(srv, "agent_t", customTools...)
	s := create(t, c, "coordinator")
	ctx, cancel := context.WithTimeout(t.Context(), runnerTimeout)
	t.Cleanup(cancel)
	return srv, c, s, ctx
}

// confirmations returns the confirmations the session received, by
// tool-use ID.
func confirmations(t *testing.T, c *managedagents.Client, sessionID string) map[string][]*managedagents.UserToolConfirmationEvent {
	t.Helper()
	out := map[string][]*managedagents.UserToolConfirmationEvent{}
	for _, ev := range history(t, c, sessionID, managedagents.EventListParams{Types: []string{managedagents.EventUserToolConfirmation}}) {
		r := ev.(*managedagents.UserToolConfirmationEvent)
		out[r.ToolUseID] = append(out[r.ToolUseID], r)
	}
	return out
}

// TestRunnerAcrossThreads: the runner answers a custom tool call and a
// confirmation raised in two child threads, each exactly once and routed
// to its thread, and the turn ends on the session's idle.
func TestRunnerAcrossThreads(t *testing.T) {
	noLeaks(t)
	srv, c, s, ctx := coordinatorSession(t, "add")
	r := &managedagents.Runner{Client: c, Tools: arithmetic(),
		Confirm: func(ctx context.Context, call managedagents.ToolCall) (bool, string) { return call.Name == "bash", "" }}
	res, err := r.Run(ctx, s.ID, managedagents.UserMessage(
		"delegate: \"Tool user\" call: add {\"a\":2,\"b\":3}\ndelegate: \"Tool user\" run: ls"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Tool user replied: Tool add returned: 5", "Tool user replied: Tool bash returned: ran: ls"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("text %q lacks %q", res.Text, want)
		}
	}
	if res.StopReason == nil || res.StopReason.Type != managedagents.StopReasonEndTurn {
		t.Fatalf("stop reason %+v", res.StopReason)
	}
	if len(res.Threads) != 2 {
		t.Fatalf("threads %+v", res.Threads)
	}
	results, confirms := customResults(t, c, s.ID), confirmations(t, c, s.ID)
	for i, th := range res.Threads {
		if len(th.ToolUseIDs) != 1 {
			t.Fatalf("thread %d tool uses %v", i, th.ToolUseIDs)
		}
		id := th.ToolUseIDs[0]
		switch i {
		case 0:
			if len(results[id]) != 1 || results[id][0].SessionThreadID != th.ID {
				t.Errorf("custom call %s of thread %s answered %+v", id, th.ID, results[id])
			}
		case 1:
			if len(confirms[id]) != 1 || confirms[id][0].SessionThreadID != th.ID || confirms[id][0].Result != "allow" {
				t.Errorf("confirmation of %s (thread %s): %+v", id, th.ID, confirms[id])
			}
		}
	}
	if n := srv.Count(http.MethodPost, "/v1/sessions/"+s.ID+"/events"); n != 3 {
		t.Errorf("%d sends, want 3 (the message and one answer per call)", n)
	}
}

// TestRunnerWorkflowThread: a call from a thread that a workflow run
// started is answered like any other.
func TestRunnerWorkflowThread(t *testing.T) {
	noLeaks(t)
	_, c, s, ctx := coordinatorSession(t, "mul")
	r := &managedagents.Runner{Client: c, Tools: arithmetic()}
	res, err := r.Run(ctx, s.ID, managedagents.UserMessage(`workflow: sums "Tool user" call: mul {"a":6,"b":7}; scanner look`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Workflow sums completed: Tool user: Tool mul returned: 42; scanner: Done: look"; !strings.Contains(res.Text, want) {
		t.Errorf("text %q lacks %q", res.Text, want)
	}
	var runID string
	var phases []string
	for _, ev := range res.Events {
		switch e := ev.(type) {
		case *managedagents.WorkflowRunCreatedEvent:
			runID = e.WorkflowRunID
			for _, p := range e.Phases {
				phases = append(phases, p.Name)
			}
		case *managedagents.WorkflowRunStatusEndedEvent:
			if e.WorkflowRunID != runID || e.Result.Type != managedagents.WorkflowResultCompleted {
				t.Errorf("run ended %+v", e)
			}
		}
	}
	if !slices.Equal(phases, []string{"Tool user", "scanner"}) {
		t.Errorf("phases %v", phases)
	}
	if len(res.Threads) != 2 {
		t.Fatalf("threads %+v", res.Threads)
	}
	for _, th := range res.Threads {
		if th.WorkflowRunID != runID || runID == "" || !th.Terminated {
			t.Errorf("workflow thread %+v (run %q)", th, runID)
		}
	}
	for id, answers := range customResults(t, c, s.ID) {
		if len(answers) != 1 || answers[0].SessionThreadID != res.Threads[0].ID {
			t.Errorf("call %s answered %+v", id, answers)
		}
	}
}

// TestSendAndWaitAcrossThreads: the turn ends on the session's idle, not on
// the first thread's, and the result says what each thread reported.
func TestSendAndWaitAcrossThreads(t *testing.T) {
	noLeaks(t)
	_, c, s, ctx := coordinatorSession(t)
	res, err := c.Events.SendAndWait(ctx, s.ID, managedagents.UserMessage("delegate: researcher find it\ndelegate: tester run: make"))
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason == nil || res.StopReason.Type != managedagents.StopReasonEndTurn {
		t.Fatalf("stop reason %+v", res.StopReason)
	}
	if _, ok := res.Events[len(res.Events)-1].(*managedagents.SessionStatusIdleEvent); !ok {
		t.Errorf("the turn's last event is %T", res.Events[len(res.Events)-1])
	}
	want := []managedagents.ThreadTurn{
		{AgentName: "researcher", Text: "Done: find it"},
		{AgentName: "tester", Text: "Tool bash returned: ran: make"},
	}
	if len(res.Threads) != len(want) {
		t.Fatalf("threads %+v", res.Threads)
	}
	for i, th := range res.Threads {
		if th.ID == "" || th.AgentName != want[i].AgentName || th.Text != want[i].Text ||
			th.StopReason == nil || th.StopReason.Type != managedagents.StopReasonEndTurn || th.Terminated {
			t.Errorf("thread %d = %+v, want %+v", i, th, want[i])
		}
		if got := res.Thread(th.ID); got == nil || got.Text != th.Text {
			t.Errorf("Thread(%s) = %+v", th.ID, got)
		}
	}
	if len(res.Threads[1].ToolUseIDs) != 1 || len(res.Threads[0].ToolUseIDs) != 0 {
		t.Errorf("tool uses: %v and %v", res.Threads[0].ToolUseIDs, res.Threads[1].ToolUseIDs)
	}
	if !strings.Contains(res.Text, "researcher replied: Done: find it") || strings.Contains(res.Text, "\nDone: find it") {
		t.Errorf("primary text %q", res.Text)
	}
}

// TestInterruptOneThread: SendAndWait ends at the session's requires_action
// while a child waits on a custom tool; an interrupt of that thread alone
// ends the child's wait, and the coordinator finishes its turn.
func TestInterruptOneThread(t *testing.T) {
	noLeaks(t)
	_, c, s, ctx := coordinatorSession(t, "add")
	res, err := c.Events.SendAndWait(ctx, s.ID, managedagents.UserMessage(`delegate: "Tool user" call: add {"a":1,"b":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason == nil || res.StopReason.Type != managedagents.StopReasonRequiresAction || len(res.Threads) != 1 {
		t.Fatalf("first turn: stop %+v threads %+v", res.StopReason, res.Threads)
	}
	kid := res.Threads[0]
	if kid.StopReason == nil || !slices.Equal(kid.StopReason.EventIDs, res.StopReason.EventIDs) || !slices.Equal(kid.ToolUseIDs, res.StopReason.EventIDs) {
		t.Fatalf("waiting thread %+v, session waits on %v", kid, res.StopReason.EventIDs)
	}
	res, err = c.Events.SendAndWait(ctx, s.ID, managedagents.InterruptThread(kid.ID))
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason == nil || res.StopReason.Type != managedagents.StopReasonEndTurn {
		t.Fatalf("after the interrupt: stop %+v", res.StopReason)
	}
	if th := res.Thread(kid.ID); th == nil || th.Text != "I was interrupted." || th.StopReason.Type != managedagents.StopReasonEndTurn {
		t.Errorf("interrupted thread %+v", th)
	}
	if !strings.Contains(res.Text, "Tool user replied: I was interrupted.") {
		t.Errorf("coordinator text %q", res.Text)
	}
	intr, ok := res.Events[0].(*managedagents.UserInterruptEvent)
	if !ok || intr.SessionThreadID != kid.ID {
		t.Errorf("first event of the turn %+v", res.Events[0])
	}
	if n := len(customResults(t, c, s.ID)); n != 0 {
		t.Errorf("%d calls answered", n)
	}
}
