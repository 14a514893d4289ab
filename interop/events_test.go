package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	managedagents "github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// The events part of the oracle: the official SDK sends every client event
// kind to the fake and reads back the history of real turns of the fake's
// scripted agent: sends, echoes, history pages and the events of tool
// calls, permission asks and retried errors.

// sdkVariants maps each of the 42 history types to the
// variant the SDK's AsAny returns for it. The send echo union uses the same
// variants for the seven client types.
var sdkVariants = map[string]reflect.Type{
	"user.message":            reflect.TypeFor[anthropic.BetaManagedAgentsUserMessageEvent](),
	"user.interrupt":          reflect.TypeFor[anthropic.BetaManagedAgentsUserInterruptEvent](),
	"user.tool_confirmation":  reflect.TypeFor[anthropic.BetaManagedAgentsUserToolConfirmationEvent](),
	"user.custom_tool_result": reflect.TypeFor[anthropic.BetaManagedAgentsUserCustomToolResultEvent](),
	"user.tool_result":        reflect.TypeFor[anthropic.BetaManagedAgentsUserToolResultEvent](),
	"user.define_outcome":     reflect.TypeFor[anthropic.BetaManagedAgentsUserDefineOutcomeEvent](),
	"system.message":          reflect.TypeFor[anthropic.BetaManagedAgentsSystemMessageEvent](),

	"agent.message":                  reflect.TypeFor[anthropic.BetaManagedAgentsAgentMessageEvent](),
	"agent.thinking":                 reflect.TypeFor[anthropic.BetaManagedAgentsAgentThinkingEvent](),
	"agent.tool_use":                 reflect.TypeFor[anthropic.BetaManagedAgentsAgentToolUseEvent](),
	"agent.tool_result":              reflect.TypeFor[anthropic.BetaManagedAgentsAgentToolResultEvent](),
	"agent.mcp_tool_use":             reflect.TypeFor[anthropic.BetaManagedAgentsAgentMCPToolUseEvent](),
	"agent.mcp_tool_result":          reflect.TypeFor[anthropic.BetaManagedAgentsAgentMCPToolResultEvent](),
	"agent.custom_tool_use":          reflect.TypeFor[anthropic.BetaManagedAgentsAgentCustomToolUseEvent](),
	"agent.thread_context_compacted": reflect.TypeFor[anthropic.BetaManagedAgentsAgentThreadContextCompactedEvent](),
	"agent.thread_message_sent":      reflect.TypeFor[anthropic.BetaManagedAgentsAgentThreadMessageSentEvent](),
	"agent.thread_message_received":  reflect.TypeFor[anthropic.BetaManagedAgentsAgentThreadMessageReceivedEvent](),

	"session.status_running":            reflect.TypeFor[anthropic.BetaManagedAgentsSessionStatusRunningEvent](),
	"session.status_idle":               reflect.TypeFor[anthropic.BetaManagedAgentsSessionStatusIdleEvent](),
	"session.status_rescheduled":        reflect.TypeFor[anthropic.BetaManagedAgentsSessionStatusRescheduledEvent](),
	"session.status_terminated":         reflect.TypeFor[anthropic.BetaManagedAgentsSessionStatusTerminatedEvent](),
	"session.error":                     reflect.TypeFor[anthropic.BetaManagedAgentsSessionErrorEvent](),
	"session.deleted":                   reflect.TypeFor[anthropic.BetaManagedAgentsSessionDeletedEvent](),
	"session.updated":                   reflect.TypeFor[anthropic.BetaManagedAgentsSessionUpdatedEvent](),
	"session.usage":                     reflect.TypeFor[anthropic.BetaManagedAgentsSessionUsageEvent](),
	"session.thread_created":            reflect.TypeFor[anthropic.BetaManagedAgentsSessionThreadCreatedEvent](),
	"session.thread_status_running":     reflect.TypeFor[anthropic.BetaManagedAgentsSessionThreadStatusRunningEvent](),
	"session.thread_status_idle":        reflect.TypeFor[anthropic.BetaManagedAgentsSessionThreadStatusIdleEvent](),
	"session.thread_status_rescheduled": reflect.TypeFor[anthropic.BetaManagedAgentsSessionThreadStatusRescheduledEvent](),
	"session.thread_status_terminated":  reflect.TypeFor[anthropic.BetaManagedAgentsSessionThreadStatusTerminatedEvent](),

	"span.model_request_start":        reflect.TypeFor[anthropic.BetaManagedAgentsSpanModelRequestStartEvent](),
	"span.model_request_end":          reflect.TypeFor[anthropic.BetaManagedAgentsSpanModelRequestEndEvent](),
	"span.outcome_evaluation_start":   reflect.TypeFor[anthropic.BetaManagedAgentsSpanOutcomeEvaluationStartEvent](),
	"span.outcome_evaluation_ongoing": reflect.TypeFor[anthropic.BetaManagedAgentsSpanOutcomeEvaluationOngoingEvent](),
	"span.outcome_evaluation_end":     reflect.TypeFor[anthropic.BetaManagedAgentsSpanOutcomeEvaluationEndEvent](),

	"workflow_run.created":        reflect.TypeFor[anthropic.BetaManagedAgentsWorkflowRunCreatedEvent](),
	"workflow_run.status_running": reflect.TypeFor[anthropic.BetaManagedAgentsWorkflowRunStatusRunningEvent](),
	"workflow_run.status_idle":    reflect.TypeFor[anthropic.BetaManagedAgentsWorkflowRunStatusIdleEvent](),
	"workflow_run.phase_started":  reflect.TypeFor[anthropic.BetaManagedAgentsWorkflowRunPhaseStartedEvent](),
	"workflow_run.phase_ended":    reflect.TypeFor[anthropic.BetaManagedAgentsWorkflowRunPhaseEndedEvent](),
	"workflow_run.error":          reflect.TypeFor[anthropic.BetaManagedAgentsWorkflowRunErrorEvent](),
	"workflow_run.status_ended":   reflect.TypeFor[anthropic.BetaManagedAgentsWorkflowRunStatusEndedEvent](),
}

// clientEventTypes are the seven types of the send echo union.
var clientEventTypes = []string{
	"user.message", "user.interrupt", "user.tool_confirmation", "user.custom_tool_result",
	"user.tool_result", "user.define_outcome", "system.message",
}

