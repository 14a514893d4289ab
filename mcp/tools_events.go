package mcp

import (
	"context"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

// ---- anthropic-send-session-events ----

type sendEventsInput struct {
	SessionID string         `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Body      sendEventsBody `json:"body" jsonschema:"The body of POST /v1/sessions/{session_id}/events."`
}

type sendEventsBody struct {
	Events []map[string]any `json:"events" jsonschema:"The events to send, in order."`
}

func (a *adapter) sendEventsTool() toolSpec {
	return toolSpec{
		base:  ToolSendSessionEvents,
		title: "Send session events",
		description: "Send events to a session — a user message, an interrupt, a tool confirmation, a custom tool result, an outcome — " +
			"and return their echoes with the IDs the server assigned. It does not wait for the agent: pass the echoed IDs to " +
			ToolWaitForSession + " as after_event_ids to get the reply. Events sent while the session runs are queued. " +
			"Not idempotent: after an \"outcome unknown\" error, look for the event in the history before sending again.\n\n" +
			eventParamsDescription,
		add: func(a *adapter, t *sdk.Tool) { addTool(a, t, a.sendEvents) },
	}
}

func (a *adapter) sendEvents(ctx context.Context, _ *sdk.CallToolRequest, in sendEventsInput) *sdk.CallToolResult {
	if len(in.Body.Events) == 0 {
		return inputError("body.events is empty: send at least one event")
	}
	params, err := decodeEventParams(in.Body.Events)
	if err != nil {
		return inputError("body.%v", err)
	}
	echoes, err := a.client.Events.Send(ctx, in.SessionID, params...)
	if err != nil {
		return failure(err)
	}
	parts := make([]string, 0, len(echoes))
	for _, ev := range echoes {
		parts = append(parts, strings.TrimSpace(ev.EventType()+" "+ev.EventID()))
	}
	summary := fmt.Sprintf("Sent %s to session %s: %s", plural(len(echoes), "event"), in.SessionID, strings.Join(parts, ", "))
	return okResult(summary, pageOutput{Data: eventsJSON(echoes)})
}

// ---- anthropic-list-session-events ----

type listEventsInput struct {
	SessionID string   `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Limit     int      `json:"limit,omitempty" jsonschema:"Page size (the API's default, 1000, when omitted)."`
	Page      string   `json:"page,omitempty" jsonschema:"A page cursor from a previous result's next_page."`
	Order     string   `json:"order,omitempty" jsonschema:"asc (oldest first, the default) or desc."`
	Types     []string `json:"types,omitempty" jsonschema:"Only events of these types, such as user.message, agent.message, session.status_idle."`
}

func (a *adapter) listEventsTool() toolSpec {
	return toolSpec{
		base:  ToolListSessionEvents,
		title: "List session events",
		description: "Read a session's event history, one page at a time, oldest first by default, optionally only some event types. " +
			"Events are returned exactly as the API sent them, types this server does not know included. Returns {data, next_page}.",
		readOnly:   true,
		idempotent: true,
		add:        func(a *adapter, t *sdk.Tool) { addTool(a, t, a.listEvents) },
	}
}

func (a *adapter) listEvents(ctx context.Context, _ *sdk.CallToolRequest, in listEventsInput) *sdk.CallToolResult {
	page, err := a.client.Events.List(ctx, in.SessionID, managedagents.EventListParams{
		Limit: in.Limit, Page: in.Page, Order: managedagents.Order(in.Order), Types: in.Types,
	})
	if err != nil {
		return failure(err)
	}
	summary := withNextPage(eventsSummary(page.Data, "session "+in.SessionID), page.NextPage)
	return okResult(summary, pageOutput{Data: eventsJSON(page.Data), NextPage: page.NextPage})
}
