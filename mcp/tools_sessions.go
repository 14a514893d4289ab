package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

// ---- anthropic-create-session ----

// createSessionInput is the body of POST /v1/sessions, flat, with the agent
// as agent_id, agent_version and agent_overrides (the names the session
// list filters use).
type createSessionInput struct {
	AgentID        string            `json:"agent_id,omitempty" jsonschema:"The agent to run (agent_…). Optional when the server has a default agent (see the tool description)."`
	AgentVersion   int64             `json:"agent_version,omitempty" jsonschema:"Pin this version of the agent; the latest when omitted."`
	AgentOverrides *overridesInput   `json:"agent_overrides,omitempty" jsonschema:"Replace parts of the agent's configuration for this session only."`
	EnvironmentID  string            `json:"environment_id,omitempty" jsonschema:"The environment the agent runs in (env_…). Optional when the server has a default environment (see the tool description)."`
	Title          string            `json:"title,omitempty" jsonschema:"A human-readable title."`
	Metadata       map[string]string `json:"metadata,omitempty" jsonschema:"Free-form string tags."`
	Resources      []resourceInput   `json:"resources,omitempty" jsonschema:"Things to mount into the sandbox: GitHub repositories, files and memory stores."`
	VaultIDs       []string          `json:"vault_ids,omitempty" jsonschema:"Vaults (vlt_…) whose credentials the agent may use."`
	Budget         *budgetInput      `json:"budget,omitempty" jsonschema:"A cap on list-price spend; it can only be set at creation."`
	InitialEvents  []map[string]any  `json:"initial_events,omitempty" jsonschema:"Events processed as if sent right after creation (only user.message and user.define_outcome; at most 50): the session starts running at once. Same objects as the events of anthropic-send-session-events."`
}

// overridesInput replaces parts of an agent's configuration. A field left
// out is inherited; an empty list clears.
type overridesInput struct {
	Model       apiObject   `json:"model,omitempty" jsonschema:"The model: {\"id\":\"claude-…\",\"speed\":\"standard\"|\"fast\"}."`
	System      string      `json:"system,omitempty" jsonschema:"A new system prompt."`
	ClearSystem bool        `json:"clear_system,omitempty" jsonschema:"Run without the agent's system prompt."`
	Tools       []apiObject `json:"tools,omitempty" jsonschema:"The tools, replacing the agent's (an empty list clears them)."`
	MCPServers  []apiObject `json:"mcp_servers,omitempty" jsonschema:"The MCP servers, replacing the agent's (an empty list clears them)."`
	Skills      []apiObject `json:"skills,omitempty" jsonschema:"The skills, replacing the agent's (an empty list clears them)."`
}

type resourceInput struct {
	Type               string         `json:"type" jsonschema:"github_repository, file or memory_store."`
	URL                string         `json:"url,omitempty" jsonschema:"github_repository: the repository URL."`
	AuthorizationToken string         `json:"authorization_token,omitempty" jsonschema:"github_repository: a token for a private repository (sent once, never returned)."`
	Checkout           *checkoutInput `json:"checkout,omitempty" jsonschema:"github_repository: the branch or commit to check out."`
	MountPath          string         `json:"mount_path,omitempty" jsonschema:"github_repository and file: where to mount it."`
	FileID             string         `json:"file_id,omitempty" jsonschema:"file: the file ID from the Files API."`
	MemoryStoreID      string         `json:"memory_store_id,omitempty" jsonschema:"memory_store: its ID."`
	Access             string         `json:"access,omitempty" jsonschema:"memory_store: read_write or read_only."`
	Instructions       string         `json:"instructions,omitempty" jsonschema:"memory_store: how the agent should use it."`
}

type checkoutInput struct {
	Type string `json:"type" jsonschema:"branch or commit."`
	Name string `json:"name,omitempty" jsonschema:"The branch name."`
	SHA  string `json:"sha,omitempty" jsonschema:"The commit SHA."`
}