// ourEventTypes maps each history type to the concrete type our client's
// DecodeEvent must produce.
var ourEventTypes = map[string]reflect.Type{
	"user.message":            reflect.TypeFor[*managedagents.UserMessageEvent](),
	"user.interrupt":          reflect.TypeFor[*managedagents.UserInterruptEvent](),
	"user.tool_confirmation":  reflect.TypeFor[*managedagents.UserToolConfirmationEvent](),
	"user.custom_tool_result": reflect.TypeFor[*managedagents.UserCustomToolResultEvent](),
	"user.tool_result":        reflect.TypeFor[*managedagents.UserToolResultEvent](),
	"user.define_outcome":     reflect.TypeFor[*managedagents.UserDefineOutcomeEvent](),
	"system.message":          reflect.TypeFor[*managedagents.SystemMessageEvent](),

	"agent.message":                  reflect.TypeFor[*managedagents.AgentMessageEvent](),
	"agent.thinking":                 reflect.TypeFor[*managedagents.AgentThinkingEvent](),
	"agent.tool_use":                 reflect.TypeFor[*managedagents.AgentToolUseEvent](),
	"agent.tool_result":              reflect.TypeFor[*managedagents.AgentToolResultEvent](),
	"agent.mcp_tool_use":             reflect.TypeFor[*managedagents.AgentMCPToolUseEvent](),
	"agent.mcp_tool_result":          reflect.TypeFor[*managedagents.AgentMCPToolResultEvent](),
	"agent.custom_tool_use":          reflect.TypeFor[*managedagents.AgentCustomToolUseEvent](),
	"agent.thread_context_compacted": reflect.TypeFor[*managedagents.AgentThreadContextCompactedEvent](),
	"agent.thread_message_sent":      reflect.TypeFor[*managedagents.AgentThreadMessageSentEvent](),
	"agent.thread_message_received":  reflect.TypeFor[*managedagents.AgentThreadMessageReceivedEvent](),

	"session.status_running":            reflect.TypeFor[*managedagents.SessionStatusRunningEvent](),
	"session.status_idle":               reflect.TypeFor[*managedagents.SessionStatusIdleEvent](),
	"session.status_rescheduled":        reflect.TypeFor[*managedagents.SessionStatusRescheduledEvent](),
	"session.status_terminated":         reflect.TypeFor[*managedagents.SessionStatusTerminatedEvent](),
	"session.error":                     reflect.TypeFor[*managedagents.SessionErrorEvent](),
	"session.deleted":                   reflect.TypeFor[*managedagents.SessionDeletedEvent](),
	"session.updated":                   reflect.TypeFor[*managedagents.SessionUpdatedEvent](),
	"session.usage":                     reflect.TypeFor[*managedagents.SessionUsageEvent](),
	"session.thread_created":            reflect.TypeFor[*managedagents.SessionThreadCreatedEvent](),
	"session.thread_status_running":     reflect.TypeFor[*managedagents.SessionThreadStatusRunningEvent](),
	"session.thread_status_idle":        reflect.TypeFor[*managedagents.SessionThreadStatusIdleEvent](),
	"session.thread_status_rescheduled": reflect.TypeFor[*managedagents.SessionThreadStatusRescheduledEvent](),
	"session.thread_status_terminated":  reflect.TypeFor[*managedagents.SessionThreadStatusTerminatedEvent](),

	"span.model_request_start":        reflect.TypeFor[*managedagents.SpanModelRequestStartEvent](),
	"span.model_request_end":          reflect.TypeFor[*managedagents.SpanModelRequestEndEvent](),
	"span.outcome_evaluation_start":   reflect.TypeFor[*managedagents.SpanOutcomeEvaluationStartEvent](),
	"span.outcome_evaluation_ongoing": reflect.TypeFor[*managedagents.SpanOutcomeEvaluationOngoingEvent](),
	"span.outcome_evaluation_end":     reflect.TypeFor[*managedagents.SpanOutcomeEvaluationEndEvent](),

	"workflow_run.created":        reflect.TypeFor[*managedagents.WorkflowRunCreatedEvent](),
	"workflow_run.status_running": reflect.TypeFor[*managedagents.WorkflowRunStatusRunningEvent](),
	"workflow_run.status_idle":    reflect.TypeFor[*managedagents.WorkflowRunStatusIdleEvent](),
	"workflow_run.phase_started":  reflect.TypeFor[*managedagents.WorkflowRunPhaseStartedEvent](),
	"workflow_run.phase_ended":    reflect.TypeFor[*managedagents.WorkflowRunPhaseEndedEvent](),
	"workflow_run.error":          reflect.TypeFor[*managedagents.WorkflowRunErrorEvent](),
	"workflow_run.status_ended":   reflect.TypeFor[*managedagents.WorkflowRunStatusEndedEvent](),
}

// sdkEvent is one history event as the official SDK decodes it.
type sdkEvent = anthropic.BetaManagedAgentsSessionEventUnion

// Seeded for the events tests: an agent whose bash tool asks for
// confirmation and which has a custom tool, and a self-hosted environment.
const (
	eventsAgentID   = "agent_01InteropEventsAgent000000"
	selfHostedEnvID = "env_01InteropSelfHostedEnv0000"
	rubricFileID    = "file_01InteropRubricFile000000"
	lookupTool      = "lookup_customer"
)

// eventsAgentTools is the resolved tool list of eventsAgentID: the built-in
// toolset allows everything but bash, which is always_ask, and one custom
// tool.
const eventsAgentTools = `[
  {"type": "agent_toolset_20260401",
   "default_config": {"enabled": true, "permission_policy": {"type": "always_allow"}},
   "configs": [{"type": "bash", "name": "bash", "enabled": true, "permission_policy": {"type": "always_ask"}}]},
  {"type": "custom", "name": "` + lookupTool + `", "description": "Look up a customer record in the CRM by customer ID.",
   "input_schema": {"type": "object", "properties": {"customer_id": {"type": "string"}}, "required": ["customer_id"]}}
]`

// seedEvents adds eventsAgentID, the self-hosted environment and the rubric
// file.
func seedEvents(e *env) {
	e.srv.AddAgent(managedagentstest.Agent{
		ID: eventsAgentID, Version: 1, Name: "Support assistant",
		Description: "Answers customer questions; asks before running shell commands.",
		Model:       managedagentstest.Model{ID: "claude-sonnet-4-6", Effort: "medium"},
		Tools:       json.RawMessage(eventsAgentTools),
	})
	e.srv.AddEnvironment(selfHostedEnvID, true)
	e.srv.AddFile(rubricFileID)
}

// newSession creates a session of the agent on the environment with the SDK.
func newSession(t *testing.T, e *env, agent, environment string) string {
	t.Helper()
	s := mustNew(t, e, anthropic.BetaSessionNewParams{
		Agent:         anthropic.BetaSessionNewParamsAgentUnion{OfString: anthropic.String(agent)},
		EnvironmentID: environment,
		Title:         anthropic.String("events oracle"),
	})
	if s.Status != anthropic.BetaManagedAgentsSessionStatusIdle {
		t.Fatalf("new session status %q, want idle", s.Status)
	}
	return s.ID
}

// ---- Event params ----

func userMessage(blocks ...anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion) anthropic.BetaManagedAgentsEventParamsUnion {
	return anthropic.BetaManagedAgentsEventParamsUnion{OfUserMessage: &anthropic.BetaManagedAgentsUserMessageEventParams{Content: blocks}}
}

func textParam(text string) anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion {
	return anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfText: &anthropic.BetaManagedAgentsTextBlockParam{Text: text}}
}

func userText(text string) anthropic.BetaManagedAgentsEventParamsUnion {
	return userMessage(textParam(text))
}

func confirmation(toolUseID string, allow bool, denyMessage string) anthropic.BetaManagedAgentsEventParamsUnion {
	p := &anthropic.BetaManagedAgentsUserToolConfirmationEventParams{
		ToolUseID: toolUseID,
		Result:    anthropic.BetaManagedAgentsUserToolConfirmationEventParamsResultAllow,
	}
	if !allow {
		p.Result = anthropic.BetaManagedAgentsUserToolConfirmationEventParamsResultDeny
		if denyMessage != "" {
			p.DenyMessage = anthropic.String(denyMessage)
		}
	}
	return anthropic.BetaManagedAgentsEventParamsUnion{OfUserToolConfirmation: p}
}

