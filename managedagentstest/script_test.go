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

// wantTypes compares the event types of evs with want.
func wantTypes(t *testing.T, evs []map[string]any, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, types(evs)); diff != "" {
		t.Fatalf("event types (-want +got):\n%s", diff)
	}
}

// status returns the session's status as GET shows it.
func status(t *testing.T, srv *Server, id string) string {
	t.Helper()
	return do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)["status"].(string)
}

// stopReason returns the compact stop_reason of an idle event.
func stopReason(t *testing.T, ev map[string]any) string {
	t.Helper()
	if ev["type"] != "session.status_idle" {
		t.Fatalf("not an idle: %v", ev)
	}
	if _, ok := ev["stop_details"]; !ok {
		t.Errorf("idle without stop_details: %v", ev)
	}
	return compactJSON(t, ev["stop_reason"])
}

func requiresAction(ids ...any) string {
	b, _ := json.Marshal(map[string]any{"type": "requires_action", "event_ids": ids})
	return string(b)
}

var plainTurn = []string{"span.model_request_start", "agent.thinking", "agent.message", "span.model_request_end", "session.usage", "session.status_idle"}

func TestDefaultTurn(t *testing.T) {
	srv := newTestServer(t, WithClock(stepClock(t0, time.Second)))
	id := newSessionID(t, srv, nil)
	echo := sendOK(t, srv, id, msgEvent("hello"))
	waitIdle(t, srv, id)
	evs := logEvents(t, srv, id)
	wantTypes(t, evs, append([]string{"user.message", "session.status_running"}, plainTurn...)...)

	if evs[0]["id"] != echo[0]["id"] || evs[0]["processed_at"] == nil {
		t.Errorf("processed message = %v, echo %v", evs[0], echo[0])
	}
	if got := compactJSON(t, evs[4]["content"]); got != `[{"text":"Echo: hello","type":"text"}]` {
		t.Errorf("reply content = %s", got)
	}
	end := evs[5]
	if end["model_request_start_id"] != evs[2]["id"] || end["is_error"] != false {
		t.Errorf("span end = %v", end)
	}
	if got := compactJSON(t, end["model_usage"]); got != `{"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"input_tokens":55,"output_tokens":21}` {
		t.Errorf("model_usage = %s", got)
	}
	if got := stopReason(t, evs[7]); got != `{"type":"end_turn"}` || evs[7]["stop_details"] != nil {
		t.Errorf("idle = %v", evs[7])
	}
	// Every event has a distinct ID and a processed_at.
	seen := map[string]bool{}
	for _, ev := range evs {
		id, _ := ev["id"].(string)
		if !eventIDRE.MatchString(id) || seen[id] || ev["processed_at"] == nil {
			t.Errorf("event %v", ev)
		}
		seen[id] = true
	}

	// The session reflects the turn: idle, usage, active time.
	s := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	u := s["usage"].(map[string]any)
	if s["status"] != "idle" || fmt.Sprintf("%v %v %v", u["input_tokens"], u["output_tokens"], u["cache_read_input_tokens"]) != "55 21 0" {
		t.Errorf("session after the turn: status %v usage %v", s["status"], u)
	}
	active := dig(s, "stats", "active_seconds")
	if fmt.Sprint(active) != "6" || fmt.Sprint(u["active_seconds"]) != "6" {
		t.Errorf("active_seconds = %v / %v, want 6 (running from t0+3s to t0+9s)", active, u["active_seconds"])
	}
	// session.usage carries the cumulative usage and the budget.
	usage := evs[6]
	if got := compactJSON(t, usage["usage"]); !strings.Contains(got, `"input_tokens":55`) || !strings.Contains(got, `"output_tokens":21`) {
		t.Errorf("session.usage usage = %s", got)
	}
	if v, ok := usage["budget"]; !ok || v != nil {
		t.Errorf("session.usage budget = %v (present %v)", v, ok)
	}

	// A second turn adds to the usage.
	sendOK(t, srv, id, msgEvent("hello again"))
	waitIdle(t, srv, id)
	evs2 := since(logEvents(t, srv, id), len(evs))
	wantTypes(t, evs2, append([]string{"user.message", "session.status_running"}, plainTurn...)...)
	if got := compactJSON(t, dig(evs2[6], "usage", "input_tokens")); got != "116" { // 55 + 50 + 11
		t.Errorf("cumulative input_tokens = %s", got)
	}
	s2 := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	if fmt.Sprint(dig(s2, "stats", "active_seconds")) != "12" {
		t.Errorf("active_seconds after two turns = %v", dig(s2, "stats", "active_seconds"))
	}
}

