package interop

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/param"
	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go/managedagentstest"
)

// sessionKeys are the members every Session must carry (deployment_id is
// optional); agentKeys those every SessionAgent must carry.
var (
	sessionKeys = []string{"type", "id", "status", "title", "environment_id", "agent", "metadata",
		"resources", "vault_ids", "outcome_evaluations", "stats", "usage", "budget",
		"created_at", "updated_at", "archived_at"}
	agentKeys = []string{"type", "id", "version", "name", "description", "system", "model",
		"execution_identity", "tools", "mcp_servers", "skills", "multiagent"}
	// nonNullKeys are the Session members that are never null.
	nonNullKeys = []string{"type", "id", "status", "environment_id", "agent", "metadata",
		"resources", "vault_ids", "outcome_evaluations", "stats", "usage", "created_at", "updated_at"}
)

// checkSessionShape checks the raw JSON the SDK received for a Session
// against the members a Session and its agent must carry, on top of what
// checkWire checks from the SDK's own types.
func checkSessionShape(t *testing.T, s *anthropic.BetaManagedAgentsSession) {
	t.Helper()
	checkWire(t, "session "+s.ID, s)
	top := rawObject(t, s.RawJSON())
	for _, k := range sessionKeys {
		if _, ok := top[k]; !ok {
			t.Errorf("session %s: required member %q is absent", s.ID, k)
		}
	}
	for _, k := range nonNullKeys {
		if string(top[k]) == "null" {
			t.Errorf("session %s: member %q is null", s.ID, k)
		}
	}
	agent := rawObject(t, s.Agent.RawJSON())
	for _, k := range agentKeys {
		if _, ok := agent[k]; !ok {
			t.Errorf("session %s: required agent member %q is absent", s.ID, k)
		}
	}
	if !s.Agent.Model.JSON.Effort.Valid() {
		t.Errorf("session %s: agent.model.effort is absent; responses always carry it", s.ID)
	}
	if !s.Agent.ExecutionIdentity.JSON.Type.Valid() {
		t.Errorf("session %s: agent.execution_identity.type is absent", s.ID)
	}
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"stats.active_seconds", s.Stats.JSON.ActiveSeconds.Valid()},
		{"stats.duration_seconds", s.Stats.JSON.DurationSeconds.Valid()},
		{"usage.input_tokens", s.Usage.JSON.InputTokens.Valid()},
		{"usage.output_tokens", s.Usage.JSON.OutputTokens.Valid()},
		{"usage.cache_read_input_tokens", s.Usage.JSON.CacheReadInputTokens.Valid()},
		{"usage.cache_creation", s.Usage.JSON.CacheCreation.Valid()},
	} {
		if !f.ok {
			t.Errorf("session %s: %s is absent", s.ID, f.name)
		}
	}
	if s.CreatedAt.IsZero() || s.UpdatedAt.IsZero() || s.UpdatedAt.Before(s.CreatedAt) {
		t.Errorf("session %s: created_at %v, updated_at %v", s.ID, s.CreatedAt, s.UpdatedAt)
	}
}

// checkSDKHeaders checks the headers the official client sent, as the fake
// recorded them.
func checkSDKHeaders(t *testing.T, r managedagentstest.RecordedRequest, wantBeta string, hasBody bool) {
	t.Helper()
	h := r.Header
	checks := []struct{ name, got, want string }{
		{"Authorization", h.Get("Authorization"), "Bearer REDACTED"},
		{"X-Api-Key", h.Get("X-Api-Key"), ""},
		{"Anthropic-Version", h.Get("Anthropic-Version"), "2026-10-21"},
		{"Accept", h.Get("Accept"), "application/json"},
		{"User-Agent", h.Get("User-Agent"), "Anthropic/Go 2.15.0"},
	}
	ct := ""
	if hasBody {
		ct = "application/json"
	}
	checks = append(checks, struct{ name, got, want string }{"Content-Type", h.Get("Content-Type"), ct})
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.Path, c.name, c.got, c.want)
		}
	}
	if got := h.Values("Anthropic-Beta"); len(got) != 1 || got[0] != wantBeta {
		t.Errorf("%s %s: anthropic-beta lines = %q, want one line %q", r.Method, r.Path, got, wantBeta)
	}
	if r.Query.Has("beta") {
		t.Errorf("%s %s: the SDK sent ?beta=%s; v2.3+ should not", r.Method, r.Path, r.Query.Get("beta"))
	}
	if !hasBody && len(r.Body) != 0 {
		t.Errorf("%s %s: unexpected body %q", r.Method, r.Path, r.Body)
	}
}

// fullParams is a create body with every optional member set, around the
// given agent.
func fullParams(agent anthropic.BetaSessionNewParamsAgentUnion) anthropic.BetaSessionNewParams {
	return anthropic.BetaSessionNewParams{
		Agent:         agent,
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Title:         anthropic.String("Release 4.2 preparation"),
		Metadata:      map[string]string{"team": "release", "ticket": "REL-208"},
		Resources: []anthropic.BetaSessionNewParamsResourceUnion{
			{OfGitHubRepository: &anthropic.BetaManagedAgentsGitHubRepositoryResourceParams{
				URL:                repoURL,
				AuthorizationToken: repoToken,
				MountPath:          anthropic.String("/mnt/repos/invoice-service"),
				Checkout: anthropic.BetaManagedAgentsGitHubRepositoryResourceParamsCheckoutUnion{
					OfBranch: &anthropic.BetaManagedAgentsBranchCheckoutParam{Name: "main"},
				},
			}},
			{OfFile: &anthropic.BetaManagedAgentsFileResourceParams{
				FileID:    fileID,
				MountPath: anthropic.String("/mnt/session/uploads/release-checklist.md"),
			}},
			{OfMemoryStore: &anthropic.BetaManagedAgentsMemoryStoreResourceParam{
				MemoryStoreID: storeID,
				Access:        anthropic.BetaManagedAgentsMemoryStoreResourceParamAccessReadOnly,
				Instructions:  anthropic.String("Consult before drafting release notes."),
			}},
		},
		VaultIDs: []string{vaultID},
		Budget:   budget("2500"),
	}
}

