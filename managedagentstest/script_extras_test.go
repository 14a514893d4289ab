package managedagentstest

import (
	"testing"
)

func TestAutoVerdictDirective(t *testing.T) {
	tests := []struct {
		name, line string
		permission string
		evaluation string
		asks       bool
		reply      string
	}{
		{name: "default allow", line: "", permission: "allow", evaluation: `{"evaluated_permission":{"type":"allow"},"type":"auto"}`,
			reply: "Tool bash returned: ran: ls -l\nEcho: list it"},
		{name: "allow", line: "auto: allow", permission: "allow", evaluation: `{"evaluated_permission":{"type":"allow"},"type":"auto"}`,
			reply: "Tool bash returned: ran: ls -l\nEcho: list it"},
		{name: "ask", line: "auto: ask", permission: "ask", asks: true,
			evaluation: `{"evaluated_permission":{"reason_code":"indeterminate","type":"ask"},"type":"auto"}`,
			reply:      "Tool bash returned: ran: ls -l\nEcho: list it"},
		{name: "deny", line: "auto: deny", permission: "deny",
			evaluation: `{"evaluated_permission":{"reason_code":"high_risk","type":"deny"},"type":"auto"}`,
			reply:      "I could not run \"ls -l\": the auto permission policy denied it (high_risk).\nEcho: list it"},
		{name: "deny with a reason", line: "auto: deny spend_limit", permission: "deny",
			evaluation: `{"evaluated_permission":{"reason_code":"spend_limit","type":"deny"},"type":"auto"}`,
			reply:      "I could not run \"ls -l\": the auto permission policy denied it (spend_limit).\nEcho: list it"},
		{name: "malformed is echoed", line: "auto: maybe", permission: "allow", evaluation: `{"evaluated_permission":{"type":"allow"},"type":"auto"}`,
			reply: "Tool bash returned: ran: ls -l\nEcho: list it\nauto: maybe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t)
			id := newSessionID(t, srv, map[string]any{"agent": toolAgent(srv, "agent_auto", "auto")})
			sendOK(t, srv, id, msgEvent("list it\nrun: ls -l\n"+tt.line))
			waitIdle(t, srv, id)
			evs := logEvents(t, srv, id)
			use := ofType(evs, "agent.tool_use")[0]
			if use["evaluated_permission"] != tt.permission || compactJSON(t, use["evaluation"]) != tt.evaluation {
				t.Errorf("tool use: evaluated_permission %v, evaluation %s; want %s, %s",
					use["evaluated_permission"], compactJSON(t, use["evaluation"]), tt.permission, tt.evaluation)
			}
			if tt.asks {
				if got := stopReason(t, evs[len(evs)-1]); got != requiresAction(use["id"]) {
					t.Fatalf("an ask verdict idles with %s, want requires_action", got)
				}
				sendOK(t, srv, id, map[string]any{"type": "user.tool_confirmation", "tool_use_id": use["id"], "result": "allow"})
				waitIdle(t, srv, id)
				evs = logEvents(t, srv, id)
			}
			results := ofType(evs, "agent.tool_result")
			if len(results) != 1 || results[0]["tool_use_id"] != use["id"] || results[0]["is_error"] != (tt.permission == "deny") {
				t.Errorf("tool results = %v", results)
			}
			msgs := ofType(evs, "agent.message")
			if got := textOf(msgs[len(msgs)-1]); got != tt.reply {
				t.Errorf("reply = %q, want %q", got, tt.reply)
			}
		})
	}
	// The verdict belongs to the auto policy: always_allow ignores it.
	srv := newTestServer(t)
	id := newSessionID(t, srv, map[string]any{"agent": toolAgent(srv, "agent_allow", "always_allow")})
	sendOK(t, srv, id, msgEvent("run: ls\nauto: deny"))
	waitIdle(t, srv, id)
	if use := ofType(logEvents(t, srv, id), "agent.tool_use")[0]; use["evaluated_permission"] != "allow" {
		t.Errorf("always_allow with auto: deny gives %v", use["evaluated_permission"])
	}
}

func TestCostDirective(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, map[string]any{})
	sendOK(t, srv, id, msgEvent("hello"))
	waitIdle(t, srv, id)
	usage := ofType(logEvents(t, srv, id), "session.usage")[0]["usage"]
	if u := usage.(map[string]any); u["list_cost"] != nil || u["server_tool_use"] != nil {
		t.Errorf("usage before any cost: %s", compactJSON(t, u))
	}

	sendOK(t, srv, id, msgEvent("search\ncost: 187 2"))
	waitIdle(t, srv, id)
	sendOK(t, srv, id, msgEvent("cost: 10 0 1\ncost: 3"))
	waitIdle(t, srv, id)
	usages := ofType(logEvents(t, srv, id), "session.usage")
	for i, want := range []string{
		`{"list_cost":{"amount":"187","currency":"USD"},"server_tool_use":{"web_fetch_requests":2,"web_search_requests":0}}`,
		`{"list_cost":{"amount":"200","currency":"USD"},"server_tool_use":{"web_fetch_requests":2,"web_search_requests":1}}`,
	} {
		u := usages[i+1]["usage"].(map[string]any)
		got := compactJSON(t, map[string]any{"list_cost": u["list_cost"], "server_tool_use": u["server_tool_use"]})
		if got != want {
			t.Errorf("session.usage %d: %s, want %s", i+1, got, want)
		}
	}
	s := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	if got := compactJSON(t, dig(s, "usage", "list_cost")); got != `{"amount":"200","currency":"USD"}` {
		t.Errorf("session usage.list_cost = %s", got)
	}
	if msgs := ofType(logEvents(t, srv, id), "agent.message"); textOf(msgs[1]) != "Echo: search" {
		t.Errorf("cost: lines are echoed: %q", textOf(msgs[1]))
	}
}

func TestRedactDirective(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, map[string]any{})
	sendOK(t, srv, id, msgEvent("tell me\nredact:"))
	waitIdle(t, srv, id)
	msg := ofType(logEvents(t, srv, id), "agent.message")[0]
	if got := compactJSON(t, msg["content"]); got != `[{"text":"Echo: tell me","type":"text"},{"type":"redacted"}]` {
		t.Errorf("content = %s", got)
	}
}

func TestRepositoryErrorCarriesURL(t *testing.T) {
	const repo = "https://github.com/example-org/invoice-service"
	for _, tt := range []struct {
		name string
		body map[string]any
		want any
	}{
		{"with a repository", map[string]any{"resources": []any{map[string]any{"type": "github_repository", "url": repo}}}, repo},
		{"without one", map[string]any{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t)
			id := newSessionID(t, srv, tt.body)
			sendOK(t, srv, id, msgEvent("fail: repository_clone_error\nfail: model_overloaded_error"))
			waitIdle(t, srv, id)
			errs := ofType(logEvents(t, srv, id), "session.error")
			e := errs[0]["error"].(map[string]any)
			if got, ok := e["repository_url"]; !ok || got != tt.want {
				t.Errorf("repository error = %s, want repository_url %v", compactJSON(t, e), tt.want)
			}
			if _, ok := errs[1]["error"].(map[string]any)["repository_url"]; ok {
				t.Error("a model error carries repository_url")
			}
		})
	}
}