// TestStatusFollowsEvents checks GET status while a turn runs.
func TestStatusFollowsEvents(t *testing.T) {
	gate := make(chan struct{})
	script := func(ctx context.Context, tn *Turn) error {
		if _, err := tn.Emit("agent.thinking", nil); err != nil {
			return err
		}
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
		return DefaultScript(ctx, tn)
	}
	srv := newTestServer(t, WithScript(script))
	id := newSessionID(t, srv, nil)
	if got := status(t, srv, id); got != "idle" {
		t.Fatalf("new session status %s", got)
	}
	sendOK(t, srv, id, msgEvent("x"))
	waitLog(t, srv, id, func(evs []map[string]any) bool { return len(evs) == 3 })
	if got := status(t, srv, id); got != "running" {
		t.Errorf("status after session.status_running = %s", got)
	}
	// Deleting or archiving a running session is refused.
	do(t, srv, "DELETE", "/v1/sessions/"+id, nil).apiErr(t, 409, "conflict_error")
	close(gate)
	waitIdle(t, srv, id)
	if got := status(t, srv, id); got != "idle" {
		t.Errorf("status after the turn = %s", got)
	}
}

func TestInitialEventsAreProcessed(t *testing.T) {
	srv := newTestServer(t)
	s := createSession(t, srv, map[string]any{"initial_events": []any{
		msgEvent("first"),
		map[string]any{"type": "user.define_outcome", "description": "d", "rubric": map[string]any{"type": "text", "content": "c"}},
		msgEvent("second"),
	}})
	id := s["id"].(string)
	if s["status"] != "running" {
		t.Errorf("create response status %v", s["status"])
	}
	if n := len(s["outcome_evaluations"].([]any)); n != 1 {
		t.Errorf("outcome_evaluations in the create response: %d", n)
	}
	waitIdle(t, srv, id)
	evs := logEvents(t, srv, id)
	want := []string{"user.message", "user.define_outcome", "user.message", "session.status_running"}
	want = append(want, plainTurn...)
	want = append(want, "session.status_running")
	want = append(want, plainTurn...)
	wantTypes(t, evs, want...)
	var replies []string
	for _, m := range ofType(evs, "agent.message") {
		replies = append(replies, textOf(m))
	}
	if diff := cmp.Diff([]string{"Echo: first", "Echo: second"}, replies); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
}

