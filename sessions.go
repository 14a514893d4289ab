package managedagents

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// SessionsService creates, reads, updates, archives and deletes sessions.
// Get it from Client.Sessions.
type SessionsService struct {
	client *Client
}

// SessionStatus is a session's (or thread's) status. It is an open set.
type SessionStatus string

// Session statuses. A session is running while any of its threads runs.
// Errors are session.error events, not a status.
const (
	// StatusIdle means waiting for input: a message, a tool confirmation
	// or a custom tool result. A new session without initial events starts
	// idle, and a finished turn goes idle, not terminated.
	StatusIdle SessionStatus = "idle"
	// StatusRunning means the agent is working.
	StatusRunning SessionStatus = "running"
	// StatusRescheduling means a transient failure occurred and the
	// platform is retrying by itself.
	StatusRescheduling SessionStatus = "rescheduling"
	// StatusTerminated is final, reached after an unrecoverable error or
	// when the session is archived.
	StatusTerminated SessionStatus = "terminated"
)

// Session is a session as the API returns it. Nullable fields are pointers
// (nil for JSON null); unknown fields are ignored but kept in RawJSON.
type Session struct {
	// ID is the session's "sesn_…" ID.
	ID string `json:"id"`
	// Type is "session".
	Type string `json:"type"`
	// Status is the session's status. The stream's session.status_idle
	// arrives slightly before Get reports idle, so before an operation that
	// needs a session that is not running (delete, archive, an agent
	// update), poll Get until Status is no longer running.
	Status SessionStatus `json:"status"`
	// Title is nil when the session has none.
	Title *string `json:"title"`
	// EnvironmentID is the environment (the sandbox configuration) the
	// session runs in.
	EnvironmentID string `json:"environment_id"`
	// Agent is the resolved configuration, after overrides.
	Agent SessionAgent `json:"agent"`
	// Metadata holds the session's free-form tags.
	Metadata map[string]string `json:"metadata"`
	// Resources are what is mounted into the session's sandbox.
	Resources []Resource `json:"resources"`
	// VaultIDs are the vaults whose credentials serve MCP authentication
	// and environment secrets.
	VaultIDs []string `json:"vault_ids"`
	// OutcomeEvaluations holds the grading state of each outcome defined
	// with a user.define_outcome.
	OutcomeEvaluations []OutcomeEvaluation `json:"outcome_evaluations"`
	// Stats holds the session's timings.
	Stats SessionStats `json:"stats"`
	// Usage is cumulative over the session's life.
	Usage SessionUsage `json:"usage"`
	// Budget is nil when the session is uncapped.
	Budget *Budget `json:"budget"`
	// CreatedAt is when the session was created.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the session last changed.
	UpdatedAt time.Time `json:"updated_at"`
	// ArchivedAt is nil until the session is archived.
	ArchivedAt *time.Time `json:"archived_at"`
	// DeploymentID is set when a deployment created the session.
	DeploymentID *string `json:"deployment_id,omitempty"`

	raw json.RawMessage
}

// RawJSON returns the JSON the session was decoded from, unknown fields
// included; nil for a Session built in code.
func (s *Session) RawJSON() json.RawMessage { return s.raw }

// UnmarshalJSON decodes a session and keeps its raw JSON.
func (s *Session) UnmarshalJSON(b []byte) error {
	type plain Session
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = Session(p)
	s.raw = bytes.Clone(b)
	return nil
}

// SessionAgent is the agent configuration a session runs with, overrides and
// updates applied. ID and Version name the base agent even when overrides
// were applied.
type SessionAgent struct {
	// Type is "agent".
	Type string `json:"type"`
	// ID is the base agent's "agent_…" ID.
	ID string `json:"id"`
	// Version is the base agent's version. Older agents have 19-digit
	// versions, which only an integer type holds exactly.
	Version int64 `json:"version"`
	// Name is the agent's name.
	Name string `json:"name"`
	// Description is nil when the agent has none.
	Description *string `json:"description"`
	// System is the system prompt; nil when there is none.
	System *string `json:"system"`
	// Model is the model the agent runs; its Effort is always set.
	Model ModelConfig `json:"model"`
	// ExecutionIdentity is whose identity the sandbox acts as.
	ExecutionIdentity ExecutionIdentity `json:"execution_identity"`
	// Tools are the resolved tools: a toolset always carries its
	// DefaultConfig and its Configs, each config with both Type and Name.
	Tools []Tool `json:"tools"`
	// MCPServers are the MCP servers the agent can reach.
	MCPServers []MCPServer `json:"mcp_servers"`
	// Skills are the skills available to the agent.
	Skills []Skill `json:"skills"`
	// Multiagent is nil for a single-agent session.
	Multiagent *MultiagentConfig `json:"multiagent"`
}

