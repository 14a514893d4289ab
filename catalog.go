package managedagents

//go:generate go run ./internal/catalogen/gen

// EventGroup is the family an event type belongs to.
type EventGroup string

// Event groups.
const (
	// GroupClient holds the events clients send (user.* and
	// system.message), as the server echoes them.
	GroupClient EventGroup = "client"
	// GroupAgent holds what the agent does: messages, thinking, tool use.
	GroupAgent EventGroup = "agent"
	// GroupSession holds the session's and its threads' status changes,
	// errors and usage.
	GroupSession EventGroup = "session"
	// GroupSpan holds the spans of model requests and outcome evaluations.
	GroupSpan EventGroup = "span"
	// GroupWorkflowRun holds the events of workflow runs.
	GroupWorkflowRun EventGroup = "workflow_run"
	// GroupPreview holds the stream-only live previews.
	GroupPreview EventGroup = "preview"
)

// EventTypeInfo describes one event type this library knows.
type EventTypeInfo struct {
	// Type is the wire type, such as "agent.message".
	Type string
	// Group is the type's family.
	Group EventGroup
	// Persisted is true for the types of the history (and so the valid
	// Types filters of Events.List); false for the stream-only previews.
	Persisted bool
	// Sendable is true for the types a client sends with Events.Send.
	Sendable bool
}

// EventTypes returns every event type this library knows, grouped as the
// API documents them: the client events, then agent, session, span and
// workflow-run events, then the live previews.
func EventTypes() []EventTypeInfo {
	out := make([]EventTypeInfo, len(eventCatalog))
	for i, d := range eventCatalog {
		out[i] = EventTypeInfo{Type: d.typ, Group: d.group, Persisted: d.persisted, Sendable: d.param != ""}
	}
	return out
}

// eventDecl declares one event type: its wire type, the Go type it decodes
// into, its group, whether it is persisted, and for the types clients send
// the Go type of their param.
type eventDecl struct {
	typ       string
	goType    string
	group     EventGroup
	persisted bool
	param     string
}

