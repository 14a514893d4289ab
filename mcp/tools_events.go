package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

// eventsFix says what an events list takes.
const eventsFix = "events is a list of client event objects such as {\"type\":\"user.message\",\"content\":\"hello\"}; " +
	"the send tool's description lists every type with its fields"

// ---- anthropic-send-session-events ----

type sendEventsInput struct {
	SessionID string           `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Events    []map[string]any `json:"events" jsonschema:"The events to send, in order (at most 50)."`
}

func tightenEvents(s *jsonschema.Schema) { eventItems(s.Properties["events"]) }

// eventsOutput is the structured result of a send: the echoes.
type eventsOutput struct {
	Events []apiObject `json:"events" jsonschema:"The events as the API echoed them, with the IDs it assigned."`
}

func (a *adapter) sendEventsTool() toolSpec {
	return toolSpec{
		base:  ToolSendSessionEvents,
		title: "Send session events",
		description: "Send events to a session — a user message, an interrupt, a tool confirmation, a custom tool result, an outcome — " +
			"and return their echoes with the IDs the server assigned. It does not wait for the agent: pass the echoed IDs to " +
			a.name(ToolWaitForSession) + " as after_event_ids to get the reply (or send with that tool's events instead). " +
			"Events sent while the session runs are queued. " +
			"Not idempotent: after an \"outcome unknown\" error, look for the event in the history before sending again.\n\n" +
			eventParamsDescription,
		add: func(a *adapter, t *sdk.Tool) { addTool(a, t, tightenEvents, nil, a.sendEvents) },
	}
}

func (a *adapter) sendEvents(ctx context.Context, _ *sdk.CallToolRequest, in sendEventsInput) (string, eventsOutput, error) {
	if len(in.Events) == 0 {
		return "", eventsOutput{}, inputError(eventsFix, "events is empty: send at least one event")
	}
	params, err := decodeEventParams(in.Events)
	if err != nil {
		return "", eventsOutput{}, inputError(eventsFix, "%v", err)
	}
	echoes, err := a.client.Events.Send(ctx, in.SessionID, params...)
	if err != nil {
		return "", eventsOutput{}, err
	}
	parts := make([]string, 0, len(echoes))
	for _, ev := range echoes {
		parts = append(parts, strings.TrimSpace(ev.EventType()+" "+ev.EventID()))
	}
	summary := fmt.Sprintf("Sent %s to session %s: %s", plural(len(echoes), "event"), in.SessionID, strings.Join(parts, ", "))
	return summary, eventsOutput{Events: eventsJSON(echoes)}, nil
}

// ---- anthropic-list-session-events ----

type listEventsInput struct {
	SessionID string   `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Types     []string `json:"types,omitempty" jsonschema:"Only events of these types, such as user.message, agent.message, session.status_idle. All types when omitted."`
	Limit     int      `json:"limit,omitempty" jsonschema:"Page size, 1 to 1000 (the API's default when omitted)."`
	Order     string   `json:"order,omitempty" jsonschema:"asc (oldest first, the default) or desc."`
	Page      string   `json:"page,omitempty" jsonschema:"A page cursor from a previous result's next_page."`
}

func tightenListEvents(s *jsonschema.Schema) {
	setLimit(s.Properties["limit"])
	setEnum(s.Properties["order"], orders)
}

func (a *adapter) listEventsTool() toolSpec {
	return toolSpec{
		base:  ToolListSessionEvents,
		title: "List session events",
		description: "Read a session's event history, one page at a time, oldest first by default, optionally only some event types. " +
			"Events are returned exactly as the API sent them, types this server does not know included. Returns {data, next_page}.",
		readOnly:   true,
		idempotent: true,
		add:        func(a *adapter, t *sdk.Tool) { addTool(a, t, tightenListEvents, nil, a.listEvents) },
	}
}

func (a *adapter) listEvents(ctx context.Context, _ *sdk.CallToolRequest, in listEventsInput) (string, pageOutput, error) {
	page, err := a.client.Events.List(ctx, in.SessionID, managedagents.EventListParams{
		Limit: in.Limit, Page: in.Page, Order: managedagents.Order(in.Order), Types: in.Types,
	})
	if err != nil {
		return "", pageOutput{}, err
	}
	summary := withNextPage(eventsSummary(page.Data, "session "+in.SessionID), page.NextPage)
	return summary, pageOutput{Data: eventsJSON(page.Data), NextPage: page.NextPage}, nil
}
