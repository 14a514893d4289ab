package managedagents

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// ThreadsService reads the threads of a multi-agent session: the primary
// thread, which runs the session's agent, and the child threads it (or a
// workflow run) spawned, each with a history of its own. Get it from
// Client.Threads.
type ThreadsService struct {
	client *Client
}

// ThreadStatus is a thread's status. It is an open set: a status this
// library does not know decodes as itself.
type ThreadStatus string

// Thread statuses. The session is running while any of its threads runs.
const (
	// ThreadStatusIdle means the thread waits for input.
	ThreadStatusIdle ThreadStatus = "idle"
	// ThreadStatusRunning means the thread's agent is working.
	ThreadStatusRunning ThreadStatus = "running"
	// ThreadStatusRescheduling means a transient failure occurred and the
	// platform is retrying by itself.
	ThreadStatusRescheduling ThreadStatus = "rescheduling"
	// ThreadStatusTerminated is final.
	ThreadStatusTerminated ThreadStatus = "terminated"
)

// SessionThread is one thread of a session as the API returns it. Nullable
// fields are pointers (nil for JSON null); unknown fields are ignored but
// kept in RawJSON.
type SessionThread struct {
	// ID is the thread's "sthr_…" ID.
	ID string `json:"id"`
	// Type is "session_thread".
	Type string `json:"type"`
	// SessionID is the session the thread belongs to.
	SessionID string `json:"session_id"`
	// Agent is the agent the thread runs.
	Agent ThreadAgent `json:"agent"`
	// Status is the thread's status.
	Status ThreadStatus `json:"status"`
	// ParentThreadID is the thread that spawned this one; nil for the
	// primary thread.
	ParentThreadID *string `json:"parent_thread_id"`
	// WorkflowRunID is set when a workflow run created the thread.
	WorkflowRunID *string `json:"workflow_run_id"`
	// ArchivedAt is nil until the thread is archived.
	ArchivedAt *time.Time `json:"archived_at"`
	// CreatedAt is when the thread was spawned.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the thread last changed.
	UpdatedAt time.Time `json:"updated_at"`
	// Stats is nil until the thread's first status transition.
	Stats *ThreadStats `json:"stats"`
	// Usage is nil until the thread first goes idle. Per-thread costs are
	// rounded and need not sum to the session's.
	Usage *SessionUsage `json:"usage"`

	raw json.RawMessage
}

// RawJSON returns the JSON the thread was decoded from, unknown fields
// included; nil for a SessionThread built in code.
func (t *SessionThread) RawJSON() json.RawMessage { return t.raw }

// UnmarshalJSON decodes a thread and keeps its raw JSON.
func (t *SessionThread) UnmarshalJSON(b []byte) error {
	type plain SessionThread
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = SessionThread(p)
	t.raw = bytes.Clone(b)
	return nil
}

// ThreadStats are a thread's timings, in seconds.
type ThreadStats struct {
	// ActiveSeconds is cumulative running time, idle time excluded.
	ActiveSeconds float64 `json:"active_seconds,omitempty"`
	// DurationSeconds is the time since the thread was spawned, frozen
	// once it is archived or terminated.
	DurationSeconds float64 `json:"duration_seconds,omitempty"`
	// StartupSeconds is how long the thread took to start running; zero
	// for child threads, which start at once.
	StartupSeconds float64 `json:"startup_seconds,omitempty"`
}

// Thread agent types: the Type of a ThreadAgent.
const (
	// ThreadAgentSaved is a snapshot of a saved agent, with its ID and
	// version.
	ThreadAgentSaved = "agent"
	// ThreadAgentAdvisor is the platform's advisor; only its Model is set.
	ThreadAgentAdvisor = "advisor"
	// ThreadAgentInline is an unsaved agent defined by the parent thread or
	// by a workflow plan; it has no ID and no version.
	ThreadAgentInline = "inline"
)