// fullBody is what fullParams must put on the wire, the create body of the
// main module's testdata/sessions/create.request.json with the fake's
// environment and a token of its own, and the agent member left to the
// caller.
const fullBody = `{
  "agent": %s,
  "environment_id": "` + managedagentstest.DefaultEnvironmentID + `",
  "title": "Release 4.2 preparation",
  "metadata": {"team": "release", "ticket": "REL-208"},
  "resources": [
    {"type": "github_repository", "url": "` + repoURL + `", "authorization_token": "REDACTED",
     "mount_path": "/mnt/repos/invoice-service", "checkout": {"type": "branch", "name": "main"}},
    {"type": "file", "file_id": "` + fileID + `", "mount_path": "/mnt/session/uploads/release-checklist.md"},
    {"type": "memory_store", "memory_store_id": "` + storeID + `", "access": "read_only",
     "instructions": "Consult before drafting release notes."}
  ],
  "vault_ids": ["` + vaultID + `"],
  "budget": {"type": "limit", "max_list_cost": {"amount": "2500", "currency": "USD"}}
}`

// TestCreateAgentForms sends each of the three agent forms with every other
// create member set, checks the body on the wire and the Session the SDK
// decodes, field by field.
func TestCreateAgentForms(t *testing.T) {
	type wantAgent struct {
		version                  int64
		model, effort, speed     string
		system                   string // "" means JSON null
		description              bool   // whether description is a string (else null)
		tools, mcpServers, skill []string
	}
	cases := []struct {
		name      string
		agent     anthropic.BetaSessionNewParamsAgentUnion
		agentJSON string
		want      wantAgent
	}{
		{
			name:      "string/latest version",
			agent:     anthropic.BetaSessionNewParamsAgentUnion{OfString: anthropic.String(agentID)},
			agentJSON: `"` + agentID + `"`,
			want: wantAgent{version: 2, model: "claude-sonnet-4-6", effort: "high", speed: "standard",
				system: agentSystem, description: true,
				tools: []string{"agent_toolset_20260401", "mcp_toolset", "custom"}, mcpServers: []string{"tracker"}, skill: []string{"xlsx"}},
		},
		{
			name: "reference/pinned version",
			agent: anthropic.BetaSessionNewParamsAgentUnion{OfBetaManagedAgentsAgents: &anthropic.BetaManagedAgentsAgentParams{
				ID: agentID, Version: anthropic.Int(1),
			}},
			agentJSON: `{"type": "agent", "id": "` + agentID + `", "version": 1}`,
			want:      wantAgent{version: 1, model: "claude-sonnet-4-6", effort: "medium", tools: []string{}, mcpServers: []string{}, skill: []string{}},
		},
		{
			name: "agent_with_overrides",
			agent: anthropic.BetaSessionNewParamsAgentUnion{OfBetaManagedAgentsAgentWithOverridess: &anthropic.BetaManagedAgentsAgentWithOverridesParams{
				ID:      agentID,
				Version: anthropic.Int(2),
				Model: anthropic.BetaManagedAgentsModelConfigParams{
					ID:     "claude-opus-4-6",
					Effort: anthropic.BetaManagedAgentsModelConfigParamsEffortUnion{OfBetaManagedAgentsModelConfigsEffortBetaManagedAgentsEffortLevel: anthropic.String("max")},
					Speed:  anthropic.BetaManagedAgentsModelConfigParamsSpeedFast,
				},
				System: param.Null[string](),
				Tools: []anthropic.BetaManagedAgentsAgentWithOverridesParamsToolUnion{
					{OfAgentToolset20260401: &anthropic.BetaManagedAgentsAgentToolset20260401Params{
						DefaultConfig: anthropic.BetaManagedAgentsAgentToolsetDefaultConfigParams{Enabled: anthropic.Bool(false)},
						Configs: []anthropic.BetaManagedAgentsAgentToolConfigParamsUnion{
							{OfRead: &anthropic.BetaManagedAgentsReadToolConfigParams{Enabled: anthropic.Bool(true)}},
							{OfGrep: &anthropic.BetaManagedAgentsGrepToolConfigParams{
								Enabled: anthropic.Bool(true),
								Type:    anthropic.BetaManagedAgentsGrepToolConfigParamsTypeGrep,
								PermissionPolicy: anthropic.BetaManagedAgentsGrepToolConfigParamsPermissionPolicyUnion{
									OfAlwaysAsk: &anthropic.BetaManagedAgentsAlwaysAskPolicyParam{},
								},
							}},
						},
					}},
					{OfMCPToolset: &anthropic.BetaManagedAgentsMCPToolsetParams{MCPServerName: "docs"}},
					{OfCustom: &anthropic.BetaManagedAgentsCustomToolParams{
						Name:        "lookup_customer",
						Description: "Look up a customer.",
						InputSchema: anthropic.BetaManagedAgentsCustomToolInputSchemaParam{
							Properties: map[string]any{"customer_id": map[string]any{"type": "string"}},
							Required:   []string{"customer_id"},
						},
					}},
				},
				MCPServers: []anthropic.BetaManagedAgentsURLMCPServerParams{{Name: "docs", URL: "https://mcp.example.com/docs"}},
				Skills: []anthropic.BetaManagedAgentsSkillParamsUnion{
					{OfAnthropic: &anthropic.BetaManagedAgentsAnthropicSkillParams{SkillID: "pdf", Version: anthropic.String("2")}},
				},
			}},
			agentJSON: `{"type": "agent_with_overrides", "id": "` + agentID + `", "version": 2,
				"model": {"id": "claude-opus-4-6", "effort": "max", "speed": "fast"},
				"system": null,
				"tools": [
				  {"type": "agent_toolset_20260401", "default_config": {"enabled": false},
				   "configs": [{"name": "read", "enabled": true},
				               {"type": "grep", "name": "grep", "enabled": true, "permission_policy": {"type": "always_ask"}}]},
				  {"type": "mcp_toolset", "mcp_server_name": "docs"},
				  {"type": "custom", "name": "lookup_customer", "description": "Look up a customer.",
				   "input_schema": {"type": "object", "properties": {"customer_id": {"type": "string"}}, "required": ["customer_id"]}}
				],
				"mcp_servers": [{"type": "url", "name": "docs", "url": "https://mcp.example.com/docs"}],
				"skills": [{"type": "anthropic", "skill_id": "pdf", "version": "2"}]}`,
			want: wantAgent{version: 2, model: "claude-opus-4-6", effort: "max", speed: "fast", description: true,
				tools: []string{"agent_toolset_20260401", "mcp_toolset", "custom"}, mcpServers: []string{"docs"}, skill: []string{"pdf"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			seed(e)
			now := e.clock.Advance(time.Second)
			s := mustNew(t, e, fullParams(tc.agent))

			// What went over the wire.
			r := e.last(t)
			if r.Method != http.MethodPost || r.Path != "/v1/sessions" {
				t.Fatalf("request %s %s, want POST /v1/sessions", r.Method, r.Path)
			}
			checkSDKHeaders(t, r, managedagentstest.BetaHeader, true)
			wantJSON(t, e, strings.Replace(fullBody, "%s", tc.agentJSON, 1))

			// What came back.
			checkSessionShape(t, s)
			checkCreated(t, s, now)
			w := tc.want
			a := s.Agent
			if a.ID != agentID || a.Version != w.version || string(a.Model.ID) != w.model ||
				a.Model.Effort.Type != w.effort || string(a.Model.Speed) != w.speed {
				t.Errorf("agent = %s v%d, model %s effort %s speed %q; want %s v%d, model %s effort %s speed %q",
					a.ID, a.Version, a.Model.ID, a.Model.Effort.Type, a.Model.Speed, agentID, w.version, w.model, w.effort, w.speed)
			}
			if a.Name != "Release assistant" || a.ExecutionIdentity.Type != "service_account" {
				t.Errorf("agent name %q, execution identity %q", a.Name, a.ExecutionIdentity.Type)
			}
			if w.system == "" {
				if a.JSON.System.Raw() != "null" {
					t.Errorf("agent.system = %s, want null", a.JSON.System.Raw())
				}
			} else if a.System != w.system {
				t.Errorf("agent.system = %q, want %q", a.System, w.system)
			}
			if a.JSON.Description.Valid() != w.description {
				t.Errorf("agent.description = %s, want a string: %v", a.JSON.Description.Raw(), w.description)
			}
			if a.JSON.Multiagent.Raw() != "null" {
				t.Errorf("agent.multiagent = %s, want null", a.JSON.Multiagent.Raw())
			}
			var tools, servers, skills []string
			for _, tool := range a.Tools {
				tools = append(tools, tool.Type)
			}
			for _, m := range a.MCPServers {
				servers = append(servers, m.Name)
			}
			for _, sk := range a.Skills {
				skills = append(skills, sk.SkillID)
			}
			if diff := cmp.Diff([][]string{w.tools, w.mcpServers, w.skill}, [][]string{tools, servers, skills},
				cmp.Transformer("nilToEmpty", func(s []string) []string {
					if s == nil {
						return []string{}
					}
					return s
				})); diff != "" {
				t.Errorf("agent tools, mcp_servers, skills (-want +got):\n%s", diff)
			}
			if tc.name == "agent_with_overrides" {
				checkResolvedOverrides(t, a)
			}
		})
	}
}

// checkCreated checks the parts of a fullParams session that do not depend
// on the agent form.
func checkCreated(t *testing.T, s *anthropic.BetaManagedAgentsSession, now time.Time) {
	t.Helper()
	if !strings.HasPrefix(s.ID, "sesn_") || s.Type != "session" || s.Status != anthropic.BetaManagedAgentsSessionStatusIdle {
		t.Errorf("id %q type %q status %q, want sesn_… session idle", s.ID, s.Type, s.Status)
	}
	if s.Title != "Release 4.2 preparation" || s.EnvironmentID != managedagentstest.DefaultEnvironmentID {
		t.Errorf("title %q environment %q", s.Title, s.EnvironmentID)
	}
	if diff := cmp.Diff(map[string]string{"team": "release", "ticket": "REL-208"}, s.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{vaultID}, s.VaultIDs); diff != "" {
		t.Errorf("vault_ids (-want +got):\n%s", diff)
	}
	if !s.JSON.Budget.Valid() || s.Budget.Type != "limit" || s.Budget.MaxListCost.Amount != "2500" || s.Budget.MaxListCost.Currency != anthropic.BetaCurrencyUSD {
		t.Errorf("budget = %s, want a 2500 USD limit", s.JSON.Budget.Raw())
	}
	if !s.CreatedAt.Equal(now) || !s.UpdatedAt.Equal(now) {
		t.Errorf("created_at %v updated_at %v, want both %v", s.CreatedAt, s.UpdatedAt, now)
	}
	if s.JSON.ArchivedAt.Raw() != "null" || !s.ArchivedAt.IsZero() {
		t.Errorf("archived_at = %s, want null", s.JSON.ArchivedAt.Raw())
	}
	if len(s.OutcomeEvaluations) != 0 || s.Usage.InputTokens != 0 || s.Usage.JSON.ListCost.Valid() {
		t.Errorf("a new session has outcome_evaluations %d, usage %s", len(s.OutcomeEvaluations), s.Usage.RawJSON())
	}
	if strings.Contains(s.RawJSON(), repoToken) || strings.Contains(s.RawJSON(), "authorization_token") {
		t.Errorf("the repository token is echoed: %s", s.RawJSON())
	}

	if len(s.Resources) != 3 {
		t.Fatalf("%d resources, want 3: %s", len(s.Resources), s.JSON.Resources.Raw())
	}
	gh, ok := s.Resources[0].AsAny().(anthropic.BetaManagedAgentsGitHubRepositoryResource)
	if !ok {
		t.Fatalf("resources[0] is %T, want a github_repository", s.Resources[0].AsAny())
	}
	checkWire(t, "resources[0]", gh)
	branch, ok := gh.Checkout.AsAny().(anthropic.BetaManagedAgentsBranchCheckout)
	if !strings.HasPrefix(gh.ID, "sesrsc_") || gh.URL != repoURL || gh.MountPath != "/mnt/repos/invoice-service" ||
		!ok || branch.Name != "main" || !gh.CreatedAt.Equal(now) || !gh.UpdatedAt.Equal(now) {
		t.Errorf("github resource = %s", gh.RawJSON())
	}

	file, ok := s.Resources[1].AsAny().(anthropic.BetaManagedAgentsFileResource)
	if !ok {
		t.Fatalf("resources[1] is %T, want a file", s.Resources[1].AsAny())
	}
	checkWire(t, "resources[1]", file)
	if !strings.HasPrefix(file.ID, "sesrsc_") || !strings.HasPrefix(file.FileID, "file_") || file.FileID == fileID ||
		file.MountPath != "/mnt/session/uploads/release-checklist.md" || !file.CreatedAt.Equal(now) {
		t.Errorf("file resource = %s; want a new session-scoped file_id (not %s)", file.RawJSON(), fileID)
	}

	store, ok := s.Resources[2].AsAny().(anthropic.BetaManagedAgentsMemoryStoreResource)
	if !ok {
		t.Fatalf("resources[2] is %T, want a memory_store", s.Resources[2].AsAny())
	}
	checkWire(t, "resources[2]", store)
	if _, hasID := rawObject(t, store.RawJSON())["id"]; hasID {
		t.Errorf("memory_store resource has an id: %s", store.RawJSON())
	}
	if store.MemoryStoreID != storeID || store.Access != "read_only" || store.Name != storeName ||
		store.Description != storeDesc || store.Instructions != "Consult before drafting release notes." ||
		store.MountPath != "/mnt/memory/"+storeName {
		t.Errorf("memory_store resource = %s", store.RawJSON())
	}
}

// checkResolvedOverrides checks how the fake resolved the override tools:
// defaults filled in, each built-in config with both type and name.
func checkResolvedOverrides(t *testing.T, a anthropic.BetaManagedAgentsSessionAgent) {
	t.Helper()
	toolset := a.Tools[0].AsAgentToolset20260401()
	if toolset.DefaultConfig.Enabled || toolset.DefaultConfig.PermissionPolicy.Type != "always_allow" {
		t.Errorf("toolset default_config = %s", toolset.DefaultConfig.RawJSON())
	}
	type cfg struct{ Type, Name, Policy string }
	var got []cfg
	for _, c := range toolset.Configs {
		if !c.Enabled {
			t.Errorf("config %s is disabled", c.Name)
		}
		got = append(got, cfg{c.Type, c.Name, c.PermissionPolicy.Type})
	}
	want := []cfg{{"read", "read", "always_allow"}, {"grep", "grep", "always_ask"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("toolset configs (-want +got):\n%s", diff)
	}
	mcp := a.Tools[1].AsMCPToolset()
	if mcp.MCPServerName != "docs" || mcp.DefaultConfig.PermissionPolicy.Type == "" || mcp.JSON.Configs.Raw() != "[]" {
		t.Errorf("mcp toolset = %s", mcp.RawJSON())
	}
	custom := a.Tools[2].AsCustom()
	if custom.Name != "lookup_customer" || custom.Description != "Look up a customer." || custom.InputSchema.Type != "object" {
		t.Errorf("custom tool = %s", custom.RawJSON())
	}
	if sk := a.Skills[0]; sk.Type != "anthropic" || sk.Version != "2" {
		t.Errorf("skill = %s", sk.RawJSON())
	}
}

// TestCreateHeaderForms checks that extra betas join the managed-agents beta
// in one comma-separated line, that the workspace header passes, and that the
// fake accepts both.
func TestCreateHeaderForms(t *testing.T) {
	e := newEnv(t)
	p := simpleParams("headers")
	p.Betas = []anthropic.AnthropicBeta{"some-beta-2026-01-01"}
	p.WorkspaceID = anthropic.String("wrkspc_01InteropWorkspace")
	s := mustNew(t, e, p)
	checkSessionShape(t, s)
	r := e.last(t)
	checkSDKHeaders(t, r, "some-beta-2026-01-01,"+managedagentstest.BetaHeader, true)
	if got := r.Header.Get("Anthropic-Workspace-Id"); got != "wrkspc_01InteropWorkspace" {
		t.Errorf("anthropic-workspace-id = %q", got)
	}
	wantJSON(t, e, `{"agent": "`+managedagentstest.DefaultAgentID+`", "environment_id": "`+
		managedagentstest.DefaultEnvironmentID+`", "title": "headers"}`)
	if s.Title != "headers" || s.Agent.ID != managedagentstest.DefaultAgentID || s.Agent.Version != 1 ||
		s.Agent.Model.Effort.Type != managedagentstest.DefaultEffort || string(s.Agent.Model.ID) != managedagentstest.DefaultModel {
		t.Errorf("session = %s", s.RawJSON())
	}
	// Without a budget or metadata the session reports null and {}.
	if s.JSON.Budget.Raw() != "null" || s.JSON.Metadata.Raw() != "{}" || s.JSON.Resources.Raw() != "[]" || s.JSON.VaultIDs.Raw() != "[]" {
		t.Errorf("budget %s metadata %s resources %s vault_ids %s, want null {} [] []",
			s.JSON.Budget.Raw(), s.JSON.Metadata.Raw(), s.JSON.Resources.Raw(), s.JSON.VaultIDs.Raw())
	}
}

// TestCreateWithInitialEvents sends initial_events; the session starts
// working at once, so it may report running or idle.
func TestCreateWithInitialEvents(t *testing.T) {
	e := newEnv(t)
	p := simpleParams("with a first message")
	p.InitialEvents = []anthropic.BetaSessionNewParamsInitialEventUnion{
		{OfUserDefineOutcome: &anthropic.BetaManagedAgentsUserDefineOutcomeEventParams{
			Description: "A changelog section for 4.2.",
			Rubric: anthropic.BetaManagedAgentsUserDefineOutcomeEventParamsRubricUnion{
				OfText: &anthropic.BetaManagedAgentsTextRubricParams{Content: "Lists every merged pull request."},
			},
			MaxIterations: anthropic.Int(2),
		}},
		{OfUserMessage: &anthropic.BetaManagedAgentsUserMessageEventParams{
			Content: []anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{{
				OfText: &anthropic.BetaManagedAgentsTextBlockParam{Text: "Summarise what changed on main."},
			}},
		}},
	}
	s := mustNew(t, e, p)
	wantJSON(t, e, `{"agent": "`+managedagentstest.DefaultAgentID+`", "environment_id": "`+
		managedagentstest.DefaultEnvironmentID+`", "title": "with a first message",
		"initial_events": [
		  {"type": "user.define_outcome", "description": "A changelog section for 4.2.",
		   "rubric": {"type": "text", "content": "Lists every merged pull request."}, "max_iterations": 2},
		  {"type": "user.message", "content": [{"type": "text", "text": "Summarise what changed on main."}]}]}`)
	checkSessionShape(t, s)
	if s.Status != anthropic.BetaManagedAgentsSessionStatusRunning && s.Status != anthropic.BetaManagedAgentsSessionStatusIdle {
		t.Errorf("status %q, want running or idle", s.Status)
	}
}

// TestGet reads a session back: the same JSON as create answered, and a GET
// with no body.
func TestGet(t *testing.T) {
	e := newEnv(t)
	seed(e)
	created := mustNew(t, e, fullParams(anthropic.BetaSessionNewParamsAgentUnion{OfString: anthropic.String(agentID)}))
	got, err := e.sdk.Beta.Sessions.Get(context.Background(), created.ID, anthropic.BetaSessionGetParams{})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	r := e.last(t)
	if r.Method != http.MethodGet || r.Path != "/v1/sessions/"+created.ID {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	checkSDKHeaders(t, r, managedagentstest.BetaHeader, false)
	checkSessionShape(t, got)
	if got.RawJSON() != created.RawJSON() {
		t.Errorf("GET differs from the create answer:\n got %s\nwant %s", got.RawJSON(), created.RawJSON())
	}
	if raw, ok := e.srv.Session(created.ID); !ok || string(raw) != got.RawJSON() {
		t.Errorf("Fake.Session differs from GET:\n%s\n%s", raw, got.RawJSON())
	}
}

// TestUpdate walks one session through every kind of update: title set and
// cleared, metadata upsert and delete, budget raised and removed. Each step
// checks the body on the wire and the Session the SDK decodes, then that a
// GET shows the same.
func TestUpdate(t *testing.T) {
	e := newEnv(t)
	p := simpleParams("Release 4.2 preparation")
	p.Metadata = map[string]string{"team": "release", "ticket": "REL-208", "keep": "yes"}
	p.Budget = budget("2500")
	s := mustNew(t, e, p)

	type want struct {
		title    string // "" means null
		metadata map[string]string
		budget   string // "" means null
	}
	steps := []struct {
		name   string
		params anthropic.BetaSessionUpdateParams
		opts   []option.RequestOption
		body   string
		want   want
	}{
		{
			name:   "title set",
			params: anthropic.BetaSessionUpdateParams{Title: anthropic.String("Release 4.2 (extended)")},
			body:   `{"title": "Release 4.2 (extended)"}`,
			want:   want{"Release 4.2 (extended)", map[string]string{"team": "release", "ticket": "REL-208", "keep": "yes"}, "2500"},
		},
		{
			name:   "title cleared with null",
			params: anthropic.BetaSessionUpdateParams{Title: param.Null[string]()},
			body:   `{"title": null}`,
			want:   want{"", map[string]string{"team": "release", "ticket": "REL-208", "keep": "yes"}, "2500"},
		},
		{
			name:   "metadata upsert and delete",
			params: anthropic.BetaSessionUpdateParams{Metadata: map[string]string{"ticket": "REL-214", "owner": "ana"}},
			// The SDK types metadata as map[string]string; deleting a key
			// needs its JSON option.
			opts: []option.RequestOption{option.WithJSONSet("metadata.team", nil)},
			body: `{"metadata": {"ticket": "REL-214", "owner": "ana", "team": null}}`,
			want: want{"", map[string]string{"ticket": "REL-214", "owner": "ana", "keep": "yes"}, "2500"},
		},
		{
			name:   "budget raised",
			params: anthropic.BetaSessionUpdateParams{Budget: budget("5000")},
			body:   `{"budget": {"type": "limit", "max_list_cost": {"amount": "5000", "currency": "USD"}}}`,
			want:   want{"", map[string]string{"ticket": "REL-214", "owner": "ana", "keep": "yes"}, "5000"},
		},
		{
			name: "title, metadata patch and budget",
			params: anthropic.BetaSessionUpdateParams{
				Title:    anthropic.String("Release 4.2 preparation (extended)"),
				Metadata: map[string]string{"ticket": "REL-215"},
				Budget:   budget("7500"),
			},
			opts: []option.RequestOption{option.WithJSONSet("metadata.owner", nil)},
			body: `{"title": "Release 4.2 preparation (extended)", "metadata": {"ticket": "REL-215", "owner": null},
			        "budget": {"type": "limit", "max_list_cost": {"amount": "7500", "currency": "USD"}}}`,
			want: want{"Release 4.2 preparation (extended)", map[string]string{"ticket": "REL-215", "keep": "yes"}, "7500"},
		},
		{
			name:   "budget removed with null",
			params: anthropic.BetaSessionUpdateParams{Budget: param.NullStruct[anthropic.BetaManagedAgentsBudgetLimitParam]()},
			body:   `{"budget": null}`,
			want:   want{"Release 4.2 preparation (extended)", map[string]string{"ticket": "REL-215", "keep": "yes"}, ""},
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			now := e.clock.Advance(time.Second)
			got, err := e.sdk.Beta.Sessions.Update(context.Background(), s.ID, st.params, st.opts...)
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			r := e.last(t)
			if r.Method != http.MethodPost || r.Path != "/v1/sessions/"+s.ID {
				t.Errorf("request %s %s", r.Method, r.Path)
			}
			checkSDKHeaders(t, r, managedagentstest.BetaHeader, true)
			wantJSON(t, e, st.body)

			read, err := e.sdk.Beta.Sessions.Get(context.Background(), s.ID, anthropic.BetaSessionGetParams{})
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			for _, v := range []struct {
				what string
				s    *anthropic.BetaManagedAgentsSession
			}{{"update answer", got}, {"GET after update", read}} {
				checkSessionShape(t, v.s)
				w := st.want
				if w.title == "" {
					if v.s.JSON.Title.Raw() != "null" {
						t.Errorf("%s: title = %s, want null", v.what, v.s.JSON.Title.Raw())
					}
				} else if v.s.Title != w.title {
					t.Errorf("%s: title = %q, want %q", v.what, v.s.Title, w.title)
				}
				if diff := cmp.Diff(w.metadata, v.s.Metadata); diff != "" {
					t.Errorf("%s: metadata (-want +got):\n%s", v.what, diff)
				}
				if w.budget == "" {
					if v.s.JSON.Budget.Raw() != "null" {
						t.Errorf("%s: budget = %s, want null", v.what, v.s.JSON.Budget.Raw())
					}
				} else if v.s.Budget.MaxListCost.Amount != w.budget || v.s.Budget.MaxListCost.Currency != "USD" || v.s.Budget.Type != "limit" {
					t.Errorf("%s: budget = %s, want %s USD", v.what, v.s.JSON.Budget.Raw(), w.budget)
				}
				if !v.s.UpdatedAt.Equal(now) || !v.s.CreatedAt.Equal(s.CreatedAt) || v.s.Status != "idle" {
					t.Errorf("%s: updated_at %v (want %v), created_at %v (want %v), status %s",
						v.what, v.s.UpdatedAt, now, v.s.CreatedAt, s.CreatedAt, v.s.Status)
				}
			}
			if got.RawJSON() != read.RawJSON() {
				t.Errorf("update answer and GET differ:\n%s\n%s", got.RawJSON(), read.RawJSON())
			}
		})
	}
}

// TestArchive archives a session: archived_at goes from null to the archive
// time, the session is hidden from the default list and shown with
// include_archived, and GET still reads it.
func TestArchive(t *testing.T) {
	e := newEnv(t)
	keep := mustNew(t, e, simpleParams("kept"))
	e.clock.Advance(time.Second)
	s := mustNew(t, e, simpleParams("archived"))
	if s.JSON.ArchivedAt.Raw() != "null" {
		t.Fatalf("archived_at before archive = %s, want null", s.JSON.ArchivedAt.Raw())
	}
	now := e.clock.Advance(time.Second)
	got, err := e.sdk.Beta.Sessions.Archive(context.Background(), s.ID, anthropic.BetaSessionArchiveParams{})
	if err != nil {
		t.Fatalf("Archive: %v", err)
	}
	r := e.last(t)
	if r.Method != http.MethodPost || r.Path != "/v1/sessions/"+s.ID+"/archive" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	checkSDKHeaders(t, r, managedagentstest.BetaHeader, false)
	checkSessionShape(t, got)
	if !got.JSON.ArchivedAt.Valid() || !got.ArchivedAt.Equal(now) {
		t.Errorf("archived_at = %s, want %s", got.JSON.ArchivedAt.Raw(), now.Format(time.RFC3339Nano))
	}
	// Per the newer API docs, an archived session is terminated.
	if got.Status != anthropic.BetaManagedAgentsSessionStatusTerminated {
		t.Errorf("status after archive = %q, want terminated", got.Status)
	}

	read, err := e.sdk.Beta.Sessions.Get(context.Background(), s.ID, anthropic.BetaSessionGetParams{})
	if err != nil {
		t.Fatalf("Get of an archived session: %v", err)
	}
	if !read.ArchivedAt.Equal(now) {
		t.Errorf("GET archived_at = %s", read.JSON.ArchivedAt.Raw())
	}

	list := func(p anthropic.BetaSessionListParams) []string {
		t.Helper()
		page, err := e.sdk.Beta.Sessions.List(context.Background(), p)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		checkWire(t, "list page", page)
		return ids(page.Data)
	}
	if diff := cmp.Diff([]string{keep.ID}, list(anthropic.BetaSessionListParams{})); diff != "" {
		t.Errorf("default list (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{s.ID, keep.ID}, list(anthropic.BetaSessionListParams{IncludeArchived: anthropic.Bool(true)})); diff != "" {
		t.Errorf("list with include_archived (-want +got):\n%s", diff)
	}
	if got := e.last(t).Query.Get("include_archived"); got != "true" {
		t.Errorf("include_archived = %q on the wire", got)
	}
	if diff := cmp.Diff([]string{keep.ID}, list(anthropic.BetaSessionListParams{IncludeArchived: anthropic.Bool(false)})); diff != "" {
		t.Errorf("list with include_archived=false (-want +got):\n%s", diff)
	}
}

// TestDelete deletes a session: the SDK decodes {id, type}; afterwards GET
// and a second DELETE are 404 with the full error envelope.
func TestDelete(t *testing.T) {
	e := newEnv(t)
	s := mustNew(t, e, simpleParams("doomed"))
	del, err := e.sdk.Beta.Sessions.Delete(context.Background(), s.ID, anthropic.BetaSessionDeleteParams{})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	r := e.last(t)
	if r.Method != http.MethodDelete || r.Path != "/v1/sessions/"+s.ID {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	checkSDKHeaders(t, r, managedagentstest.BetaHeader, false)
	checkWire(t, "deleted session", del)
	if del.ID != s.ID || del.Type != "session_deleted" {
		t.Errorf("delete answer = %s", del.RawJSON())
	}
	if diff := cmp.Diff(map[string]any{"id": s.ID, "type": "session_deleted"}, jsonValue(t, del.RawJSON())); diff != "" {
		t.Errorf("delete answer (-want +got):\n%s", diff)
	}

	_, err = e.sdk.Beta.Sessions.Get(context.Background(), s.ID, anthropic.BetaSessionGetParams{})
	checkAPIError(t, e, err, http.StatusNotFound, anthropic.ErrorTypeNotFoundError, "")
	_, err = e.sdk.Beta.Sessions.Delete(context.Background(), s.ID, anthropic.BetaSessionDeleteParams{})
	checkAPIError(t, e, err, http.StatusNotFound, anthropic.ErrorTypeNotFoundError, "")

	page, err := e.sdk.Beta.Sessions.List(context.Background(), anthropic.BetaSessionListParams{IncludeArchived: anthropic.Bool(true)})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(page.Data) != 0 {
		t.Errorf("list after delete = %v", ids(page.Data))
	}
}

// TestCreateDefaults sends the minimal forms of the resources, a null title,
// a commit checkout, an effort object, inference_geo and a custom skill, and
// checks the defaults the fake fills in decode in the SDK's types.
func TestCreateDefaults(t *testing.T) {
	e := newEnv(t)
	seed(e)
	p := anthropic.BetaSessionNewParams{
		Agent: anthropic.BetaSessionNewParamsAgentUnion{OfBetaManagedAgentsAgentWithOverridess: &anthropic.BetaManagedAgentsAgentWithOverridesParams{
			ID: agentID,
			Model: anthropic.BetaManagedAgentsModelConfigParams{
				ID:           "claude-sonnet-4-6",
				Effort:       anthropic.BetaManagedAgentsModelConfigParamsEffortUnion{OfBetaManagedAgentsEffortHigh: &anthropic.BetaManagedAgentsEffortHighParam{}},
				InferenceGeo: anthropic.String("eu"),
			},
			Skills: []anthropic.BetaManagedAgentsSkillParamsUnion{
				{OfCustom: &anthropic.BetaManagedAgentsCustomSkillParams{SkillID: "skill_01Custom"}},
			},
		}},
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Title:         param.Null[string](),
		Resources: []anthropic.BetaSessionNewParamsResourceUnion{
			{OfGitHubRepository: &anthropic.BetaManagedAgentsGitHubRepositoryResourceParams{URL: repoURL}},
			{OfGitHubRepository: &anthropic.BetaManagedAgentsGitHubRepositoryResourceParams{
				URL: "https://github.com/example-org/billing.git",
				Checkout: anthropic.BetaManagedAgentsGitHubRepositoryResourceParamsCheckoutUnion{
					OfCommit: &anthropic.BetaManagedAgentsCommitCheckoutParam{Sha: "4f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b"},
				},
			}},
			{OfFile: &anthropic.BetaManagedAgentsFileResourceParams{FileID: fileID}},
			{OfMemoryStore: &anthropic.BetaManagedAgentsMemoryStoreResourceParam{MemoryStoreID: storeID}},
		},
	}
	s := mustNew(t, e, p)
	wantJSON(t, e, `{"agent": {"type": "agent_with_overrides", "id": "`+agentID+`",
		"model": {"id": "claude-sonnet-4-6", "effort": {"type": "high"}, "inference_geo": "eu"},
		"skills": [{"type": "custom", "skill_id": "skill_01Custom"}]},
		"environment_id": "`+managedagentstest.DefaultEnvironmentID+`", "title": null,
		"resources": [{"type": "github_repository", "url": "`+repoURL+`"},
		              {"type": "github_repository", "url": "https://github.com/example-org/billing.git",
		               "checkout": {"type": "commit", "sha": "4f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b"}},
		              {"type": "file", "file_id": "`+fileID+`"},
		              {"type": "memory_store", "memory_store_id": "`+storeID+`"}]}`)
	checkSessionShape(t, s)
	if s.JSON.Title.Raw() != "null" {
		t.Errorf("title = %s, want null", s.JSON.Title.Raw())
	}
	m := s.Agent.Model
	if m.Effort.Type != "high" || m.InferenceGeo != "eu" || m.ID != "claude-sonnet-4-6" {
		t.Errorf("model = %s", m.RawJSON())
	}
	if sk := s.Agent.Skills; len(sk) != 1 || sk[0].Type != "custom" || sk[0].SkillID != "skill_01Custom" || !sk[0].JSON.Version.Valid() {
		t.Errorf("skills = %s", s.Agent.JSON.Skills.Raw())
	}
	// The overrides changed neither the tools nor the base version.
	if s.Agent.Version != 2 || len(s.Agent.Tools) != 3 || s.Agent.System != agentSystem {
		t.Errorf("agent = %s", s.Agent.RawJSON())
	}

	if len(s.Resources) != 4 {
		t.Fatalf("resources = %s", s.JSON.Resources.Raw())
	}
	gh := s.Resources[0].AsGitHubRepository()
	if gh.MountPath != "/workspace/invoice-service" || gh.JSON.Checkout.Raw() != "null" {
		t.Errorf("default github resource = %s; want mount /workspace/invoice-service, checkout null", gh.RawJSON())
	}
	commit, ok := s.Resources[1].AsGitHubRepository().Checkout.AsAny().(anthropic.BetaManagedAgentsCommitCheckout)
	if !ok || commit.Sha != "4f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b" || s.Resources[1].MountPath != "/workspace/billing" {
		t.Errorf("commit github resource = %s", s.Resources[1].RawJSON())
	}
	file := s.Resources[2].AsFile()
	if !strings.HasPrefix(file.MountPath, "/mnt/session/uploads/") || file.FileID == fileID {
		t.Errorf("default file resource = %s", file.RawJSON())
	}
	store := s.Resources[3].AsMemoryStore()
	if store.Access != "read_write" || store.JSON.Instructions.Raw() != "null" || store.Name != storeName {
		t.Errorf("default memory_store resource = %s; want access read_write (the SDK's documented default), instructions null", store.RawJSON())
	}
}

// TestUpdateAgent replaces the session's tools and MCP servers with the
// SDK's update params (the example of its own generated test), then clears
// them.
func TestUpdateAgent(t *testing.T) {
	e := newEnv(t)
	seed(e)
	s := mustNew(t, e, anthropic.BetaSessionNewParams{
		Agent:         anthropic.BetaSessionNewParamsAgentUnion{OfString: anthropic.String(agentID)},
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	got, err := e.sdk.Beta.Sessions.Update(context.Background(), s.ID, anthropic.BetaSessionUpdateParams{
		Agent: anthropic.BetaManagedAgentsSessionAgentUpdateParam{
			MCPServers: []anthropic.BetaManagedAgentsURLMCPServerParams{{Name: "example-mcp", URL: "https://example-server.modelcontextprotocol.io/sse"}},
			Tools: []anthropic.BetaManagedAgentsSessionAgentUpdateToolUnionParam{
				{OfAgentToolset20260401: &anthropic.BetaManagedAgentsAgentToolset20260401Params{
					Configs: []anthropic.BetaManagedAgentsAgentToolConfigParamsUnion{{
						OfBash: &anthropic.BetaManagedAgentsBashToolConfigParams{
							Enabled: anthropic.Bool(true),
							PermissionPolicy: anthropic.BetaManagedAgentsBashToolConfigParamsPermissionPolicyUnion{
								OfAlwaysAllow: &anthropic.BetaManagedAgentsAlwaysAllowPolicyParam{},
							},
							Type: anthropic.BetaManagedAgentsBashToolConfigParamsTypeBash,
						},
					}},
					DefaultConfig: anthropic.BetaManagedAgentsAgentToolsetDefaultConfigParams{
						Enabled: anthropic.Bool(true),
						PermissionPolicy: anthropic.BetaManagedAgentsAgentToolsetDefaultConfigParamsPermissionPolicyUnion{
							OfAlwaysAllow: &anthropic.BetaManagedAgentsAlwaysAllowPolicyParam{},
						},
					},
				}},
				{OfMCPToolset: &anthropic.BetaManagedAgentsMCPToolsetParams{
					MCPServerName: "example-mcp",
					Configs:       []anthropic.BetaManagedAgentsMCPToolConfigParams{{Name: "search", Enabled: anthropic.Bool(false)}},
				}},
			},
		},
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	wantJSON(t, e, `{"agent": {
		"mcp_servers": [{"type": "url", "name": "example-mcp", "url": "https://example-server.modelcontextprotocol.io/sse"}],
		"tools": [{"type": "agent_toolset_20260401",
		           "configs": [{"type": "bash", "name": "bash", "enabled": true, "permission_policy": {"type": "always_allow"}}],
		           "default_config": {"enabled": true, "permission_policy": {"type": "always_allow"}}},
		          {"type": "mcp_toolset", "mcp_server_name": "example-mcp", "configs": [{"name": "search", "enabled": false}]}]}}`)
	checkSessionShape(t, got)
	if len(got.Agent.Tools) != 2 || len(got.Agent.MCPServers) != 1 || got.Agent.MCPServers[0].Name != "example-mcp" {
		t.Fatalf("agent after update = %s", got.Agent.RawJSON())
	}
	mcp := got.Agent.Tools[1].AsMCPToolset()
	if len(mcp.Configs) != 1 || mcp.Configs[0].Name != "search" || mcp.Configs[0].Enabled {
		t.Errorf("mcp toolset = %s", mcp.RawJSON())
	}
	// Session-local: the agent keeps its version and the skills.
	if got.Agent.Version != 2 || len(got.Agent.Skills) != 1 {
		t.Errorf("agent version %d skills %s", got.Agent.Version, got.Agent.JSON.Skills.Raw())
	}

	// Clearing both with empty lists. The SDK omits an empty slice, so the
	// empty arrays go through its JSON option.
	got, err = e.sdk.Beta.Sessions.Update(context.Background(), s.ID, anthropic.BetaSessionUpdateParams{},
		option.WithJSONSet("agent", map[string]any{"tools": []any{}, "mcp_servers": []any{}}))
	if err == nil {
		// Skills are set, so clearing the tools is rejected: the API refuses
		// to clear an agent's tools while its skills are not empty.
		t.Fatalf("clearing the tools of an agent with skills succeeded: %s", got.Agent.RawJSON())
	}
	checkAPIError(t, e, err, http.StatusBadRequest, anthropic.ErrorTypeInvalidRequestError, "")
	_, err = e.sdk.Beta.Sessions.Update(context.Background(), s.ID, anthropic.BetaSessionUpdateParams{},
		option.WithJSONSet("agent", map[string]any{"tools": []any{}}))
	checkAPIError(t, e, err, http.StatusBadRequest, anthropic.ErrorTypeInvalidRequestError, "")
	got, err = e.sdk.Beta.Sessions.Update(context.Background(), s.ID, anthropic.BetaSessionUpdateParams{},
		option.WithJSONSet("agent", map[string]any{"mcp_servers": []any{}, "tools": []any{map[string]any{"type": "agent_toolset_20260401"}}}))
	if err != nil {
		t.Fatalf("Update clearing mcp_servers: %v", err)
	}
	checkSessionShape(t, got)
	if got.Agent.JSON.MCPServers.Raw() != "[]" || len(got.Agent.Tools) != 1 {
		t.Errorf("agent after clearing = %s", got.Agent.RawJSON())
	}
}