type budgetInput struct {
	Type        string     `json:"type,omitempty" jsonschema:"Always \"limit\" (the default)."`
	MaxListCost moneyInput `json:"max_list_cost" jsonschema:"The most the session may spend, at list prices."`
}

type moneyInput struct {
	Amount   string `json:"amount" jsonschema:"An integer amount in minor units, as a string: \"2500\" with USD is 25.00 USD."`
	Currency string `json:"currency" jsonschema:"The currency, such as USD."`
}

func (b *budgetInput) budget() managedagents.Budget {
	return managedagents.Budget{Type: b.Type, MaxListCost: managedagents.Money{Amount: b.MaxListCost.Amount, Currency: b.MaxListCost.Currency}}
}

// tightenCreate adds the create input's constraints.
func tightenCreate(s *jsonschema.Schema) {
	s.Properties["agent_version"].Minimum = ptr(1.0)
	setEnum(prop(s, "resources", "type"), enumOf("github_repository", "file", "memory_store"))
	setEnum(prop(s, "resources", "checkout", "type"), enumOf("branch", "commit"))
	setEnum(prop(s, "resources", "access"), enumOf("read_write", "read_only"))
	setEnum(prop(s, "budget", "type"), enumOf("limit"))
	prop(s, "budget", "max_list_cost", "amount").Pattern = "^[0-9]+$"
	eventItems(s.Properties["initial_events"])
	setEnum(prop(s, "initial_events", "type"), enumOf(managedagents.EventUserMessage, managedagents.EventUserDefineOutcome))
}

// sessionOutput is a session exactly as the API sent it.
type sessionOutput = apiObject

// tightenSession describes a session object: an ID and a status at least;
// everything else passes as the API sent it.
func tightenSession(s *jsonschema.Schema) {
	s.Required = []string{"id", "status"}
	s.Properties = map[string]*jsonschema.Schema{
		"id":     {Type: "string", Description: "The session's ID (sesn_…)."},
		"status": {Type: "string", Description: "idle, running, rescheduling or terminated."},
	}
}

func (a *adapter) createSessionTool() toolSpec {
	return toolSpec{
		base:  ToolCreateSession,
		title: "Create session",
		description: "Create a Claude Managed Agents session: an agent (by ID, a pinned version, or with overrides) running in an environment, " +
			"optionally with a title, metadata, mounted resources, vaults, a budget and initial events. Returns the session. " +
			"Not idempotent: after an \"outcome unknown\" error, list the sessions before creating again. " + a.defaultsSentence(),
		add: func(a *adapter, t *sdk.Tool) { addTool(a, t, tightenCreate, tightenSession, a.createSession) },
	}
}

// defaultsSentence says which agent and environment create-session uses
// when the arguments name none.
func (a *adapter) defaultsSentence() string {
	agent, env := a.cfg.defaultAgent, a.cfg.defaultEnvironment
	switch {
	case agent != "" && env != "":
		return fmt.Sprintf("Defaults in force: agent_id %s and environment_id %s are used when omitted.", agent, env)
	case agent != "":
		return fmt.Sprintf("Default in force: agent_id %s is used when omitted; environment_id is required.", agent)
	case env != "":
		return fmt.Sprintf("Default in force: environment_id %s is used when omitted; agent_id is required.", env)
	}
	return "No defaults are in force: agent_id and environment_id are required (ask the user for them)."
}

func (a *adapter) createSession(ctx context.Context, _ *sdk.CallToolRequest, in createSessionInput) (string, sessionOutput, error) {
	if in.AgentID == "" {
		in.AgentID = a.cfg.defaultAgent
	}
	if in.EnvironmentID == "" {
		in.EnvironmentID = a.cfg.defaultEnvironment
	}
	params, err := buildCreateParams(in)
	if err != nil {
		return "", nil, err
	}
	sess, err := a.client.Sessions.Create(ctx, params)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("Created session %s", sessionLine(sess)), sessionJSON(sess), nil
}

