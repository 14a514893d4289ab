package interop

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go/managedagentstest"
)

// IDs of what seed adds to a fake (values from the main module's fixtures
// under testdata/sessions).
const (
	agentID     = "agent_01XQkqncTfqp9zTj6wZhTH2nQD"
	fileID      = "file_01g13tNF8teD4wrdDfDvyENs9t"
	vaultID     = "vlt_01G38qTb7q4YWsQaf6WaEh2pty"
	storeID     = "memstore_01kbKXj13YxSVm6ZoW45Mg948H"
	storeName   = "release-notes"
	storeDesc   = "Notes from previous releases."
	repoURL     = "https://github.com/example-org/invoice-service"
	repoToken   = "ghp_interopTokenNeverEchoed0123"
	agentSystem = "You help the release team. Never push to protected branches without approval."
)

// agentV2Tools is the resolved tool list of the main module's session
// fixture (testdata/sessions/session.json), seeded verbatim as version 2 of
// agentID.
const agentV2Tools = `[
  {"type": "agent_toolset_20260401",
   "default_config": {"enabled": true, "permission_policy": {"type": "always_allow"}},
   "configs": [
     {"type": "bash", "name": "bash", "enabled": true, "permission_policy": {"type": "auto"}},
     {"type": "web_fetch", "name": "web_fetch", "enabled": true, "permission_policy": {"type": "always_allow"},
      "allowed_domains": ["docs.example.com", "status.example.com"], "blocked_domains": [], "max_content_tokens": 20000,
      "url_sources": {"user_input": {"type": "all"}, "client_tool_results": null,
                      "server_tool_results": {"type": "only", "tools": [{"type": "tool_reference", "name": "web_search"}]}}}
   ]},
  {"type": "mcp_toolset", "mcp_server_name": "tracker",
   "default_config": {"enabled": true, "permission_policy": {"type": "always_ask"}}, "configs": []},
  {"type": "custom", "name": "lookup_customer", "description": "Look up a customer record in the CRM by customer ID.",
   "input_schema": {"type": "object", "properties": {"customer_id": {"type": "string"}}, "required": ["customer_id"]}}
]`

// seed adds two versions of agentID (v1 bare, v2 with the fixture's tools,
// MCP server and a skill), a file, a vault and a memory store.
func seed(e *env) {
	e.srv.AddAgent(managedagentstest.Agent{
		ID: agentID, Version: 1, Name: "Release assistant",
		Model: managedagentstest.Model{ID: "claude-sonnet-4-6", Effort: "medium"},
	})
	e.srv.AddAgent(managedagentstest.Agent{
		ID: agentID, Version: 2, Name: "Release assistant",
		Description: "Prepares release branches and answers questions about the codebase.",
		System:      agentSystem,
		Model:       managedagentstest.Model{ID: "claude-sonnet-4-6", Effort: "high", Speed: "standard"},
		Tools:       json.RawMessage(agentV2Tools),
		MCPServers:  json.RawMessage(`[{"type": "url", "name": "tracker", "url": "https://mcp.example.com/tracker"}]`),
		Skills:      json.RawMessage(`[{"type": "anthropic", "skill_id": "xlsx", "version": "latest"}]`),
	})
	e.srv.AddFile(fileID)
	e.srv.AddVault(vaultID)
	e.srv.AddMemoryStore(storeID, storeName, storeDesc)
}

// budget returns a budget param of amount US cents.
func budget(amount string) anthropic.BetaManagedAgentsBudgetLimitParam {
	return anthropic.BetaManagedAgentsBudgetLimitParam{
		MaxListCost: anthropic.BetaMonetaryAmountParam{Amount: amount, Currency: anthropic.BetaCurrencyUSD},
	}
}

// simpleParams is a create body with only the required fields and a title.
func simpleParams(title string) anthropic.BetaSessionNewParams {
	return anthropic.BetaSessionNewParams{
		Agent:         anthropic.BetaSessionNewParamsAgentUnion{OfString: anthropic.String(managedagentstest.DefaultAgentID)},
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Title:         anthropic.String(title),
	}
}

// mustNew creates a session with the official client.
func mustNew(t *testing.T, e *env, p anthropic.BetaSessionNewParams) *anthropic.BetaManagedAgentsSession {
	t.Helper()
	s, err := e.sdk.Beta.Sessions.New(context.Background(), p)
	if err != nil {
		t.Fatalf("Beta.Sessions.New: %v", err)
	}
	checkWire(t, "created session", s)
	return s
}

// ids returns the IDs of sessions, in order.
func ids(sessions []anthropic.BetaManagedAgentsSession) []string {
	out := make([]string, len(sessions))
	for i, s := range sessions {
		out[i] = s.ID
	}
	return out
}

// reversed returns a reversed copy.
func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// wantJSON compares a recorded request body with a JSON literal.
func wantJSON(t *testing.T, e *env, want string) {
	t.Helper()
	got := bodyOf(t, e.last(t))
	if diff := cmp.Diff(jsonValue(t, want), got); diff != "" {
		t.Errorf("request body (-want +got):\n%s", diff)
	}
}