func customResult(customToolUseID, text string, isError bool) anthropic.BetaManagedAgentsEventParamsUnion {
	return anthropic.BetaManagedAgentsEventParamsUnion{OfUserCustomToolResult: &anthropic.BetaManagedAgentsUserCustomToolResultEventParams{
		CustomToolUseID: customToolUseID,
		Content: []anthropic.BetaManagedAgentsUserCustomToolResultEventParamsContentUnion{
			{OfText: &anthropic.BetaManagedAgentsTextBlockParam{Text: text}},
		},
		IsError: anthropic.Bool(isError),
	}}
}

// ---- Sending ----

const waitTimeout = 5 * time.Second

// waitIdle waits until the fake's agent has settled on the session.
func waitIdle(t *testing.T, e *env, sessionID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := e.srv.WaitIdle(ctx, sessionID); err != nil {
		t.Fatalf("WaitIdle(%s): %v", sessionID, err)
	}
}

// send sends events with the SDK and checks the request and every echo (see
// checkEcho). It returns the echoes.
func send(t *testing.T, e *env, sessionID string, events ...anthropic.BetaManagedAgentsEventParamsUnion) []anthropic.BetaManagedAgentsSendSessionEventsDataUnion {
	t.Helper()
	res, err := e.sdk.Beta.Sessions.Events.Send(context.Background(), sessionID, anthropic.BetaSessionEventSendParams{Events: events})
	if err != nil {
		t.Fatalf("Events.Send: %v", err)
	}
	r := e.last(t)
	if r.Method != http.MethodPost || r.Path != "/v1/sessions/"+sessionID+"/events" {
		t.Errorf("request %s %s, want POST /v1/sessions/%s/events", r.Method, r.Path, sessionID)
	}
	checkSDKHeaders(t, r, managedagentstest.BetaHeader, true)
	checkWire(t, "send response", res)
	body := bodyOf(t, r)
	sent, _ := body["events"].([]any)
	if len(body) != 1 || len(sent) != len(events) {
		t.Fatalf("send body = %s, want {events: [%d events]}", r.Body, len(events))
	}
	if len(res.Data) != len(sent) {
		t.Fatalf("send answered %d echoes for %d events: %s", len(res.Data), len(sent), res.RawJSON())
	}
	for i, echo := range res.Data {
		checkEcho(t, sent[i].(map[string]any), echo)
	}
	return res.Data
}

// checkEcho checks one send echo: the SDK's variant
// matches its type and it has every required field; it is the param as sent
// plus a new sevt_ ID and processed_at null — except user.define_outcome,
// which is processed at once and adds outcome_id and the resolved
// max_iterations.
func checkEcho(t *testing.T, sent map[string]any, echo anthropic.BetaManagedAgentsSendSessionEventsDataUnion) {
	t.Helper()
	what := "echo of " + echo.Type
	if !slices.Contains(clientEventTypes, echo.Type) {
		t.Errorf("%s: not a client event type", what)
	}
	checkVariant(t, what, echo.Type, echo.AsAny())
	checkWire(t, what, echo)
	got := jsonValue(t, echo.RawJSON())
	if id, _ := got["id"].(string); !strings.HasPrefix(id, "sevt_") || id != echo.ID {
		t.Errorf("%s: id = %v, want a sevt_ ID", what, got["id"])
	}
	delete(got, "id")
	at, hasAt := got["processed_at"]
	delete(got, "processed_at")
	if echo.Type == "user.define_outcome" {
		o := echo.AsUserDefineOutcome()
		if !o.JSON.ProcessedAt.Valid() || o.ProcessedAt.IsZero() {
			t.Errorf("%s: processed_at = %v, want the time it was processed (a define_outcome echo is processed at once)", what, at)
		}
		if !strings.HasPrefix(o.OutcomeID, "outc_") {
			t.Errorf("%s: outcome_id = %q, want outc_…", what, o.OutcomeID)
		}
		delete(got, "outcome_id")
		if _, ok := sent["max_iterations"]; !ok {
			if o.MaxIterations != 3 {
				t.Errorf("%s: max_iterations = %d, want the default 3", what, o.MaxIterations)
			}
			delete(got, "max_iterations")
		}
	} else if !hasAt || at != nil {
		t.Errorf("%s: processed_at = %v (present %v), want null: the event is queued", what, at, hasAt)
	}
	if diff := cmp.Diff(sent, got); diff != "" {
		t.Errorf("%s differs from the param sent (-sent +echo):\n%s", what, diff)
	}
}

// checkVariant checks that the SDK chose the variant of typ.
func checkVariant(t *testing.T, what, typ string, variant any) {
	t.Helper()
	want, ok := sdkVariants[typ]
	if !ok {
		t.Errorf("%s: %q is not one of the 42 history types", what, typ)
		return
	}
	if got := reflect.TypeOf(variant); got != want {
		t.Errorf("%s: the SDK decoded %q as %v, want %v", what, typ, got, want)
	}
}

// ---- Reading the history ----

// sdkPage reads one history page with the SDK and checks every event.
func sdkPage(t *testing.T, e *env, sessionID string, p anthropic.BetaSessionEventListParams) ([]sdkEvent, string) {
	t.Helper()
	page, err := e.sdk.Beta.Sessions.Events.List(context.Background(), sessionID, p)
	if err != nil {
		t.Fatalf("Events.List: %v", err)
	}
	r := e.last(t)
	if r.Method != http.MethodGet || r.Path != "/v1/sessions/"+sessionID+"/events" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	checkSDKHeaders(t, r, managedagentstest.BetaHeader, false)
	top := rawObject(t, page.RawJSON())
	if _, ok := top["next_page"]; !ok || len(top) != 2 {
		t.Errorf("history page members %v, want data and next_page only (history has no prev_page)", keysOf(top))
	}
	if page.NextPage == "" && page.JSON.NextPage.Raw() != "null" {
		t.Errorf("next_page of the last page = %s, want null", page.JSON.NextPage.Raw())
	}
	for _, ev := range page.Data {
		checkHistoryEvent(t, ev)
	}
	return page.Data, page.NextPage
}

// sdkHistory reads every event matching p with the SDK's auto-pager and
// checks each one.
func sdkHistory(t *testing.T, e *env, sessionID string, p anthropic.BetaSessionEventListParams) []sdkEvent {
	t.Helper()
	iter := e.sdk.Beta.Sessions.Events.ListAutoPaging(context.Background(), sessionID, p)
	var out []sdkEvent
	for iter.Next() {
		out = append(out, iter.Current())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("Events.ListAutoPaging: %v", err)
	}
	for _, ev := range out {
		checkHistoryEvent(t, ev)
	}
	return out
}

