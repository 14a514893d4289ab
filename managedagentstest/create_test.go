package managedagentstest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 26, 10, 14, 4, 118_000_000, time.UTC)

// TestCreateSessionShape checks every field of a minimal session against
// the shapes the API sends: the Session with all its required members, its
// resolved agent and its usage, nulls and empty collections included.
func TestCreateSessionShape(t *testing.T) {
	srv := newTestServer(t, WithClock(func() time.Time { return t0 }))
	r := do(t, srv, "POST", "/v1/sessions", map[string]any{"agent": DefaultAgentID, "environment_id": DefaultEnvironmentID})
	s := r.ok(t)
	if !requestIDRE.MatchString(r.header.Get("request-id")) || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers: %v", r.header)
	}

	wantKeys := []string{"agent", "archived_at", "budget", "created_at", "deployment_id", "environment_id", "id", "metadata",
		"outcome_evaluations", "resources", "stats", "status", "title", "type", "updated_at", "usage", "vault_ids"}
	if diff := cmp.Diff(wantKeys, keys(s)); diff != "" {
		t.Errorf("session keys (-want +got):\n%s", diff)
	}
	if !regexp.MustCompile(`^sesn_01[0-9A-Za-z]{24}$`).MatchString(s["id"].(string)) {
		t.Errorf("id = %v", s["id"])
	}
	want := map[string]string{
		"type":                `"session"`,
		"status":              `"idle"`,
		"title":               `null`,
		"environment_id":      `"` + DefaultEnvironmentID + `"`,
		"metadata":            `{}`,
		"resources":           `[]`,
		"vault_ids":           `[]`,
		"outcome_evaluations": `[]`,
		"stats":               `{"active_seconds":0,"duration_seconds":0}`,
		"usage":               `{"active_seconds":0,"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"cache_read_input_tokens":0,"input_tokens":0,"list_cost":null,"output_tokens":0,"server_tool_use":null}`,
		"budget":              `null`,
		"created_at":          `"2026-11-26T10:14:04.118Z"`,
		"updated_at":          `"2026-11-26T10:14:04.118Z"`,
		"archived_at":         `null`,
		"deployment_id":       `null`,
		"agent": `{"description":null,"execution_identity":{"type":"service_account"},"id":"` + DefaultAgentID +
			`","mcp_servers":[],"model":{"effort":{"type":"medium"},"id":"claude-sonnet-4-6"},"multiagent":null,"name":"` + DefaultAgentName +
			`","skills":[],"system":null,"tools":[],"type":"agent","version":1}`,
	}
	for k, w := range want {
		if got := compactJSON(t, s[k]); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	// The raw body keeps the API's field order and int64 versions.
	if !strings.HasPrefix(string(r.body), `{"type":"session","id":"sesn_`) {
		t.Errorf("body starts %.40s", r.body)
	}
	got, ok := srv.Session(s["id"].(string))
	if !ok || string(got) != string(r.body) {
		t.Errorf("Session() = %s, want the create response", got)
	}
	if evs, _ := srv.SessionEvents(s["id"].(string)); len(evs) != 0 {
		t.Errorf("events after a plain create: %s", evs)
	}
}

