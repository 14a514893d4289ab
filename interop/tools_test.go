package interop

import (
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/param"

	"github.com/managedagents/managedagents-go/managedagentstest"
)

// overrideTools creates a session whose agent tools are replaced by tools,
// and returns the built-in toolset the fake resolved.
func overrideTools(t *testing.T, e *env, configs ...anthropic.BetaManagedAgentsAgentToolConfigParamsUnion) anthropic.BetaManagedAgentsAgentToolset20260401 {
	t.Helper()
	p := simpleParams("tools")
	p.Agent = anthropic.BetaSessionNewParamsAgentUnion{OfBetaManagedAgentsAgentWithOverridess: &anthropic.BetaManagedAgentsAgentWithOverridesParams{
		ID: managedagentstest.DefaultAgentID,
		Tools: []anthropic.BetaManagedAgentsAgentWithOverridesParamsToolUnion{{
			OfAgentToolset20260401: &anthropic.BetaManagedAgentsAgentToolset20260401Params{Configs: configs},
		}},
	}}
	s := mustNew(t, e, p)
	checkSessionShape(t, s)
	if len(s.Agent.Tools) != 1 {
		t.Fatalf("tools = %s", s.Agent.JSON.Tools.Raw())
	}
	return s.Agent.Tools[0].AsAgentToolset20260401()
}

// TestCreateToolConfigs sends the tool-specific options of the built-in
// tools the way the SDK's params write them, and checks the resolved configs
// decode into the SDK's response types with every required member.
func TestCreateToolConfigs(t *testing.T) {
	t.Run("bash, web_fetch without url_sources, web_search", func(t *testing.T) {
		e := newEnv(t)
		toolset := overrideTools(t, e,
			anthropic.BetaManagedAgentsAgentToolConfigParamsUnion{OfBash: &anthropic.BetaManagedAgentsBashToolConfigParams{
				Type: anthropic.BetaManagedAgentsBashToolConfigParamsTypeBash,
				PermissionPolicy: anthropic.BetaManagedAgentsBashToolConfigParamsPermissionPolicyUnion{
					OfAuto: &anthropic.BetaManagedAgentsAutoPolicyParam{},
				},
			}},
			anthropic.BetaManagedAgentsAgentToolConfigParamsUnion{OfWebFetch: &anthropic.BetaManagedAgentsWebFetchToolConfigParams{
				AllowedDomains:   []string{"docs.example.com"},
				MaxContentTokens: anthropic.Int(20000),
			}},
			anthropic.BetaManagedAgentsAgentToolConfigParamsUnion{OfWebSearch: &anthropic.BetaManagedAgentsWebSearchToolConfigParams{
				BlockedDomains: []string{"spam.example.com"},
				UserLocation: anthropic.BetaManagedAgentsUserLocationParam{
					City: anthropic.String("Lisbon"), Country: anthropic.String("PT"),
				},
			}},
		)
		wantJSON(t, e, `{"agent": {"type": "agent_with_overrides", "id": "`+managedagentstest.DefaultAgentID+`",
			"tools": [{"type": "agent_toolset_20260401", "configs": [
			  {"type": "bash", "name": "bash", "permission_policy": {"type": "auto"}},
			  {"name": "web_fetch", "allowed_domains": ["docs.example.com"], "max_content_tokens": 20000},
			  {"name": "web_search", "blocked_domains": ["spam.example.com"],
			   "user_location": {"type": "approximate", "city": "Lisbon", "country": "PT"}}]}]},
			"environment_id": "`+managedagentstest.DefaultEnvironmentID+`", "title": "tools"}`)
		if len(toolset.Configs) != 3 {
			t.Fatalf("configs = %s", toolset.JSON.Configs.Raw())
		}
		bash := toolset.Configs[0].AsBash()
		if bash.PermissionPolicy.Type != "auto" || !bash.Enabled {
			t.Errorf("bash = %s", bash.RawJSON())
		}
		fetch := toolset.Configs[1].AsWebFetch()
		if fetch.MaxContentTokens != 20000 || len(fetch.AllowedDomains) != 1 {
			t.Errorf("web_fetch = %s", fetch.RawJSON())
		}
		// url_sources is required in the response; each member is null when
		// not set ("allows them").
		for name, f := range map[string]string{
			"user_input":          fetch.URLSources.JSON.UserInput.Raw(),
			"client_tool_results": fetch.URLSources.JSON.ClientToolResults.Raw(),
			"server_tool_results": fetch.URLSources.JSON.ServerToolResults.Raw(),
		} {
			if f != "null" {
				t.Errorf("web_fetch url_sources.%s = %q, want null", name, f)
			}
		}
		search := toolset.Configs[2].AsWebSearch()
		if search.UserLocation.City != "Lisbon" || search.UserLocation.Type != "approximate" || search.BlockedDomains[0] != "spam.example.com" {
			t.Errorf("web_search = %s", search.RawJSON())
		}
	})

	t.Run("web_fetch url_sources in short and long forms", func(t *testing.T) {
		e := newEnv(t)
		toolset := overrideTools(t, e,
			anthropic.BetaManagedAgentsAgentToolConfigParamsUnion{OfWebFetch: &anthropic.BetaManagedAgentsWebFetchToolConfigParams{
				URLSources: anthropic.BetaManagedAgentsWebFetchURLSourcesParams{
					UserInput: anthropic.BetaManagedAgentsWebFetchURLSourceUserInputParamsUnion{
						OfBetaManagedAgentsWebFetchURLSourceShorthand: param.NewOpt(anthropic.BetaManagedAgentsWebFetchURLSourceShorthandNone),
					},
					ServerToolResults: anthropic.BetaManagedAgentsWebFetchURLSourceToolFilterParamsUnion{
						OfBetaManagedAgentsWebFetchURLSourceToolFilterUnion: &anthropic.BetaManagedAgentsWebFetchURLSourceToolFilterUnionParam{
							OfOnly: &anthropic.BetaManagedAgentsWebFetchURLSourceOnlyParam{
								Tools: []anthropic.BetaManagedAgentsWebFetchURLSourceToolReferenceParam{{Name: "web_search"}},
							},
						},
					},
				},
			}},
		)
		wantJSON(t, e, `{"agent": {"type": "agent_with_overrides", "id": "`+managedagentstest.DefaultAgentID+`",
			"tools": [{"type": "agent_toolset_20260401", "configs": [
			  {"name": "web_fetch", "url_sources": {"user_input": "none",
			   "server_tool_results": {"type": "only", "tools": [{"type": "tool_reference", "name": "web_search"}]}}}]}]},
			"environment_id": "`+managedagentstest.DefaultEnvironmentID+`", "title": "tools"}`)
		fetch := toolset.Configs[0].AsWebFetch()
		src := fetch.URLSources
		// Responses use the object form for every member.
		if src.UserInput.Type != "none" || !strings.HasPrefix(src.JSON.UserInput.Raw(), "{") {
			t.Errorf("url_sources.user_input = %s, want {\"type\":\"none\"}", src.JSON.UserInput.Raw())
		}
		if src.ServerToolResults.Type != "only" || len(src.ServerToolResults.Tools) != 1 || src.ServerToolResults.Tools[0].Name != "web_search" {
			t.Errorf("url_sources.server_tool_results = %s", src.JSON.ServerToolResults.Raw())
		}
		if src.JSON.ClientToolResults.Raw() != "null" {
			t.Errorf("url_sources.client_tool_results = %q, want null", src.JSON.ClientToolResults.Raw())
		}
	})
}