// checkHistoryEvent checks one persisted event: a known type decodes into
// its variant with every required field and nothing unknown, and every
// history event has a sevt_ ID and a processed_at.
func checkHistoryEvent(t *testing.T, ev sdkEvent) {
	t.Helper()
	what := ev.Type + " " + ev.ID
	if !strings.HasPrefix(ev.ID, "sevt_") {
		t.Errorf("%s: id %q, want sevt_…", what, ev.ID)
	}
	if at := rawObject(t, ev.RawJSON())["processed_at"]; len(at) == 0 || string(at) == "null" || ev.ProcessedAt.IsZero() {
		t.Errorf("%s: processed_at = %s; a persisted event is processed", what, at)
	}
	if _, known := sdkVariants[ev.Type]; !known {
		return // the caller decides what an unknown type must look like
	}
	checkVariant(t, what, ev.Type, ev.AsAny())
	checkWire(t, what, ev)
}

// typesOf returns the types of events, in order.
func typesOf(evs []sdkEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

// idsOf returns the IDs of events, in order.
func idsOf(evs []sdkEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// wantTypes compares event types with an expected sequence.
func wantTypes(t *testing.T, what string, evs []sdkEvent, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, typesOf(evs)); diff != "" {
		t.Errorf("%s: event types (-want +got):\n%s", what, diff)
	}
}

// ---- ID links ----

// answerTypes are the client answers and what each may refer to.
var answerTypes = map[string][]string{
	"user.tool_confirmation":  {"agent.tool_use", "agent.mcp_tool_use"},
	"user.custom_tool_result": {"agent.custom_tool_use"},
	"user.tool_result":        {"agent.tool_use"},
	"agent.tool_result":       {"agent.tool_use"},
	"agent.mcp_tool_result":   {"agent.mcp_tool_use"},
}

// answerRef returns the tool-use event ID an answer refers to.
func answerRef(ev sdkEvent) string {
	switch ev.Type {
	case "user.tool_confirmation":
		return ev.AsUserToolConfirmation().ToolUseID
	case "user.custom_tool_result":
		return ev.AsUserCustomToolResult().CustomToolUseID
	case "user.tool_result":
		return ev.AsUserToolResult().ToolUseID
	case "agent.tool_result":
		return ev.AsAgentToolResult().ToolUseID
	case "agent.mcp_tool_result":
		return ev.AsAgentMCPToolResult().MCPToolUseID
	}
	return ""
}

// checkLinks checks, over a session's whole history in order, that IDs
// link the way the API documents them: every reference names an earlier
// event of the right type; every model request span is closed once; a
// requires_action idle lists only tool uses that wait for the client and
// are not answered yet; outcome and workflow-run spans refer to their
// outcome, start event, run and phase.
func checkLinks(t *testing.T, evs []sdkEvent) {
	t.Helper()
	for _, p := range linkProblems(evs) {
		t.Error(p)
	}
}

// linkProblems returns what checkLinks reports, one line per problem.
func linkProblems(evs []sdkEvent) []string {
	var problems []string
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	pos := map[string]int{}
	for i, ev := range evs {
		if j, dup := pos[ev.ID]; dup {
			errorf("event %d (%s) reuses the ID of event %d: %s", i, ev.Type, j, ev.ID)
		}
		pos[ev.ID] = i
	}
	earlier := func(i int, ref string, types ...string) (sdkEvent, bool) {
		j, ok := pos[ref]
		if !ok || j >= i || !slices.Contains(types, evs[j].Type) {
			errorf("event %d (%s %s) refers to %q, which is no earlier %v event", i, evs[i].Type, evs[i].ID, ref, types)
			return sdkEvent{}, false
		}
		return evs[j], true
	}
	answered := map[string]int{} // tool-use ID -> position of its first answer
	ended := map[string]bool{}
	outcomes := map[string]bool{}
	phases := map[string][]string{} // workflow run -> phase IDs
	for i, ev := range evs {
		if kinds, ok := answerTypes[ev.Type]; ok {
			ref := answerRef(ev)
			earlier(i, ref, kinds...)
			if _, seen := answered[ref]; !seen {
				answered[ref] = i
			}
		}
		switch ev.Type {
		case "span.model_request_end":
			ref := ev.AsSpanModelRequestEnd().ModelRequestStartID
			earlier(i, ref, "span.model_request_start")
			if ended[ref] {
				errorf("span %s is ended twice", ref)
			}
			ended[ref] = true
		case "session.status_idle":
			idle := ev.AsSessionStatusIdle()
			if idle.StopReason.Type != "requires_action" {
				break
			}
			ids := idle.StopReason.AsRequiresAction().EventIDs
			if len(ids) == 0 {
				errorf("idle %s: requires_action with no event_ids", ev.ID)
			}
			for _, id := range ids {
				use, ok := earlier(i, id, "agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use")
				if !ok {
					continue
				}
				if at, done := answered[id]; done && at < i {
					errorf("idle %s lists %s, answered by event %d already", ev.ID, id, at)
				}
				if use.Type != "agent.custom_tool_use" && use.EvaluatedPermission == "deny" {
					errorf("idle %s lists %s, which the server denied (a denied call is never listed)", ev.ID, id)
				}
			}
		case "user.define_outcome":
			outcomes[ev.AsUserDefineOutcome().OutcomeID] = true
		case "span.outcome_evaluation_start", "span.outcome_evaluation_ongoing":
			if !outcomes[ev.OutcomeID] {
				errorf("%s %s: outcome_id %q names no earlier user.define_outcome", ev.Type, ev.ID, ev.OutcomeID)
			}
		case "span.outcome_evaluation_end":
			end := ev.AsSpanOutcomeEvaluationEnd()
			if start, ok := earlier(i, end.OutcomeEvaluationStartID, "span.outcome_evaluation_start"); ok {
				if start.OutcomeID != end.OutcomeID || start.Iteration != end.Iteration {
					errorf("outcome span %s ends %s/%d but started %s/%d", ev.ID, end.OutcomeID, end.Iteration, start.OutcomeID, start.Iteration)
				}
			}
		case "workflow_run.created":
			c := ev.AsWorkflowRunCreated()
			for _, p := range c.Phases {
				phases[c.WorkflowRunID] = append(phases[c.WorkflowRunID], p.ID)
			}
			if _, ok := phases[c.WorkflowRunID]; !ok {
				phases[c.WorkflowRunID] = []string{}
			}
		case "workflow_run.phase_started":
			p := ev.AsWorkflowRunPhaseStarted()
			if !slices.Contains(phases[p.WorkflowRunID], p.WorkflowRunPhaseID) {
				errorf("%s %s: phase %s is not a phase of run %s", ev.Type, ev.ID, p.WorkflowRunPhaseID, p.WorkflowRunID)
			}
		case "workflow_run.phase_ended":
			p := ev.AsWorkflowRunPhaseEnded()
			if start, ok := earlier(i, p.PhaseStartedID, "workflow_run.phase_started"); ok {
				s := start.AsWorkflowRunPhaseStarted()
				if s.WorkflowRunID != p.WorkflowRunID || s.WorkflowRunPhaseID != p.WorkflowRunPhaseID {
					errorf("%s %s ends phase %s/%s but started %s/%s", ev.Type, ev.ID, p.WorkflowRunID, p.WorkflowRunPhaseID, s.WorkflowRunID, s.WorkflowRunPhaseID)
				}
			}
		case "session.thread_created", "workflow_run.status_running", "workflow_run.status_idle", "workflow_run.status_ended":
			if run := ev.WorkflowRunID; run != "" {
				if _, ok := phases[run]; !ok {
					errorf("%s %s: workflow_run_id %s names no earlier workflow_run.created", ev.Type, ev.ID, run)
				}
			}
		}
	}
	return problems
}

// ---- Session state after a turn ----

// checkUsage reads the session with the SDK after a turn and checks it is
// idle and that its cumulative usage is the sum of the model requests of
// the history, equals the latest session.usage event, and grew past prev
// input tokens. It returns the session's input tokens.
func checkUsage(t *testing.T, e *env, sessionID string, history []sdkEvent, prev int64) int64 {
	t.Helper()
	s, err := e.sdk.Beta.Sessions.Get(context.Background(), sessionID, anthropic.BetaSessionGetParams{})
	if err != nil {
		t.Fatalf("Sessions.Get: %v", err)
	}
	checkSessionShape(t, s)
	if s.Status != anthropic.BetaManagedAgentsSessionStatusIdle {
		t.Errorf("status after the turn = %q, want idle", s.Status)
	}
	var in, out, cacheRead int64
	var last *anthropic.BetaManagedAgentsSessionUsageEvent
	for _, ev := range history {
		switch ev.Type {
		case "span.model_request_end":
			u := ev.AsSpanModelRequestEnd().ModelUsage
			in, out, cacheRead = in+u.InputTokens, out+u.OutputTokens, cacheRead+u.CacheReadInputTokens
		case "session.usage":
			u := ev.AsSessionUsage()
			last = &u
		}
	}
	u := s.Usage
	if u.InputTokens != in || u.OutputTokens != out || u.CacheReadInputTokens != cacheRead {
		t.Errorf("session usage in/out/cache_read = %d/%d/%d, the model requests of the history sum to %d/%d/%d",
			u.InputTokens, u.OutputTokens, u.CacheReadInputTokens, in, out, cacheRead)
	}
	if last == nil {
		t.Errorf("the history has no session.usage event")
	} else if lu := last.Usage; lu.InputTokens != u.InputTokens || lu.OutputTokens != u.OutputTokens || lu.CacheReadInputTokens != u.CacheReadInputTokens {
		t.Errorf("the last session.usage reads %d/%d/%d, the session %d/%d/%d",
			lu.InputTokens, lu.OutputTokens, lu.CacheReadInputTokens, u.InputTokens, u.OutputTokens, u.CacheReadInputTokens)
	}
	if u.InputTokens <= prev {
		t.Errorf("input tokens %d after the turn, %d before: usage did not grow", u.InputTokens, prev)
	}
	return u.InputTokens
}

// ---- Our client ----

// checkOursAgree reads the session's whole history with our client and
// checks it holds the same events as the SDK's, in the same order, each
// decoded into the concrete type of its event type (an *UnknownEvent for
// types neither knows), and that each re-encodes to the JSON it came from.
// It returns our events.
func checkOursAgree(t *testing.T, e *env, sessionID string, theirs []sdkEvent) []managedagents.Event {
	t.Helper()
	var ours []managedagents.Event
	for ev, err := range e.ours.Events.All(context.Background(), sessionID, managedagents.EventListParams{}) {
		if err != nil {
			t.Fatalf("our Events.All: %v", err)
		}
		ours = append(ours, ev)
	}
	var ourIDs, ourTypes []string
	for _, ev := range ours {
		ourIDs = append(ourIDs, ev.EventID())
		ourTypes = append(ourTypes, ev.EventType())
	}
	if diff := cmp.Diff(idsOf(theirs), ourIDs); diff != "" {
		t.Fatalf("event IDs (-official +ours):\n%s", diff)
	}
	if diff := cmp.Diff(typesOf(theirs), ourTypes); diff != "" {
		t.Errorf("event types (-official +ours):\n%s", diff)
	}
	for i, ev := range ours {
		checkOurEvent(t, fmt.Sprintf("our event %d", i), ev, theirs[i].RawJSON())
		if at, ok := ev.EventProcessedAt(); !ok || !at.Equal(theirs[i].ProcessedAt) {
			t.Errorf("our event %d: processed_at %v (set %v), the SDK read %v", i, at, ok, theirs[i].ProcessedAt)
		}
	}
	return ours
}

// dropNulls removes the members whose value is null, at every level: an
// optional nullable member means the same absent or null.
func dropNulls(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, m := range v {
			if m == nil {
				delete(v, k)
				continue
			}
			dropNulls(m)
		}
	case []any:
		for _, m := range v {
			dropNulls(m)
		}
	}
}

