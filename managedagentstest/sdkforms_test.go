package managedagentstest

import "testing"

// Request forms the official Go SDK (v2.15) sends and response forms it
// requires, found by the interop module (../interop): built-in tool configs
// may carry a type equal to their name, and web_fetch always reports
// url_sources with its three members in object form or null.
func TestOfficialSDKToolForms(t *testing.T) {
	srv := newTestServer(t)
	overrides := func(configs ...any) map[string]any {
		return map[string]any{"agent": map[string]any{
			"type": "agent_with_overrides", "id": DefaultAgentID,
			"tools": []any{map[string]any{"type": agentToolset, "configs": configs}},
		}}
	}
	configs := func(s map[string]any) string {
		return compactJSON(t, dig(s, "agent", "tools", 0, "configs"))
	}

	s := createSession(t, srv, overrides(
		map[string]any{"type": "grep", "name": "grep"},
		map[string]any{"name": "web_fetch"},
	))
	// compactJSON sorts keys.
	want := `[{"enabled":true,"name":"grep","permission_policy":{"type":"always_allow"},"type":"grep"},` +
		`{"enabled":true,"name":"web_fetch","permission_policy":{"type":"always_allow"},"type":"web_fetch",` +
		`"url_sources":{"client_tool_results":null,"server_tool_results":null,"user_input":null}}]`
	if got := configs(s); got != want {
		t.Errorf("configs = %s\nwant %s", got, want)
	}

	s = createSession(t, srv, overrides(map[string]any{"name": "web_fetch", "url_sources": map[string]any{
		"user_input":          "none",
		"client_tool_results": map[string]any{"type": "all"},
	}}))
	if got, want := compactJSON(t, dig(s, "agent", "tools", 0, "configs", 0, "url_sources")),
		`{"client_tool_results":{"type":"all"},"server_tool_results":null,"user_input":{"type":"none"}}`; got != want {
		t.Errorf("url_sources = %s\nwant %s", got, want)
	}

	for name, cfg := range map[string]map[string]any{
		"type differs from name": {"type": "bash", "name": "grep"},
		"unknown shorthand":      {"name": "web_fetch", "url_sources": map[string]any{"user_input": "some"}},
		"url_sources not object": {"name": "web_fetch", "url_sources": []any{}},
		"unknown url source":     {"name": "web_fetch", "url_sources": map[string]any{"mail": nil}},
	} {
		body := overrides(cfg)
		body["environment_id"] = DefaultEnvironmentID
		if r := do(t, srv, "POST", "/v1/sessions", body); r.status != 400 {
			t.Errorf("%s: status %d, want 400: %s", name, r.status, r.body)
		}
	}
}
