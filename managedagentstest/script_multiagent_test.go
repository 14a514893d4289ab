package managedagentstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// childIDs returns the IDs of the session's child threads.
func childIDs(t *testing.T, srv *Server, id string) []string {
	t.Helper()
	ids, ok := srv.ThreadIDs(id)
	if !ok {
		t.Fatalf("session %s not found", id)
	}
	return ids[1:]
}

// threadLogEvents returns a thread's history decoded.
func threadLogEvents(t *testing.T, srv *Server, id, thread string) []map[string]any {
	t.Helper()
	raws, ok := srv.ThreadEvents(id, thread)
	if !ok {
		t.Fatalf("thread %s of session %s not found", thread, id)
	}
	out := make([]map[string]any, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// byID indexes events by ID.
func byID(evs []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, ev := range evs {
		out[ev["id"].(string)] = ev
	}
	return out
}

// TestDelegateSessionHistory: a delegate: line makes the coordinator spawn
// a child thread, and the session's history shows the thread's lifecycle
// and the messages of the primary thread, not the child's own turn.
func TestDelegateSessionHistory(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	pid := primaryID(t, srv, id)
	n := len(logEvents(t, srv, id))
	sendOK(t, srv, id, msgEvent("Please look into it.\ndelegate: researcher find the flaky test"))
	waitIdle(t, srv, id)
	evs := since(logEvents(t, srv, id), n)
	want := []string{
		"user.message", "session.status_running",
		"span.model_request_start", "agent.thinking",
		"session.thread_created", "session.thread_status_running", "agent.thread_message_sent",
		"span.model_request_end",
		"session.thread_status_idle", "agent.thread_message_received",
		"span.model_request_start", "agent.message", "span.model_request_end",
		"session.usage", "session.status_idle",
	}
	if diff := cmp.Diff(want, types(evs)); diff != "" {
		t.Fatalf("session history (-want +got):\n%s", diff)
	}
	kids := childIDs(t, srv, id)
	if len(kids) != 1 {
		t.Fatalf("%d child threads", len(kids))
	}
	kid := kids[0]
	checks := []struct {
		typ  string
		want map[string]any
	}{
		{"session.thread_created", map[string]any{"session_thread_id": kid, "agent_name": "researcher", "workflow_run_id": nil}},
		{"session.thread_status_running", map[string]any{"session_thread_id": kid, "agent_name": "researcher"}},
		{"agent.thread_message_sent", map[string]any{"to_session_thread_id": kid, "to_agent_name": "researcher",
			"content": []any{map[string]any{"type": "text", "text": "find the flaky test"}}}},
		{"session.thread_status_idle", map[string]any{"session_thread_id": kid, "agent_name": "researcher",
			"stop_reason": map[string]any{"type": "end_turn"}, "stop_details": nil}},
		{"agent.thread_message_received", map[string]any{"from_session_thread_id": kid, "from_agent_name": "researcher",
			"content": []any{map[string]any{"type": "text", "text": "Done: find the flaky test"}}}},
	}
	for _, c := range checks {
		ev := ofType(evs, c.typ)[0]
		got := map[string]any{}
		for k, v := range ev {
			if k != "type" && k != "id" && k != "processed_at" {
				got[k] = v
			}
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.typ, diff)
		}
	}
	// Events of the primary thread carry no session_thread_id; only the
	// thread lifecycle events name a thread.
	for _, ev := range evs {
		if _, has := ev["session_thread_id"]; has != strings.HasPrefix(ev["type"].(string), "session.thread_") {
			t.Errorf("%s: session_thread_id present %v", ev["type"], has)
		}
	}
	if got := textOf(ofType(evs, "agent.message")[0]); got != "researcher replied: Done: find the flaky test\nEcho: Please look into it." {
		t.Errorf("coordinator reply %q", got)
	}
	// The primary thread's history is still the session's log.
	if got := threadLogEvents(t, srv, id, pid); len(got) != n+len(evs) {
		t.Errorf("primary history has %d events, the session log %d", len(got), n+len(evs))
	}
	s := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	if s["status"] != "idle" || dig(s, "agent", "multiagent") != nil {
		t.Errorf("session status %v, multiagent %v", s["status"], dig(s, "agent", "multiagent"))
	}
}

// TestDelegateThreadHistory: the child's own history holds its turn, and
// the thread object its parent, agent, stats and usage.
func TestDelegateThreadHistory(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	pid := primaryID(t, srv, id)
	sendOK(t, srv, id, msgEvent("delegate: researcher find the flaky test"))
	waitIdle(t, srv, id)
	kid := childIDs(t, srv, id)[0]
	evs := threadLogEvents(t, srv, id, kid)
	want := []string{
		"session.thread_status_running", "agent.thread_message_received",
		"span.model_request_start", "agent.thinking", "agent.message", "span.model_request_end",
		"session.thread_status_idle", "agent.thread_message_sent",
	}
	if diff := cmp.Diff(want, types(evs)); diff != "" {
		t.Fatalf("thread history (-want +got):\n%s", diff)
	}
	// The status events are the session's, same IDs; the rest is the
	// child's own.
	session := byID(logEvents(t, srv, id))
	for _, ev := range evs {
		shared, inSession := session[ev["id"].(string)]
		if strings.HasPrefix(ev["type"].(string), "session.thread_status_") {
			if !cmp.Equal(shared, ev) {
				t.Errorf("%s: thread copy %v, session copy %v", ev["type"], ev, shared)
			}
		} else if inSession {
			t.Errorf("%s of the child is in the session's log", ev["type"])
		}
		if !eventIDRE.MatchString(fmt.Sprint(ev["id"])) || ev["processed_at"] == nil {
			t.Errorf("event %v", ev)
		}
	}
	received := evs[1]
	if received["from_session_thread_id"] != pid || hasKey(received, "from_agent_name") || textOf(received) != "find the flaky test" {
		t.Errorf("child's agent.thread_message_received = %v (from the primary thread: no from_agent_name)", received)
	}
	sent := evs[7]
	if sent["to_session_thread_id"] != pid || hasKey(sent, "to_agent_name") || textOf(sent) != "Done: find the flaky test" {
		t.Errorf("child's agent.thread_message_sent = %v (to the primary thread: no to_agent_name)", sent)
	}
	if textOf(evs[4]) != "Done: find the flaky test" {
		t.Errorf("child's agent.message = %v", evs[4])
	}

	th := do(t, srv, "GET", threadPath(id, kid), nil).ok(t)
	checkThread(t, th, id)
	if th["parent_thread_id"] != pid || th["status"] != "idle" || th["archived_at"] != nil || th["stats"] == nil {
		t.Errorf("child thread = %v", th)
	}
	if dig(th, "agent", "type") != "inline" || dig(th, "agent", "name") != "researcher" || hasKey(th["agent"].(map[string]any), "id") {
		t.Errorf("child agent = %v", th["agent"])
	}
	// Usage: the child's span, and the session's usage is the sum of its
	// threads'.
	var span map[string]any
	for _, ev := range ofType(evs, "span.model_request_end") {
		span = ev
	}
	if dig(th, "usage", "input_tokens") != json.Number(fmt.Sprint(dig(span, "model_usage", "input_tokens"))) {
		t.Errorf("child usage %v, its span %v", th["usage"], span["model_usage"])
	}
	p := do(t, srv, "GET", threadPath(id, pid), nil).ok(t)
	s := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	for _, k := range []string{"input_tokens", "output_tokens", "cache_read_input_tokens"} {
		a, _ := dig(p, "usage", k).(json.Number).Int64()
		b, _ := dig(th, "usage", k).(json.Number).Int64()
		total, _ := dig(s, "usage", k).(json.Number).Int64()
		if a+b != total || (b == 0 && k != "cache_read_input_tokens") {
			t.Errorf("%s: primary %d + child %d != session %d", k, a, b, total)
		}
	}
}

// TestDelegateToolUse: a child's tool use is cross-posted to the session
// with session_thread_id; its result stays in the child's history.
func TestDelegateToolUse(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: tester run: go test ./..."))
	waitIdle(t, srv, id)
	kid := childIDs(t, srv, id)[0]
	evs := threadLogEvents(t, srv, id, kid)
	want := []string{
		"session.thread_status_running", "agent.thread_message_received",
		"span.model_request_start", "agent.thinking", "agent.tool_use", "span.model_request_end",
		"agent.tool_result", "span.model_request_start", "agent.message", "span.model_request_end",
		"session.thread_status_idle", "agent.thread_message_sent",
	}
	if diff := cmp.Diff(want, types(evs)); diff != "" {
		t.Fatalf("thread history (-want +got):\n%s", diff)
	}
	use := ofType(evs, "agent.tool_use")[0]
	result := ofType(evs, "agent.tool_result")[0]
	if use["session_thread_id"] != kid || dig(use, "input", "command") != "go test ./..." || use["evaluated_permission"] != "allow" {
		t.Errorf("tool use = %v", use)
	}
	if result["tool_use_id"] != use["id"] || textOf(result) != "ran: go test ./..." {
		t.Errorf("tool result = %v", result)
	}
	session := byID(logEvents(t, srv, id))
	if got := session[use["id"].(string)]; !cmp.Equal(got, use) {
		t.Errorf("cross-posted tool use %v, the child's %v", got, use)
	}
	if _, ok := session[result["id"].(string)]; ok {
		t.Errorf("the child's tool result is in the session's log")
	}
	reply := ofType(logEvents(t, srv, id), "agent.message")
	if got := textOf(reply[len(reply)-1]); got != "tester replied: Tool bash returned: ran: go test ./..." {
		t.Errorf("reply %q", got)
	}
}

// TestDelegateSeededAgent: a seeded agent of the delegated name runs as
// itself (type agent, with its id and version, and its tools), names may
// be quoted, and a child whose bash is disabled is denied its call.
func TestDelegateSeededAgent(t *testing.T) {
	srv := newTestServer(t)
	toolAgent(srv, "agent_01reviewer", "disabled")
	srv.AddAgent(Agent{ID: "agent_01docs", Version: 3, Name: "Docs writer"})
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: agent_01reviewer run: rm -rf build\ndelegate: \"Docs writer\" update the README"))
	waitIdle(t, srv, id)
	kids := childIDs(t, srv, id)
	if len(kids) != 2 {
		t.Fatalf("%d child threads", len(kids))
	}
	reviewer := do(t, srv, "GET", threadPath(id, kids[0]), nil).ok(t)
	docs := do(t, srv, "GET", threadPath(id, kids[1]), nil).ok(t)
	if dig(reviewer, "agent", "type") != "agent" || dig(reviewer, "agent", "id") != "agent_01reviewer" || dig(reviewer, "agent", "version") != json.Number("1") {
		t.Errorf("reviewer agent = %v", reviewer["agent"])
	}
	if dig(docs, "agent", "id") != "agent_01docs" || dig(docs, "agent", "version") != json.Number("3") || dig(docs, "agent", "name") != "Docs writer" {
		t.Errorf("docs agent = %v", docs["agent"])
	}
	if got := strings.Join(keys(docs["agent"].(map[string]any)), ","); got != "description,execution_identity,id,mcp_servers,model,name,skills,system,tools,type,version" {
		t.Errorf("saved thread agent keys = %s", got)
	}
	if evs := threadLogEvents(t, srv, id, kids[0]); len(ofType(evs, "agent.tool_use")) != 1 || ofType(evs, "agent.tool_use")[0]["evaluated_permission"] != "deny" ||
		!strings.Contains(textOf(ofType(evs, "agent.message")[0]), "not enabled") {
		t.Errorf("a child whose bash is disabled: %v", types(evs))
	}
	reply := ofType(logEvents(t, srv, id), "agent.message")
	if got := textOf(reply[len(reply)-1]); !strings.Contains(got, "Docs writer replied: Done: update the README") {
		t.Errorf("reply %q", got)
	}
}