// sameInstant compares strings, taking two RFC 3339 date-times for the same
// instant as equal: Go writes "10:14:04.16Z" for "10:14:04.160Z".
var sameInstant = cmp.Comparer(func(a, b string) bool {
	if a == b {
		return true
	}
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
})

// checkOurEvent checks one event our client decoded from wire: its concrete
// type is the one of its event type (an *UnknownEvent for types neither
// client knows), it keeps wire as its RawJSON, and its typed fields
// re-encode to the same JSON, apart from how a time is written and from
// null members written as absent or the other way round.
func checkOurEvent(t *testing.T, what string, ev managedagents.Event, wire string) {
	t.Helper()
	what = fmt.Sprintf("%s (%s %s)", what, ev.EventType(), ev.EventID())
	want, known := ourEventTypes[ev.EventType()]
	if !known {
		want = reflect.TypeFor[*managedagents.UnknownEvent]()
	}
	if got := reflect.TypeOf(ev); got != want {
		t.Errorf("%s: decoded as %v, want %v", what, got, want)
	}
	if string(ev.RawJSON()) != wire {
		t.Errorf("%s: RawJSON differs from what the SDK received:\n ours %s\n  sdk %s", what, ev.RawJSON(), wire)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Errorf("%s: re-encoding: %v", what, err)
		return
	}
	w, again := jsonValue(t, wire), jsonValue(t, string(b))
	if ev.EventType() != "session.updated" { // there, null (cleared) differs from absent (unchanged)
		dropNulls(w)
		dropNulls(again)
	}
	if diff := cmp.Diff(w, again, sameInstant); diff != "" {
		t.Errorf("%s: our typed fields do not hold the event (-wire +re-encoded):\n%s", what, diff)
	}
}

// ---- Part 1: every client event kind through Events.Send ----