// Budget caps a session's list-price spend.
type Budget struct {
	// Type is "limit", the only known type; left empty it is sent as "limit".
	Type string `json:"type"`
	// MaxListCost is the ceiling on the session's cost at list prices. When
	// it is reached, the session goes idle with the budget_reached stop
	// reason.
	MaxListCost Money `json:"max_list_cost"`
}

// MarshalJSON fills in the only known budget type.
func (b Budget) MarshalJSON() ([]byte, error) {
	type plain Budget
	if b.Type == "" {
		b.Type = "limit"
	}
	return json.Marshal(plain(b))
}

// LimitBudget returns a budget that stops the session at max.
func LimitBudget(max Money) Budget { return Budget{Type: "limit", MaxListCost: max} }

// Money is an amount in integer minor units, carried as a string by the API
// ("2500" with currency "USD" is 25.00 USD).
type Money struct {
	// Amount is an integer count of minor units, as a string.
	Amount string `json:"amount"`
	// Currency is "USD", the only known currency.
	Currency string `json:"currency"`
}

// USD returns an amount of US cents.
func USD(cents int64) Money {
	return Money{Amount: strconv.FormatInt(cents, 10), Currency: "USD"}
}

// SessionStats are a session's timings, in seconds.
type SessionStats struct {
	// ActiveSeconds is cumulative running time, idle time excluded.
	ActiveSeconds float64 `json:"active_seconds,omitempty"`
	// DurationSeconds is the time since creation, frozen at termination.
	DurationSeconds float64 `json:"duration_seconds,omitempty"`
}

// SessionUsage is cumulative token and cost usage. Missing counters decode as zero; ListCost and
// ServerToolUse are nil until tracked.
type SessionUsage struct {
	// InputTokens counts the input tokens.
	InputTokens int64 `json:"input_tokens"`
	// OutputTokens counts the output tokens.
	OutputTokens int64 `json:"output_tokens"`
	// CacheReadInputTokens counts the input tokens read from the prompt
	// cache.
	CacheReadInputTokens int64 `json:"cache_read_input_tokens"`
	// CacheCreation counts the input tokens written to the prompt cache.
	CacheCreation CacheCreation `json:"cache_creation"`
	// ActiveSeconds is the wall time during which at least one thread
	// was running; overlapping threads count once.
	ActiveSeconds float64 `json:"active_seconds"`
	// ListCost is the cost at list prices; nil until cost tracking is
	// available.
	ListCost *Money `json:"list_cost"`
	// ServerToolUse counts server-side tool requests; nil until tracked.
	ServerToolUse *ServerToolUse `json:"server_tool_use"`
}

// CacheCreation splits cache-write tokens by lifetime.
type CacheCreation struct {
	// Ephemeral1hInputTokens counts tokens cached for one hour.
	Ephemeral1hInputTokens int64 `json:"ephemeral_1h_input_tokens"`
	// Ephemeral5mInputTokens counts tokens cached for five minutes.
	Ephemeral5mInputTokens int64 `json:"ephemeral_5m_input_tokens"`
}

// ServerToolUse counts server-side tool requests.
type ServerToolUse struct {
	// WebFetchRequests counts web_fetch requests.
	WebFetchRequests int64 `json:"web_fetch_requests"`
	// WebSearchRequests counts web_search requests.
	WebSearchRequests int64 `json:"web_search_requests"`
}

