package managedagentstest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// lastOfType returns the last event of typ, or nil.
func lastOfType(evs []map[string]any, typ string) map[string]any {
	all := ofType(evs, typ)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1]
}

// TestChildCustomToolCall: a child thread's custom tool call is
// cross-posted, idles the child and (no other child running) the session
// with requires_action; the answer, sent without session_thread_id, is
// routed to the child and resumes it.
func TestChildCustomToolCall(t *testing.T) {
	srv := newTestServer(t)
	toolAgent(srv, "helper", "", "lookup")
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent(`delegate: helper call: lookup {"q":"go"}`))
	waitIdle(t, srv, id)
	kid := childIDs(t, srv, id)[0]
	session := logEvents(t, srv, id)
	use := lastOfType(session, "agent.custom_tool_use")
	if use == nil || use["session_thread_id"] != kid || dig(use, "input", "q") != "go" {
		t.Fatalf("cross-posted custom tool use = %v", use)
	}
	wantIDs := []any{use["id"]}
	threadIdle := lastOfType(session, "session.thread_status_idle")
	if threadIdle["session_thread_id"] != kid || !cmp.Equal(dig(threadIdle, "stop_reason", "event_ids"), wantIDs) {
		t.Errorf("thread idle = %v", threadIdle)
	}
	idle := lastOfType(session, "session.status_idle")
	if dig(idle, "stop_reason", "type") != "requires_action" || !cmp.Equal(dig(idle, "stop_reason", "event_ids"), wantIDs) {
		t.Errorf("session idle = %v", idle)
	}
	if th := do(t, srv, "GET", threadPath(id, kid), nil).ok(t); th["status"] != "idle" {
		t.Errorf("waiting thread status %v", th["status"])
	}

	n := len(session)
	sendOK(t, srv, id, map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": use["id"],
		"content": []any{map[string]any{"type": "text", "text": "found it"}}})
	waitIdle(t, srv, id)
	after := since(logEvents(t, srv, id), n)
	want := []string{"user.custom_tool_result", "session.status_running", "session.thread_status_running",
		"session.thread_status_idle", "agent.thread_message_received", "span.model_request_start", "agent.message",
		"span.model_request_end", "session.usage", "session.status_idle"}
	if diff := cmp.Diff(want, types(after)); diff != "" {
		t.Fatalf("after the answer (-want +got):\n%s", diff)
	}
	answer := after[0]
	if answer["session_thread_id"] != kid {
		t.Errorf("logged answer = %v, want session_thread_id %s", answer, kid)
	}
	if got := byID(threadLogEvents(t, srv, id, kid))[answer["id"].(string)]; !cmp.Equal(got, answer) {
		t.Errorf("the child's copy of the answer = %v", got)
	}
	if got := textOf(lastOfType(after, "agent.message")); got != "helper replied: Tool lookup returned: found it" {
		t.Errorf("reply %q", got)
	}
	if got := dig(lastOfType(after, "session.status_idle"), "stop_reason", "type"); got != "end_turn" {
		t.Errorf("final stop reason %v", got)
	}
}

// TestChildConfirmation: a child whose bash asks waits for a confirmation
// like a primary turn; a deny is quoted in its reply.
func TestChildConfirmation(t *testing.T) {
	srv := newTestServer(t)
	toolAgent(srv, "asker", "always_ask")
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: asker run: rm -rf /"))
	waitIdle(t, srv, id)
	kid := childIDs(t, srv, id)[0]
	use := lastOfType(logEvents(t, srv, id), "agent.tool_use")
	if use == nil || use["session_thread_id"] != kid || use["evaluated_permission"] != "ask" {
		t.Fatalf("cross-posted tool use = %v", use)
	}
	if idle := lastOfType(logEvents(t, srv, id), "session.status_idle"); dig(idle, "stop_reason", "type") != "requires_action" {
		t.Fatalf("session idle = %v", idle)
	}
	sendOK(t, srv, id, map[string]any{"type": "user.tool_confirmation", "tool_use_id": use["id"], "result": "deny", "deny_message": "no"})
	waitIdle(t, srv, id)
	evs := logEvents(t, srv, id)
	if got := textOf(lastOfType(evs, "agent.message")); got != `asker replied: I did not run "rm -rf /" because you denied it: "no"` {
		t.Errorf("reply %q", got)
	}
	if kidEvs := threadLogEvents(t, srv, id, kid); len(ofType(kidEvs, "agent.tool_result")) != 0 || ofType(kidEvs, "user.tool_confirmation")[0]["session_thread_id"] != kid {
		t.Errorf("child history after a deny: %v", types(kidEvs))
	}
}

// TestInterruptOneThread: an interrupt naming a waiting child stops only
// that child; the coordinator finishes its turn.
func TestInterruptOneThread(t *testing.T) {
	srv := newTestServer(t)
	toolAgent(srv, "helper", "", "lookup")
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: helper call: lookup {}"))
	waitIdle(t, srv, id)
	kid := childIDs(t, srv, id)[0]
	n := len(logEvents(t, srv, id))

	echo := sendOK(t, srv, id, map[string]any{"type": "user.interrupt", "session_thread_id": kid})[0]
	if echo["processed_at"] == nil || echo["session_thread_id"] != kid {
		t.Errorf("echo of a thread interrupt = %v", echo)
	}
	waitIdle(t, srv, id)
	after := since(logEvents(t, srv, id), n)
	want := []string{"user.interrupt", "session.status_running", "session.thread_status_idle", "agent.thread_message_received",
		"span.model_request_start", "agent.message", "span.model_request_end", "session.usage", "session.status_idle"}
	if diff := cmp.Diff(want, types(after)); diff != "" {
		t.Fatalf("after the interrupt (-want +got):\n%s", diff)
	}
	if got := dig(after[2], "stop_reason", "type"); got != "end_turn" {
		t.Errorf("interrupted thread's stop reason %v", got)
	}
	if got := textOf(lastOfType(after, "agent.message")); got != "helper replied: I was interrupted." {
		t.Errorf("reply %q", got)
	}
	if kidEvs := threadLogEvents(t, srv, id, kid); lastOfType(kidEvs, "user.interrupt") == nil {
		t.Errorf("the interrupt is not in the child's history: %v", types(kidEvs))
	}
}