// TestSendClientEvents sends each client event kind with
// the official SDK; user.tool_confirmation, user.custom_tool_result and
// user.tool_result are sent in the real flows of TestScriptedTurns, through
// the same send helper.
func TestSendClientEvents(t *testing.T) {
	t.Run("user.message with every block form", func(t *testing.T) {
		e := newEnv(t)
		sid := newSession(t, e, managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID)
		msg := userMessage(
			textParam("Compare these."),
			anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfImage: &anthropic.BetaManagedAgentsImageBlockParam{
				Source: anthropic.BetaManagedAgentsImageBlockSourceUnionParam{OfBase64: &anthropic.BetaManagedAgentsBase64ImageSourceParam{
					MediaType: "image/png", Data: "iVBORw0KGgoAAAANSUhEUg==",
				}},
			}},
			anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfImage: &anthropic.BetaManagedAgentsImageBlockParam{
				Source: anthropic.BetaManagedAgentsImageBlockSourceUnionParam{OfURL: &anthropic.BetaManagedAgentsURLImageSourceParam{
					URL: "https://example.com/chart.webp",
				}},
			}},
			anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfImage: &anthropic.BetaManagedAgentsImageBlockParam{
				Source: anthropic.BetaManagedAgentsImageBlockSourceUnionParam{OfFile: &anthropic.BetaManagedAgentsFileImageSourceParam{
					FileID: "file_01ImageUpload0000000000",
				}},
			}},
			anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfDocument: &anthropic.BetaManagedAgentsDocumentBlockParam{
				Source: anthropic.BetaManagedAgentsDocumentBlockSourceUnionParam{OfBase64: &anthropic.BetaManagedAgentsBase64DocumentSourceParam{
					MediaType: "application/pdf", Data: "JVBERi0xLjcK",
				}},
				Title:   anthropic.String("Q3 report"),
				Context: anthropic.String("Finance, unaudited."),
			}},
			anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfDocument: &anthropic.BetaManagedAgentsDocumentBlockParam{
				Source: anthropic.BetaManagedAgentsDocumentBlockSourceUnionParam{OfText: &anthropic.BetaManagedAgentsPlainTextDocumentSourceParam{
					Data: "Release notes for 4.2.",
				}},
			}},
			anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfDocument: &anthropic.BetaManagedAgentsDocumentBlockParam{
				Source: anthropic.BetaManagedAgentsDocumentBlockSourceUnionParam{OfURL: &anthropic.BetaManagedAgentsURLDocumentSourceParam{
					URL: "https://example.com/spec.pdf",
				}},
				Title: anthropic.String("Spec"),
			}},
			anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfDocument: &anthropic.BetaManagedAgentsDocumentBlockParam{
				Source: anthropic.BetaManagedAgentsDocumentBlockSourceUnionParam{OfFile: &anthropic.BetaManagedAgentsFileDocumentSourceParam{
					FileID: fileID,
				}},
			}},
			anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfRedacted: &anthropic.BetaManagedAgentsRedactedBlockParam{}},
		)
		echoes := send(t, e, sid, msg)
		wantJSON(t, e, `{"events": [{"type": "user.message", "content": [
		  {"type": "text", "text": "Compare these."},
		  {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="}},
		  {"type": "image", "source": {"type": "url", "url": "https://example.com/chart.webp"}},
		  {"type": "image", "source": {"type": "file", "file_id": "file_01ImageUpload0000000000"}},
		  {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjcK"},
		   "title": "Q3 report", "context": "Finance, unaudited."},
		  {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Release notes for 4.2."}},
		  {"type": "document", "source": {"type": "url", "url": "https://example.com/spec.pdf"}, "title": "Spec"},
		  {"type": "document", "source": {"type": "file", "file_id": "`+fileID+`"}},
		  {"type": "redacted"}]}]}`)
		// The SDK picks the block and source variants the types say.
		content := echoes[0].AsUserMessage().Content
		var kinds []string
		for _, b := range content {
			kind := b.Type
			if b.Type == "image" {
				kind += "/" + b.AsImage().Source.Type
			}
			if b.Type == "document" {
				kind += "/" + b.AsDocument().Source.Type
			}
			kinds = append(kinds, kind)
		}
		if diff := cmp.Diff([]string{"text", "image/base64", "image/url", "image/file",
			"document/base64", "document/text", "document/url", "document/file", "redacted"}, kinds); diff != "" {
			t.Errorf("echoed blocks (-want +got):\n%s", diff)
		}
		if d := content[4].AsDocument(); d.Title != "Q3 report" || d.Context != "Finance, unaudited." || d.Source.MediaType != "application/pdf" {
			t.Errorf("echoed PDF document = %s", d.RawJSON())
		}

		waitIdle(t, e, sid)
		history := sdkHistory(t, e, sid, anthropic.BetaSessionEventListParams{})
		if len(history) == 0 || history[0].ID != echoes[0].ID {
			t.Fatalf("history %v does not start with the message %s", idsOf(history), echoes[0].ID)
		}
		processed := jsonValue(t, history[0].RawJSON())
		echoed := jsonValue(t, echoes[0].RawJSON())
		delete(processed, "processed_at")
		delete(echoed, "processed_at")
		if diff := cmp.Diff(echoed, processed); diff != "" {
			t.Errorf("the processed message differs from its echo (-echo +history):\n%s", diff)
		}
		checkLinks(t, history)
		checkOursAgree(t, e, sid, history)
	})

	t.Run("user.message with system.message", func(t *testing.T) {
		e := newEnv(t)
		sid := newSession(t, e, managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID)
		echoes := send(t, e, sid,
			userText("How many Go test files are in the repository?"),
			anthropic.BetaManagedAgentsEventParamsUnion{OfSystemMessage: &anthropic.BetaManagedAgentsSystemMessageEventParams{
				Content: []anthropic.BetaManagedAgentsSystemContentBlockParam{{Text: "Answer in one sentence."}},
			}},
		)
		// The documented send body, byte for byte apart from the IDs (the
		// main module's testdata/send/message.request.json).
		wantJSON(t, e, `{"events": [
		  {"type": "user.message", "content": [{"type": "text", "text": "How many Go test files are in the repository?"}]},
		  {"type": "system.message", "content": [{"type": "text", "text": "Answer in one sentence."}]}]}`)
		if sys := echoes[1].AsSystemMessage(); len(sys.Content) != 1 || sys.Content[0].Text != "Answer in one sentence." || sys.Content[0].Type != "text" {
			t.Errorf("system.message echo = %s", echoes[1].RawJSON())
		}
		waitIdle(t, e, sid)
		history := sdkHistory(t, e, sid, anthropic.BetaSessionEventListParams{})
		wantTypes(t, "turn with a system message", history,
			"user.message", "system.message", "session.status_running", "span.model_request_start", "agent.thinking",
			"agent.message", "span.model_request_end", "session.usage", "session.status_idle")
		if diff := cmp.Diff([]string{echoes[0].ID, echoes[1].ID}, idsOf(history[:2])); diff != "" {
			t.Errorf("processed IDs differ from the echoes (-echo +history):\n%s", diff)
		}
		checkLinks(t, history)
		checkUsage(t, e, sid, history, 0)
		checkOursAgree(t, e, sid, history)
	})

	t.Run("user.interrupt", func(t *testing.T) {
		e := newEnv(t)
		seedEvents(e)
		sid := newSession(t, e, eventsAgentID, managedagentstest.DefaultEnvironmentID)

		// An interrupt while the agent waits for a custom tool result ends
		// the turn; the pending call is dropped.
		send(t, e, sid, userText("call: "+lookupTool+` {"customer_id":"cus_9"}`))
		waitIdle(t, e, sid)
		echo := send(t, e, sid, anthropic.BetaManagedAgentsEventParamsUnion{OfUserInterrupt: &anthropic.BetaManagedAgentsUserInterruptEventParams{}})
		wantJSON(t, e, `{"events": [{"type": "user.interrupt"}]}`)
		if i := echo[0].AsUserInterrupt(); i.JSON.SessionThreadID.Valid() {
			t.Errorf("interrupt echo has session_thread_id %q though none was sent", i.SessionThreadID)
		}
		waitIdle(t, e, sid)

		// One for a named thread, on an idle session: accepted and logged.
		const thread = "sthr_01rHeEuVxdsvhhmjd1gkwnH1BH"
		echo2 := send(t, e, sid, anthropic.BetaManagedAgentsEventParamsUnion{OfUserInterrupt: &anthropic.BetaManagedAgentsUserInterruptEventParams{
			SessionThreadID: anthropic.String(thread),
		}})
		wantJSON(t, e, `{"events": [{"type": "user.interrupt", "session_thread_id": "`+thread+`"}]}`)
		if got := echo2[0].AsUserInterrupt().SessionThreadID; got != thread {
			t.Errorf("interrupt echo session_thread_id = %q, want %q", got, thread)
		}
		waitIdle(t, e, sid)

		history := sdkHistory(t, e, sid, anthropic.BetaSessionEventListParams{})
		wantTypes(t, "interrupted turn", history,
			"user.message", "session.status_running", "span.model_request_start", "agent.thinking", "agent.custom_tool_use",
			"span.model_request_end", "session.status_idle", "user.interrupt", "session.status_idle", "user.interrupt")
		if len(history) == 10 {
			if history[7].ID != echo[0].ID || history[9].ID != echo2[0].ID {
				t.Errorf("interrupt IDs %s %s, echoes %s %s", history[7].ID, history[9].ID, echo[0].ID, echo2[0].ID)
			}
			if r := history[8].AsSessionStatusIdle().StopReason.Type; r != "end_turn" {
				t.Errorf("idle after the interrupt: stop_reason %q, want end_turn", r)
			}
		}
		checkLinks(t, history)
		checkOursAgree(t, e, sid, history)
	})

	t.Run("user.define_outcome with text and file rubrics", func(t *testing.T) {
		e := newEnv(t)
		seedEvents(e)
		sid := newSession(t, e, managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID)
		echoes := send(t, e, sid,
			anthropic.BetaManagedAgentsEventParamsUnion{OfUserDefineOutcome: &anthropic.BetaManagedAgentsUserDefineOutcomeEventParams{
				Description: "A changelog section for 4.2.",
				Rubric: anthropic.BetaManagedAgentsUserDefineOutcomeEventParamsRubricUnion{
					OfText: &anthropic.BetaManagedAgentsTextRubricParams{Content: "Lists every merged pull request."},
				},
				MaxIterations: anthropic.Int(5),
			}},
			anthropic.BetaManagedAgentsEventParamsUnion{OfUserDefineOutcome: &anthropic.BetaManagedAgentsUserDefineOutcomeEventParams{
				Description: "Release notes that pass the style guide.",
				Rubric: anthropic.BetaManagedAgentsUserDefineOutcomeEventParamsRubricUnion{
					OfFile: &anthropic.BetaManagedAgentsFileRubricParams{FileID: rubricFileID},
				},
			}},
		)
		wantJSON(t, e, `{"events": [
		  {"type": "user.define_outcome", "description": "A changelog section for 4.2.",
		   "rubric": {"type": "text", "content": "Lists every merged pull request."}, "max_iterations": 5},
		  {"type": "user.define_outcome", "description": "Release notes that pass the style guide.",
		   "rubric": {"type": "file", "file_id": "`+rubricFileID+`"}}]}`)
		first, second := echoes[0].AsUserDefineOutcome(), echoes[1].AsUserDefineOutcome()
		if first.Rubric.Type != "text" || first.Rubric.AsText().Content != "Lists every merged pull request." || first.MaxIterations != 5 {
			t.Errorf("text rubric echo = %s", echoes[0].RawJSON())
		}
		// The API's echo may resolve a file rubric to text; the
		// fake keeps the file form.
		if r := second.Rubric; r.Type != "file" && r.Type != "text" {
			t.Errorf("file rubric echo = %s", second.Rubric.RawJSON())
		}
		if first.OutcomeID == second.OutcomeID {
			t.Errorf("both outcomes got %s", first.OutcomeID)
		}

		// Processed at once: in the history without any turn, and pending in
		// outcome_evaluations.
		history := sdkHistory(t, e, sid, anthropic.BetaSessionEventListParams{})
		if diff := cmp.Diff([]string{echoes[0].ID, echoes[1].ID}, idsOf(history)); diff != "" {
			t.Errorf("history (-echoes +history):\n%s", diff)
		}
		s, err := e.sdk.Beta.Sessions.Get(context.Background(), sid, anthropic.BetaSessionGetParams{})
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		checkSessionShape(t, s)
		var got []string
		for _, o := range s.OutcomeEvaluations {
			got = append(got, o.OutcomeID+" "+o.Result+" "+o.Description)
		}
		if diff := cmp.Diff([]string{
			first.OutcomeID + " pending A changelog section for 4.2.",
			second.OutcomeID + " pending Release notes that pass the style guide.",
		}, got); diff != "" {
			t.Errorf("outcome_evaluations (-want +got):\n%s", diff)
		}
		checkOursAgree(t, e, sid, history)
	})

	t.Run("initial_events", func(t *testing.T) {
		e := newEnv(t)
		seedEvents(e)
		p := simpleParams("with initial events")
		p.InitialEvents = []anthropic.BetaSessionNewParamsInitialEventUnion{
			{OfUserDefineOutcome: &anthropic.BetaManagedAgentsUserDefineOutcomeEventParams{
				Description: "A summary of main.",
				Rubric: anthropic.BetaManagedAgentsUserDefineOutcomeEventParamsRubricUnion{
					OfFile: &anthropic.BetaManagedAgentsFileRubricParams{FileID: rubricFileID},
				},
			}},
			{OfUserMessage: &anthropic.BetaManagedAgentsUserMessageEventParams{
				Content: []anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{
					textParam("Summarise what changed on main."),
					{OfDocument: &anthropic.BetaManagedAgentsDocumentBlockParam{
						Source: anthropic.BetaManagedAgentsDocumentBlockSourceUnionParam{OfText: &anthropic.BetaManagedAgentsPlainTextDocumentSourceParam{
							Data: "git log --oneline",
						}},
					}},
				},
			}},
		}
		s := mustNew(t, e, p)
		wantJSON(t, e, `{"agent": "`+managedagentstest.DefaultAgentID+`", "environment_id": "`+
			managedagentstest.DefaultEnvironmentID+`", "title": "with initial events",
			"initial_events": [
			  {"type": "user.define_outcome", "description": "A summary of main.", "rubric": {"type": "file", "file_id": "`+rubricFileID+`"}},
			  {"type": "user.message", "content": [{"type": "text", "text": "Summarise what changed on main."},
			    {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "git log --oneline"}}]}]}`)
		checkSessionShape(t, s)
		waitIdle(t, e, s.ID)
		history := sdkHistory(t, e, s.ID, anthropic.BetaSessionEventListParams{})
		wantTypes(t, "session created with initial_events", history,
			"user.define_outcome", "user.message", "session.status_running", "span.model_request_start", "agent.thinking",
			"agent.message", "span.model_request_end", "session.usage", "session.status_idle")
		if len(history) > 0 {
			o := history[0].AsUserDefineOutcome()
			if o.MaxIterations != 3 || !strings.HasPrefix(o.OutcomeID, "outc_") {
				t.Errorf("initial define_outcome = %s", history[0].RawJSON())
			}
		}
		checkLinks(t, history)
		checkUsage(t, e, s.ID, history, 0)
		checkOursAgree(t, e, s.ID, history)
	})
}