// TestDelegateReusesThreads: a later delegation to the same agent goes to
// its idle thread (no thread_created); once that thread is archived, a new
// one is spawned.
func TestDelegateReusesThreads(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: researcher one"))
	waitIdle(t, srv, id)
	n := len(logEvents(t, srv, id))
	sendOK(t, srv, id, msgEvent("delegate: researcher two"))
	waitIdle(t, srv, id)
	kids := childIDs(t, srv, id)
	if len(kids) != 1 {
		t.Fatalf("%d child threads after two delegations to one agent", len(kids))
	}
	if got := ofType(since(logEvents(t, srv, id), n), "session.thread_created"); len(got) != 0 {
		t.Errorf("second delegation created a thread: %v", got)
	}
	evs := threadLogEvents(t, srv, id, kids[0])
	if got := ofType(evs, "agent.thread_message_received"); len(got) != 2 || textOf(got[1]) != "two" {
		t.Errorf("the thread's history does not continue: %v", types(evs))
	}

	archived := do(t, srv, "POST", threadPath(id, kids[0])+"/archive", nil).ok(t)
	if archived["archived_at"] == nil || archived["status"] != "idle" {
		t.Errorf("archived thread = %v", archived)
	}
	sendOK(t, srv, id, msgEvent("delegate: researcher three"))
	waitIdle(t, srv, id)
	kids = childIDs(t, srv, id)
	if len(kids) != 2 {
		t.Fatalf("%d child threads; an archived thread is not reused", len(kids))
	}
	if got := threadLogEvents(t, srv, id, kids[0]); len(got) != len(evs) {
		t.Errorf("the archived thread got events: %v", types(got))
	}
}