// buildCreateParams converts the create input into the library's params.
func buildCreateParams(in createSessionInput) (managedagents.SessionCreateParams, error) {
	var p managedagents.SessionCreateParams
	const fixIDs = "pass agent_id (agent_…) and environment_id (env_…), or start the server with -agent and -environment"
	switch {
	case strings.TrimSpace(in.AgentID) == "":
		return p, inputError(fixIDs, "agent_id is required: no default agent is in force")
	case strings.TrimSpace(in.EnvironmentID) == "":
		return p, inputError(fixIDs, "environment_id is required: no default environment is in force")
	}
	agent, err := agentParam(in)
	if err != nil {
		return p, err
	}
	p.Agent = agent
	p.EnvironmentID = in.EnvironmentID
	p.Title = in.Title
	p.Metadata = in.Metadata
	p.VaultIDs = in.VaultIDs
	for _, r := range in.Resources {
		rp := managedagents.ResourceParam{
			Type: r.Type, URL: r.URL, AuthorizationToken: r.AuthorizationToken, MountPath: r.MountPath,
			FileID: r.FileID, MemoryStoreID: r.MemoryStoreID, Access: r.Access, Instructions: r.Instructions,
		}
		if r.Checkout != nil {
			rp.Checkout = &managedagents.Checkout{Type: r.Checkout.Type, Name: r.Checkout.Name, SHA: r.Checkout.SHA}
		}
		p.Resources = append(p.Resources, rp)
	}
	if in.Budget != nil {
		budget := in.Budget.budget()
		p.Budget = &budget
	}
	if len(in.InitialEvents) > 0 {
		evs, err := decodeEventParams(in.InitialEvents)
		if err != nil {
			return p, inputError(eventsFix, "initial_%v", err)
		}
		p.InitialEvents = evs
	}
	return p, nil
}

// agentParam builds the agent reference: by ID, a pinned version, or with
// overrides.
func agentParam(in createSessionInput) (managedagents.AgentParam, error) {
	if in.AgentOverrides == nil {
		if in.AgentVersion > 0 {
			return managedagents.AgentVersion(in.AgentID, in.AgentVersion), nil
		}
		return managedagents.AgentByID(in.AgentID), nil
	}
	o := in.AgentOverrides
	var out managedagents.AgentOverrides
	const fix = "agent_overrides takes model (an object with id), system (a string), clear_system, and tools, mcp_servers and skills (lists of objects as the API takes them)"
	if len(o.Model) > 0 {
		var m managedagents.ModelConfig
		if err := strictUnmarshal(o.Model, &m); err != nil {
			return managedagents.AgentParam{}, inputError(fix, "agent_overrides.model: %v", err)
		}
		out.Model = &m
	}
	switch {
	case o.ClearSystem && o.System != "":
		return managedagents.AgentParam{}, inputError("give system or clear_system, not both", "agent_overrides: system and clear_system are both set")
	case o.ClearSystem:
		out.System = managedagents.Null[string]()
	case o.System != "":
		out.System = managedagents.Set(o.System)
	}
	var err error
	if out.Tools, err = listField[managedagents.Tool](o.Tools); err != nil {
		return managedagents.AgentParam{}, inputError(fix, "agent_overrides.tools: %v", err)
	}
	if out.MCPServers, err = listField[managedagents.MCPServer](o.MCPServers); err != nil {
		return managedagents.AgentParam{}, inputError(fix, "agent_overrides.mcp_servers: %v", err)
	}
	if out.Skills, err = listField[managedagents.Skill](o.Skills); err != nil {
		return managedagents.AgentParam{}, inputError(fix, "agent_overrides.skills: %v", err)
	}
	return managedagents.AgentWithOverrides(in.AgentID, in.AgentVersion, out), nil
}