// TestWorkflowRun: a workflow: line plays a run with a thread per phase,
// with the reference's event sequence and links.
func TestWorkflowRun(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	n := len(logEvents(t, srv, id))
	sendOK(t, srv, id, msgEvent("workflow: audit scanner list modules; reporter write the report"))
	waitIdle(t, srv, id)
	evs := since(logEvents(t, srv, id), n)
	var run []string
	for _, typ := range types(evs) {
		if strings.HasPrefix(typ, "workflow_run.") || strings.HasPrefix(typ, "session.thread_") {
			run = append(run, typ)
		}
	}
	phase := []string{"workflow_run.phase_started", "session.thread_created", "session.thread_status_running",
		"session.thread_status_idle", "workflow_run.phase_ended"}
	want := append(append(append([]string{"workflow_run.created", "workflow_run.status_running"}, phase...), phase...),
		"session.thread_status_terminated", "session.thread_status_terminated", "workflow_run.status_ended")
	if diff := cmp.Diff(want, run); diff != "" {
		t.Fatalf("workflow events (-want +got):\n%s", diff)
	}
	created := ofType(evs, "workflow_run.created")[0]
	runID := created["workflow_run_id"].(string)
	if !strings.HasPrefix(runID, "wfrun_") || created["name"] != "audit" || len(created["phases"].([]any)) != 2 ||
		dig(created, "phases", 0, "name") != "scanner" || dig(created, "phases", 1, "description") != "write the report" {
		t.Errorf("created = %v", created)
	}
	started, ended := ofType(evs, "workflow_run.phase_started"), ofType(evs, "workflow_run.phase_ended")
	for i := range 2 {
		if ended[i]["phase_started_id"] != started[i]["id"] || started[i]["workflow_run_phase_id"] != dig(created, "phases", i, "id") {
			t.Errorf("phase %d: started %v ended %v", i, started[i], ended[i])
		}
	}
	if got := dig(ofType(evs, "workflow_run.status_ended")[0], "result", "type"); got != "completed" {
		t.Errorf("result %v", got)
	}
	for i, kid := range childIDs(t, srv, id) {
		if c := ofType(evs, "session.thread_created")[i]; c["workflow_run_id"] != runID || c["session_thread_id"] != kid {
			t.Errorf("thread_created = %v", c)
		}
		th := do(t, srv, "GET", threadPath(id, kid), nil).ok(t)
		if th["workflow_run_id"] != runID || th["status"] != "terminated" {
			t.Errorf("workflow thread = %v", th)
		}
	}
	if got := textOf(lastOfType(evs, "agent.message")); got != "Workflow audit completed: scanner: Done: list modules; reporter: Done: write the report" {
		t.Errorf("reply %q", got)
	}
}

// TestWorkflowThreadLimit: a phase that finds 25 threads running ends the
// run with workflow_run.error thread_limit_error and an error result.
func TestWorkflowThreadLimit(t *testing.T) {
	lines := make(chan string, 1)
	srv := newTestServer(t, WithScript(func(ctx context.Context, tn *Turn) error {
		for i := range maxRunningThreads - 1 {
			if _, err := tn.Delegate(fmt.Sprintf("busy%d", i), "wait"); err != nil {
				return err
			}
		}
		r := &scriptRun{t: tn, a: tn}
		lines <- r.runWorkflow("full scanner look")
		return r.err
	}))
	id := newSessionID(t, srv, nil)
	n := len(logEvents(t, srv, id))
	sendOK(t, srv, id, msgEvent("go"))
	line := recv(t, lines)
	waitIdle(t, srv, id)
	var run []string
	for _, typ := range types(since(logEvents(t, srv, id), n)) {
		if strings.HasPrefix(typ, "workflow_run.") {
			run = append(run, typ)
		}
	}
	want := []string{"workflow_run.created", "workflow_run.status_running", "workflow_run.phase_started",
		"workflow_run.error", "workflow_run.phase_ended", "workflow_run.status_ended"}
	if diff := cmp.Diff(want, run); diff != "" {
		t.Fatalf("workflow events (-want +got):\n%s", diff)
	}
	evs := logEvents(t, srv, id)
	if e := lastOfType(evs, "workflow_run.error"); dig(e, "error", "type") != "thread_limit_error" {
		t.Errorf("error event %v", e)
	}
	if e := lastOfType(evs, "workflow_run.status_ended"); dig(e, "result", "type") != "error" || dig(e, "result", "error", "type") != "thread_limit_error" {
		t.Errorf("ended %v", e)
	}
	if len(childIDs(t, srv, id)) != maxRunningThreads-1 || !strings.Contains(line, "ended in error") {
		t.Errorf("%d child threads; line %q", len(childIDs(t, srv, id)), line)
	}
}