func TestRunDirective(t *testing.T) {
	allowed := []string{"user.message", "session.status_running", "span.model_request_start", "agent.thinking", "agent.tool_use",
		"span.model_request_end", "agent.tool_result", "span.model_request_start", "agent.message", "span.model_request_end",
		"session.usage", "session.status_idle"}
	tests := []struct {
		name       string
		policy     string // bash config; "none": no toolset at all
		answer     map[string]any
		permission string
		evaluation string
		reply      string
	}{
		{name: "no toolset", policy: "none", permission: "allow", evaluation: `{"type":"always_allow"}`, reply: "Tool bash returned: ran: ls -l\nEcho: list it"},
		{name: "always_allow", policy: "always_allow", permission: "allow", evaluation: `{"type":"always_allow"}`, reply: "Tool bash returned: ran: ls -l\nEcho: list it"},
		{name: "auto", policy: "auto", permission: "allow", evaluation: `{"evaluated_permission":{"type":"allow"},"type":"auto"}`, reply: "Tool bash returned: ran: ls -l\nEcho: list it"},
		{name: "ask allow", policy: "always_ask", answer: map[string]any{"result": "allow"}, permission: "ask", evaluation: `{"type":"always_ask"}`, reply: "Tool bash returned: ran: ls -l\nEcho: list it"},
		{name: "ask deny", policy: "always_ask", answer: map[string]any{"result": "deny", "deny_message": "Not on main."}, permission: "ask", evaluation: `{"type":"always_ask"}`, reply: "I did not run \"ls -l\" because you denied it: \"Not on main.\"\nEcho: list it"},
		{name: "ask deny silently", policy: "always_ask", answer: map[string]any{"result": "deny"}, permission: "ask", evaluation: `{"type":"always_ask"}`, reply: "I did not run \"ls -l\" because you denied it.\nEcho: list it"},
		{name: "disabled", policy: "disabled", permission: "deny", reply: "I could not run \"ls -l\": the bash tool is not enabled for this agent.\nEcho: list it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t)
			agent := DefaultAgentID
			if tt.policy != "none" {
				agent = toolAgent(srv, "agent_bash", tt.policy)
			}
			id := newSessionID(t, srv, map[string]any{"agent": agent})
			sendOK(t, srv, id, msgEvent("list it\nrun: ls -l"))
			waitIdle(t, srv, id)
			evs := logEvents(t, srv, id)
			use := ofType(evs, "agent.tool_use")[0]
			if use["name"] != "bash" || compactJSON(t, use["input"]) != `{"command":"ls -l"}` || use["evaluated_permission"] != tt.permission {
				t.Errorf("tool use = %v", use)
			}
			if ev, ok := use["evaluation"]; (tt.evaluation == "") == ok || (ok && compactJSON(t, ev) != tt.evaluation) {
				t.Errorf("evaluation = %v, want %s", ev, tt.evaluation)
			}
			if tt.answer != nil {
				// The turn waits for the confirmation.
				wantTypes(t, evs, "user.message", "session.status_running", "span.model_request_start", "agent.thinking",
					"agent.tool_use", "span.model_request_end", "session.status_idle")
				if got := stopReason(t, evs[6]); got != requiresAction(use["id"]) {
					t.Errorf("stop_reason = %s", got)
				}
				if got := status(t, srv, id); got != "idle" {
					t.Errorf("status while waiting = %s", got)
				}
				answer := map[string]any{"type": "user.tool_confirmation", "tool_use_id": use["id"]}
				for k, v := range tt.answer {
					answer[k] = v
				}
				sendOK(t, srv, id, answer)
				waitIdle(t, srv, id)
				rest := since(logEvents(t, srv, id), len(evs))
				want := []string{"user.tool_confirmation", "session.status_running"}
				if tt.answer["result"] == "allow" {
					want = append(want, "agent.tool_result")
				}
				wantTypes(t, rest, append(want, "span.model_request_start", "agent.message", "span.model_request_end", "session.usage", "session.status_idle")...)
				evs = logEvents(t, srv, id)
			} else {
				wantTypes(t, evs, allowed...)
			}
			results := ofType(evs, "agent.tool_result")
			switch {
			case tt.permission == "deny":
				if len(results) != 1 || results[0]["tool_use_id"] != use["id"] || results[0]["is_error"] != true {
					t.Errorf("synthetic result = %v", results)
				}
			case tt.answer != nil && tt.answer["result"] == "deny":
				if len(results) != 0 {
					t.Errorf("a denied call has results: %v", results)
				}
			default:
				if len(results) != 1 || results[0]["tool_use_id"] != use["id"] || results[0]["is_error"] != false || textOf(results[0]) != "ran: ls -l" {
					t.Errorf("tool result = %v", results)
				}
			}
			msgs := ofType(evs, "agent.message")
			if got := textOf(msgs[len(msgs)-1]); got != tt.reply {
				t.Errorf("reply = %q, want %q", got, tt.reply)
			}
			if got := stopReason(t, evs[len(evs)-1]); got != `{"type":"end_turn"}` {
				t.Errorf("final stop_reason = %s", got)
			}
		})
	}
}

func TestCustomToolFlow(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, map[string]any{"agent": toolAgent(srv, "agent_c", "", "lookup_customer")})
	sendOK(t, srv, id, msgEvent(`call: lookup_customer {"customer_id": "cus_4471"}`))
	waitIdle(t, srv, id)
	evs := logEvents(t, srv, id)
	wantTypes(t, evs, "user.message", "session.status_running", "span.model_request_start", "agent.thinking",
		"agent.custom_tool_use", "span.model_request_end", "session.status_idle")
	use := evs[4]
	if use["name"] != "lookup_customer" || compactJSON(t, use["input"]) != `{"customer_id":"cus_4471"}` {
		t.Errorf("custom tool use = %v", use)
	}
	if got := stopReason(t, evs[6]); got != requiresAction(use["id"]) {
		t.Errorf("stop_reason = %s", got)
	}
	echo := sendOK(t, srv, id, map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": use["id"],
		"content": []any{text(`{"plan":"enterprise"}`)}, "is_error": false})
	waitIdle(t, srv, id)
	rest := since(logEvents(t, srv, id), len(evs))
	wantTypes(t, rest, "user.custom_tool_result", "session.status_running", "span.model_request_start", "agent.message",
		"span.model_request_end", "session.usage", "session.status_idle")
	if rest[0]["id"] != echo[0]["id"] || rest[0]["custom_tool_use_id"] != use["id"] {
		t.Errorf("processed result = %v", rest[0])
	}
	if got := textOf(rest[3]); got != `Tool lookup_customer returned: {"plan":"enterprise"}` {
		t.Errorf("reply = %q", got)
	}
	// First request: input 50 + 49 (the text), output 10 + 26 (the input
	// JSON). Second: input 99 + 36 + 21 (the result text), cache read 99,
	// output 10 + 52 (the reply).
	if got := compactJSON(t, rest[4]["model_usage"]); got != `{"cache_creation_input_tokens":0,"cache_read_input_tokens":99,"input_tokens":156,"output_tokens":62}` {
		t.Errorf("second request usage = %s", got)
	}
	if got := stopReason(t, rest[6]); got != `{"type":"end_turn"}` {
		t.Errorf("stop_reason = %s", got)
	}

	// An error result, and an unknown tool or a bad input: no tool use.
	sendOK(t, srv, id, msgEvent("call: lookup_customer\ncall: nope {}\ncall: lookup_customer [1]"))
	waitIdle(t, srv, id)
	n := len(logEvents(t, srv, id))
	uses := ofType(logEvents(t, srv, id), "agent.custom_tool_use")
	if len(uses) != 2 || compactJSON(t, uses[1]["input"]) != `{}` {
		t.Fatalf("uses = %v", uses)
	}
	sendOK(t, srv, id, map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": uses[1]["id"],
		"content": []any{text("timeout")}, "is_error": true})
	waitIdle(t, srv, id)
	msgs := ofType(since(logEvents(t, srv, id), n), "agent.message")
	want := "Tool lookup_customer failed: timeout\nI cannot call nope: the agent has no custom tool of that name.\nI cannot call lookup_customer: its input is not a JSON object."
	if len(msgs) != 1 || textOf(msgs[0]) != want {
		t.Errorf("reply = %v, want %q", msgs, want)
	}
}