// ThreadAgent is the agent a thread runs, a union on Type: a saved agent
// (agent), the advisor (advisor, Model only) or an inline agent (inline, no
// ID or version). Which fields are set depends on Type; an agent of a type
// this library does not know keeps its JSON and re-encodes it unchanged.
type ThreadAgent struct {
	// Type is one of the ThreadAgent constants, or a newer type.
	Type string `json:"type"`
	// ID is a saved agent's "agent_…" ID.
	ID string `json:"id,omitempty"`
	// Version is a saved agent's version.
	Version int64 `json:"version,omitempty"`
	// Name is the agent's name (saved and inline agents).
	Name string `json:"name,omitempty"`
	// Description is nil when the agent has none.
	Description *string `json:"description,omitempty"`
	// System is the system prompt; nil when there is none.
	System *string `json:"system,omitempty"`
	// Model is the model the agent runs.
	Model ModelConfig `json:"model"`
	// ExecutionIdentity is whose identity the sandbox acts as; nil for
	// the advisor.
	ExecutionIdentity *ExecutionIdentity `json:"execution_identity,omitempty"`
	// Tools are the agent's resolved tools.
	Tools []Tool `json:"tools,omitempty"`
	// Skills are the skills available to the agent.
	Skills []Skill `json:"skills,omitempty"`
	// MCPServers are the MCP servers the agent can reach.
	MCPServers []MCPServer `json:"mcp_servers,omitempty"`

	raw json.RawMessage // set for unknown types only
}

func knownThreadAgent(t string) bool {
	return t == ThreadAgentSaved || t == ThreadAgentAdvisor || t == ThreadAgentInline
}

// RawJSON returns the JSON of an agent of a type this library does not
// know; nil for the known types.
func (a *ThreadAgent) RawJSON() json.RawMessage { return a.raw }

// MarshalJSON encodes the agent; an unknown one is written back unchanged.
func (a ThreadAgent) MarshalJSON() ([]byte, error) {
	type plain ThreadAgent
	return marshalOpen(plain(a), a.Type, a.raw, knownThreadAgent)
}

// UnmarshalJSON decodes any thread agent in one pass, keeping the JSON of
// unknown types.
func (a *ThreadAgent) UnmarshalJSON(b []byte) error {
	type plain ThreadAgent
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownThreadAgent)
	if err != nil {
		return err
	}
	*a = ThreadAgent(p)
	a.raw = raw
	return nil
}

// ThreadListParams filters and pages Threads.List. The zero value lists
// every thread, in pages of the server's default size (1000).
type ThreadListParams struct {
	// Limit is the page size; zero means the server's default.
	Limit int
	// Page is a cursor from ThreadPage.NextPage.
	Page string
	// Statuses keeps threads in any of these statuses; empty keeps all.
	Statuses []ThreadStatus
}

// query checks params and encodes them.
func (p *ThreadListParams) query() (url.Values, error) {
	q, err := listParams{limit: p.Limit, page: p.Page}.query()
	if err != nil {
		return nil, err
	}
	for _, s := range p.Statuses {
		if s == "" {
			return nil, invalidParams("Statuses holds an empty status")
		}
		q.Add("statuses[]", string(s))
	}
	return q, nil
}

// ThreadPage is one page of a session's threads.
type ThreadPage struct {
	// Data holds the threads of the page, the primary thread first.
	Data []SessionThread `json:"data"`
	// NextPage is the cursor of the next page, empty on the last one.
	NextPage string `json:"next_page"`
}

// ThreadEventListParams pages Threads.ListEvents. The zero value reads the
// thread's history from the start in the server's default page size. The
// thread history has no order, type or time filters.
type ThreadEventListParams struct {
	// Limit is the page size; zero means the server's default.
	Limit int
	// Page is a cursor from EventPage.NextPage.
	Page string
}

// threadPath checks and escapes both IDs and returns the thread's path.
func threadPath(sessionID, threadID string) (string, error) {
	sid, err := escapeID("session ID", sessionID)
	if err != nil {
		return "", err
	}
	tid, err := escapeID("thread ID", threadID)
	if err != nil {
		return "", err
	}
	return "/v1/sessions/" + sid + "/threads/" + tid, nil
}

// List returns one page of a session's threads. The primary thread's
// ParentThreadID is nil.
//
// API: GET /v1/sessions/{session_id}/threads
// https://platform.claude.com/docs/en/api/beta/sessions/threads/list
func (s *ThreadsService) List(ctx context.Context, sessionID string, params ThreadListParams) (*ThreadPage, error) {
	id, err := escapeID("session ID", sessionID)
	if err != nil {
		return nil, err
	}
	q, err := params.query()
	if err != nil {
		return nil, err
	}
	return doValue[ThreadPage](ctx, s.client, request{method: http.MethodGet, path: "/v1/sessions/" + id + "/threads", query: q, idempotent: true, what: "thread list"})
}