// OutcomeEvaluation is the grading state of an outcome defined with a
// user.define_outcome event.
type OutcomeEvaluation struct {
	// Type is "outcome_evaluation".
	Type string `json:"type"`
	// OutcomeID is the outcome's "outc_…" ID, as the user.define_outcome
	// echo gave it.
	OutcomeID string `json:"outcome_id"`
	// Description is the outcome's description.
	Description string `json:"description"`
	// Iteration is 0-based.
	Iteration int `json:"iteration"`
	// Result is pending, running, evaluating, satisfied, needs_revision,
	// max_iterations_reached, failed or interrupted (open set).
	Result string `json:"result"`
	// Explanation gives the grader's reasons; nil when there are none.
	Explanation *string `json:"explanation"`
	// CompletedAt is nil until the evaluation completes.
	CompletedAt *time.Time `json:"completed_at"`
}

// AgentParam says which agent a new session runs. Build it with AgentByID,
// AgentVersion or AgentWithOverrides.
type AgentParam struct {
	id        string
	version   int64
	overrides *AgentOverrides
}

// AgentByID runs the agent's latest version at creation time.
func AgentByID(id string) AgentParam { return AgentParam{id: id} }

// AgentVersion pins a version of the agent (versions start at 1).
func AgentVersion(id string, version int64) AgentParam {
	return AgentParam{id: id, version: version}
}

// AgentWithOverrides runs the agent (version 0 means the latest) with parts
// of its configuration replaced for this session only.
func AgentWithOverrides(id string, version int64, o AgentOverrides) AgentParam {
	return AgentParam{id: id, version: version, overrides: &o}
}

// AgentOverrides replaces parts of an agent's configuration for one session.
// Each field is inherited when unset, cleared by Null (or Set of an empty
// list), and replaced whole by Set. The model can be replaced, not cleared.
type AgentOverrides struct {
	// Model replaces the model; nil inherits it.
	Model *ModelConfig `json:"model,omitempty"`
	// System replaces the system prompt (at most 100,000 characters).
	System Field[string] `json:"system,omitzero"`
	// Tools replaces the tools. Clearing them is rejected while the
	// effective skills (after overrides) are not empty.
	Tools Field[[]Tool] `json:"tools,omitzero"`
	// MCPServers replaces the MCP servers.
	MCPServers Field[[]MCPServer] `json:"mcp_servers,omitzero"`
	// Skills replaces the skills.
	Skills Field[[]Skill] `json:"skills,omitzero"`
}

// IsZero reports whether no agent was chosen.
func (a AgentParam) IsZero() bool { return a.id == "" && a.overrides == nil && a.version == 0 }

// MarshalJSON encodes the string, reference or override form.
func (a AgentParam) MarshalJSON() ([]byte, error) {
	switch {
	case a.overrides != nil:
		type withType struct {
			Type    string `json:"type"`
			ID      string `json:"id"`
			Version int64  `json:"version,omitempty"`
			AgentOverrides
		}
		return json.Marshal(withType{"agent_with_overrides", a.id, a.version, *a.overrides})
	case a.version != 0:
		return json.Marshal(struct {
			Type    string `json:"type"`
			ID      string `json:"id"`
			Version int64  `json:"version"`
		}{"agent", a.id, a.version})
	}
	return json.Marshal(a.id)
}

func (a AgentParam) validate() error {
	switch {
	case a.IsZero():
		return invalidParams("Agent is required (use AgentByID, AgentVersion or AgentWithOverrides)")
	case a.id == "":
		return invalidParams("Agent: the agent ID is empty")
	case a.version < 0:
		return invalidParams("Agent: version %d is negative", a.version)
	}
	return nil
}

// ResourceParam mounts something into a new session. Build it with
// GitHubRepositoryResource, FileResource or MemoryStoreResource, then set
// the optional fields.
type ResourceParam struct {
	// Type is one of the Resource constants.
	Type string `json:"type"`
	// URL is the URL of a github_repository.
	URL string `json:"url,omitempty"`
	// AuthorizationToken gives access to a private github_repository; a
	// public one needs none. It is sent once and never returned or printed.
	AuthorizationToken string `json:"authorization_token,omitempty"`
	// Checkout is the branch or commit of a github_repository to check
	// out; nil for the default branch.
	Checkout *Checkout `json:"checkout,omitempty"`
	// MountPath is optional for repositories (by default
	// /workspace/<repository name>) and files (an absolute path, by
	// default /mnt/session/uploads/<file_id>).
	MountPath string `json:"mount_path,omitempty"`
	// FileID names a file uploaded with the Files API.
	FileID string `json:"file_id,omitempty"`
	// MemoryStoreID is the "memstore_…" ID of a memory_store.
	MemoryStoreID string `json:"memory_store_id,omitempty"`
	// Access is a memory_store's access, "read_write" or "read_only";
	// empty leaves it to the API.
	Access string `json:"access,omitempty"`
	// Instructions tell the agent how to use a memory_store, in at most
	// 4096 characters.
	Instructions string `json:"instructions,omitempty"`
}