// listField decodes a list that replaces a configuration list: nil (left
// out) keeps it, an empty list clears it.
func listField[T any](items []apiObject) (managedagents.Field[[]T], error) {
	if items == nil {
		return managedagents.Field[[]T]{}, nil
	}
	out := make([]T, 0, len(items))
	for i, raw := range items {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return managedagents.Field[[]T]{}, fmt.Errorf("[%d]: %w", i, err)
		}
		out = append(out, v)
	}
	return managedagents.Set(out), nil
}

// ---- anthropic-list-sessions ----

type listSessionsInput struct {
	AgentID           string   `json:"agent_id,omitempty" jsonschema:"Only sessions of this agent (agent_…)."`
	AgentVersion      int64    `json:"agent_version,omitempty" jsonschema:"Only sessions of this agent version (needs agent_id)."`
	Statuses          []string `json:"statuses,omitempty" jsonschema:"Only sessions in any of these statuses. All statuses when omitted."`
	IncludeArchived   bool     `json:"include_archived,omitempty" jsonschema:"Include archived sessions (left out by default)."`
	CreatedAfter      string   `json:"created_after,omitempty" jsonschema:"Only sessions created strictly after this time: RFC 3339 (2026-01-02T15:04:05Z), or a date (2026-01-02) for its midnight UTC."`
	CreatedAtOrAfter  string   `json:"created_at_or_after,omitempty" jsonschema:"Only sessions created at or after this time (RFC 3339 or a date)."`
	CreatedBefore     string   `json:"created_before,omitempty" jsonschema:"Only sessions created strictly before this time (RFC 3339 or a date)."`
	CreatedAtOrBefore string   `json:"created_at_or_before,omitempty" jsonschema:"Only sessions created at or before this time (RFC 3339 or a date)."`
	Limit             int      `json:"limit,omitempty" jsonschema:"Page size, 1 to 1000 (the API's default when omitted)."`
	Order             string   `json:"order,omitempty" jsonschema:"By creation time: desc (newest first, the default) or asc."`
	Page              string   `json:"page,omitempty" jsonschema:"A page cursor from a previous result's next_page or prev_page."`
}

// tightenListSessions adds the list input's constraints.
func tightenListSessions(s *jsonschema.Schema) {
	s.Properties["agent_version"].Minimum = ptr(1.0)
	setEnum(s.Properties["statuses"], sessionStatuses)
	setEnum(s.Properties["order"], orders)
	setLimit(s.Properties["limit"])
	for _, name := range []string{"created_after", "created_at_or_after", "created_before", "created_at_or_before"} {
		setDateTime(s.Properties[name])
	}
}

type sessionPageOutput struct {
	Data     []apiObject `json:"data" jsonschema:"The sessions, as the API sent them."`
	NextPage string      `json:"next_page" jsonschema:"The cursor of the next page, empty on the last page."`
	PrevPage string      `json:"prev_page" jsonschema:"The cursor of the previous page, empty on the first page."`
}

func (a *adapter) listSessionsTool() toolSpec {
	return toolSpec{
		base:        ToolListSessions,
		title:       "List sessions",
		description: "List sessions, one page at a time, newest first by default, filtered by agent, status, creation time and archival. Returns {data, next_page, prev_page}.",
		readOnly:    true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, tightenListSessions, nil, a.listSessions) },
	}
}

func (a *adapter) listSessions(ctx context.Context, _ *sdk.CallToolRequest, in listSessionsInput) (string, sessionPageOutput, error) {
	p := managedagents.SessionListParams{
		AgentID: in.AgentID, AgentVersion: in.AgentVersion, IncludeArchived: in.IncludeArchived,
		Limit: in.Limit, Order: managedagents.Order(in.Order), Page: in.Page,
	}
	for _, s := range in.Statuses {
		p.Statuses = append(p.Statuses, managedagents.SessionStatus(s))
	}
	for _, b := range []struct {
		name string
		in   string
		out  *time.Time
	}{
		{"created_after", in.CreatedAfter, &p.CreatedAfter},
		{"created_at_or_after", in.CreatedAtOrAfter, &p.CreatedAtOrAfter},
		{"created_before", in.CreatedBefore, &p.CreatedBefore},
		{"created_at_or_before", in.CreatedAtOrBefore, &p.CreatedAtOrBefore},
	} {
		t, err := parseTime(b.in)
		if err != nil {
			return "", sessionPageOutput{}, inputError(timeFix, "%s: %q is not a time", b.name, b.in)
		}
		*b.out = t
	}
	page, err := a.client.Sessions.List(ctx, p)
	if err != nil {
		return "", sessionPageOutput{}, err
	}
	data, summary := listed(page.Data, "session", "", sessionJSON, sessionLine)
	return withNextPage(summary, page.NextPage), sessionPageOutput{Data: data, NextPage: page.NextPage, PrevPage: page.PrevPage}, nil
}