// eventCatalog declares every event type once. `go generate` derives from
// it (see internal/catalogen) the Event… constants, the registry DecodeEvent
// uses, the MarshalJSON of every event type and the EventParamType and
// MarshalJSON of every param (all in catalog_gen.go), and the fake server's
// copy of the catalog as data (managedagentstest/catalog_gen.go), which
// keeps the fake independent of this package. TestCatalog checks the
// generated files, the Go types and the fixtures under testdata/events
// against it.
var eventCatalog = []eventDecl{
	{typ: "user.message", goType: "UserMessageEvent", group: GroupClient, persisted: true, param: "UserMessageParam"},
	{typ: "user.interrupt", goType: "UserInterruptEvent", group: GroupClient, persisted: true, param: "InterruptParam"},
	{typ: "user.tool_confirmation", goType: "UserToolConfirmationEvent", group: GroupClient, persisted: true, param: "ToolConfirmationParam"},
	{typ: "user.custom_tool_result", goType: "UserCustomToolResultEvent", group: GroupClient, persisted: true, param: "CustomToolResultParam"},
	{typ: "user.tool_result", goType: "UserToolResultEvent", group: GroupClient, persisted: true, param: "ToolResultParam"},
	{typ: "user.define_outcome", goType: "UserDefineOutcomeEvent", group: GroupClient, persisted: true, param: "DefineOutcomeParam"},
	{typ: "system.message", goType: "SystemMessageEvent", group: GroupClient, persisted: true, param: "SystemMessageParam"},
	{typ: "agent.message", goType: "AgentMessageEvent", group: GroupAgent, persisted: true},
	{typ: "agent.thinking", goType: "AgentThinkingEvent", group: GroupAgent, persisted: true},
	{typ: "agent.tool_use", goType: "AgentToolUseEvent", group: GroupAgent, persisted: true},
	{typ: "agent.tool_result", goType: "AgentToolResultEvent", group: GroupAgent, persisted: true},
	{typ: "agent.mcp_tool_use", goType: "AgentMCPToolUseEvent", group: GroupAgent, persisted: true},
	{typ: "agent.mcp_tool_result", goType: "AgentMCPToolResultEvent", group: GroupAgent, persisted: true},
	{typ: "agent.custom_tool_use", goType: "AgentCustomToolUseEvent", group: GroupAgent, persisted: true},
	{typ: "agent.thread_context_compacted", goType: "AgentThreadContextCompactedEvent", group: GroupAgent, persisted: true},
	{typ: "agent.thread_message_sent", goType: "AgentThreadMessageSentEvent", group: GroupAgent, persisted: true},
	{typ: "agent.thread_message_received", goType: "AgentThreadMessageReceivedEvent", group: GroupAgent, persisted: true},
	{typ: "session.status_running", goType: "SessionStatusRunningEvent", group: GroupSession, persisted: true},
	{typ: "session.status_idle", goType: "SessionStatusIdleEvent", group: GroupSession, persisted: true},
	{typ: "session.status_rescheduled", goType: "SessionStatusRescheduledEvent", group: GroupSession, persisted: true},
	{typ: "session.status_terminated", goType: "SessionStatusTerminatedEvent", group: GroupSession, persisted: true},
	{typ: "session.error", goType: "SessionErrorEvent", group: GroupSession, persisted: true},
	{typ: "session.deleted", goType: "SessionDeletedEvent", group: GroupSession, persisted: true},
	{typ: "session.updated", goType: "SessionUpdatedEvent", group: GroupSession, persisted: true},
	{typ: "session.usage", goType: "SessionUsageEvent", group: GroupSession, persisted: true},
	{typ: "session.thread_created", goType: "SessionThreadCreatedEvent", group: GroupSession, persisted: true},
	{typ: "session.thread_status_running", goType: "SessionThreadStatusRunningEvent", group: GroupSession, persisted: true},
	{typ: "session.thread_status_idle", goType: "SessionThreadStatusIdleEvent", group: GroupSession, persisted: true},
	{typ: "session.thread_status_rescheduled", goType: "SessionThreadStatusRescheduledEvent", group: GroupSession, persisted: true},
	{typ: "session.thread_status_terminated", goType: "SessionThreadStatusTerminatedEvent", group: GroupSession, persisted: true},
	{typ: "span.model_request_start", goType: "SpanModelRequestStartEvent", group: GroupSpan, persisted: true},
	{typ: "span.model_request_end", goType: "SpanModelRequestEndEvent", group: GroupSpan, persisted: true},
	{typ: "span.outcome_evaluation_start", goType: "SpanOutcomeEvaluationStartEvent", group: GroupSpan, persisted: true},
	{typ: "span.outcome_evaluation_ongoing", goType: "SpanOutcomeEvaluationOngoingEvent", group: GroupSpan, persisted: true},
	{typ: "span.outcome_evaluation_end", goType: "SpanOutcomeEvaluationEndEvent", group: GroupSpan, persisted: true},
	{typ: "workflow_run.created", goType: "WorkflowRunCreatedEvent", group: GroupWorkflowRun, persisted: true},
	{typ: "workflow_run.status_running", goType: "WorkflowRunStatusRunningEvent", group: GroupWorkflowRun, persisted: true},
	{typ: "workflow_run.status_idle", goType: "WorkflowRunStatusIdleEvent", group: GroupWorkflowRun, persisted: true},
	{typ: "workflow_run.phase_started", goType: "WorkflowRunPhaseStartedEvent", group: GroupWorkflowRun, persisted: true},
	{typ: "workflow_run.phase_ended", goType: "WorkflowRunPhaseEndedEvent", group: GroupWorkflowRun, persisted: true},
	{typ: "workflow_run.error", goType: "WorkflowRunErrorEvent", group: GroupWorkflowRun, persisted: true},
	{typ: "workflow_run.status_ended", goType: "WorkflowRunStatusEndedEvent", group: GroupWorkflowRun, persisted: true},
	{typ: "event_start", goType: "EventStartEvent", group: GroupPreview},
	{typ: "event_delta", goType: "EventDeltaEvent", group: GroupPreview},
}
