package mcp

import (
	"context"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

// ---- anthropic-list-session-threads ----

type listThreadsInput struct {
	SessionID string   `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Statuses  []string `json:"statuses,omitempty" jsonschema:"Only threads in any of these statuses. All threads when omitted."`
	Limit     int      `json:"limit,omitempty" jsonschema:"Page size, 1 to 1000 (the API's default when omitted)."`
	Page      string   `json:"page,omitempty" jsonschema:"A page cursor from a previous result's next_page."`
}

func tightenListThreads(s *jsonschema.Schema) {
	setEnum(s.Properties["statuses"], threadStatuses)
	setLimit(s.Properties["limit"])
}

func (a *adapter) listThreadsTool() toolSpec {
	return toolSpec{
		base:  ToolListSessionThreads,
		title: "List session threads",
		description: "List the threads of a multi-agent session, one page at a time: the primary thread first (it runs the session's agent; " +
			"its parent_thread_id is null), then the child threads it or a workflow run spawned, each with its agent, status, parent, " +
			"stats and usage. The session is running while any thread runs. Read a child's own history with " + ToolListSessionThreadEvents +
			". Returns {data, next_page}.",
		readOnly:   true,
		idempotent: true,
		add:        func(a *adapter, t *sdk.Tool) { addTool(a, t, tightenListThreads, nil, a.listThreads) },
	}
}

func (a *adapter) listThreads(ctx context.Context, _ *sdk.CallToolRequest, in listThreadsInput) (string, pageOutput, error) {
	p := managedagents.ThreadListParams{Limit: in.Limit, Page: in.Page}
	for _, s := range in.Statuses {
		p.Statuses = append(p.Statuses, managedagents.ThreadStatus(s))
	}
	page, err := a.client.Threads.List(ctx, in.SessionID, p)
	if err != nil {
		return "", pageOutput{}, err
	}
	data, summary := listed(page.Data, "thread", "session "+in.SessionID, threadJSON, threadLine)
	return withNextPage(summary, page.NextPage), pageOutput{Data: data, NextPage: page.NextPage}, nil
}

// ---- anthropic-get-session-thread ----

type threadIDInput struct {
	SessionID string `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	ThreadID  string `json:"thread_id" jsonschema:"The thread's ID (sthr_…), from the session's thread list."`
}

func (a *adapter) getThreadTool() toolSpec {
	return toolSpec{
		base:  ToolGetSessionThread,
		title: "Get session thread",
		description: "Read one thread of a session: its agent (a saved agent, the advisor, or an inline agent a parent defined), " +
			"status, parent thread, workflow run, stats and usage.",
		readOnly:   true,
		idempotent: true,
		add:        func(a *adapter, t *sdk.Tool) { addTool(a, t, nil, tightenThread, a.getThread) },
	}
}

// tightenThread describes a thread object: an ID and a status at least.
func tightenThread(s *jsonschema.Schema) {
	s.Required = []string{"id", "status"}
	s.Properties = map[string]*jsonschema.Schema{
		"id":     {Type: "string", Description: "The thread's ID (sthr_…)."},
		"status": {Type: "string", Description: "idle, running, rescheduling or terminated."},
	}
}

func (a *adapter) getThread(ctx context.Context, _ *sdk.CallToolRequest, in threadIDInput) (string, apiObject, error) {
	th, err := a.client.Threads.Get(ctx, in.SessionID, in.ThreadID)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("Thread %s of session %s", threadLine(th), in.SessionID), threadJSON(th), nil
}

// ---- anthropic-list-session-thread-events ----

type listThreadEventsInput struct {
	SessionID string `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	ThreadID  string `json:"thread_id" jsonschema:"The thread's ID (sthr_…), from the session's thread list."`
	Limit     int    `json:"limit,omitempty" jsonschema:"Page size, 1 to 1000 (the API's default when omitted)."`
	Page      string `json:"page,omitempty" jsonschema:"A page cursor from a previous result's next_page."`
}

func (a *adapter) listThreadEventsTool() toolSpec {
	return toolSpec{
		base:  ToolListSessionThreadEvents,
		title: "List session thread events",
		description: "Read one thread's event history, oldest first, one page at a time. A child thread's history is its own: the task it " +
			"received, its messages, tool uses and status changes; the primary thread's history is the session's (" + ToolListSessionEvents +
			"). Events are returned exactly as the API sent them, types this server does not know included. Returns {data, next_page}.",
		readOnly:   true,
		idempotent: true,
		add: func(a *adapter, t *sdk.Tool) {
			addTool(a, t, func(s *jsonschema.Schema) { setLimit(s.Properties["limit"]) }, nil, a.listThreadEvents)
		},
	}
}

func (a *adapter) listThreadEvents(ctx context.Context, _ *sdk.CallToolRequest, in listThreadEventsInput) (string, pageOutput, error) {
	page, err := a.client.Threads.ListEvents(ctx, in.SessionID, in.ThreadID, managedagents.ThreadEventListParams{Limit: in.Limit, Page: in.Page})
	if err != nil {
		return "", pageOutput{}, err
	}
	summary := withNextPage(eventsSummary(page.Data, "thread "+in.ThreadID+" of session "+in.SessionID), page.NextPage)
	return summary, pageOutput{Data: eventsJSON(page.Data), NextPage: page.NextPage}, nil
}
