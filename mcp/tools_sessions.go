package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

// ---- anthropic-create-session ----

type createSessionInput struct {
	Body createSessionBody `json:"body" jsonschema:"The session to create: the body of POST /v1/sessions."`
}

type createSessionBody struct {
	Agent         any               `json:"agent" jsonschema:"The agent to run. Either its ID as a string (the latest version), or an object: {\"type\":\"agent\",\"id\":\"agent_…\",\"version\":3} pins a version; {\"type\":\"agent_with_overrides\",\"id\":\"agent_…\",\"version\":3 (optional),\"model\":{…},\"system\":\"…\"|null,\"tools\":[…]|null,\"mcp_servers\":[…]|null,\"skills\":[…]|null} replaces parts of its configuration for this session only (null clears)."`
	EnvironmentID string            `json:"environment_id" jsonschema:"The environment the agent runs in (env_…)."`
	Title         string            `json:"title,omitempty" jsonschema:"A human-readable title."`
	Metadata      map[string]string `json:"metadata,omitempty" jsonschema:"Free-form string tags."`
	Resources     []resourceInput   `json:"resources,omitempty" jsonschema:"Things to mount into the sandbox: GitHub repositories, files and memory stores."`
	VaultIDs      []string          `json:"vault_ids,omitempty" jsonschema:"Vaults (vlt_…) whose credentials the agent may use."`
	Budget        *budgetInput      `json:"budget,omitempty" jsonschema:"A cap on list-price spend; it can only be set at creation."`
	InitialEvents []map[string]any  `json:"initial_events,omitempty" jsonschema:"Events processed as if sent right after creation (only user.message and user.define_outcome; at most 50): the session starts running at once."`
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

func (a *adapter) createSessionTool() toolSpec {
	return toolSpec{
		base:  ToolCreateSession,
		title: "Create session",
		description: "Create a Claude Managed Agents session: an agent (by ID, pinned version, or with overrides) running in an environment, " +
			"optionally with a title, metadata, mounted resources, vaults, a budget and initial events. Returns the session. " +
			"Not idempotent: after an \"outcome unknown\" error, list the sessions before creating again.",
		add: func(a *adapter, t *sdk.Tool) { addTool(a, t, a.createSession) },
	}
}

func (a *adapter) createSession(ctx context.Context, _ *sdk.CallToolRequest, in createSessionInput) *sdk.CallToolResult {
	params, res := buildCreateParams(in.Body)
	if res != nil {
		return res
	}
	sess, err := a.client.Sessions.Create(ctx, params)
	if err != nil {
		return failure(err)
	}
	return okResult(fmt.Sprintf("Created session %s", sessionLine(sess)), sessionJSON(sess))
}

// buildCreateParams converts the create body into the library's params, or
// returns a failed result.
func buildCreateParams(b createSessionBody) (managedagents.SessionCreateParams, *sdk.CallToolResult) {
	var p managedagents.SessionCreateParams
	agent, err := agentParam(b.Agent)
	if err != nil {
		return p, inputError("body.agent: %v", err)
	}
	p.Agent = agent
	p.EnvironmentID = b.EnvironmentID
	p.Title = b.Title
	p.Metadata = b.Metadata
	p.VaultIDs = b.VaultIDs
	for _, r := range b.Resources {
		rp := managedagents.ResourceParam{
			Type: r.Type, URL: r.URL, AuthorizationToken: r.AuthorizationToken, MountPath: r.MountPath,
			FileID: r.FileID, MemoryStoreID: r.MemoryStoreID, Access: r.Access, Instructions: r.Instructions,
		}
		if r.Checkout != nil {
			rp.Checkout = &managedagents.Checkout{Type: r.Checkout.Type, Name: r.Checkout.Name, SHA: r.Checkout.SHA}
		}
		p.Resources = append(p.Resources, rp)
	}
	if b.Budget != nil {
		budget := b.Budget.budget()
		p.Budget = &budget
	}
	if len(b.InitialEvents) > 0 {
		evs, err := decodeEventParams(b.InitialEvents)
		if err != nil {
			return p, inputError("body.initial_%v", err)
		}
		p.InitialEvents = evs
	}
	return p, nil
}

// agentParam converts the agent field: an ID string or a reference object.
func agentParam(v any) (managedagents.AgentParam, error) {
	switch v := v.(type) {
	case string:
		if strings.TrimSpace(v) == "" {
			return managedagents.AgentParam{}, errors.New("the agent ID is empty")
		}
		return managedagents.AgentByID(v), nil
	case map[string]any:
		raw, err := json.Marshal(v)
		if err != nil {
			return managedagents.AgentParam{}, err
		}
		var head struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(raw, &head)
		switch head.Type {
		case "", "agent":
			var w struct {
				Type    string `json:"type"`
				ID      string `json:"id"`
				Version int64  `json:"version"`
			}
			if err := strictUnmarshal(raw, &w); err != nil {
				return managedagents.AgentParam{}, fmt.Errorf("agent reference: %w (overrides need \"type\":\"agent_with_overrides\")", err)
			}
			if w.ID == "" {
				return managedagents.AgentParam{}, errors.New(`the agent object has no "id"`)
			}
			if w.Version != 0 {
				return managedagents.AgentVersion(w.ID, w.Version), nil
			}
			return managedagents.AgentByID(w.ID), nil
		case "agent_with_overrides":
			var w struct {
				Type    string `json:"type"`
				ID      string `json:"id"`
				Version int64  `json:"version"`
				managedagents.AgentOverrides
			}
			if err := strictUnmarshal(raw, &w); err != nil {
				return managedagents.AgentParam{}, fmt.Errorf("agent_with_overrides: %w", err)
			}
			if w.ID == "" {
				return managedagents.AgentParam{}, errors.New(`the agent object has no "id"`)
			}
			return managedagents.AgentWithOverrides(w.ID, w.Version, w.AgentOverrides), nil
		default:
			return managedagents.AgentParam{}, fmt.Errorf("unknown agent type %q (want agent or agent_with_overrides)", head.Type)
		}
	case nil:
		return managedagents.AgentParam{}, errors.New("the agent is required: an agent ID or an agent object")
	default:
		return managedagents.AgentParam{}, fmt.Errorf("the agent must be an ID string or an object, not %T", v)
	}
}

// ---- anthropic-list-sessions ----

type listSessionsInput struct {
	AgentID         string `json:"agent_id,omitempty" jsonschema:"Only sessions of this agent (agent_…)."`
	AgentVersion    int64  `json:"agent_version,omitempty" jsonschema:"Only sessions of this agent version (needs agent_id)."`
	Status          string `json:"status,omitempty" jsonschema:"Only sessions in this status: idle, running, rescheduling or terminated; several may be given separated by commas."`
	IncludeArchived bool   `json:"include_archived,omitempty" jsonschema:"Include archived sessions (left out by default)."`
	CreatedAfter    string `json:"created_after,omitempty" jsonschema:"Only sessions created at or after this time (RFC 3339)."`
	CreatedBefore   string `json:"created_before,omitempty" jsonschema:"Only sessions created before this time (RFC 3339)."`
	Limit           int    `json:"limit,omitempty" jsonschema:"Page size (1 to 1000; the API's default when omitted)."`
	Order           string `json:"order,omitempty" jsonschema:"asc or desc by creation time (newest first by default)."`
	Page            string `json:"page,omitempty" jsonschema:"A page cursor from a previous result's next_page or prev_page."`
}

type sessionPageOutput struct {
	Data     []json.RawMessage `json:"data"`
	NextPage string            `json:"next_page"`
	PrevPage string            `json:"prev_page"`
}

func (a *adapter) listSessionsTool() toolSpec {
	return toolSpec{
		base:        ToolListSessions,
		title:       "List sessions",
		description: "List sessions, one page at a time, newest first by default, filtered by agent, status, creation time and archival. Returns {data, next_page, prev_page}.",
		readOnly:    true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, a.listSessions) },
	}
}