// TestSendAgreesWithOurClient sends the same events through both clients:
// the bodies must be the same JSON, and our client must decode the echoes
// the way the SDK does.
func TestSendAgreesWithOurClient(t *testing.T) {
	e := newEnv(t)
	seedEvents(e)
	ctx := context.Background()
	cloud := newSession(t, e, managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID)
	selfHosted := newSession(t, e, managedagentstest.DefaultAgentID, selfHostedEnvID)
	const pending = "sevt_01NoSuchToolUse0000000000"
	title, docContext := "Q3 report", "Finance, unaudited."
	doc := managedagents.DocumentText("Release notes for 4.2.")
	doc.Title, doc.Context = &title, &docContext
	cases := []struct {
		name    string
		session string
		sdk     []anthropic.BetaManagedAgentsEventParamsUnion
		ours    []managedagents.EventParam
	}{
		{"user.message and system.message", cloud,
			[]anthropic.BetaManagedAgentsEventParamsUnion{
				userMessage(textParam("Compare these."),
					anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfImage: &anthropic.BetaManagedAgentsImageBlockParam{
						Source: anthropic.BetaManagedAgentsImageBlockSourceUnionParam{OfBase64: &anthropic.BetaManagedAgentsBase64ImageSourceParam{MediaType: "image/png", Data: "iVBORw0KGgo="}},
					}},
					anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfDocument: &anthropic.BetaManagedAgentsDocumentBlockParam{
						Source: anthropic.BetaManagedAgentsDocumentBlockSourceUnionParam{OfText: &anthropic.BetaManagedAgentsPlainTextDocumentSourceParam{Data: "Release notes for 4.2."}},
						Title:  anthropic.String(title), Context: anthropic.String(docContext),
					}},
					anthropic.BetaManagedAgentsUserMessageEventParamsContentUnion{OfImage: &anthropic.BetaManagedAgentsImageBlockParam{
						Source: anthropic.BetaManagedAgentsImageBlockSourceUnionParam{OfURL: &anthropic.BetaManagedAgentsURLImageSourceParam{URL: "https://example.com/a.png"}},
					}},
				),
				{OfSystemMessage: &anthropic.BetaManagedAgentsSystemMessageEventParams{Content: []anthropic.BetaManagedAgentsSystemContentBlockParam{{Text: "Be brief."}}}},
			},
			[]managedagents.EventParam{
				managedagents.UserMessageBlocks(managedagents.TextBlock("Compare these."), managedagents.ImageBase64("image/png", "iVBORw0KGgo="), doc,
					managedagents.ImageURL("https://example.com/a.png")),
				managedagents.SystemMessage("Be brief."),
			}},
		{"user.interrupt of a thread", cloud,
			[]anthropic.BetaManagedAgentsEventParamsUnion{{OfUserInterrupt: &anthropic.BetaManagedAgentsUserInterruptEventParams{SessionThreadID: anthropic.String(catalogThread)}}},
			[]managedagents.EventParam{managedagents.InterruptThread(catalogThread)}},
		{"user.define_outcome", cloud,
			[]anthropic.BetaManagedAgentsEventParamsUnion{{OfUserDefineOutcome: &anthropic.BetaManagedAgentsUserDefineOutcomeEventParams{
				Description: "Release notes.", MaxIterations: anthropic.Int(4),
				Rubric: anthropic.BetaManagedAgentsUserDefineOutcomeEventParamsRubricUnion{OfFile: &anthropic.BetaManagedAgentsFileRubricParams{FileID: rubricFileID}},
			}}},
			[]managedagents.EventParam{func() managedagents.DefineOutcomeParam {
				p := managedagents.DefineOutcome("Release notes.", managedagents.FileRubric(rubricFileID))
				p.MaxIterations = 4
				return p
			}()}},
		{"user.tool_confirmation deny", cloud,
			[]anthropic.BetaManagedAgentsEventParamsUnion{confirmation(pending, false, "Not on main.")},
			[]managedagents.EventParam{managedagents.DenyTool(pending, "Not on main.")}},
		{"user.tool_confirmation allow", cloud,
			[]anthropic.BetaManagedAgentsEventParamsUnion{confirmation(pending, true, "")},
			[]managedagents.EventParam{managedagents.AllowTool(pending)}},
		{"user.custom_tool_result error", cloud,
			[]anthropic.BetaManagedAgentsEventParamsUnion{customResult(pending, "CRM timeout", true)},
			[]managedagents.EventParam{managedagents.CustomToolError(pending, "CRM timeout")}},
		{"user.tool_result error", selfHosted,
			[]anthropic.BetaManagedAgentsEventParamsUnion{{OfUserToolResult: &anthropic.BetaManagedAgentsUserToolResultEventParams{
				ToolUseID: pending, IsError: anthropic.Bool(true),
				Content: []anthropic.BetaManagedAgentsUserToolResultEventParamsContentUnion{{OfText: &anthropic.BetaManagedAgentsTextBlockParam{Text: "exit 1"}}},
			}}},
			[]managedagents.EventParam{func() managedagents.ToolResultParam {
				p := managedagents.ToolResult(pending, managedagents.TextBlock("exit 1"))
				p.IsError = true
				return p
			}()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			theirs := send(t, e, tc.session, tc.sdk...)
			theirBody := bodyOf(t, e.last(t))
			ours, err := e.ours.Events.Send(ctx, tc.session, tc.ours...)
			if err != nil {
				t.Fatalf("our Events.Send: %v", err)
			}
			if diff := cmp.Diff(theirBody, bodyOf(t, e.last(t))); diff != "" {
				t.Errorf("send bodies (-official +ours):\n%s", diff)
			}
			if len(ours) != len(theirs) {
				t.Fatalf("our client decoded %d echoes, the SDK %d", len(ours), len(theirs))
			}
			for i, ev := range ours {
				checkOurEvent(t, fmt.Sprintf("our echo %d", i), ev, string(ev.RawJSON()))
				_, processed := ev.EventProcessedAt()
				if processed != (ev.EventType() == "user.define_outcome") {
					t.Errorf("our echo %d (%s): processed %v", i, ev.EventType(), processed)
				}
				mine, sdk := jsonValue(t, string(ev.RawJSON())), jsonValue(t, theirs[i].RawJSON())
				for _, k := range []string{"id", "outcome_id", "processed_at"} {
					delete(mine, k)
					delete(sdk, k)
				}
				if diff := cmp.Diff(sdk, mine); diff != "" {
					t.Errorf("echo %d (-official +ours):\n%s", i, diff)
				}
			}
		})
	}
	waitIdle(t, e, cloud)
	waitIdle(t, e, selfHosted)
}