// blockingDelegates returns a script that delegates to workers until the
// thread limit refuses one, reports how many got a thread on spawned, and
// holds the turn until release is closed.
func blockingDelegates(spawned chan<- int, release <-chan struct{}) Script {
	return func(ctx context.Context, tn *Turn) error {
		n := 0
		for i := range maxRunningThreads + 5 {
			_, err := tn.Delegate(fmt.Sprintf("worker-%02d", i), "wait")
			if errors.Is(err, ErrThreadLimit) {
				break
			}
			if err != nil {
				return err
			}
			n++
		}
		spawned <- n
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}
}

// recv waits for a value on ch, failing the test after 5 s.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received within 5 s")
		var zero T
		return zero
	}
}

// TestThreadLimitAndAggregation: at most 25 threads run at once; the
// session is running while they are; archiving a running thread is a
// conflict; when the turn ends the running threads idle before the session
// does.
func TestThreadLimitAndAggregation(t *testing.T) {
	spawned := make(chan int, 1)
	release := make(chan struct{})
	srv := newTestServer(t, WithScript(blockingDelegates(spawned, release)))
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("go"))
	if n := recv(t, spawned); n != maxRunningThreads-1 {
		t.Fatalf("%d threads spawned beside the primary one, want %d", n, maxRunningThreads-1)
	}
	running, next := threadPage(t, srv, id, "statuses[]=running")
	if len(running) != maxRunningThreads || next != "" {
		t.Errorf("%d running threads listed, want %d", len(running), maxRunningThreads)
	}
	if s := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t); s["status"] != "running" {
		t.Errorf("session status %v while threads run", s["status"])
	}
	kids := childIDs(t, srv, id)
	e := do(t, srv, "POST", threadPath(id, kids[0])+"/archive", nil).apiErr(t, 409, "conflict_error")
	if msg, _ := e["message"].(string); !strings.Contains(msg, "running") {
		t.Errorf("message %q", msg)
	}

	n := len(logEvents(t, srv, id))
	close(release)
	waitIdle(t, srv, id)
	evs := since(logEvents(t, srv, id), n)
	if len(evs) != maxRunningThreads || evs[len(evs)-1]["type"] != "session.status_idle" {
		t.Fatalf("end of turn: %v", types(evs))
	}
	for _, ev := range evs[:len(evs)-1] {
		if ev["type"] != "session.thread_status_idle" || dig(ev, "stop_reason", "type") != "end_turn" {
			t.Errorf("before the session's idle: %v", ev)
		}
	}
	if idle, _ := threadPage(t, srv, id, "statuses[]=idle"); len(idle) != maxRunningThreads {
		t.Errorf("%d idle threads after the turn", len(idle))
	}
}