func TestUnknownCustomToolOnly(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("call: lookup {}"))
	waitIdle(t, srv, id)
	evs := logEvents(t, srv, id)
	wantTypes(t, evs, append([]string{"user.message", "session.status_running"}, plainTurn...)...)
	if got := textOf(evs[4]); got != "I cannot call lookup: the agent has no custom tool of that name." {
		t.Errorf("reply = %q", got)
	}
}

// TestSeveralToolUses: one model request with three tool uses; answering
// some re-emits the idle with the remainder.
func TestSeveralToolUses(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, map[string]any{"agent": toolAgent(srv, "agent_m", "always_ask", "a", "b")})
	sendOK(t, srv, id, msgEvent("run: make\ncall: a {\"x\":1}\ncall: b"))
	waitIdle(t, srv, id)
	evs := logEvents(t, srv, id)
	wantTypes(t, evs, "user.message", "session.status_running", "span.model_request_start", "agent.thinking",
		"agent.tool_use", "agent.custom_tool_use", "agent.custom_tool_use", "span.model_request_end", "session.status_idle")
	run, a, b := evs[4]["id"], evs[5]["id"], evs[6]["id"]
	if got := stopReason(t, evs[8]); got != requiresAction(run, a, b) {
		t.Errorf("stop_reason = %s", got)
	}

	// Answer b and the confirmation: the idle is re-emitted with a only.
	sendOK(t, srv, id,
		map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": b, "content": []any{text("B")}},
		map[string]any{"type": "user.tool_confirmation", "tool_use_id": run, "result": "allow"})
	waitIdle(t, srv, id)
	rest := since(logEvents(t, srv, id), len(evs))
	wantTypes(t, rest, "user.custom_tool_result", "user.tool_confirmation", "session.status_idle")
	if got := stopReason(t, rest[2]); got != requiresAction(a) {
		t.Errorf("re-emitted stop_reason = %s", got)
	}
	// A user.message sent meanwhile waits for the turn to end.
	sendOK(t, srv, id, msgEvent("later"))
	waitIdle(t, srv, id)
	if got := len(logEvents(t, srv, id)); got != len(evs)+3 {
		t.Errorf("the queued message was processed early: %v", types(since(logEvents(t, srv, id), len(evs))))
	}
	n := len(evs) + 3
	sendOK(t, srv, id, map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": a, "content": []any{text("A")}})
	waitIdle(t, srv, id)
	rest = since(logEvents(t, srv, id), n)
	wantTypes(t, rest, "user.custom_tool_result", "session.status_running", "agent.tool_result",
		"span.model_request_start", "agent.message", "span.model_request_end", "session.usage", "session.status_idle",
		"user.message", "session.status_running", "span.model_request_start", "agent.thinking", "agent.message",
		"span.model_request_end", "session.usage", "session.status_idle")
	if got, want := textOf(rest[4]), "Tool bash returned: ran: make\nTool a returned: A\nTool b returned: B"; got != want {
		t.Errorf("reply = %q, want %q", got, want)
	}
	if rest[2]["tool_use_id"] != run {
		t.Errorf("tool result = %v", rest[2])
	}
	if got := textOf(rest[12]); got != "Echo: later" {
		t.Errorf("later reply = %q", got)
	}
}

