package managedagentstest

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// holdScript keeps every turn in progress until the fake is closed, so a
// session created with initial_events stays running.
func holdScript(ctx context.Context, _ *Turn) error {
	<-ctx.Done()
	return nil
}

// waitIdle waits for the session to settle, failing the test after 5 s.
func waitIdle(t *testing.T, srv *Server, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := srv.WaitIdle(ctx, id); err != nil {
		t.Fatalf("WaitIdle(%s): %v", id, err)
	}
}

// sendEvents posts events to a session.
func sendEvents(t *testing.T, srv *Server, id string, events ...any) response {
	t.Helper()
	return do(t, srv, "POST", "/v1/sessions/"+id+"/events", map[string]any{"events": events})
}

// sendOK posts events, expects 200 and returns the echoes.
func sendOK(t *testing.T, srv *Server, id string, events ...any) []map[string]any {
	t.Helper()
	data := sendEvents(t, srv, id, events...).ok(t)["data"].([]any)
	out := make([]map[string]any, len(data))
	for i, d := range data {
		out[i] = d.(map[string]any)
	}
	return out
}

// newSession creates a session with the defaults and returns its ID.
func newSessionID(t *testing.T, srv *Server, body map[string]any) string {
	t.Helper()
	return createSession(t, srv, body)["id"].(string)
}

// logEvents returns the session's log decoded.
func logEvents(t *testing.T, srv *Server, id string) []map[string]any {
	t.Helper()
	raws, ok := srv.SessionEvents(id)
	if !ok {
		t.Fatalf("session %s not found", id)
	}
	out := make([]map[string]any, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// types returns the type of each event.
func types(evs []map[string]any) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i], _ = ev["type"].(string)
	}
	return out
}

// since returns the events after the first n.
func since(evs []map[string]any, n int) []map[string]any {
	if n > len(evs) {
		return nil
	}
	return evs[n:]
}

// ofType returns the events of one type.
func ofType(evs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, ev := range evs {
		if ev["type"] == typ {
			out = append(out, ev)
		}
	}
	return out
}

// msgEvent is a user.message event param with one text block.
func msgEvent(text string) map[string]any { return userMessage(text) }

// waitLog waits until ok accepts the session's log and returns it, failing
// the test after 5 s. It waits on the fake's change notification.
func waitLog(t *testing.T, srv *Server, id string, ok func(evs []map[string]any) bool) []map[string]any {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		srv.mu.Lock()
		s := srv.sessions[id]
		var ch <-chan struct{}
		if s != nil {
			_, ch = srv.watch(s)
		}
		srv.mu.Unlock()
		evs := logEvents(t, srv, id)
		if ok(evs) {
			return evs
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("log never matched; it has %v", types(evs))
		}
	}
}

// textOf returns the text of an event's first content block.
func textOf(ev map[string]any) string {
	s, _ := dig(ev, "content", 0, "text").(string)
	return s
}

// historyQuery lists history with a raw query and returns the events and
// next_page.
func historyQuery(t *testing.T, srv *Server, id, query string) ([]map[string]any, string) {
	t.Helper()
	page := do(t, srv, "GET", "/v1/sessions/"+id+"/events?"+query, nil).ok(t)
	if got := strings.Join(keys(page), ","); got != "data,next_page" {
		t.Fatalf("page keys = %s", got)
	}
	var out []map[string]any
	for _, d := range page["data"].([]any) {
		out = append(out, d.(map[string]any))
	}
	next, _ := page["next_page"].(string)
	return out, next
}

// ids returns the id of each event.
func eventIDs(evs []map[string]any) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i], _ = ev["id"].(string)
	}
	return out
}

func qesc(s string) string { return url.QueryEscape(s) }

// toolAgent seeds an agent with the built-in toolset (bash under policy,
// "" for no config) and custom tools, and returns its ID.
func toolAgent(srv *Server, id, bashPolicy string, customs ...string) string {
	toolset := map[string]any{"type": agentToolset,
		"default_config": map[string]any{"enabled": true, "permission_policy": map[string]any{"type": "always_allow"}},
		"configs":        []any{}}
	if bashPolicy != "" {
		toolset["configs"] = []any{map[string]any{"type": "bash", "name": "bash", "enabled": bashPolicy != "disabled",
			"permission_policy": map[string]any{"type": strings.TrimPrefix(bashPolicy, "disabled")}}}
		if bashPolicy == "disabled" {
			toolset["configs"] = []any{map[string]any{"type": "bash", "name": "bash", "enabled": false,
				"permission_policy": map[string]any{"type": "always_allow"}}}
		}
	}
	tools := []any{toolset}
	for _, name := range customs {
		tools = append(tools, map[string]any{"type": "custom", "name": name, "description": "d",
			"input_schema": map[string]any{"type": "object"}})
	}
	b, _ := json.Marshal(tools)
	srv.AddAgent(Agent{ID: id, Version: 1, Name: id, Tools: b})
	return id
}