// TestDelegateLimitInDefaultScript: the default script delegates every
// task of a message at once, so the 25th and later are refused.
func TestDelegateLimitInDefaultScript(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	var lines []string
	for i := range 26 {
		lines = append(lines, fmt.Sprintf("delegate: w%02d task %d", i, i))
	}
	sendOK(t, srv, id, msgEvent(strings.Join(lines, "\n")))
	waitIdle(t, srv, id)
	if kids := childIDs(t, srv, id); len(kids) != maxRunningThreads-1 {
		t.Errorf("%d child threads, want %d", len(kids), maxRunningThreads-1)
	}
	msgs := ofType(logEvents(t, srv, id), "agent.message")
	reply := strings.Split(textOf(msgs[len(msgs)-1]), "\n")
	if len(reply) != 26 || reply[0] != "w00 replied: Done: task 0" ||
		reply[24] != "I could not delegate to w24: 25 threads are running already." {
		t.Errorf("reply lines: %q", reply)
	}
}

func TestListThreadsPagingAndStatuses(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: a x\ndelegate: b x\ndelegate: c x\ndelegate: d x"))
	waitIdle(t, srv, id)
	all, next := threadPage(t, srv, id, "")
	if len(all) != 5 || next != "" {
		t.Fatalf("%d threads, next_page %q", len(all), next)
	}
	ids, _ := srv.ThreadIDs(id)
	var got []string
	query := "limit=2"
	for range 5 {
		page, next := threadPage(t, srv, id, query)
		for _, th := range page {
			got = append(got, th["id"].(string))
		}
		if next == "" {
			break
		}
		query = "limit=2&page=" + qesc(next)
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("paged threads vs ThreadIDs (primary first, then spawn order):\n%s", diff)
	}
	if page, next := threadPage(t, srv, id, "limit=5"); len(page) != 5 || next != "" {
		t.Errorf("an exact last page: %d threads, next_page %q", len(page), next)
	}

	// Terminate the session: every thread terminates; then the filters.
	sendOK(t, srv, id, msgEvent("terminate:"))
	waitIdle(t, srv, id)
	for _, tt := range []struct {
		query string
		want  int
	}{
		{"statuses[]=terminated", 5},
		{"statuses%5B%5D=idle", 0},
		{"statuses[]=idle&statuses[]=terminated", 5},
		{"statuses=running&statuses=terminated", 5},
		{"statuses[]=running", 0},
		{"statuses[]=terminated&limit=3", 3},
	} {
		page, _ := threadPage(t, srv, id, tt.query)
		if len(page) != tt.want {
			t.Errorf("%s: %d threads, want %d", tt.query, len(page), tt.want)
		}
	}
	// Filtering pages on: a cursor with a filter continues the filtered list.
	page, next := threadPage(t, srv, id, "statuses[]=terminated&limit=3")
	rest, last := threadPage(t, srv, id, "statuses[]=terminated&limit=3&page="+qesc(next))
	if len(page)+len(rest) != 5 || last != "" {
		t.Errorf("filtered pages: %d + %d, last cursor %q", len(page), len(rest), last)
	}
}