func TestSelfHostedToolResult(t *testing.T) {
	srv := newTestServer(t)
	srv.AddEnvironment("env_sh", true)
	id := newSessionID(t, srv, map[string]any{"environment_id": "env_sh"})
	sendOK(t, srv, id, msgEvent("run: uname"))
	waitIdle(t, srv, id)
	evs := logEvents(t, srv, id)
	wantTypes(t, evs, "user.message", "session.status_running", "span.model_request_start", "agent.thinking",
		"agent.tool_use", "span.model_request_end", "session.status_idle")
	use := evs[4]
	if got := stopReason(t, evs[6]); got != requiresAction(use["id"]) {
		t.Errorf("stop_reason = %s", got)
	}
	sendOK(t, srv, id, map[string]any{"type": "user.tool_result", "tool_use_id": use["id"], "content": []any{text("Linux")}})
	waitIdle(t, srv, id)
	rest := since(logEvents(t, srv, id), len(evs))
	wantTypes(t, rest, "user.tool_result", "session.status_running", "span.model_request_start", "agent.message",
		"span.model_request_end", "session.usage", "session.status_idle")
	if got := textOf(rest[3]); got != "Tool bash returned: Linux" {
		t.Errorf("reply = %q", got)
	}
}

func TestFailureDirectives(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		types  []string
		checks func(t *testing.T, evs []map[string]any)
		status string
	}{
		{
			name: "fail", text: "fail: model_overloaded_error\nhi",
			types: append([]string{"user.message", "session.status_running", "span.model_request_start", "session.error",
				"span.model_request_end", "session.status_rescheduled", "session.status_running"}, plainTurn...),
			checks: func(t *testing.T, evs []map[string]any) {
				if got := compactJSON(t, evs[3]["error"]); got != `{"message":"The model is temporarily overloaded.","retry_status":{"type":"retrying"},"type":"model_overloaded_error"}` {
					t.Errorf("error = %s", got)
				}
				if evs[4]["is_error"] != true || evs[4]["model_request_start_id"] != evs[2]["id"] {
					t.Errorf("failed span end = %v", evs[4])
				}
				if got := textOf(evs[9]); got != "Echo: hi" {
					t.Errorf("reply = %q", got)
				}
			},
			status: "idle",
		},
		{
			name: "two retries", text: "fail:\nfail: model_rate_limited_error",
			types: append([]string{"user.message", "session.status_running",
				"span.model_request_start", "session.error", "span.model_request_end", "session.status_rescheduled", "session.status_running",
				"span.model_request_start", "session.error", "span.model_request_end", "session.status_rescheduled", "session.status_running"}, plainTurn...),
			checks: func(t *testing.T, evs []map[string]any) {
				if dig(evs[3], "error", "type") != "model_overloaded_error" || dig(evs[8], "error", "type") != "model_rate_limited_error" {
					t.Errorf("errors = %v, %v", evs[3], evs[8])
				}
			},
			status: "idle",
		},
		{
			name: "fail-exhausted", text: "fail-exhausted: tool_use_limit_reached_error",
			types: []string{"user.message", "session.status_running", "span.model_request_start", "session.error",
				"span.model_request_end", "session.usage", "session.status_idle"},
			checks: func(t *testing.T, evs []map[string]any) {
				if got := compactJSON(t, evs[3]["error"]); got != `{"message":"The turn reached the tool-use round limit.","retry_status":{"type":"exhausted"},"type":"tool_use_limit_reached_error"}` {
					t.Errorf("error = %s", got)
				}
				if got := stopReason(t, evs[6]); got != `{"type":"retries_exhausted"}` {
					t.Errorf("stop_reason = %s", got)
				}
			},
			status: "idle",
		},
		{
			name: "refuse", text: "refuse: The request asked for help building malware.",
			types: []string{"user.message", "session.status_running", "span.model_request_start", "agent.thinking",
				"span.model_request_end", "session.usage", "session.status_idle"},
			checks: func(t *testing.T, evs []map[string]any) {
				if got := stopReason(t, evs[6]); got != `{"type":"refusal"}` {
					t.Errorf("stop_reason = %s", got)
				}
				if got := compactJSON(t, evs[6]["stop_details"]); got != `{"category":"general_harms","explanation":"The request asked for help building malware.","type":"refusal"}` {
					t.Errorf("stop_details = %s", got)
				}
			},
			status: "idle",
		},
		{
			name: "terminate", text: "terminate:\nrun: ls",
			types: []string{"user.message", "session.status_running", "span.model_request_start", "session.error",
				"span.model_request_end", "session.status_terminated"},
			checks: func(t *testing.T, evs []map[string]any) {
				if got := compactJSON(t, evs[3]["error"]); got != `{"message":"An unknown error occurred.","retry_status":{"type":"terminal"},"type":"unknown_error"}` {
					t.Errorf("error = %s", got)
				}
			},
			status: "terminated",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t)
			id := newSessionID(t, srv, nil)
			// A second message in the same send: flushed by retries_exhausted
			// and termination, processed otherwise.
			sendOK(t, srv, id, msgEvent(tt.text), msgEvent("next"))
			waitIdle(t, srv, id)
			evs := logEvents(t, srv, id)
			want := tt.types
			if tt.status == "idle" && tt.name != "fail-exhausted" {
				want = append(append(slices.Clone(want), "user.message", "session.status_running"), plainTurn...)
			}
			wantTypes(t, evs, want...)
			tt.checks(t, evs)
			if got := status(t, srv, id); got != tt.status {
				t.Errorf("status = %s, want %s", got, tt.status)
			}
		})
	}
}