// String describes the resource without its authorization token.
func (r ResourceParam) String() string {
	switch r.Type {
	case ResourceGitHubRepository:
		return "github_repository " + r.URL
	case ResourceFile:
		return "file " + r.FileID
	case ResourceMemoryStore:
		return "memory_store " + r.MemoryStoreID
	}
	return r.Type
}

// GitHubRepositoryResource mounts a repository; token may be empty for a
// public one.
func GitHubRepositoryResource(repoURL, token string) ResourceParam {
	return ResourceParam{Type: ResourceGitHubRepository, URL: repoURL, AuthorizationToken: token}
}

// FileResource mounts a file; mountPath may be empty for the default.
func FileResource(fileID, mountPath string) ResourceParam {
	return ResourceParam{Type: ResourceFile, FileID: fileID, MountPath: mountPath}
}

// MemoryStoreResource attaches a memory store (only possible at creation).
func MemoryStoreResource(memoryStoreID string) ResourceParam {
	return ResourceParam{Type: ResourceMemoryStore, MemoryStoreID: memoryStoreID}
}

// SessionCreateParams is the body of Sessions.Create.
type SessionCreateParams struct {
	// Agent is required.
	Agent AgentParam `json:"agent"`
	// EnvironmentID is required.
	EnvironmentID string `json:"environment_id"`
	// Title is a human-readable label; empty leaves it unset.
	Title string `json:"title,omitempty"`
	// Metadata holds free-form tags: at most 16 pairs, keys of at most 64
	// characters, values of at most 512.
	Metadata map[string]string `json:"metadata,omitempty"`
	// Resources are mounted before Create returns: at most 999 files and 8
	// memory stores.
	Resources []ResourceParam `json:"resources,omitempty"`
	// VaultIDs are the vaults whose credentials serve MCP authentication
	// and environment secrets.
	VaultIDs []string `json:"vault_ids,omitempty"`
	// Budget caps list-price spend; it can only be added at creation.
	Budget *Budget `json:"budget,omitempty"`
	// InitialEvents (at most 50, only user.message and user.define_outcome)
	// are processed as if sent right after creation: the session starts
	// running at once. To see every event of the first turn on a stream,
	// create without them, open the stream, then send.
	InitialEvents []EventParam `json:"initial_events,omitempty"`
}

func (p *SessionCreateParams) validate() error {
	if err := p.Agent.validate(); err != nil {
		return err
	}
	if p.EnvironmentID == "" {
		return invalidParams("EnvironmentID is required")
	}
	for i, r := range p.Resources {
		if r.Type == "" {
			return invalidParams("Resources[%d] has no type", i)
		}
	}
	if len(p.InitialEvents) > 0 {
		return validateEvents(p.InitialEvents, true)
	}
	return nil
}

// Create creates a session. It blocks until the session's resources are
// mounted, which can take seconds. Create is not idempotent: it is retried
// only when the server certainly did not act, and an ambiguous failure
// returns an error matching ErrOutcomeUnknown.
//
// API: POST /v1/sessions
// https://platform.claude.com/docs/en/api/beta/sessions/create
func (s *SessionsService) Create(ctx context.Context, params SessionCreateParams) (*Session, error) {
	if err := params.validate(); err != nil {
		return nil, err
	}
	return doValue[Session](ctx, s.client, request{method: http.MethodPost, path: "/v1/sessions", body: params, what: "Session"})
}

// Get returns a session. Archived sessions can still be read; deleted ones
// give ErrNotFound.
//
// API: GET /v1/sessions/{session_id}
// https://platform.claude.com/docs/en/api/beta/sessions/retrieve
func (s *SessionsService) Get(ctx context.Context, sessionID string) (*Session, error) {
	return s.sessionCall(ctx, http.MethodGet, sessionID, "", nil)
}