func TestCreateSessionFull(t *testing.T) {
	// holdScript keeps the turn running, so the log stays as created.
	srv := newTestServer(t, WithClock(func() time.Time { return t0 }), WithScript(holdScript))
	srv.AddFile("file_01source")
	srv.AddVault("vlt_01a")
	srv.AddMemoryStore("memstore_01notes", "release-notes", "Notes from previous releases.")
	srv.AddMemoryStore("memstore_01bare", "", "")
	body := map[string]any{
		"agent":          map[string]any{"type": "agent", "id": DefaultAgentID, "version": 1},
		"environment_id": DefaultEnvironmentID,
		"title":          "Release 4.2",
		"metadata":       map[string]any{"team": "release"},
		"resources": []any{
			map[string]any{"type": "github_repository", "url": "https://github.com/example-org/invoice-service.git",
				"authorization_token": "ghp_SECRET", "checkout": map[string]any{"type": "branch", "name": "main"}},
			map[string]any{"type": "github_repository", "url": "https://github.com/example-org/other", "mount_path": "/src/other"},
			map[string]any{"type": "file", "file_id": "file_01source"},
			map[string]any{"type": "file", "file_id": "file_01source", "mount_path": "/data/x.md"},
			map[string]any{"type": "memory_store", "memory_store_id": "memstore_01notes", "access": "read_only", "instructions": "Consult first."},
			map[string]any{"type": "memory_store", "memory_store_id": "memstore_01bare"},
		},
		"vault_ids": []any{"vlt_01a"},
		"budget":    map[string]any{"type": "limit", "max_list_cost": map[string]any{"amount": "2500", "currency": "USD"}},
		"initial_events": []any{
			userMessage("hello"),
			map[string]any{"type": "user.define_outcome", "description": "a changelog", "rubric": map[string]any{"type": "text", "content": "complete"}},
		},
	}
	r := do(t, srv, "POST", "/v1/sessions", body)
	s := r.ok(t)
	if strings.Contains(string(r.body), "ghp_SECRET") || strings.Contains(string(r.body), "authorization_token") {
		t.Errorf("token echoed: %s", r.body)
	}
	for k, w := range map[string]string{
		"status":    `"running"`,
		"title":     `"Release 4.2"`,
		"metadata":  `{"team":"release"}`,
		"vault_ids": `["vlt_01a"]`,
		"budget":    `{"max_list_cost":{"amount":"2500","currency":"USD"},"type":"limit"}`,
	} {
		if got := compactJSON(t, s[k]); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	res := s["resources"].([]any)
	if len(res) != 6 {
		t.Fatalf("%d resources", len(res))
	}
	resIDRE := regexp.MustCompile(`^sesrsc_01[0-9A-Za-z]{24}$`)
	gh := res[0].(map[string]any)
	if diff := cmp.Diff([]string{"checkout", "created_at", "id", "mount_path", "type", "updated_at", "url"}, keys(gh)); diff != "" {
		t.Errorf("github keys:\n%s", diff)
	}
	if !resIDRE.MatchString(gh["id"].(string)) || gh["mount_path"] != "/workspace/invoice-service" ||
		compactJSON(t, gh["checkout"]) != `{"name":"main","type":"branch"}` || gh["created_at"] != "2026-11-26T10:14:04.118Z" {
		t.Errorf("github resource = %v", gh)
	}
	if gh2 := res[1].(map[string]any); gh2["mount_path"] != "/src/other" || gh2["checkout"] != nil {
		t.Errorf("second github resource = %v", gh2)
	}
	file := res[2].(map[string]any)
	if diff := cmp.Diff([]string{"created_at", "file_id", "id", "mount_path", "type", "updated_at"}, keys(file)); diff != "" {
		t.Errorf("file keys:\n%s", diff)
	}
	if fid := file["file_id"].(string); fid == "file_01source" || !strings.HasPrefix(fid, "file_01") {
		t.Errorf("file_id %q is not a new session-scoped ID", fid)
	}
	if file["mount_path"] != "/mnt/session/uploads/file_01source" || !resIDRE.MatchString(file["id"].(string)) {
		t.Errorf("file resource = %v", file)
	}
	if f2 := res[3].(map[string]any); f2["mount_path"] != "/data/x.md" || f2["file_id"] == file["file_id"] {
		t.Errorf("second file resource = %v", f2)
	}
	wantMem := `{"access":"read_only","description":"Notes from previous releases.","instructions":"Consult first.","memory_store_id":"memstore_01notes","mount_path":"/mnt/memory/release-notes","name":"release-notes","type":"memory_store"}`
	if got := compactJSON(t, res[4]); got != wantMem {
		t.Errorf("memory store = %s\nwant %s", got, wantMem)
	}
	wantBare := `{"access":"read_write","description":"","instructions":null,"memory_store_id":"memstore_01bare","mount_path":"/mnt/memory/memstore_01bare","name":null,"type":"memory_store"}`
	if got := compactJSON(t, res[5]); got != wantBare {
		t.Errorf("bare memory store = %s\nwant %s", got, wantBare)
	}

	// The initial events are in the log with IDs and processed_at, followed
	// by the status change they caused.
	evs, ok := srv.SessionEvents(s["id"].(string))
	if !ok || len(evs) != 3 || !strings.HasPrefix(string(evs[2]), `{"type":"session.status_running",`) {
		t.Fatalf("events = %s", evs)
	}
	wantMsg := `{"type":"user.message","id":"%s","content":[{"text":"hello","type":"text"}],"processed_at":"2026-11-26T10:14:04.118Z"}`
	var ev0, ev1 map[string]any
	_ = json.Unmarshal(evs[0], &ev0)
	_ = json.Unmarshal(evs[1], &ev1)
	if got := string(evs[0]); got != fmt.Sprintf(wantMsg, ev0["id"]) || !strings.HasPrefix(ev0["id"].(string), "sevt_01") {
		t.Errorf("event 0 = %s", got)
	}
	if ev1["type"] != "user.define_outcome" || !strings.HasPrefix(fmt.Sprint(ev1["outcome_id"]), "outc_01") ||
		ev1["max_iterations"] != float64(3) || ev1["processed_at"] == nil {
		t.Errorf("event 1 = %s", evs[1])
	}
}

func TestCreateValidation(t *testing.T) {
	srv := newTestServer(t)
	srv.AddFile("file_01ok")
	srv.AddVault("vlt_01ok")
	for i := range 9 {
		srv.AddMemoryStore(fmt.Sprintf("memstore_%d", i), "", "")
	}
	msg := func(text string) []any { return []any{userMessage(text)} }
	many := func(n int, f func(i int) any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	meta := func(n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m[fmt.Sprintf("k%d", i)] = "v"
		}
		return m
	}
	mem := func(i int) any {
		return map[string]any{"type": "memory_store", "memory_store_id": fmt.Sprintf("memstore_%d", i)}
	}
	budget := func(amount any, currency string) map[string]any {
		return map[string]any{"type": "limit", "max_list_cost": map[string]any{"amount": amount, "currency": currency}}
	}
	tests := []struct {
		name    string
		body    map[string]any // merged over a valid body; a nil value deletes the key
		status  int
		code    string
		inMsg   string
		errType string
	}{
		{name: "unknown field", body: map[string]any{"colour": "red"}, status: 400, inMsg: "colour"},
		{name: "agent missing", body: map[string]any{"agent": nil}, status: 400, inMsg: "agent"},
		{name: "agent null", body: map[string]any{"agent": json.RawMessage("null")}, status: 400, inMsg: "agent"},
		{name: "agent empty string", body: map[string]any{"agent": ""}, status: 400, inMsg: "agent"},
		{name: "agent number", body: map[string]any{"agent": 7}, status: 400, inMsg: "agent"},
		{name: "agent unknown", body: map[string]any{"agent": "agent_nope"}, status: 404, inMsg: "agent_nope"},
		{name: "agent unknown version", body: map[string]any{"agent": map[string]any{"type": "agent", "id": DefaultAgentID, "version": 9}}, status: 404, inMsg: "version 9"},
		{name: "agent version zero", body: map[string]any{"agent": map[string]any{"type": "agent", "id": DefaultAgentID, "version": 0}}, status: 400},
		{name: "agent version fraction", body: map[string]any{"agent": map[string]any{"type": "agent", "id": DefaultAgentID, "version": 1.5}}, status: 400},
		{name: "agent bad type", body: map[string]any{"agent": map[string]any{"type": "robot", "id": DefaultAgentID}}, status: 400, inMsg: "robot"},
		{name: "agent ref extra field", body: map[string]any{"agent": map[string]any{"type": "agent", "id": DefaultAgentID, "system": "x"}}, status: 400, inMsg: "system"},
		{name: "agent ref no id", body: map[string]any{"agent": map[string]any{"type": "agent"}}, status: 400, inMsg: "agent.id"},
		{name: "model cleared", body: map[string]any{"agent": map[string]any{"type": "agent_with_overrides", "id": DefaultAgentID, "model": nil}}, status: 400, inMsg: "agent_model_required"},
		{name: "model bad effort", body: map[string]any{"agent": map[string]any{"type": "agent_with_overrides", "id": DefaultAgentID, "model": map[string]any{"id": "m", "effort": "extreme"}}}, status: 400, inMsg: "extreme"},
		{name: "override unknown field", body: map[string]any{"agent": map[string]any{"type": "agent_with_overrides", "id": DefaultAgentID, "multiagent": nil}}, status: 400, inMsg: "multiagent"},
		{name: "tool unknown type", body: overrides(map[string]any{"tools": []any{map[string]any{"type": "laser"}}}), status: 400, inMsg: "laser"},
		{name: "tool unknown builtin", body: overrides(map[string]any{"tools": []any{map[string]any{"type": agentToolset, "configs": []any{map[string]any{"name": "teleport"}}}}}), status: 400, inMsg: "teleport"},
		{name: "custom tool bad name", body: overrides(map[string]any{"tools": []any{map[string]any{"type": "custom", "name": "no spaces", "description": "d", "input_schema": map[string]any{"type": "object"}}}}), status: 400, inMsg: "name"},
		{name: "custom tool bad schema", body: overrides(map[string]any{"tools": []any{map[string]any{"type": "custom", "name": "n", "description": "d", "input_schema": map[string]any{"type": "string"}}}}), status: 400, inMsg: "input_schema"},
		{name: "mcp toolset without server", body: overrides(map[string]any{"tools": []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "ghost"}}}), status: 400, inMsg: "ghost"},
		{name: "duplicate mcp server", body: overrides(map[string]any{"mcp_servers": []any{map[string]any{"type": "url", "name": "a", "url": "u"}, map[string]any{"type": "url", "name": "a", "url": "u"}}}), status: 400, inMsg: "duplicate"},
		{name: "too many tools", body: overrides(map[string]any{"tools": many(129, func(i int) any {
			return map[string]any{"type": "custom", "name": fmt.Sprint("t", i), "description": "d", "input_schema": map[string]any{"type": "object"}}
		})}), status: 400, inMsg: "128"},
		{name: "system too long", body: overrides(map[string]any{"system": strings.Repeat("s", 100_001)}), status: 400, inMsg: "100000"},
		{name: "environment missing", body: map[string]any{"environment_id": nil}, status: 400, inMsg: "environment_id"},
		{name: "environment unknown", body: map[string]any{"environment_id": "env_nope"}, status: 404, inMsg: "env_nope"},
		{name: "title not string", body: map[string]any{"title": 3}, status: 400, inMsg: "title"},
		{name: "metadata 17 keys", body: map[string]any{"metadata": meta(17)}, status: 400, code: "invalid_metadata", inMsg: "17"},
		{name: "metadata long key", body: map[string]any{"metadata": map[string]any{strings.Repeat("k", 65): "v"}}, status: 400, code: "invalid_metadata", inMsg: "64"},
		{name: "metadata long value", body: map[string]any{"metadata": map[string]any{"k": strings.Repeat("é", 513)}}, status: 400, code: "invalid_metadata", inMsg: "512"},
		{name: "metadata non-string", body: map[string]any{"metadata": map[string]any{"k": 1}}, status: 400, code: "invalid_metadata"},
		{name: "metadata not object", body: map[string]any{"metadata": []any{}}, status: 400},
		{name: "initial events 51", body: map[string]any{"initial_events": many(51, func(int) any { return userMessage("x") })}, status: 400, inMsg: "50"},
		{name: "initial event interrupt", body: map[string]any{"initial_events": []any{map[string]any{"type": "user.interrupt"}}}, status: 400, inMsg: "user.interrupt"},
		{name: "initial event no type", body: map[string]any{"initial_events": []any{map[string]any{"content": []any{}}}}, status: 400, inMsg: "type"},
		{name: "user message empty content", body: map[string]any{"initial_events": []any{map[string]any{"type": "user.message", "content": []any{}}}}, status: 400, inMsg: "content"},
		{name: "user message extra field", body: map[string]any{"initial_events": []any{map[string]any{"type": "user.message", "content": msg("x")[0].(map[string]any)["content"], "session_thread_id": "sthr_1"}}}, status: 400, inMsg: "session_thread_id"},
		{name: "outcome without rubric", body: map[string]any{"initial_events": []any{map[string]any{"type": "user.define_outcome", "description": "d"}}}, status: 400, inMsg: "rubric"},
		{name: "outcome max iterations", body: map[string]any{"initial_events": []any{map[string]any{"type": "user.define_outcome", "description": "d", "rubric": map[string]any{"type": "text", "content": "c"}, "max_iterations": 21}}}, status: 400, inMsg: "max_iterations"},
		{name: "outcome unknown file", body: map[string]any{"initial_events": []any{map[string]any{"type": "user.define_outcome", "description": "d", "rubric": map[string]any{"type": "file", "file_id": "file_nope"}}}}, status: 404},
		{name: "budget bad type", body: map[string]any{"budget": map[string]any{"type": "soft", "max_list_cost": budget("1", "USD")["max_list_cost"]}}, status: 400, inMsg: "soft"},
		{name: "budget number amount", body: map[string]any{"budget": budget(2500, "USD")}, status: 400, inMsg: "amount"},
		{name: "budget decimal amount", body: map[string]any{"budget": budget("25.00", "USD")}, status: 400, inMsg: "amount"},
		{name: "budget currency", body: map[string]any{"budget": budget("2500", "EUR")}, status: 400, inMsg: "EUR"},
		{name: "budget missing cost", body: map[string]any{"budget": map[string]any{"type": "limit"}}, status: 400, inMsg: "max_list_cost"},
		{name: "github without url", body: map[string]any{"resources": []any{map[string]any{"type": "github_repository"}}}, status: 400, inMsg: "url"},
		{name: "github obsolete branch", body: map[string]any{"resources": []any{map[string]any{"type": "github_repository", "url": "u", "branch": "main"}}}, status: 400, inMsg: "branch"},
		{name: "github bad checkout", body: map[string]any{"resources": []any{map[string]any{"type": "github_repository", "url": "u", "checkout": map[string]any{"type": "tag", "name": "v1"}}}}, status: 400, inMsg: "tag"},
		{name: "file unknown", body: map[string]any{"resources": []any{map[string]any{"type": "file", "file_id": "file_nope"}}}, status: 404, inMsg: "file_nope"},
		{name: "file relative mount", body: map[string]any{"resources": []any{map[string]any{"type": "file", "file_id": "file_01ok", "mount_path": "rel/x"}}}, status: 400, inMsg: "absolute"},
		{name: "memory store unknown", body: map[string]any{"resources": []any{map[string]any{"type": "memory_store", "memory_store_id": "memstore_nope"}}}, status: 404},
		{name: "memory store nine", body: map[string]any{"resources": many(9, mem)}, status: 400, inMsg: "8"},
		{name: "memory store twice", body: map[string]any{"resources": []any{mem(0), mem(0)}}, status: 400, inMsg: "twice"},
		{name: "memory store bad access", body: map[string]any{"resources": []any{map[string]any{"type": "memory_store", "memory_store_id": "memstore_0", "access": "write_only"}}}, status: 400, inMsg: "write_only"},
		{name: "memory store long instructions", body: map[string]any{"resources": []any{map[string]any{"type": "memory_store", "memory_store_id": "memstore_0", "instructions": strings.Repeat("i", 4097)}}}, status: 400, inMsg: "4096"},
		{name: "memory store id echoed field", body: map[string]any{"resources": []any{map[string]any{"type": "memory_store", "memory_store_id": "memstore_0", "name": "x"}}}, status: 400, inMsg: "name"},
		{name: "resource unknown type", body: map[string]any{"resources": []any{map[string]any{"type": "s3"}}}, status: 400, inMsg: "s3"},
		{name: "vault unknown", body: map[string]any{"vault_ids": []any{"vlt_nope"}}, status: 404, inMsg: "vlt_nope"},
		{name: "vault not string", body: map[string]any{"vault_ids": []any{1}}, status: 400, inMsg: "vault_ids[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"agent": DefaultAgentID, "environment_id": DefaultEnvironmentID}
			for k, v := range tt.body {
				if v == nil {
					delete(body, k)
					continue
				}
				body[k] = v
			}
			before := len(srv.SessionIDs())
			r := do(t, srv, "POST", "/v1/sessions", body)
			typ := map[int]string{400: "invalid_request_error", 404: "not_found_error"}[tt.status]
			e := r.apiErr(t, tt.status, typ)
			if errorCode(e) != tt.code {
				t.Errorf("error_code = %q, want %q", errorCode(e), tt.code)
			}
			if msg := e["message"].(string); !strings.Contains(msg, tt.inMsg) {
				t.Errorf("message %q does not contain %q", msg, tt.inMsg)
			}
			if after := len(srv.SessionIDs()); after != before {
				t.Errorf("a rejected create added a session")
			}
		})
	}
}