func TestTerminatedSessionStats(t *testing.T) {
	srv := newTestServer(t, WithClock(stepClock(t0, time.Second)))
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("terminate: billing_error"))
	waitIdle(t, srv, id)
	s1 := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	s2 := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	if s1["status"] != "terminated" || compactJSON(t, s1["stats"]) != compactJSON(t, s2["stats"]) {
		t.Errorf("terminated session: %v %v / %v", s1["status"], s1["stats"], s2["stats"])
	}
	if fmt.Sprint(dig(s1, "stats", "active_seconds")) == "0" {
		t.Errorf("no active time: %v", s1["stats"])
	}
	// Archiving a terminated session still works; it is already terminated.
	do(t, srv, "POST", "/v1/sessions/"+id+"/archive", nil).ok(t)
	if n := len(ofType(logEvents(t, srv, id), "session.status_terminated")); n != 1 {
		t.Errorf("%d status_terminated events", n)
	}
}

// slowScript is DefaultScript, except that a message "slow" starts a model
// request and then waits until the turn is cancelled.
func slowScript(ctx context.Context, t *Turn) error {
	if t.Text() != "slow" {
		return DefaultScript(ctx, t)
	}
	if _, err := t.Emit("span.model_request_start", nil); err != nil {
		return err
	}
	<-ctx.Done()
	return context.Cause(ctx)
}

func TestInterrupt(t *testing.T) {
	srv := newTestServer(t, WithScript(slowScript))
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("slow"))
	waitLog(t, srv, id, func(evs []map[string]any) bool { return len(evs) == 3 })
	if got := status(t, srv, id); got != "running" {
		t.Fatalf("status = %s", got)
	}
	// A message queued first, then the interrupt: the interrupt jumps it.
	after := sendOK(t, srv, id, msgEvent("after"))
	intr := sendOK(t, srv, id, map[string]any{"type": "user.interrupt"})
	if intr[0]["processed_at"] != nil {
		t.Errorf("interrupt echo = %v", intr[0])
	}
	waitIdle(t, srv, id)
	evs := logEvents(t, srv, id)
	wantTypes(t, evs, append([]string{"user.message", "session.status_running", "span.model_request_start",
		"user.interrupt", "session.status_idle", "user.message", "session.status_running"}, plainTurn...)...)
	if evs[3]["id"] != intr[0]["id"] || evs[5]["id"] != after[0]["id"] {
		t.Errorf("ids: interrupt %v (echo %v), message %v (echo %v)", evs[3]["id"], intr[0]["id"], evs[5]["id"], after[0]["id"])
	}
	if got := stopReason(t, evs[4]); got != `{"type":"end_turn"}` {
		t.Errorf("stop_reason = %s", got)
	}
	if got := textOf(evs[9]); got != "Echo: after" {
		t.Errorf("reply = %q", got)
	}

	// An interrupt while the session waits for a custom tool result drops
	// the pending call.
	id2 := newSessionID(t, srv, map[string]any{"agent": toolAgent(srv, "agent_i", "", "lookup")})
	sendOK(t, srv, id2, msgEvent("call: lookup"))
	waitIdle(t, srv, id2)
	n := len(logEvents(t, srv, id2))
	sendOK(t, srv, id2, map[string]any{"type": "user.interrupt", "session_thread_id": "sthr_01x"})
	waitIdle(t, srv, id2)
	rest := since(logEvents(t, srv, id2), n)
	wantTypes(t, rest, "user.interrupt", "session.status_idle")
	if got := stopReason(t, rest[1]); got != `{"type":"end_turn"}` {
		t.Errorf("stop_reason = %s", got)
	}
	// A late answer is logged and changes nothing.
	use := ofType(logEvents(t, srv, id2), "agent.custom_tool_use")[0]
	sendOK(t, srv, id2, map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": use["id"]})
	waitIdle(t, srv, id2)
	wantTypes(t, since(logEvents(t, srv, id2), n+2), "user.custom_tool_result")

	// An interrupt with nothing to stop is just logged.
	id3 := newSessionID(t, srv, nil)
	sendOK(t, srv, id3, map[string]any{"type": "user.interrupt"})
	waitIdle(t, srv, id3)
	wantTypes(t, logEvents(t, srv, id3), "user.interrupt")
}