func (a *adapter) listSessions(ctx context.Context, _ *sdk.CallToolRequest, in listSessionsInput) *sdk.CallToolResult {
	p := managedagents.SessionListParams{
		AgentID: in.AgentID, AgentVersion: in.AgentVersion, IncludeArchived: in.IncludeArchived,
		Limit: in.Limit, Order: managedagents.Order(in.Order), Page: in.Page,
	}
	for _, s := range strings.Split(in.Status, ",") {
		if s = strings.TrimSpace(s); s != "" {
			p.Statuses = append(p.Statuses, managedagents.SessionStatus(s))
		}
	}
	var err error
	if p.CreatedAtOrAfter, err = parseTime(in.CreatedAfter); err != nil {
		return inputError("created_after: %v", err)
	}
	if p.CreatedBefore, err = parseTime(in.CreatedBefore); err != nil {
		return inputError("created_before: %v", err)
	}
	page, err := a.client.Sessions.List(ctx, p)
	if err != nil {
		return failure(err)
	}
	data, summary := listed(page.Data, "session", "", sessionJSON, sessionLine)
	return okResult(withNextPage(summary, page.NextPage), sessionPageOutput{Data: data, NextPage: page.NextPage, PrevPage: page.PrevPage})
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
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
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, a.getSession) },
	}
}

func (a *adapter) getSession(ctx context.Context, _ *sdk.CallToolRequest, in sessionIDInput) *sdk.CallToolResult {
	sess, err := a.client.Sessions.Get(ctx, in.SessionID)
	if err != nil {
		return failure(err)
	}
	summary := fmt.Sprintf("Session %s: agent %s v%d, environment %s", sessionLine(sess), sess.Agent.Name, sess.Agent.Version, sess.EnvironmentID)
	return okResult(summary, sessionJSON(sess))
}

func (a *adapter) archiveSessionTool() toolSpec {
	return toolSpec{
		base:  ToolArchiveSession,
		title: "Archive session",
		description: "Archive a session: it becomes read-only for good and is hidden from lists unless include_archived is set. " +
			"Cannot be undone. A running session cannot be archived (interrupt it and wait for idle first).",
		destructive: true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, a.archiveSession) },
	}
}