// Archive makes a session read-only and hides it from List (unless
// IncludeArchived). It cannot be undone. A running session cannot be
// archived: interrupt it and wait for idle first.
//
// API: POST /v1/sessions/{session_id}/archive
// https://platform.claude.com/docs/en/api/beta/sessions/archive
func (s *SessionsService) Archive(ctx context.Context, sessionID string) (*Session, error) {
	return s.sessionCall(ctx, http.MethodPost, sessionID, "/archive", nil)
}

// Delete deletes a session with its history and returns the API's
// confirmation (Type DeletedSession). Open streams of the session receive
// session.deleted and end. A running session cannot be deleted; a repeated
// delete answers ErrNotFound. A 2xx answer without a body counts as success
// too.
//
// API: DELETE /v1/sessions/{session_id}
// https://platform.claude.com/docs/en/api/beta/sessions/delete
func (s *SessionsService) Delete(ctx context.Context, sessionID string) (*Deleted, error) {
	id, err := escapeID("session ID", sessionID)
	if err != nil {
		return nil, err
	}
	return s.client.deleteCall(ctx, "/v1/sessions/"+id, sessionID, DeletedSession, "session deletion")
}

// SessionUpdateParams changes a session. Every field is optional; only what
// is set is sent.
type SessionUpdateParams struct {
	// Title: Set to rename, Null to clear.
	Title Field[string]
	// Metadata keys are added or replaced; keys not named are kept.
	Metadata map[string]string
	// DeleteMetadata lists metadata keys to remove.
	DeleteMetadata []string
	// Agent replaces the session's tools or MCP servers; only allowed while
	// the session is not running.
	Agent *SessionAgentUpdate
	// Budget: Set to replace (only for sessions created with a budget, and
	// only upwards), Null to remove.
	Budget Field[Budget]
}

// SessionAgentUpdate replaces the session-local tools or MCP servers. Set of
// an empty (or nil) list clears it.
type SessionAgentUpdate struct {
	// Tools replaces the tools; unset keeps them.
	Tools Field[[]Tool] `json:"tools,omitzero"`
	// MCPServers replaces the MCP servers; unset keeps them.
	MCPServers Field[[]MCPServer] `json:"mcp_servers,omitzero"`
}

func (p *SessionUpdateParams) validate() error {
	for _, k := range p.DeleteMetadata {
		if _, ok := p.Metadata[k]; ok {
			return invalidParams("metadata key %q is both set and deleted", k)
		}
	}
	if p.Agent != nil && (p.Agent.Tools.IsNull() || p.Agent.MCPServers.IsNull()) {
		return invalidParams("Agent: clear a list with Set of an empty list, not Null")
	}
	return nil
}

// MarshalJSON merges Metadata and DeleteMetadata into the wire's patch map.
func (p SessionUpdateParams) MarshalJSON() ([]byte, error) {
	var metadata map[string]*string
	if len(p.Metadata)+len(p.DeleteMetadata) > 0 {
		metadata = make(map[string]*string, len(p.Metadata)+len(p.DeleteMetadata))
		for k, v := range p.Metadata {
			metadata[k] = &v
		}
		for _, k := range p.DeleteMetadata {
			metadata[k] = nil
		}
	}
	return json.Marshal(struct {
		Title    Field[string]       `json:"title,omitzero"`
		Metadata map[string]*string  `json:"metadata,omitempty"`
		Agent    *SessionAgentUpdate `json:"agent,omitempty"`
		Budget   Field[Budget]       `json:"budget,omitzero"`
	}{p.Title, metadata, p.Agent, p.Budget})
}

// Update changes a session and returns it. A session.updated event carrying
// the changes is emitted on the session's stream.
//
// API: POST /v1/sessions/{session_id}
// https://platform.claude.com/docs/en/api/beta/sessions/update
func (s *SessionsService) Update(ctx context.Context, sessionID string, params SessionUpdateParams) (*Session, error) {
	if err := params.validate(); err != nil {
		return nil, err
	}
	return s.sessionCall(ctx, http.MethodPost, sessionID, "", params)
}