func TestCustomScript(t *testing.T) {
	script := func(ctx context.Context, tn *Turn) error {
		var agent struct{ Name string }
		_ = json.Unmarshal(tn.Agent(), &agent)
		switch tn.Text() {
		case "unknown":
			if _, err := tn.Emit("session.checkpoint_created", map[string]any{
				"checkpoint": map[string]any{"label": "after-tests", "size_bytes": 48211968},
				"session":    tn.SessionID(),
				"agent_name": agent.Name,
			}); err != nil {
				return err
			}
			return nil // the fake ends the turn with end_turn
		case "manual":
			tn.ManualStatus()
			_, err := tn.Emit("agent.message", map[string]any{"content": []any{map[string]any{"type": "text", "text": "no status"}}})
			return err
		case "raw":
			// Any sequence: an idle first, then events while idle.
			if _, err := tn.Idle(map[string]any{"type": "budget_reached"}, nil); err != nil {
				return err
			}
			if _, err := tn.Emit("session.usage", nil); err != nil {
				return err
			}
			_, err := tn.Emit("session.status_idle", map[string]any{"stop_reason": map[string]any{"type": "future_reason"}, "extra": true})
			return err
		case "wait":
			id, err := tn.Emit("agent.custom_tool_use", map[string]any{"name": "t", "input": map[string]any{}})
			if err != nil {
				return err
			}
			answers, err := tn.WaitFor(id) // no idle
			if err != nil {
				return err
			}
			_, err = tn.Emit("agent.message", map[string]any{"content": []any{map[string]any{"type": "text", "text": contentText(answers[0])}}})
			return err
		case "error":
			return errors.New("script broke")
		case "bad":
			if _, err := tn.Emit("x", map[string]any{"id": "mine"}); err == nil {
				return errors.New("Emit accepted an id field")
			}
			if _, err := tn.Emit("", nil); err == nil {
				return errors.New("Emit accepted an empty type")
			}
			return nil
		}
		return DefaultScript(ctx, tn)
	}
	srv := newTestServer(t, WithScript(script))
	run := func(text string) []map[string]any {
		t.Helper()
		id := newSessionID(t, srv, nil)
		sendOK(t, srv, id, msgEvent(text))
		waitIdle(t, srv, id)
		if got := status(t, srv, id); got != "idle" {
			t.Errorf("%s: status %s", text, got)
		}
		return logEvents(t, srv, id)
	}

	evs := run("unknown")
	wantTypes(t, evs, "user.message", "session.status_running", "session.checkpoint_created", "session.status_idle")
	if got := compactJSON(t, evs[2]); !strings.Contains(got, `"agent_name":"Fake agent","checkpoint":{"label":"after-tests","size_bytes":48211968}`) {
		t.Errorf("unknown event = %s", got)
	}
	// History serves it too (a types[] filter cannot name it: 400).
	hist, _ := historyQuery(t, srv, sessionOf(t, srv, evs), "")
	if len(hist) != 4 || hist[2]["type"] != "session.checkpoint_created" {
		t.Errorf("history = %v", types(hist))
	}

	wantTypes(t, run("manual"), "user.message", "agent.message")

	evs = run("raw")
	wantTypes(t, evs, "user.message", "session.status_idle", "session.usage", "session.status_idle")
	if got := stopReason(t, evs[3]); got != `{"type":"future_reason"}` || evs[3]["extra"] != true {
		t.Errorf("raw idle = %v", evs[3])
	}

	// WaitFor: the session keeps running while the script waits.
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("wait"))
	evs = waitLog(t, srv, id, func(evs []map[string]any) bool { return len(evs) == 3 })
	if got := status(t, srv, id); got != "running" {
		t.Errorf("status while WaitFor = %s", got)
	}
	sendOK(t, srv, id, map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": evs[2]["id"], "content": []any{text("got it")}})
	waitIdle(t, srv, id)
	evs = logEvents(t, srv, id)
	wantTypes(t, evs, "user.message", "session.status_running", "agent.custom_tool_use", "user.custom_tool_result", "agent.message", "session.status_idle")
	if textOf(evs[4]) != "got it" {
		t.Errorf("message = %v", evs[4])
	}

	evs = run("error")
	wantTypes(t, evs, "user.message", "session.error", "session.status_idle")
	if got := compactJSON(t, evs[1]["error"]); got != `{"message":"script broke","retry_status":{"type":"exhausted"},"type":"unknown_error"}` {
		t.Errorf("error = %s", got)
	}
	if got := stopReason(t, evs[2]); got != `{"type":"retries_exhausted"}` {
		t.Errorf("stop_reason = %s", got)
	}

	wantTypes(t, run("bad"), "user.message")
}

