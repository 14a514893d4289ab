package managedagentstest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestGetSession(t *testing.T) {
	srv := newTestServer(t)
	s := createSession(t, srv, map[string]any{"title": "x"})
	id := s["id"].(string)
	got := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	if got["id"] != id || got["title"] != "x" {
		t.Errorf("got %v", got)
	}
	e := do(t, srv, "GET", "/v1/sessions/sesn_01missing", nil).apiErr(t, 404, "not_found_error")
	if e["message"] != "Session sesn_01missing not found." {
		t.Errorf("message = %v", e["message"])
	}
}

// updateEvents returns the session.updated events of a session.
func updateEvents(t *testing.T, srv *Server, id string) []map[string]any {
	t.Helper()
	evs, _ := srv.SessionEvents(id)
	var out []map[string]any
	for _, raw := range evs {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m["type"] == "session.updated" {
			out = append(out, m)
		}
	}
	return out
}

func TestUpdateSession(t *testing.T) {
	clock := stepClock(t0, time.Second)
	srv := newTestServer(t, WithClock(clock), WithScript(holdScript)) // running stays running
	budget := func(amount string) map[string]any {
		return map[string]any{"type": "limit", "max_list_cost": map[string]any{"amount": amount, "currency": "USD"}}
	}
	newSession := func(extra map[string]any) string {
		return createSession(t, srv, extra)["id"].(string)
	}
	update := func(id string, body any) response {
		return do(t, srv, "POST", "/v1/sessions/"+id, body)
	}

	t.Run("title set and clear", func(t *testing.T) {
		id := newSession(map[string]any{"title": "old"})
		s := update(id, map[string]any{"title": "new"}).ok(t)
		if s["title"] != "new" || s["updated_at"] == s["created_at"] {
			t.Errorf("after set: title %v, updated_at %v, created_at %v", s["title"], s["updated_at"], s["created_at"])
		}
		s = update(id, `{"title":null}`).ok(t)
		if s["title"] != nil {
			t.Errorf("after clear: title %v", s["title"])
		}
		evs := updateEvents(t, srv, id)
		if len(evs) != 2 || evs[0]["title"] != "new" || evs[1]["title"] != nil || !hasKey(evs[1], "title") {
			t.Errorf("events = %v", evs)
		}
		for _, ev := range evs {
			if !strings.HasPrefix(ev["id"].(string), "sevt_01") || ev["processed_at"] == nil || hasKey(ev, "metadata") || hasKey(ev, "budget") {
				t.Errorf("event = %v", ev)
			}
		}
	})

	t.Run("metadata patch", func(t *testing.T) {
		id := newSession(map[string]any{"metadata": map[string]any{"team": "release", "ticket": "REL-208"}})
		s := update(id, `{"metadata":{"ticket":"REL-214","team":null,"new":"x"}}`).ok(t)
		if got := compactJSON(t, s["metadata"]); got != `{"new":"x","ticket":"REL-214"}` {
			t.Errorf("metadata = %s", got)
		}
		s = update(id, `{"metadata":{"new":null,"ticket":null}}`).ok(t)
		if got := compactJSON(t, s["metadata"]); got != `{}` {
			t.Errorf("metadata = %s", got)
		}
		evs := updateEvents(t, srv, id)
		if len(evs) != 2 || compactJSON(t, evs[0]["metadata"]) != `{"new":"x","ticket":"REL-214"}` || len(evs[1]) != 3 {
			t.Errorf("events = %v (a metadata cleared to empty is left out)", evs)
		}
	})

	t.Run("metadata limits apply to the result", func(t *testing.T) {
		m := map[string]any{}
		for i := range 16 {
			m[string(rune('a'+i))] = "v"
		}
		id := newSession(map[string]any{"metadata": m})
		e := update(id, `{"metadata":{"zz":"v"}}`).apiErr(t, 400, "invalid_request_error")
		if errorCode(e) != "invalid_metadata" {
			t.Errorf("error_code = %q", errorCode(e))
		}
		update(id, `{"metadata":{"a":null,"zz":"v"}}`).ok(t) // delete one, add one: still 16
		e = update(id, map[string]any{"metadata": map[string]any{"b": strings.Repeat("x", 513)}}).apiErr(t, 400, "invalid_request_error")
		if errorCode(e) != "invalid_metadata" {
			t.Errorf("error_code = %q", errorCode(e))
		}
	})

	t.Run("budget rules", func(t *testing.T) {
		withBudget := newSession(map[string]any{"budget": budget("2500")})
		without := newSession(nil)
		tests := []struct {
			name, id string
			body     any
			status   int
			inMsg    string
			want     string // budget after a success
		}{
			{"add to a session created without", without, map[string]any{"budget": budget("100")}, 400, "budget_create_only", ""},
			{"remove when there is none", without, `{"budget":null}`, 200, "", "null"},
			{"lower to the consumed cost", withBudget, map[string]any{"budget": budget("0")}, 400, "budget_not_raised", ""},
			{"malformed", withBudget, map[string]any{"budget": budget("1.5")}, 400, "amount", ""},
			{"raise", withBudget, map[string]any{"budget": budget("5000")}, 200, "", `{"max_list_cost":{"amount":"5000","currency":"USD"},"type":"limit"}`},
			{"lower above the consumed cost", withBudget, map[string]any{"budget": budget("10")}, 200, "", `{"max_list_cost":{"amount":"10","currency":"USD"},"type":"limit"}`},
			{"remove", withBudget, `{"budget":null}`, 200, "", "null"},
			{"re-add after removal", withBudget, map[string]any{"budget": budget("100")}, 400, "budget_create_only", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := update(tt.id, tt.body)
				if tt.status != 200 {
					e := r.apiErr(t, tt.status, "invalid_request_error")
					if !strings.Contains(e["message"].(string), tt.inMsg) {
						t.Errorf("message %q does not contain %q", e["message"], tt.inMsg)
					}
					return
				}
				if got := compactJSON(t, r.ok(t)["budget"]); got != tt.want {
					t.Errorf("budget = %s, want %s", got, tt.want)
				}
			})
		}
		evs := updateEvents(t, srv, withBudget)
		if len(evs) != 3 || evs[2]["budget"] != nil || !hasKey(evs[2], "budget") {
			t.Errorf("budget events = %v", evs)
		}
		if evs := updateEvents(t, srv, without); len(evs) != 0 {
			t.Errorf("a no-op update emitted %v", evs)
		}
	})

	t.Run("agent tools and MCP servers", func(t *testing.T) {
		id := newSession(nil)
		s := update(id, map[string]any{"agent": map[string]any{
			"mcp_servers": []any{map[string]any{"type": "url", "name": "gh", "url": "https://mcp.example.com"}},
			"tools":       []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "gh"}},
		}}).ok(t)
		a := s["agent"].(map[string]any)
		if got := compactJSON(t, a["mcp_servers"]); got != `[{"name":"gh","type":"url","url":"https://mcp.example.com"}]` {
			t.Errorf("mcp_servers = %s", got)
		}
		if got := compactJSON(t, a["tools"]); !strings.Contains(got, `"mcp_server_name":"gh"`) || compactJSON(t, a["version"]) != "1" {
			t.Errorf("tools = %s", got)
		}
		evs := updateEvents(t, srv, id)
		if len(evs) != 1 || compactJSON(t, evs[0]["agent"]) != compactJSON(t, a) {
			t.Errorf("event agent = %v, want the full session agent", evs)
		}
		// Removing the server alone would orphan the toolset.
		update(id, map[string]any{"agent": map[string]any{"mcp_servers": []any{}}}).apiErr(t, 400, "invalid_request_error")
		s = update(id, map[string]any{"agent": map[string]any{"mcp_servers": []any{}, "tools": nil}}).ok(t)
		if compactJSON(t, dig(s, "agent", "tools")) != "[]" {
			t.Errorf("tools not cleared: %v", dig(s, "agent", "tools"))
		}
		for _, bad := range []string{"model", "system", "skills", "id"} {
			r := update(id, map[string]any{"agent": map[string]any{bad: "x"}})
			if e := r.apiErr(t, 400, "invalid_request_error"); !strings.Contains(e["message"].(string), bad) {
				t.Errorf("message %q does not name %s", e["message"], bad)
			}
		}
	})

	t.Run("agent update while running", func(t *testing.T) {
		id := newSession(map[string]any{"initial_events": []any{userMessage("hi")}})
		update(id, map[string]any{"agent": map[string]any{"tools": []any{}}}).apiErr(t, 400, "invalid_request_error")
		// Other fields are fine while running.
		update(id, map[string]any{"title": "busy"}).ok(t)
	})

	t.Run("rejected fields", func(t *testing.T) {
		id := newSession(nil)
		update(id, map[string]any{"vault_ids": []any{}}).apiErr(t, 400, "invalid_request_error")
		update(id, `{"metadata":null}`).apiErr(t, 400, "invalid_request_error")
		update(id, map[string]any{"environment_id": "env_x"}).apiErr(t, 400, "invalid_request_error")
		update(id, map[string]any{"title": 5}).apiErr(t, 400, "invalid_request_error")
		update(id, `{"agent":null}`).apiErr(t, 400, "invalid_request_error")
		// A rejected update applies nothing.
		update(id, map[string]any{"title": "half", "vault_ids": []any{}}).apiErr(t, 400, "invalid_request_error")
		if s, _ := srv.Session(id); strings.Contains(string(s), "half") {
			t.Error("a rejected update was partly applied")
		}
	})

	t.Run("archived and unknown", func(t *testing.T) {
		id := newSession(nil)
		do(t, srv, "POST", "/v1/sessions/"+id+"/archive", nil).ok(t)
		update(id, map[string]any{"title": "x"}).apiErr(t, 409, "conflict_error")
		update("sesn_01missing", map[string]any{"title": "x"}).apiErr(t, 404, "not_found_error")
	})
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