func (a *adapter) archiveSession(ctx context.Context, _ *sdk.CallToolRequest, in sessionIDInput) *sdk.CallToolResult {
	sess, err := a.client.Sessions.Archive(ctx, in.SessionID)
	if err != nil {
		return failure(err)
	}
	return okResult(fmt.Sprintf("Archived session %s", sessionLine(sess)), sessionJSON(sess))
}

type deletedOutput struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Deleted bool   `json:"deleted"`
}

func (a *adapter) deleteSessionTool() toolSpec {
	return toolSpec{
		base:  ToolDeleteSession,
		title: "Delete session",
		description: "Delete a session with its whole event history. Cannot be undone. A running session cannot be deleted " +
			"(interrupt it and wait for idle first). Deleting a session that is already gone reports not_found_error.",
		destructive: true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, a.deleteSession) },
	}
}

func (a *adapter) deleteSession(ctx context.Context, _ *sdk.CallToolRequest, in sessionIDInput) *sdk.CallToolResult {
	if _, err := a.client.Sessions.Delete(ctx, in.SessionID); err != nil {
		return failure(err)
	}
	return okResult(fmt.Sprintf("Deleted session %s", in.SessionID), deletedOutput{ID: in.SessionID, Type: "session_deleted", Deleted: true})
}

// ---- anthropic-update-session ----

type updateSessionInput struct {
	SessionID string            `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Body      updateSessionBody `json:"body" jsonschema:"The changes; fields left out are kept."`
}

type updateSessionBody struct {
	Title    *string            `json:"title,omitempty" jsonschema:"A new title, or null to clear it."`
	Metadata map[string]*string `json:"metadata,omitempty" jsonschema:"Metadata keys to set (a string) or delete (null); keys not named are kept."`
	Budget   *budgetInput       `json:"budget,omitempty" jsonschema:"A new budget (only for sessions created with one, and only upwards), or null to remove it."`
	Agent    map[string]any     `json:"agent,omitempty" jsonschema:"Replace the session's tools or MCP servers while it is not running: {\"tools\":[…],\"mcp_servers\":[…]}; an empty list clears."`
}

func (a *adapter) updateSessionTool() toolSpec {
	return toolSpec{
		base:  ToolUpdateSession,
		title: "Update session",
		description: "Change a session: set or clear its title, set or delete metadata keys, raise or remove its budget, " +
			"replace its tools or MCP servers. Only what the body names changes. Returns the session.",
		destructive: true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, a.updateSession) },
	}
}

func (a *adapter) updateSession(ctx context.Context, req *sdk.CallToolRequest, in updateSessionInput) *sdk.CallToolResult {
	// A JSON null and a missing field decode alike into a pointer: read the
	// raw arguments to tell "clear" from "keep".
	var raw struct {
		Body struct {
			Title  json.RawMessage `json:"title"`
			Budget json.RawMessage `json:"budget"`
		} `json:"body"`
	}
	if req != nil && req.Params != nil && len(req.Params.Arguments) > 0 {
		if err := json.Unmarshal(req.Params.Arguments, &raw); err != nil {
			return inputError("arguments: %v", err)
		}
	}
	isNull := func(m json.RawMessage) bool { return strings.TrimSpace(string(m)) == "null" }

	var p managedagents.SessionUpdateParams
	changes := 0
	switch {
	case in.Body.Title != nil:
		p.Title = managedagents.Set(*in.Body.Title)
		changes++
	case isNull(raw.Body.Title):
		p.Title = managedagents.Null[string]()
		changes++
	}
	for k, v := range in.Body.Metadata {
		if v == nil {
			p.DeleteMetadata = append(p.DeleteMetadata, k)
		} else {
			if p.Metadata == nil {
				p.Metadata = map[string]string{}
			}
			p.Metadata[k] = *v
		}
		changes++
	}
	switch {
	case in.Body.Budget != nil:
		p.Budget = managedagents.Set(in.Body.Budget.budget())
		changes++
	case isNull(raw.Body.Budget):
		p.Budget = managedagents.Null[managedagents.Budget]()
		changes++
	}
	if in.Body.Agent != nil {
		agentRaw, err := json.Marshal(in.Body.Agent)
		if err != nil {
			return inputError("body.agent: %v", err)
		}
		var u managedagents.SessionAgentUpdate
		if err := strictUnmarshal(agentRaw, &u); err != nil {
			return inputError("body.agent: %v (it takes tools and mcp_servers)", err)
		}
		p.Agent = &u
		changes++
	}
	if changes == 0 {
		return inputError("body changes nothing: set title, metadata, budget or agent")
	}
	sess, err := a.client.Sessions.Update(ctx, in.SessionID, p)
	if err != nil {
		return failure(err)
	}
	return okResult(fmt.Sprintf("Updated session %s", sessionLine(sess)), sessionJSON(sess))
}