// All iterates over every thread of a session matching params, fetching
// pages forward as needed (from params.Page when set). It stops fetching
// when the loop breaks. An error is yielded once, as the last pair. The
// sequence can be ranged over more than once; each run starts again from
// params.Page.
//
// API: GET /v1/sessions/{session_id}/threads (every page)
// https://platform.claude.com/docs/en/api/beta/sessions/threads/list
func (s *ThreadsService) All(ctx context.Context, sessionID string, params ThreadListParams) iter.Seq2[*SessionThread, error] {
	return allPages(ctx, params.Page, func(cursor string) ([]*SessionThread, string, error) {
		p := params
		p.Page = cursor
		page, err := s.List(ctx, sessionID, p)
		if err != nil {
			return nil, "", err
		}
		return addrs(page.Data), page.NextPage, nil
	})
}

// Get returns one thread of a session.
//
// API: GET /v1/sessions/{session_id}/threads/{thread_id}
// https://platform.claude.com/docs/en/api/beta/sessions/threads/retrieve
func (s *ThreadsService) Get(ctx context.Context, sessionID, threadID string) (*SessionThread, error) {
	return s.threadCall(ctx, http.MethodGet, sessionID, threadID, "")
}

// Archive archives a thread and returns it with ArchivedAt set. A
// session-wide user.interrupt skips archived threads. It cannot be undone;
// repeating it is safe. Whether a running thread or the primary thread can
// be archived is not documented: expect a 409 or a 400 (the fake server
// refuses both, and archiving an archived thread returns it unchanged).
//
// API: POST /v1/sessions/{session_id}/threads/{thread_id}/archive
// https://platform.claude.com/docs/en/api/beta/sessions/threads/archive
func (s *ThreadsService) Archive(ctx context.Context, sessionID, threadID string) (*SessionThread, error) {
	return s.threadCall(ctx, http.MethodPost, sessionID, threadID, "/archive")
}

// threadCall sends an idempotent call on one thread that answers a
// SessionThread.
func (s *ThreadsService) threadCall(ctx context.Context, method, sessionID, threadID, suffix string) (*SessionThread, error) {
	path, err := threadPath(sessionID, threadID)
	if err != nil {
		return nil, err
	}
	return doValue[SessionThread](ctx, s.client, request{method: method, path: path + suffix, idempotent: true, what: "SessionThread"})
}

// ListEvents returns one page of a thread's history, oldest first. The
// primary thread's history is the session's; a child thread's holds its
// own events (its messages, tool calls and status changes).
//
// API: GET /v1/sessions/{session_id}/threads/{thread_id}/events
// https://platform.claude.com/docs/en/api/beta/sessions/threads/events/list
func (s *ThreadsService) ListEvents(ctx context.Context, sessionID, threadID string, params ThreadEventListParams) (*EventPage, error) {
	page, err := s.listEvents(ctx, sessionID, threadID, params)
	if err != nil {
		return nil, err
	}
	return page, nil
}

// listEvents is ListEvents, but a page whose only fault is events that do
// not decode comes back with the events that do, and the *DecodeError of
// the first that does not.
func (s *ThreadsService) listEvents(ctx context.Context, sessionID, threadID string, params ThreadEventListParams) (*EventPage, error) {
	path, err := threadPath(sessionID, threadID)
	if err != nil {
		return nil, err
	}
	q, err := listParams{limit: params.Limit, page: params.Page}.query()
	if err != nil {
		return nil, err
	}
	var out EventPage
	r := request{method: http.MethodGet, path: path + "/events", query: q, idempotent: true, what: "event list"}
	if err := s.client.do(ctx, r, &out); err != nil {
		return partialPage(&out, err)
	}
	return &out, nil
}

// AllEvents iterates over a thread's whole history, fetching pages as
// needed (from params.Page when set) and stopping when the loop breaks. An
// error is yielded once, as the last pair. The sequence can be ranged over
// more than once; each run starts again from params.Page.
//
// API: GET /v1/sessions/{session_id}/threads/{thread_id}/events (every page)
// https://platform.claude.com/docs/en/api/beta/sessions/threads/events/list
func (s *ThreadsService) AllEvents(ctx context.Context, sessionID, threadID string, params ThreadEventListParams) iter.Seq2[Event, error] {
	return allPages(ctx, params.Page, func(cursor string) ([]Event, string, error) {
		p := params
		p.Page = cursor
		page, err := s.ListEvents(ctx, sessionID, threadID, p)
		if err != nil {
			return nil, "", err
		}
		return page.Data, page.NextPage, nil
	})
}