// sessionCall sends an idempotent call on one session that answers a Session.
func (s *SessionsService) sessionCall(ctx context.Context, method, sessionID, suffix string, body any) (*Session, error) {
	id, err := escapeID("session ID", sessionID)
	if err != nil {
		return nil, err
	}
	return doValue[Session](ctx, s.client, request{method: method, path: "/v1/sessions/" + id + suffix, body: body, idempotent: true, what: "Session"})
}

// SessionListParams filters and pages Sessions.List. The zero value lists the
// newest non-archived sessions, one page of the server's default size.
type SessionListParams struct {
	// AgentID keeps the sessions of this agent.
	AgentID string
	// AgentVersion is honoured only together with AgentID.
	AgentVersion int64
	// DeploymentID keeps the sessions started by this deployment.
	DeploymentID string
	// MemoryStoreID keeps the sessions that mount this memory store.
	MemoryStoreID string
	// Bounds on created_at: after (gt), at or after (gte), before (lt), at or
	// before (lte). Zero times are not sent.
	CreatedAfter, CreatedAtOrAfter, CreatedBefore, CreatedAtOrBefore time.Time
	// IncludeArchived lists archived sessions too; they are left out by
	// default.
	IncludeArchived bool
	// Statuses keeps sessions in any of these statuses.
	Statuses []SessionStatus
	// Limit is the page size; zero means the server's default.
	Limit int
	// Order is by created_at; the server's default is newest first.
	Order Order
	// Page is a cursor from SessionPage.NextPage or PrevPage.
	Page string
}

// query checks params and encodes them: the shared list parameters, then
// its own filters.
func (p *SessionListParams) query() (url.Values, error) {
	q, err := listParams{
		limit: p.Limit, page: p.Page, order: p.Order,
		created: createdRange{p.CreatedAfter, p.CreatedAtOrAfter, p.CreatedBefore, p.CreatedAtOrBefore},
	}.query()
	if err != nil {
		return nil, err
	}
	if p.AgentVersion < 0 {
		return nil, invalidParams("AgentVersion %d is negative", p.AgentVersion)
	}
	if p.AgentVersion != 0 && p.AgentID == "" {
		return nil, invalidParams("AgentVersion needs AgentID")
	}
	setString(q, "agent_id", p.AgentID)
	if p.AgentVersion != 0 {
		q.Set("agent_version", strconv.FormatInt(p.AgentVersion, 10))
	}
	setString(q, "deployment_id", p.DeploymentID)
	setString(q, "memory_store_id", p.MemoryStoreID)
	if p.IncludeArchived {
		q.Set("include_archived", "true")
	}
	for _, s := range p.Statuses {
		q.Add("statuses[]", string(s))
	}
	return q, nil
}

// SessionPage is one page of sessions.
type SessionPage struct {
	// Data holds the sessions of the page.
	Data []Session `json:"data"`
	// NextPage is the cursor of the next page, empty on the last one.
	NextPage string `json:"next_page"`
	// PrevPage is the cursor of the previous page, empty on the first one.
	PrevPage string `json:"prev_page"`
}

// List returns one page of sessions.
//
// API: GET /v1/sessions
// https://platform.claude.com/docs/en/api/beta/sessions/list
func (s *SessionsService) List(ctx context.Context, params SessionListParams) (*SessionPage, error) {
	q, err := params.query()
	if err != nil {
		return nil, err
	}
	return doValue[SessionPage](ctx, s.client, request{method: http.MethodGet, path: "/v1/sessions", query: q, idempotent: true, what: "session list"})
}

// All iterates over every session matching params, fetching pages forward
// as needed (from params.Page when set). It stops fetching when the loop
// breaks. An error is yielded once, as the last pair. The sequence can be
// ranged over more than once; each run starts again from params.Page.
//
// API: GET /v1/sessions (every page)
// https://platform.claude.com/docs/en/api/beta/sessions/list
func (s *SessionsService) All(ctx context.Context, params SessionListParams) iter.Seq2[*Session, error] {
	return allPages(ctx, params.Page, func(cursor string) ([]*Session, string, error) {
		p := params
		p.Page = cursor
		page, err := s.List(ctx, p)
		if err != nil {
			return nil, "", err
		}
		return addrs(page.Data), page.NextPage, nil
	})
}
