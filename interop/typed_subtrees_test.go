package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	managedagents "github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// The agent of the typed-subtree tests: a multiagent_20261001 coordinator
// with web tool options and a custom tool whose schema has keywords that
// neither client models.
const (
	subtreesAgentID = "agent_01InteropSubtreesAgent00"
	subtreesSchema  = `{"type": "object", "properties": {"module": {"type": "string"}}, "required": ["module"], "additionalProperties": false}`
	subtreesTools   = `[
  {"type": "agent_toolset_20260401",
   "default_config": {"enabled": true, "permission_policy": {"type": "always_allow"}},
   "configs": [
     {"type": "bash", "name": "bash", "enabled": true, "permission_policy": {"type": "auto"}},
     {"type": "web_fetch", "name": "web_fetch", "enabled": true, "permission_policy": {"type": "always_allow"},
      "url_sources": {"user_input": {"type": "all"}, "client_tool_results": null,
                      "server_tool_results": {"type": "only", "tools": [{"type": "tool_reference", "name": "web_search"}]}}},
     {"type": "web_search", "name": "web_search", "enabled": true, "permission_policy": {"type": "always_allow"},
      "user_location": {"type": "approximate", "city": "Lisbon", "region": null, "country": "PT", "timezone": "Europe/Lisbon"}}]},
  {"type": "custom", "name": "file_ticket", "description": "File a ticket.", "input_schema": ` + subtreesSchema + `}
]`
	subtreesMultiagent = `{"type": "multiagent_20261001",
  "advisor": {"type": "enabled", "model": "claude-opus-4-6"},
  "subagents": {"type": "enabled", "inline_agents": {"type": "enabled"}, "predefined_agents": [
    {"type": "agent", "id": "agent_01InteropScannerAgent000", "version": 2, "name": "scanner",
     "description": "Lists modules.", "system": null,
     "model": {"id": "claude-haiku-4-5", "speed": "standard", "effort": {"type": "medium"}},
     "execution_identity": {"type": "service_account"}, "tools": [], "skills": [], "mcp_servers": []}]},
  "workflows": {"type": "disabled"}}`
)

func seedSubtrees(e *env) error {
	return e.srv.AddAgent(managedagentstest.Agent{
		ID: subtreesAgentID, Name: "Coordinator",
		Model:      managedagentstest.Model{ID: "claude-opus-4-6", Effort: "high"},
		Tools:      json.RawMessage(subtreesTools),
		Multiagent: json.RawMessage(subtreesMultiagent),
	})
}