// overrides returns a create body member that overrides the default agent.
func overrides(o map[string]any) map[string]any {
	a := map[string]any{"type": "agent_with_overrides", "id": DefaultAgentID}
	for k, v := range o {
		a[k] = v
	}
	return map[string]any{"agent": a}
}

func TestAgentForms(t *testing.T) {
	srv := newTestServer(t)
	const big = int64(1772585501101368014)
	srv.AddAgent(Agent{ID: "agent_multi", Version: 1, Name: "v1"})
	srv.AddAgent(Agent{ID: "agent_multi", Version: big, Name: "vbig"})
	srv.AddAgent(Agent{
		ID: "agent_rich", Name: "Rich", Description: "Does things.", System: "Be brief.",
		Model:      Model{ID: "claude-opus-4-6", Effort: "high", Speed: "fast"},
		Tools:      json.RawMessage(`[{"type":"mcp_toolset","mcp_server_name":"tracker","default_config":{"enabled":true,"permission_policy":{"type":"always_ask"}},"configs":[]}]`),
		MCPServers: json.RawMessage(`[{"type":"url","name":"tracker","url":"https://mcp.example.com"}]`),
		Skills:     json.RawMessage(`[{"type":"anthropic","skill_id":"xlsx","version":"latest"}]`),
	})
	agentOf := func(agent any) map[string]any {
		t.Helper()
		s := createSession(t, srv, map[string]any{"agent": agent})
		return s["agent"].(map[string]any)
	}
	get := func(a map[string]any, k string) string { return compactJSON(t, a[k]) }

	t.Run("string form takes the latest version", func(t *testing.T) {
		a := agentOf("agent_multi")
		if get(a, "version") != fmt.Sprint(big) || a["name"] != "vbig" {
			t.Errorf("agent = %v", a)
		}
	})
	t.Run("reference pins a version", func(t *testing.T) {
		a := agentOf(map[string]any{"type": "agent", "id": "agent_multi", "version": 1})
		if get(a, "version") != "1" || a["name"] != "v1" {
			t.Errorf("agent = %v", a)
		}
		a = agentOf(map[string]any{"type": "agent", "id": "agent_multi", "version": big})
		if get(a, "version") != fmt.Sprint(big) {
			t.Errorf("int64 version not kept exactly: %v", a["version"])
		}
	})
	t.Run("seeded configuration", func(t *testing.T) {
		a := agentOf("agent_rich")
		for k, w := range map[string]string{
			"description": `"Does things."`,
			"system":      `"Be brief."`,
			"model":       `{"effort":{"type":"high"},"id":"claude-opus-4-6","speed":"fast"}`,
			"skills":      `[{"skill_id":"xlsx","type":"anthropic","version":"latest"}]`,
		} {
			if got := get(a, k); got != w {
				t.Errorf("%s = %s, want %s", k, got, w)
			}
		}
	})
	t.Run("omitted overrides inherit", func(t *testing.T) {
		a := agentOf(map[string]any{"type": "agent_with_overrides", "id": "agent_rich"})
		b := agentOf("agent_rich")
		if diff := cmp.Diff(b, a); diff != "" {
			t.Errorf("(-plain +overrides):\n%s", diff)
		}
	})
	t.Run("overrides replace and clear", func(t *testing.T) {
		a := agentOf(map[string]any{
			"type": "agent_with_overrides", "id": "agent_rich",
			"model":       map[string]any{"id": "claude-sonnet-4-6", "effort": "max", "inference_geo": nil},
			"system":      nil,
			"skills":      []any{},
			"mcp_servers": []any{},
			"tools": []any{
				map[string]any{"type": agentToolset, "default_config": map[string]any{"enabled": false},
					"configs": []any{map[string]any{"name": "read", "enabled": true},
						map[string]any{"name": "web_fetch", "allowed_domains": []any{"example.com"}, "permission_policy": map[string]any{"type": "auto"}}}},
				map[string]any{"type": "custom", "name": "lookup", "description": "Look up.", "input_schema": map[string]any{"type": "object", "properties": map[string]any{}}},
			},
		})
		for k, w := range map[string]string{
			"id":          `"agent_rich"`,
			"version":     `1`,
			"description": `"Does things."`,
			"system":      `null`,
			"model":       `{"effort":{"type":"max"},"id":"claude-sonnet-4-6","inference_geo":null}`,
			"skills":      `[]`,
			"mcp_servers": `[]`,
			"tools": `[{"configs":[{"enabled":true,"name":"read","permission_policy":{"type":"always_allow"},"type":"read"},` +
				`{"allowed_domains":["example.com"],"enabled":false,"name":"web_fetch","permission_policy":{"type":"auto"},"type":"web_fetch",` +
				`"url_sources":{"client_tool_results":null,"server_tool_results":null,"user_input":null}}],` +
				`"default_config":{"enabled":false,"permission_policy":{"type":"always_allow"}},"type":"agent_toolset_20260401"},` +
				`{"description":"Look up.","input_schema":{"properties":{},"type":"object"},"name":"lookup","type":"custom"}]`,
		} {
			if got := get(a, k); got != w {
				t.Errorf("%s = %s\nwant %s", k, got, w)
			}
		}
	})
	t.Run("model string and effort object", func(t *testing.T) {
		a := agentOf(map[string]any{"type": "agent_with_overrides", "id": DefaultAgentID, "model": "claude-haiku-4-5"})
		if got := get(a, "model"); got != `{"effort":{"type":"medium"},"id":"claude-haiku-4-5"}` {
			t.Errorf("model = %s", got)
		}
		a = agentOf(map[string]any{"type": "agent_with_overrides", "id": DefaultAgentID, "model": map[string]any{"id": "m", "effort": map[string]any{"type": "low"}}})
		if got := get(a, "model"); got != `{"effort":{"type":"low"},"id":"m"}` {
			t.Errorf("model = %s", got)
		}
	})
	t.Run("mcp tools default to always_ask", func(t *testing.T) {
		a := agentOf(map[string]any{"type": "agent_with_overrides", "id": DefaultAgentID,
			"mcp_servers": []any{map[string]any{"type": "url", "name": "gh", "url": "https://mcp.example.com/gh"}},
			"tools":       []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "gh", "configs": []any{map[string]any{"name": "create_issue"}}}},
		})
		want := `[{"configs":[{"enabled":true,"name":"create_issue","permission_policy":{"type":"always_ask"}}],"default_config":{"enabled":true,"permission_policy":{"type":"always_ask"}},"mcp_server_name":"gh","type":"mcp_toolset"}]`
		if got := get(a, "tools"); got != want {
			t.Errorf("tools = %s\nwant %s", got, want)
		}
	})
	t.Run("tools cannot be cleared while skills remain", func(t *testing.T) {
		for _, tools := range []any{[]any{}, nil} {
			r := do(t, srv, "POST", "/v1/sessions", map[string]any{"environment_id": DefaultEnvironmentID,
				"agent": map[string]any{"type": "agent_with_overrides", "id": "agent_rich", "tools": tools}})
			r.apiErr(t, 400, "invalid_request_error")
		}
		// Clearing both is fine.
		a := agentOf(map[string]any{"type": "agent_with_overrides", "id": "agent_rich", "tools": nil, "skills": nil})
		if get(a, "tools") != "[]" || get(a, "skills") != "[]" {
			t.Errorf("agent = %v", a)
		}
	})
	t.Run("dropping the MCP server of an inherited toolset", func(t *testing.T) {
		r := do(t, srv, "POST", "/v1/sessions", map[string]any{"environment_id": DefaultEnvironmentID,
			"agent": map[string]any{"type": "agent_with_overrides", "id": "agent_rich", "mcp_servers": []any{}}})
		e := r.apiErr(t, 400, "invalid_request_error")
		if !strings.Contains(e["message"].(string), "tracker") {
			t.Errorf("message = %v", e["message"])
		}
	})
}

func TestAddAgentVersions(t *testing.T) {
	f := New()
	f.AddAgent(Agent{ID: "agent_a"}) // version 1
	f.AddAgent(Agent{ID: "agent_a"}) // version 2
	f.AddAgent(Agent{ID: "agent_a", Version: 1, Name: "replaced"})
	f.mu.Lock()
	vs := append([]Agent(nil), f.agents["agent_a"]...)
	f.mu.Unlock()
	if len(vs) != 2 || vs[0].Version != 1 || vs[0].Name != "replaced" || vs[1].Version != 2 {
		t.Errorf("versions = %+v", vs)
	}

	for name, bad := range map[string]Agent{
		"no ID":              {},
		"Tools not an array": {ID: "agent_b", Tools: json.RawMessage(`{"not":"array"}`)},
		"Skills not JSON":    {ID: "agent_b", Skills: json.RawMessage(`[`)},
	} {
		if err := f.AddAgent(bad); err == nil {
			t.Errorf("%s: AddAgent = nil, want an error", name)
		}
	}
	f.mu.Lock()
	_, seeded := f.agents["agent_b"]
	f.mu.Unlock()
	if seeded {
		t.Errorf("a rejected agent was seeded")
	}
}