// timeFix says which time forms the time bounds take.
const timeFix = "give an RFC 3339 time such as 2026-01-02T15:04:05Z (an offset such as +02:00 instead of Z is fine) or a date such as 2026-01-02 (its midnight UTC)"

// parseTime reads a time bound: RFC 3339, or a date for its midnight UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

// ---- anthropic-get-session, archive, delete ----

type sessionIDInput struct {
	SessionID string `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
}

func (a *adapter) getSessionTool() toolSpec {
	return toolSpec{
		base:        ToolGetSession,
		title:       "Get session",
		description: "Read one session: status, title, metadata, the resolved agent configuration, resources, usage and statistics. Archived sessions can be read; deleted ones are not found.",
		readOnly:    true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, nil, tightenSession, a.getSession) },
	}
}

func (a *adapter) getSession(ctx context.Context, _ *sdk.CallToolRequest, in sessionIDInput) (string, sessionOutput, error) {
	sess, err := a.client.Sessions.Get(ctx, in.SessionID)
	if err != nil {
		return "", nil, err
	}
	summary := fmt.Sprintf("Session %s: agent %s v%d, environment %s", sessionLine(sess), sess.Agent.Name, sess.Agent.Version, sess.EnvironmentID)
	return summary, sessionJSON(sess), nil
}

func (a *adapter) archiveSessionTool() toolSpec {
	return toolSpec{
		base:  ToolArchiveSession,
		title: "Archive session",
		description: "Archive a session: it becomes read-only for good and is hidden from lists unless include_archived is set. " +
			"Cannot be undone. A running session cannot be archived (interrupt it and wait for idle first).",
		destructive: true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, nil, tightenSession, a.archiveSession) },
	}
}

func (a *adapter) archiveSession(ctx context.Context, _ *sdk.CallToolRequest, in sessionIDInput) (string, sessionOutput, error) {
	sess, err := a.client.Sessions.Archive(ctx, in.SessionID)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("Archived session %s", sessionLine(sess)), sessionJSON(sess), nil
}

type deletedOutput struct {
	ID      string `json:"id" jsonschema:"The deleted object's ID."`
	Type    string `json:"type" jsonschema:"session_deleted or session_resource_deleted."`
	Deleted bool   `json:"deleted" jsonschema:"Always true."`
}

func (a *adapter) deleteSessionTool() toolSpec {
	return toolSpec{
		base:  ToolDeleteSession,
		title: "Delete session",
		description: "Delete a session with its whole event history. Cannot be undone. A running session cannot be deleted " +
			"(interrupt it and wait for idle first). Deleting a session that is already gone reports not_found_error.",
		destructive: true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, nil, nil, a.deleteSession) },
	}
}

func (a *adapter) deleteSession(ctx context.Context, _ *sdk.CallToolRequest, in sessionIDInput) (string, deletedOutput, error) {
	del, err := a.client.Sessions.Delete(ctx, in.SessionID)
	if err != nil {
		return "", deletedOutput{}, err
	}
	return fmt.Sprintf("Deleted session %s", del.ID), deletedOutput{ID: del.ID, Type: del.Type, Deleted: true}, nil
}

// ---- anthropic-update-session ----

// updateSessionInput names the changes; what it leaves out is kept. Clearing
// is explicit (clear_title, clear_budget, delete_metadata), so no field
// needs a null.
type updateSessionInput struct {
	SessionID      string            `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Title          string            `json:"title,omitempty" jsonschema:"A new title."`
	ClearTitle     bool              `json:"clear_title,omitempty" jsonschema:"Remove the title."`
	Metadata       map[string]string `json:"metadata,omitempty" jsonschema:"Metadata keys to set; keys not named are kept."`
	DeleteMetadata []string          `json:"delete_metadata,omitempty" jsonschema:"Metadata keys to delete."`
	Budget         *budgetInput      `json:"budget,omitempty" jsonschema:"A new budget (only for sessions created with one, and only upwards)."`
	ClearBudget    bool              `json:"clear_budget,omitempty" jsonschema:"Remove the budget."`
	Tools          []apiObject       `json:"tools,omitempty" jsonschema:"Replace the session's tools while it is not running (an empty list clears them)."`
	MCPServers     []apiObject       `json:"mcp_servers,omitempty" jsonschema:"Replace the session's MCP servers while it is not running (an empty list clears them)."`
}