// TestTypedSubtreesAgree creates a session of a multi-agent agent with the
// SDK, which decodes it strictly (checkWire), and reads it with our client:
// our typed multiagent, url_sources, user_location and input_schema hold
// what the SDK's types hold.
func TestTypedSubtreesAgree(t *testing.T) {
	e := newEnv(t)
	if err := seedSubtrees(e); err != nil {
		t.Fatal(err)
	}
	theirs := mustNew(t, e, anthropic.BetaSessionNewParams{
		Agent:         anthropic.BetaSessionNewParamsAgentUnion{OfString: anthropic.String(subtreesAgentID)},
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	checkSessionShape(t, theirs)
	ours, err := e.ours.Sessions.Get(context.Background(), theirs.ID)
	if err != nil {
		t.Fatalf("our Get: %v", err)
	}

	// multiagent
	if theirs.Agent.Multiagent.Type != "multiagent_20261001" || ours.Agent.Multiagent == nil {
		t.Fatalf("multiagent: SDK %s, ours %+v", theirs.Agent.JSON.Multiagent.Raw(), ours.Agent.Multiagent)
	}
	sdkMA := theirs.Agent.Multiagent.AsMultiagent20261001()
	ma := ours.Agent.Multiagent
	if ma.Type != string(sdkMA.Type) || ma.Advisor.Type != sdkMA.Advisor.Type || ma.Advisor.Model.ID != sdkMA.Advisor.Model || sdkMA.Advisor.Model != "claude-opus-4-6" {
		t.Errorf("advisor: ours %+v, SDK %s", ma.Advisor, sdkMA.Advisor.RawJSON())
	}
	sub := sdkMA.Subagents.AsEnabled()
	if ma.Subagents.Type != string(sub.Type) || ma.Subagents.InlineAgents.Type != sub.InlineAgents.Type || !ma.Subagents.InlineAgents.Enabled() {
		t.Errorf("subagents: ours %+v, SDK %s", ma.Subagents, sdkMA.Subagents.RawJSON())
	}
	type agentKey struct {
		Type, ID, Name, Model string
		Version               int64
	}
	var sdkAgents, ourAgents []agentKey
	for _, a := range sub.PredefinedAgents {
		sdkAgents = append(sdkAgents, agentKey{string(a.Type), a.ID, a.Name, string(a.Model.ID), a.Version})
	}
	for _, a := range ma.Subagents.PredefinedAgents {
		ourAgents = append(ourAgents, agentKey{a.Type, a.ID, a.Name, a.Model.ID, a.Version})
	}
	if len(sdkAgents) != 1 || sdkAgents[0].ID != "agent_01InteropScannerAgent000" {
		t.Errorf("the SDK's predefined agents = %+v", sdkAgents)
	}
	if diff := cmp.Diff(sdkAgents, ourAgents); diff != "" {
		t.Errorf("predefined agents (-SDK +ours):\n%s", diff)
	}
	if ma.Workflows.Type != sdkMA.Workflows.Type || ma.Workflows.Type != managedagents.MultiagentDisabled {
		t.Errorf("workflows: ours %+v, SDK %s", ma.Workflows, sdkMA.Workflows.RawJSON())
	}

	// url_sources and user_location
	sdkToolset := theirs.Agent.Tools[0].AsAgentToolset20260401()
	fetch, search := sdkToolset.Configs[1].AsWebFetch(), sdkToolset.Configs[2].AsWebSearch()
	ourConfigs := ours.Agent.Tools[0].Configs
	src := ourConfigs[1].URLSources
	if src == nil || src.UserInput.Type != fetch.URLSources.UserInput.Type || src.ClientToolResults != nil ||
		fetch.URLSources.JSON.ClientToolResults.Raw() != "null" || src.ServerToolResults.Type != fetch.URLSources.ServerToolResults.Type ||
		len(src.ServerToolResults.Tools) != 1 || src.ServerToolResults.Tools[0].Name != fetch.URLSources.ServerToolResults.Tools[0].Name {
		t.Errorf("url_sources: ours %+v, SDK %s", src, fetch.URLSources.RawJSON())
	}
	loc, sdkLoc := ourConfigs[2].UserLocation, search.UserLocation
	if loc == nil || loc.Type != string(sdkLoc.Type) || loc.City != sdkLoc.City || loc.Region != sdkLoc.Region ||
		loc.Country != sdkLoc.Country || loc.Timezone != sdkLoc.Timezone || sdkLoc.City != "Lisbon" {
		t.Errorf("user_location: ours %+v, SDK %s", loc, sdkLoc.RawJSON())
	}

	// input_schema: the same members, and our kept bytes are the SDK's.
	custom := theirs.Agent.Tools[1].AsCustom()
	schema := ours.Agent.Tools[1].InputSchema
	if string(schema.RawJSON()) != custom.InputSchema.RawJSON() {
		t.Errorf("input_schema bytes: ours %s, SDK %s", schema.RawJSON(), custom.InputSchema.RawJSON())
	}
	if !slices.Equal(schema.Required, custom.InputSchema.Required) || schema.Type != string(custom.InputSchema.Type) ||
		len(schema.Properties) != len(custom.InputSchema.Properties) || custom.InputSchema.ExtraFields["additionalProperties"] != false {
		t.Errorf("input_schema: ours %+v, SDK %+v", schema, custom.InputSchema)
	}
	for k := range custom.InputSchema.Properties {
		if _, ok := schema.Properties[k]; !ok {
			t.Errorf("input_schema property %q: the SDK has it, we do not", k)
		}
	}
}

// TestTypedToolOptionsSent sends typed url_sources, user_location and an
// input_schema in our overrides; the SDK reads the resolved session back
// with the same values.
func TestTypedToolOptionsSent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ourSession, err := e.ours.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: managedagents.AgentWithOverrides(managedagentstest.DefaultAgentID, 0, managedagents.AgentOverrides{
			Tools: managedagents.Set([]managedagents.Tool{
				{Type: managedagents.ToolTypeAgentToolset, Configs: []managedagents.ToolConfig{
					{Name: "web_fetch", URLSources: &managedagents.URLSources{
						UserInput:         &managedagents.URLSourceFilter{Type: managedagents.URLSourceNone},
						ClientToolResults: &managedagents.URLSourceFilter{Type: managedagents.URLSourceExcept, Tools: []managedagents.ToolReference{{Name: "file_ticket"}}},
					}},
					{Name: "web_search", UserLocation: &managedagents.UserLocation{City: "Porto", Country: "PT"}},
				}},
				managedagents.CustomTool("file_ticket", "File a ticket.", json.RawMessage(subtreesSchema)),
			}),
		}),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		t.Fatalf("our Create: %v", err)
	}
	wantJSON(t, e, `{"agent": {"type": "agent_with_overrides", "id": "`+managedagentstest.DefaultAgentID+`",
		"tools": [{"type": "agent_toolset_20260401", "configs": [
		  {"name": "web_fetch", "url_sources": {"user_input": {"type": "none"},
		   "client_tool_results": {"type": "except", "tools": [{"type": "tool_reference", "name": "file_ticket"}]}}},
		  {"name": "web_search", "user_location": {"type": "approximate", "city": "Porto", "country": "PT"}}]},
		  {"type": "custom", "name": "file_ticket", "description": "File a ticket.", "input_schema": `+subtreesSchema+`}]},
		"environment_id": "`+managedagentstest.DefaultEnvironmentID+`"}`)
	s, err := e.sdk.Beta.Sessions.Get(ctx, ourSession.ID, anthropic.BetaSessionGetParams{})
	if err != nil {
		t.Fatalf("SDK Get: %v", err)
	}
	checkSessionShape(t, s)
	toolset := s.Agent.Tools[0].AsAgentToolset20260401()
	fetch, search := toolset.Configs[0].AsWebFetch(), toolset.Configs[1].AsWebSearch()
	if fetch.URLSources.UserInput.Type != "none" || fetch.URLSources.ClientToolResults.Type != "except" ||
		fetch.URLSources.ClientToolResults.Tools[0].Name != "file_ticket" || fetch.URLSources.JSON.ServerToolResults.Raw() != "null" {
		t.Errorf("the SDK reads url_sources %s", fetch.URLSources.RawJSON())
	}
	if search.UserLocation.City != "Porto" || search.UserLocation.Country != "PT" || search.UserLocation.Type != "approximate" {
		t.Errorf("the SDK reads user_location %s", search.UserLocation.RawJSON())
	}
	custom := s.Agent.Tools[1].AsCustom()
	if custom.InputSchema.ExtraFields["additionalProperties"] != false || custom.InputSchema.Required[0] != "module" {
		t.Errorf("the SDK reads input_schema %s", custom.InputSchema.RawJSON())
	}
	// And our client reads back what it sent.
	back, err := e.ours.Sessions.Get(ctx, ourSession.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Agent.Tools[0].Configs[1].UserLocation; got == nil || got.City != "Porto" {
		t.Errorf("our user_location = %+v", got)
	}
}

// TestFakeWireGaps plays the fake's directives for the rarer wire shapes
// (auto ask and deny with a reason_code, list_cost and server_tool_use, a
// redacted block, a repository session.error with repository_url), reads
// the history with the SDK, which decodes every event strictly, and with
// our client, which must agree event by event.
func TestFakeWireGaps(t *testing.T) {
	e := newEnv(t)
	if err := seedSubtrees(e); err != nil {
		t.Fatal(err)
	}
	const repo = "https://github.com/example-org/invoice-service"
	created, err := e.ours.Sessions.Create(context.Background(), managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(subtreesAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Resources:     []managedagents.ResourceParam{managedagents.GitHubRepositoryResource(repo, "")},
	})
	if err != nil {
		t.Fatalf("our Create: %v", err)
	}
	c := &conversation{t: t, e: e, id: created.ID}
	c.turn("run: rm -rf build\nauto: deny")
	asked := c.turn("run: make release\nauto: ask spend_limit")
	use := first(t, asked, "agent.tool_use").AsAgentToolUse()
	c.answer(confirmation(use.ID, true, ""))
	c.turn("cost: 187 2 1\nredact:\nsummarise")
	c.turn("fail: repository_clone_error\nhello")

	history := sdkHistory(t, e, created.ID, anthropic.BetaSessionEventListParams{})
	for _, ev := range history {
		checkHistoryEvent(t, ev)
	}
	ours := checkOursAgree(t, e, created.ID, history)

	// The SDK's values, then ours.
	var verdicts []string
	for _, ev := range filter(history, "agent.tool_use") {
		u := ev.AsAgentToolUse()
		verdicts = append(verdicts, fmt.Sprintf("%s %s/%s/%s", u.EvaluatedPermission, u.Evaluation.Type,
			u.Evaluation.EvaluatedPermission.Type, u.Evaluation.EvaluatedPermission.ReasonCode))
	}
	var ourVerdicts []string
	for _, ev := range ours {
		if u, ok := ev.(*managedagents.AgentToolUseEvent); ok {
			ourVerdicts = append(ourVerdicts, fmt.Sprintf("%s %s/%s/%s", u.EvaluatedPermission, u.Evaluation.Type,
				u.Evaluation.EvaluatedPermission.Type, u.Evaluation.EvaluatedPermission.ReasonCode))
		}
	}
	if want := []string{"deny auto/deny/high_risk", "ask auto/ask/spend_limit"}; !slices.Equal(verdicts, want) {
		t.Errorf("the SDK reads verdicts %q, want %q", verdicts, want)
	}
	if !slices.Equal(verdicts, ourVerdicts) {
		t.Errorf("verdicts: SDK %q, ours %q", verdicts, ourVerdicts)
	}

	usages := filter(history, "session.usage")
	last := usages[len(usages)-1].AsSessionUsage().Usage
	if last.ListCost.Amount != "187" || last.ListCost.Currency != "USD" || last.ServerToolUse.WebFetchRequests != 2 || last.ServerToolUse.WebSearchRequests != 1 {
		t.Errorf("the SDK reads the last usage %s", usages[len(usages)-1].RawJSON())
	}
	ourUsage, _ := findLast[*managedagents.SessionUsageEvent](ours)
	if ourUsage == nil || ourUsage.Usage.ListCost == nil || ourUsage.Usage.ListCost.Amount != last.ListCost.Amount ||
		ourUsage.Usage.ServerToolUse == nil || ourUsage.Usage.ServerToolUse.WebFetchRequests != last.ServerToolUse.WebFetchRequests ||
		ourUsage.Usage.ServerToolUse.WebSearchRequests != last.ServerToolUse.WebSearchRequests {
		t.Errorf("our last usage = %+v", ourUsage)
	}

	var sdkBlocks []string
	for _, ev := range filter(history, "agent.message") {
		for _, b := range ev.AsAgentMessage().Content {
			sdkBlocks = append(sdkBlocks, b.Type)
		}
	}
	var ourBlocks []string
	for _, ev := range ours {
		if m, ok := ev.(*managedagents.AgentMessageEvent); ok {
			for _, b := range m.Content {
				ourBlocks = append(ourBlocks, b.Type)
			}
		}
	}
	if !slices.Contains(sdkBlocks, "redacted") || !slices.Equal(sdkBlocks, ourBlocks) {
		t.Errorf("message blocks: SDK %q, ours %q", sdkBlocks, ourBlocks)
	}

	sdkErr := first(t, history, "session.error").AsSessionError().Error
	if sdkErr.Type != "repository_clone_error" || sdkErr.RepositoryURL != repo {
		t.Errorf("the SDK reads the error %s", sdkErr.RawJSON())
	}
	ourErr, _ := findLast[*managedagents.SessionErrorEvent](ours)
	if ourErr == nil || ourErr.Error.RepositoryURL == nil || *ourErr.Error.RepositoryURL != sdkErr.RepositoryURL {
		t.Errorf("our session.error = %+v", ourErr)
	}
}

// findLast returns the last event of type T.
func findLast[T managedagents.Event](evs []managedagents.Event) (T, bool) {
	for _, ev := range slices.Backward(evs) {
		if v, ok := ev.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}