// TestSessionEndReachesThreads: a terminated session terminates its child
// threads first (session.thread_status_terminated in both logs), and its
// session.status_terminated reaches every child's history; archiving a
// terminated child works.
func TestSessionEndReachesThreads(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: a x\ndelegate: b y"))
	waitIdle(t, srv, id)
	n := len(logEvents(t, srv, id))
	sendOK(t, srv, id, msgEvent("terminate: billing_error"))
	waitIdle(t, srv, id)
	evs := since(logEvents(t, srv, id), n)
	want := []string{"user.message", "session.status_running", "span.model_request_start", "session.error",
		"span.model_request_end", "session.thread_status_terminated", "session.thread_status_terminated", "session.status_terminated"}
	if diff := cmp.Diff(want, types(evs)); diff != "" {
		t.Fatalf("session history (-want +got):\n%s", diff)
	}
	terminated := evs[len(evs)-1]
	for i, kid := range childIDs(t, srv, id) {
		tevs := threadLogEvents(t, srv, id, kid)
		tail := tevs[len(tevs)-2:]
		if !cmp.Equal(tail[0], evs[5+i]) || !cmp.Equal(tail[1], terminated) {
			t.Errorf("thread %s ends with %v", kid, tail)
		}
		th := do(t, srv, "POST", threadPath(id, kid)+"/archive", nil).ok(t)
		if th["status"] != "terminated" || th["archived_at"] == nil {
			t.Errorf("archived terminated thread = %v", th)
		}
		again := do(t, srv, "POST", threadPath(id, kid)+"/archive", nil).ok(t)
		if again["archived_at"] != th["archived_at"] || again["updated_at"] != th["updated_at"] {
			t.Errorf("re-archive changed the thread: %v, was %v", again, th)
		}
	}
}

// TestInterruptIdlesThreads: an interrupt that stops a turn with running
// children idles them before the session.
func TestInterruptIdlesThreads(t *testing.T) {
	spawned := make(chan int, 1)
	srv := newTestServer(t, WithScript(func(ctx context.Context, tn *Turn) error {
		if _, err := tn.Delegate("worker", "wait"); err != nil {
			return err
		}
		spawned <- 1
		<-ctx.Done()
		return context.Cause(ctx)
	}))
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("go"))
	recv(t, spawned)
	n := len(logEvents(t, srv, id))
	sendOK(t, srv, id, map[string]any{"type": "user.interrupt"})
	waitIdle(t, srv, id)
	evs := since(logEvents(t, srv, id), n)
	if diff := cmp.Diff([]string{"user.interrupt", "session.thread_status_idle", "session.status_idle"}, types(evs)); diff != "" {
		t.Errorf("after the interrupt (-want +got):\n%s", diff)
	}
	kid := childIDs(t, srv, id)[0]
	if th := do(t, srv, "GET", threadPath(id, kid), nil).ok(t); th["status"] != "idle" || th["usage"] == nil {
		t.Errorf("interrupted thread = %v", th)
	}
}