// sessionOf finds the session whose log holds evs[0].
func sessionOf(t *testing.T, srv *Server, evs []map[string]any) string {
	t.Helper()
	for _, id := range srv.SessionIDs() {
		if got, _ := srv.SessionEvents(id); len(got) > 0 && strings.Contains(string(got[0]), evs[0]["id"].(string)) {
			return id
		}
	}
	t.Fatal("no session holds the events")
	return ""
}

// TestEarlyCustomToolResult: a result that arrives before RequireAction is
// taken at once; the turn never idles with requires_action.
func TestEarlyCustomToolResult(t *testing.T) {
	sent := make(chan struct{})
	script := func(ctx context.Context, tn *Turn) error {
		id, err := tn.Emit("agent.custom_tool_use", map[string]any{"name": "lookup", "input": map[string]any{}})
		if err != nil {
			return err
		}
		select {
		case <-sent:
		case <-ctx.Done():
			return ctx.Err()
		}
		if _, err := tn.RequireAction(id); err != nil {
			return err
		}
		_, err = tn.Emit("agent.message", map[string]any{"content": []any{map[string]any{"type": "text", "text": "done"}}})
		return err
	}
	srv := newTestServer(t, WithScript(script))
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("x"))
	evs := waitLog(t, srv, id, func(evs []map[string]any) bool { return len(evs) == 3 })
	sendOK(t, srv, id, map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": evs[2]["id"]})
	close(sent)
	waitIdle(t, srv, id)
	wantTypes(t, logEvents(t, srv, id), "user.message", "session.status_running", "agent.custom_tool_use",
		"user.custom_tool_result", "agent.message", "session.status_idle")
}

func TestDefineOutcomeEvaluation(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	echo := sendOK(t, srv, id, map[string]any{"type": "user.define_outcome", "description": "A changelog",
		"rubric": map[string]any{"type": "text", "content": "complete"}, "max_iterations": 5})
	if echo[0]["processed_at"] == nil || fmt.Sprint(echo[0]["max_iterations"]) != "5" {
		t.Errorf("echo = %v", echo[0])
	}
	// Processed at once: in the log before the send returned.
	if evs := logEvents(t, srv, id); len(evs) != 1 || evs[0]["id"] != echo[0]["id"] {
		t.Errorf("log = %v", evs)
	}
	s := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	want := fmt.Sprintf(`[{"completed_at":null,"description":"A changelog","explanation":null,"iteration":0,"outcome_id":%q,"result":"pending","type":"outcome_evaluation"}]`, echo[0]["outcome_id"])
	if got := compactJSON(t, s["outcome_evaluations"]); got != want {
		t.Errorf("outcome_evaluations = %s\nwant %s", got, want)
	}
	if s["status"] != "idle" {
		t.Errorf("status = %v", s["status"])
	}
}

func TestStepDelay(t *testing.T) {
	const d = 15 * time.Millisecond
	srv := newTestServer(t, WithStepDelay(d))
	id := newSessionID(t, srv, nil)
	start := time.Now()
	echo := sendOK(t, srv, id, msgEvent("hi"))
	if echo[0]["processed_at"] != nil {
		t.Errorf("echo = %v", echo[0])
	}
	// The session may already be running (it goes running when the turn
	// starts), but no event of the script is there yet.
	if evs := logEvents(t, srv, id); len(evs) > 2 || (len(evs) == 2 && evs[1]["type"] != "session.status_running") {
		t.Errorf("the agent did not wait: %v", types(evs))
	}
	waitIdle(t, srv, id)
	// Six script events, each after a delay (status_running comes first, at once).
	if el := time.Since(start); el < 6*d {
		t.Errorf("turn took %v, want at least %v", el, 6*d)
	}
	wantTypes(t, logEvents(t, srv, id), append([]string{"user.message", "session.status_running"}, plainTurn...)...)
}

func TestWaitIdleErrors(t *testing.T) {
	srv := newTestServer(t, WithScript(slowScript))
	if err := srv.WaitIdle(t.Context(), "sesn_01missing"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown session: %v", err)
	}
	id := newSessionID(t, srv, nil)
	if err := srv.WaitIdle(t.Context(), id); err != nil {
		t.Errorf("fresh session: %v", err)
	}
	sendOK(t, srv, id, msgEvent("slow"))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	if err := srv.WaitIdle(ctx, id); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("busy session: %v", err)
	}
	// Closing the fake ends the wait.
	done := make(chan error, 1)
	go func() { done <- srv.WaitIdle(context.Background(), id) }()
	srv.Fake.Close()
	select {
	case err := <-done:
		if !errors.Is(err, errClosed) {
			t.Errorf("after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitIdle did not return after Close")
	}
}