func tightenUpdate(s *jsonschema.Schema) {
	setEnum(prop(s, "budget", "type"), enumOf("limit"))
	prop(s, "budget", "max_list_cost", "amount").Pattern = "^[0-9]+$"
}

func (a *adapter) updateSessionTool() toolSpec {
	return toolSpec{
		base:  ToolUpdateSession,
		title: "Update session",
		description: "Change a session: set or clear its title, set or delete metadata keys, raise or remove its budget, " +
			"replace its tools or MCP servers. Only what the arguments name changes. Returns the session.",
		destructive: true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, tightenUpdate, tightenSession, a.updateSession) },
	}
}

func (a *adapter) updateSession(ctx context.Context, _ *sdk.CallToolRequest, in updateSessionInput) (string, sessionOutput, error) {
	var p managedagents.SessionUpdateParams
	changes := 0
	const both = "give a new value or the clear_ flag, not both"
	switch {
	case in.Title != "" && in.ClearTitle:
		return "", nil, inputError(both, "title and clear_title are both set")
	case in.Title != "":
		p.Title = managedagents.Set(in.Title)
		changes++
	case in.ClearTitle:
		p.Title = managedagents.Null[string]()
		changes++
	}
	if len(in.Metadata) > 0 {
		p.Metadata = in.Metadata
		changes++
	}
	if len(in.DeleteMetadata) > 0 {
		p.DeleteMetadata = in.DeleteMetadata
		changes++
	}
	switch {
	case in.Budget != nil && in.ClearBudget:
		return "", nil, inputError(both, "budget and clear_budget are both set")
	case in.Budget != nil:
		p.Budget = managedagents.Set(in.Budget.budget())
		changes++
	case in.ClearBudget:
		p.Budget = managedagents.Null[managedagents.Budget]()
		changes++
	}
	const listFix = "tools and mcp_servers are lists of objects as the API takes them"
	if in.Tools != nil || in.MCPServers != nil {
		var u managedagents.SessionAgentUpdate
		var err error
		if u.Tools, err = listField[managedagents.Tool](in.Tools); err != nil {
			return "", nil, inputError(listFix, "tools: %v", err)
		}
		if u.MCPServers, err = listField[managedagents.MCPServer](in.MCPServers); err != nil {
			return "", nil, inputError(listFix, "mcp_servers: %v", err)
		}
		p.Agent = &u
		changes++
	}
	if changes == 0 {
		return "", nil, inputError("set at least one of title, clear_title, metadata, delete_metadata, budget, clear_budget, tools, mcp_servers",
			"the arguments change nothing")
	}
	sess, err := a.client.Sessions.Update(ctx, in.SessionID, p)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("Updated session %s", sessionLine(sess)), sessionJSON(sess), nil
}