// TestChildThreadEmit: the ChildThread API for custom scripts.
func TestChildThreadEmit(t *testing.T) {
	errs := make(chan error, 1)
	srv := newTestServer(t, WithScript(func(ctx context.Context, tn *Turn) error {
		c, err := tn.Delegate("helper", "look up the customer")
		if err != nil {
			return err
		}
		_, emitErr := c.Emit("agent.custom_tool_use", map[string]any{"session_thread_id": "x"})
		id, err := c.Emit("agent.custom_tool_use", map[string]any{"name": "lookup", "input": map[string]any{"id": 7}})
		if err == nil {
			_, err = c.Emit("agent.message", map[string]any{"content": []any{textBlock("found " + id)}})
		}
		if err == nil {
			err = c.Finish("customer 7")
		}
		errs <- errors.Join(func() error {
			if emitErr == nil {
				return errors.New("Emit accepted session_thread_id")
			}
			return nil
		}(), err)
		return err
	}))
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("go"))
	if err := recv(t, errs); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, srv, id)
	kid := childIDs(t, srv, id)[0]
	evs := threadLogEvents(t, srv, id, kid)
	use := ofType(evs, "agent.custom_tool_use")
	if len(use) != 1 || use[0]["session_thread_id"] != kid || dig(use[0], "input", "id") != 7.0 {
		t.Fatalf("custom tool use = %v", use)
	}
	if !slices.ContainsFunc(logEvents(t, srv, id), func(ev map[string]any) bool { return ev["id"] == use[0]["id"] }) {
		t.Errorf("the custom tool use is not cross-posted")
	}
	if got := types(evs); !slices.Equal(got[len(got)-2:], []string{"session.thread_status_idle", "agent.thread_message_sent"}) {
		t.Errorf("thread history %v", got)
	}
	if _, err := (&Turn{}).Delegate("", "x"); err == nil {
		t.Errorf("Delegate accepted an empty agent name")
	}
}

func TestParseDelegate(t *testing.T) {
	for _, tt := range []struct {
		arg, name, task string
		ok              bool
	}{
		{"researcher find it", "researcher", "find it", true},
		{"  researcher   find it ", "researcher", "find it", true},
		{"researcher", "researcher", "", true},
		{`"Docs writer" update the README`, "Docs writer", "update the README", true},
		{`"Docs writer"`, "Docs writer", "", true},
		{`"Docs writer update`, "", "", false},
		{`"" task`, "", "", false},
		{"", "", "", false},
	} {
		name, task, ok := parseDelegate(tt.arg)
		if ok != tt.ok || (ok && (name != tt.name || task != tt.task)) {
			t.Errorf("parseDelegate(%q) = %q, %q, %v", tt.arg, name, task, ok)
		}
	}
	// A delegate: line without an agent is echoed like any other text.
	if p := parseDirectives("delegate:\nhi"); len(p.delegates) != 0 || p.echo != "delegate:\nhi" {
		t.Errorf("plan = %+v", p)
	}
}

// TestThreadActiveSeconds: session.stats.active_seconds sums the running
// time of every thread, usage.active_seconds counts overlapping threads
// once (the session's own running time, the primary thread's).
func TestThreadActiveSeconds(t *testing.T) {
	srv := newTestServer(t, WithClock(stepClock(t0, time.Second)))
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: researcher x"))
	waitIdle(t, srv, id)
	s := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	child := do(t, srv, "GET", threadPath(id, childIDs(t, srv, id)[0]), nil).ok(t)
	primary := do(t, srv, "GET", threadPath(id, primaryID(t, srv, id)), nil).ok(t)
	num := func(v any) float64 {
		f, err := v.(json.Number).Float64()
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	wall := num(dig(s, "usage", "active_seconds"))
	kid := num(dig(child, "stats", "active_seconds"))
	if kid <= 0 || kid >= wall || num(dig(child, "usage", "active_seconds")) != kid {
		t.Errorf("child active %v (usage %v), session wall time %v", kid, dig(child, "usage", "active_seconds"), wall)
	}
	if got := num(dig(s, "stats", "active_seconds")); got != wall+kid {
		t.Errorf("stats.active_seconds = %v, want %v + %v", got, wall, kid)
	}
	if num(dig(primary, "stats", "active_seconds")) != wall {
		t.Errorf("primary active %v, want the session's wall time %v", dig(primary, "stats", "active_seconds"), wall)
	}
}
