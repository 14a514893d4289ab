package managedagentstest

import (
	"encoding/json"
	"testing"
)

func TestSeededMultiagent(t *testing.T) {
	srv := newTestServer(t)
	config := `{"type":"multiagent_20261001","advisor":{"type":"enabled","model":"claude-opus-4-6"},` +
		`"subagents":{"type":"enabled","inline_agents":{"type":"disabled"},"predefined_agents":[]},"workflows":{"type":"disabled"}}`
	if err := srv.AddAgent(Agent{ID: "agent_coord", Name: "Coordinator", Multiagent: json.RawMessage(config)}); err != nil {
		t.Fatal(err)
	}
	s := createSession(t, srv, map[string]any{"agent": "agent_coord"})
	var want any
	_ = json.Unmarshal([]byte(config), &want)
	if got := compactJSON(t, dig(s, "agent", "multiagent")); got != compactJSON(t, want) {
		t.Errorf("session.agent.multiagent = %s, want %s", got, config)
	}
	plain := createSession(t, srv, map[string]any{})
	if m, ok := dig(plain, "agent").(map[string]any)["multiagent"]; !ok || m != nil {
		t.Errorf("a single-agent session's multiagent = %v, want null", m)
	}
	for _, bad := range []string{`[]`, `"coordinator"`, `null`, `{`} {
		if err := srv.AddAgent(Agent{ID: "agent_bad", Multiagent: json.RawMessage(bad)}); err == nil {
			t.Errorf("AddAgent accepted Multiagent %s", bad)
		}
	}
}