func TestArchiveSession(t *testing.T) {
	srv := newTestServer(t, WithClock(stepClock(t0, time.Second)), WithScript(holdScript)) // running stays running
	id := createSession(t, srv, nil)["id"].(string)

	r := do(t, srv, "POST", "/v1/sessions/"+id+"/archive", nil)
	s := r.ok(t)
	if s["status"] != "terminated" || s["archived_at"] == nil || s["archived_at"] != s["updated_at"] {
		t.Errorf("archived session: status %v archived_at %v updated_at %v", s["status"], s["archived_at"], s["updated_at"])
	}
	// Re-archiving is a no-op returning the same session.
	again := do(t, srv, "POST", "/v1/sessions/"+id+"/archive", nil).ok(t)
	for _, k := range []string{"status", "archived_at", "updated_at"} {
		if again[k] != s[k] {
			t.Errorf("re-archive changed %s: %v -> %v", k, s[k], again[k])
		}
	}
	// duration_seconds is frozen once terminated.
	d1 := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)["stats"]
	d2 := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)["stats"]
	if compactJSON(t, d1) != compactJSON(t, d2) {
		t.Errorf("stats moved after termination: %v then %v", d1, d2)
	}
	// Archived sessions stay retrievable but leave the default list.
	if got := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t); got["archived_at"] == nil {
		t.Errorf("get after archive = %v", got)
	}
	if data := do(t, srv, "GET", "/v1/sessions", nil).ok(t)["data"].([]any); len(data) != 0 {
		t.Errorf("archived session listed by default")
	}
	if data := do(t, srv, "GET", "/v1/sessions?include_archived=true", nil).ok(t)["data"].([]any); len(data) != 1 {
		t.Errorf("archived session not listed with include_archived=true")
	}

	running := createSession(t, srv, map[string]any{"initial_events": []any{userMessage("hi")}})["id"].(string)
	do(t, srv, "POST", "/v1/sessions/"+running+"/archive", nil).apiErr(t, 409, "conflict_error")
	do(t, srv, "POST", "/v1/sessions/sesn_01missing/archive", nil).apiErr(t, 404, "not_found_error")
}

func TestDeleteSession(t *testing.T) {
	srv := newTestServer(t, WithScript(holdScript)) // running stays running
	id := createSession(t, srv, nil)["id"].(string)
	archived := createSession(t, srv, nil)["id"].(string)
	do(t, srv, "POST", "/v1/sessions/"+archived+"/archive", nil).ok(t)
	running := createSession(t, srv, map[string]any{"initial_events": []any{userMessage("hi")}})["id"].(string)

	r := do(t, srv, "DELETE", "/v1/sessions/"+id, nil)
	if got := string(r.ok(t)["id"].(string)); got != id || string(r.body) != `{"id":"`+id+`","type":"session_deleted"}` {
		t.Errorf("delete body = %s", r.body)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/sessions/" + id},
		{"POST", "/v1/sessions/" + id},
		{"DELETE", "/v1/sessions/" + id},
		{"POST", "/v1/sessions/" + id + "/archive"},
	} {
		var body any
		if c.method == "POST" && !strings.HasSuffix(c.path, "/archive") {
			body = `{"title":"x"}`
		}
		e := do(t, srv, c.method, c.path, body).apiErr(t, 404, "not_found_error")
		if e["message"] != "Session "+id+" not found." {
			t.Errorf("%s %s: message %v", c.method, c.path, e["message"])
		}
	}
	if _, ok := srv.Session(id); ok {
		t.Error("Session() still finds a deleted session")
	}

	do(t, srv, "DELETE", "/v1/sessions/"+archived, nil).ok(t)
	do(t, srv, "DELETE", "/v1/sessions/"+running, nil).apiErr(t, 409, "conflict_error")
	if _, ok := srv.Session(running); !ok {
		t.Error("a rejected delete removed the session")
	}
}
