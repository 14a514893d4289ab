package managedagents

import "encoding/json"

// This file holds one struct per event type of the reference (§4.3–§4.7,
// §4.12) and the nested shapes they carry. Decoding fills the fields with
// encoding/json through DecodeEvent; each MarshalJSON re-encodes from the
// fields with the type set, so a decoded event re-encodes to equivalent
// JSON. Required nullable fields are pointers encoded as null; optional
// fields are left out when absent.

// Stop reason types (§4.8). The set is open.
const (
	StopReasonEndTurn          = "end_turn"
	StopReasonRequiresAction   = "requires_action"
	StopReasonRetriesExhausted = "retries_exhausted"
	StopReasonBudgetReached    = "budget_reached"
	StopReasonRefusal          = "refusal"
)

// Retry statuses of a session.error (§4.9).
const (
	RetryStatusRetrying  = "retrying"
	RetryStatusExhausted = "exhausted"
	RetryStatusTerminal  = "terminal"
)

// session.error types (§4.9). The set is open: act on RetryStatus for the
// others.
const (
	SessionErrorUnknown                   = "unknown_error"
	SessionErrorModelOverloaded           = "model_overloaded_error"
	SessionErrorModelRateLimited          = "model_rate_limited_error"
	SessionErrorModelRequestFailed        = "model_request_failed_error"
	SessionErrorMCPConnectionFailed       = "mcp_connection_failed_error"
	SessionErrorMCPAuthenticationFailed   = "mcp_authentication_failed_error"
	SessionErrorBilling                   = "billing_error"
	SessionErrorCredentialHostUnreachable = "credential_host_unreachable_error"
	SessionErrorToolUseLimitReached       = "tool_use_limit_reached_error"
	SessionErrorCompactionLimitReached    = "compaction_limit_reached_error"
	SessionErrorRepositoryAuthentication  = "repository_authentication_error"
	SessionErrorRepositoryForbidden       = "repository_forbidden_error"
	SessionErrorRepositoryNotFound        = "repository_not_found_error"
	SessionErrorRepositoryCheckout        = "repository_checkout_error"
	SessionErrorRepositoryClone           = "repository_clone_error"
)

// Permission verdicts: the top-level evaluated_permission string of tool-use
// events (§4.10), and the result of a user.tool_confirmation (allow, deny).
const (
	PermissionAllow = "allow"
	PermissionAsk   = "ask"
	PermissionDeny  = "deny"
)

// Workflow-run result types (§4.7).
const (
	WorkflowResultCompleted = "completed"
	WorkflowResultStopped   = "stopped"
	WorkflowResultError     = "error"
)

// ---- Nested shapes ----

// StopReason says why a session or thread went idle (§4.8), a union on
// Type. A reason of an unknown type keeps its JSON.
type StopReason struct {
	// Type is one of the StopReason constants, or a newer reason.
	Type string `json:"type"`
	// EventIDs lists, for requires_action, the tool-use events awaiting an
	// answer.
	EventIDs []string `json:"event_ids,omitzero"`

	raw json.RawMessage
}

// EndsTurn reports whether the idle ends the turn: every reason but
// requires_action does, unknown reasons included (§4.8).
func (r StopReason) EndsTurn() bool { return r.Type != StopReasonRequiresAction }

func knownStopReason(t string) bool {
	switch t {
	case StopReasonEndTurn, StopReasonRequiresAction, StopReasonRetriesExhausted, StopReasonBudgetReached, StopReasonRefusal:
		return true
	}
	return false
}

// MarshalJSON encodes the reason; an unknown one is written back unchanged.
func (r StopReason) MarshalJSON() ([]byte, error) {
	if r.raw != nil && !knownStopReason(r.Type) {
		return r.raw, nil
	}
	type plain StopReason
	return json.Marshal(plain(r))
}

// UnmarshalJSON decodes any reason, keeping the JSON of unknown ones.
func (r *StopReason) UnmarshalJSON(b []byte) error {
	type plain StopReason
	var p plain
	typ, raw, err := decodeOpen(b, &p, func(p *plain) string { return p.Type }, knownStopReason)
	if err != nil {
		return err
	}
	*r = StopReason(p)
	r.Type, r.raw = typ, raw
	return nil
}

// StopDetails explains a stop, for now only a refusal (§4.8). Details of an
// unknown type keep their JSON.
type StopDetails struct {
	// Type is "refusal" (open set).
	Type string `json:"type"`
	// Category is cyber, bio, frontier_llm, reasoning_extraction,
	// general_harms (open set), or nil.
	Category *string `json:"category"`
	// Explanation is for display; its wording is not stable.
	Explanation *string `json:"explanation"`

	raw json.RawMessage
}

func knownStopDetails(t string) bool { return t == StopReasonRefusal }

// MarshalJSON encodes the details; unknown ones are written back unchanged.
func (d StopDetails) MarshalJSON() ([]byte, error) {
	if d.raw != nil && !knownStopDetails(d.Type) {
		return d.raw, nil
	}
	type plain StopDetails
	return json.Marshal(plain(d))
}

// UnmarshalJSON decodes any details, keeping the JSON of unknown ones.
func (d *StopDetails) UnmarshalJSON(b []byte) error {
	type plain StopDetails
	var p plain
	typ, raw, err := decodeOpen(b, &p, func(p *plain) string { return p.Type }, knownStopDetails)
	if err != nil {
		return err
	}
	*d = StopDetails(p)
	d.Type, d.raw = typ, raw
	return nil
}

// RetryStatus says what happens after a session.error.
type RetryStatus struct {
	// Type is one of the RetryStatus constants (open set).
	Type string `json:"type"`
}

// SessionError is the error of a session.error event (§4.9). Type is the
// discriminator (there is no code); the extra fields are set for the types
// that carry them. An error of an unknown type decodes its common fields and
// keeps its JSON.
type SessionError struct {
	// Type is one of the SessionError constants, or a newer type.
	Type string `json:"type"`
	// Message is for humans; do not parse it.
	Message     string      `json:"message"`
	RetryStatus RetryStatus `json:"retry_status"`
	// MCPServerName is set for the mcp_* errors.
	MCPServerName *string `json:"mcp_server_name,omitempty"`
	// CredentialID and VaultID are set for credential_host_unreachable_error.
	CredentialID *string `json:"credential_id,omitempty"`
	VaultID      *string `json:"vault_id,omitempty"`
	// RepositoryURL is set (possibly to null) for the repository_* errors.
	RepositoryURL *string `json:"repository_url,omitempty"`

	raw json.RawMessage
}

// Retrying reports that the server retries by itself: keep streaming.
func (e SessionError) Retrying() bool { return e.RetryStatus.Type == RetryStatusRetrying }

// Exhausted reports that the turn is dead; expect an idle with
// retries_exhausted.
func (e SessionError) Exhausted() bool { return e.RetryStatus.Type == RetryStatusExhausted }

// Terminal reports that the session will be terminated.
func (e SessionError) Terminal() bool { return e.RetryStatus.Type == RetryStatusTerminal }

func knownSessionError(t string) bool {
	switch t {
	case SessionErrorUnknown, SessionErrorModelOverloaded, SessionErrorModelRateLimited,
		SessionErrorModelRequestFailed, SessionErrorMCPConnectionFailed, SessionErrorMCPAuthenticationFailed,
		SessionErrorBilling, SessionErrorCredentialHostUnreachable, SessionErrorToolUseLimitReached,
		SessionErrorCompactionLimitReached:
		return true
	}
	return isRepositoryError(t)
}

func isRepositoryError(t string) bool {
	switch t {
	case SessionErrorRepositoryAuthentication, SessionErrorRepositoryForbidden, SessionErrorRepositoryNotFound,
		SessionErrorRepositoryCheckout, SessionErrorRepositoryClone:
		return true
	}
	return false
}

// MarshalJSON encodes the error. repository_url is required (and nullable)
// on the repository errors; an unknown error is written back unchanged.
func (e SessionError) MarshalJSON() ([]byte, error) {
	if e.raw != nil && !knownSessionError(e.Type) {
		return e.raw, nil
	}
	type plain SessionError
	if isRepositoryError(e.Type) {
		// The outer field shadows the embedded one, which omits null.
		return json.Marshal(struct {
			plain
			RepositoryURL *string `json:"repository_url"`
		}{plain(e), e.RepositoryURL})
	}
	return json.Marshal(plain(e))
}

// UnmarshalJSON decodes any error, keeping the JSON of unknown types.
func (e *SessionError) UnmarshalJSON(b []byte) error {
	type plain SessionError
	var p plain
	typ, raw, err := decodeOpen(b, &p, func(p *plain) string { return p.Type }, knownSessionError)
	if err != nil {
		return err
	}
	*e = SessionError(p)
	e.Type, e.raw = typ, raw
	return nil
}

// Evaluation says which permission policy produced a tool call's verdict
// (§4.10): {"type": "always_allow"}, {"type": "always_ask"}, or
// {"type": "auto", "evaluated_permission": {...}}. Its Type uses the Policy
// constants. An evaluation of an unknown type keeps its JSON.
type Evaluation struct {
	// Type is "always_allow", "always_ask" or "auto" (open set).
	Type string `json:"type"`
	// EvaluatedPermission is the server's judgement for "auto". Unlike the
	// tool-use event's top-level evaluated_permission, it is an object.
	EvaluatedPermission *PermissionVerdict `json:"evaluated_permission,omitempty"`

	raw json.RawMessage
}

// PermissionVerdict is the auto policy's judgement of a call.
type PermissionVerdict struct {
	// Type is "allow", "ask" or "deny" (the Permission constants).
	Type string `json:"type"`
	// ReasonCode explains ask and deny, such as "high_risk" or
	// "indeterminate" (open set).
	ReasonCode string `json:"reason_code,omitempty"`
}

func knownEvaluation(t string) bool {
	return t == PolicyAlwaysAllow || t == PolicyAlwaysAsk || t == PolicyAuto
}

// MarshalJSON encodes the evaluation; an unknown one is written back
// unchanged.
func (v Evaluation) MarshalJSON() ([]byte, error) {
	if v.raw != nil && !knownEvaluation(v.Type) {
		return v.raw, nil
	}
	type plain Evaluation
	return json.Marshal(plain(v))
}

// UnmarshalJSON decodes any evaluation, keeping the JSON of unknown types.
func (v *Evaluation) UnmarshalJSON(b []byte) error {
	type plain Evaluation
	var p plain
	typ, raw, err := decodeOpen(b, &p, func(p *plain) string { return p.Type }, knownEvaluation)
	if err != nil {
		return err
	}
	*v = Evaluation(p)
	v.Type, v.raw = typ, raw
	return nil
}

// ModelUsage is the token usage of one model request (span events).
type ModelUsage struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
	// Speed is "standard" or "fast", set only with the fast-mode beta; a
	// null speed decodes as nil and is left out when re-encoded.
	Speed *string `json:"speed,omitempty"`
}

// WorkflowRunError is the error of a workflow run (§4.7); unlike a
// SessionError it has no retry status.
type WorkflowRunError struct {
	// Type is timeout_error, program_error, unknown_error,
	// thread_limit_error or max_workflow_runs_error (open set).
	Type    string `json:"type"`
	Message string `json:"message"`
}

// WorkflowRunResult is how a workflow run ended: completed, stopped, or
// error with Error set. A result of an unknown type keeps its JSON.
type WorkflowRunResult struct {
	// Type is one of the WorkflowResult constants (open set).
	Type  string            `json:"type"`
	Error *WorkflowRunError `json:"error,omitempty"`

	raw json.RawMessage
}

func knownWorkflowResult(t string) bool {
	return t == WorkflowResultCompleted || t == WorkflowResultStopped || t == WorkflowResultError
}

// MarshalJSON encodes the result; an unknown one is written back unchanged.
func (r WorkflowRunResult) MarshalJSON() ([]byte, error) {
	if r.raw != nil && !knownWorkflowResult(r.Type) {
		return r.raw, nil
	}
	type plain WorkflowRunResult
	return json.Marshal(plain(r))
}

// UnmarshalJSON decodes any result, keeping the JSON of unknown types.
func (r *WorkflowRunResult) UnmarshalJSON(b []byte) error {
	type plain WorkflowRunResult
	var p plain
	typ, raw, err := decodeOpen(b, &p, func(p *plain) string { return p.Type }, knownWorkflowResult)
	if err != nil {
		return err
	}
	*r = WorkflowRunResult(p)
	r.Type, r.raw = typ, raw
	return nil
}

// WorkflowPhase is a phase of a workflow run, as announced by
// workflow_run.created.
type WorkflowPhase struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

// PreviewedEvent names the event an event_start preview announces.
type PreviewedEvent struct {
	// Type is agent.message or agent.thinking.
	Type string `json:"type"`
	// ID is the ID the finished event will carry.
	ID string `json:"id"`
}

// ContentDelta is a piece of a previewed event's content: append
// Content.Text to entry Index of the preview's content array.
type ContentDelta struct {
	// Type is "content_delta".
	Type  string `json:"type"`
	Index int    `json:"index"`
	// Content is a text block.
	Content ContentBlock `json:"content"`
}

// ---- Client events (§4.3), as echoed by the server ----

// UserMessageEvent is the echo of a user.message.
type UserMessageEvent struct {
	EventMeta
	Content []ContentBlock `json:"content"`
}

// UserInterruptEvent is the echo of a user.interrupt. Its ID may be empty.
type UserInterruptEvent struct {
	EventMeta
	// SessionThreadID is set when only that thread was interrupted.
	SessionThreadID string `json:"session_thread_id,omitempty"`
}

// UserToolConfirmationEvent is the echo of a user.tool_confirmation.
type UserToolConfirmationEvent struct {
	EventMeta
	// ToolUseID is the ID of the agent.tool_use or agent.mcp_tool_use event.
	ToolUseID string `json:"tool_use_id"`
	// Result is "allow" or "deny".
	Result      string `json:"result"`
	DenyMessage string `json:"deny_message,omitempty"`
	// SessionThreadID is the thread the server routed the answer to.
	SessionThreadID string `json:"session_thread_id,omitempty"`
}

// UserCustomToolResultEvent is the echo of a user.custom_tool_result.
type UserCustomToolResultEvent struct {
	EventMeta
	// CustomToolUseID is the ID of the agent.custom_tool_use event.
	CustomToolUseID string         `json:"custom_tool_use_id"`
	Content         []ContentBlock `json:"content,omitzero"`
	// IsError is nil when the field was absent.
	IsError         *bool  `json:"is_error,omitempty"`
	SessionThreadID string `json:"session_thread_id,omitempty"`
}

// UserToolResultEvent is the echo of a user.tool_result (self-hosted
// environments only).
type UserToolResultEvent struct {
	EventMeta
	// ToolUseID is the ID of the agent.tool_use event.
	ToolUseID string         `json:"tool_use_id"`
	Content   []ContentBlock `json:"content,omitzero"`
	// IsError is nil when the field was absent.
	IsError         *bool  `json:"is_error,omitempty"`
	SessionThreadID string `json:"session_thread_id,omitempty"`
}

// UserDefineOutcomeEvent is the echo of a user.define_outcome. It is
// processed at once, so ProcessedAt is set even in the send response.
type UserDefineOutcomeEvent struct {
	EventMeta
	// OutcomeID ("outc_…") links the outcome spans and the session's
	// outcome_evaluations.
	OutcomeID   string `json:"outcome_id"`
	Description string `json:"description"`
	// Rubric may come back as a text rubric even when a file was sent.
	Rubric Rubric `json:"rubric"`
	// MaxIterations is the resolved value (default 3).
	MaxIterations int `json:"max_iterations"`
}

// SystemMessageEvent is the echo of a system.message.
type SystemMessageEvent struct {
	EventMeta
	Content []ContentBlock `json:"content"`
}

// ---- Agent events (§4.4) ----

// AgentMessageEvent is text from the agent.
type AgentMessageEvent struct {
	EventMeta
	// Content holds text and redacted blocks.
	Content []ContentBlock `json:"content"`
}

// AgentThinkingEvent is a progress signal; it carries no thinking text.
type AgentThinkingEvent struct {
	EventMeta
}

// AgentToolUseEvent is a call of a built-in tool. Its ID is what a
// user.tool_confirmation (or, self-hosted, a user.tool_result) refers to.
type AgentToolUseEvent struct {
	EventMeta
	// Name is the tool's name, such as "bash".
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
	// EvaluatedPermission is the verdict: "allow", "ask" or "deny" (see
	// Allowed and NeedsConfirmation). Empty when absent.
	EvaluatedPermission string `json:"evaluated_permission,omitempty"`
	// Evaluation says which policy gave the verdict; nil when absent.
	Evaluation *Evaluation `json:"evaluation,omitempty"`
	// SessionThreadID is set when the call was cross-posted from a child
	// thread; informational, never echo it back.
	SessionThreadID string `json:"session_thread_id,omitempty"`
}

// Allowed reports whether the verdict is "allow", the only verdict under
// which a call runs (§4.10).
func (e *AgentToolUseEvent) Allowed() bool { return e.EvaluatedPermission == PermissionAllow }

// NeedsConfirmation reports whether the call is held for a
// user.tool_confirmation. It fails closed: "ask", an absent verdict and any
// verdict this library does not know all mean "do not run it, wait"; only
// "allow" and "deny" give false. The authoritative list of held calls is the
// requires_action stop reason's EventIDs.
func (e *AgentToolUseEvent) NeedsConfirmation() bool {
	return needsConfirmation(e.EvaluatedPermission)
}

func needsConfirmation(verdict string) bool {
	return verdict != PermissionAllow && verdict != PermissionDeny
}

// AgentToolResultEvent is the result of a built-in tool call.
type AgentToolResultEvent struct {
	EventMeta
	// ToolUseID is the ID of the agent.tool_use event.
	ToolUseID string         `json:"tool_use_id"`
	Content   []ContentBlock `json:"content,omitzero"`
	// IsError is nil when the field was absent.
	IsError *bool `json:"is_error,omitempty"`
}

// AgentMCPToolUseEvent is a call of a tool of an MCP server.
type AgentMCPToolUseEvent struct {
	EventMeta
	MCPServerName       string          `json:"mcp_server_name"`
	Name                string          `json:"name"`
	Input               json.RawMessage `json:"input"`
	EvaluatedPermission string          `json:"evaluated_permission,omitempty"`
	Evaluation          *Evaluation     `json:"evaluation,omitempty"`
	SessionThreadID     string          `json:"session_thread_id,omitempty"`
}

// Allowed reports whether the verdict is "allow".
func (e *AgentMCPToolUseEvent) Allowed() bool { return e.EvaluatedPermission == PermissionAllow }

// NeedsConfirmation reports whether the call is held for a
// user.tool_confirmation, failing closed like
// AgentToolUseEvent.NeedsConfirmation.
func (e *AgentMCPToolUseEvent) NeedsConfirmation() bool {
	return needsConfirmation(e.EvaluatedPermission)
}

// AgentMCPToolResultEvent is the result of an MCP tool call.
type AgentMCPToolResultEvent struct {
	EventMeta
	// MCPToolUseID is the ID of the agent.mcp_tool_use event.
	MCPToolUseID string         `json:"mcp_tool_use_id"`
	Content      []ContentBlock `json:"content,omitzero"`
	IsError      *bool          `json:"is_error,omitempty"`
}

// AgentCustomToolUseEvent is a call of a custom tool, which the client runs
// and answers with a user.custom_tool_result naming this event's ID. It has
// no permission fields.
type AgentCustomToolUseEvent struct {
	EventMeta
	Name            string          `json:"name"`
	Input           json.RawMessage `json:"input"`
	SessionThreadID string          `json:"session_thread_id,omitempty"`
}

// AgentThreadContextCompactedEvent reports that a thread's context was
// compacted.
type AgentThreadContextCompactedEvent struct {
	EventMeta
	// PreCompactionTokens is mentioned by one guide only; nil when absent.
	PreCompactionTokens *int64 `json:"pre_compaction_tokens,omitempty"`
}

// AgentThreadMessageSentEvent is a message one agent thread sent another.
type AgentThreadMessageSentEvent struct {
	EventMeta
	ToSessionThreadID string         `json:"to_session_thread_id"`
	ToAgentName       string         `json:"to_agent_name,omitempty"`
	Content           []ContentBlock `json:"content"`
}

// AgentThreadMessageReceivedEvent is a message a thread received from
// another.
type AgentThreadMessageReceivedEvent struct {
	EventMeta
	FromSessionThreadID string         `json:"from_session_thread_id"`
	FromAgentName       string         `json:"from_agent_name,omitempty"`
	Content             []ContentBlock `json:"content"`
}

// ---- Session events (§4.5) ----

// SessionStatusRunningEvent reports that the session started running.
type SessionStatusRunningEvent struct {
	EventMeta
}

// SessionStatusIdleEvent reports that the session went idle. Whether that
// ends the turn is StopReason.EndsTurn.
type SessionStatusIdleEvent struct {
	EventMeta
	StopReason StopReason `json:"stop_reason"`
	// StopDetails is nil when there is nothing to report.
	StopDetails *StopDetails `json:"stop_details"`
}

// SessionStatusRescheduledEvent reports a transient failure being retried.
type SessionStatusRescheduledEvent struct {
	EventMeta
}

// SessionStatusTerminatedEvent reports that the session is terminated, for
// good.
type SessionStatusTerminatedEvent struct {
	EventMeta
}

// SessionErrorEvent reports an error; it is not terminal by itself (see
// SessionError.Retrying and friends).
type SessionErrorEvent struct {
	EventMeta
	Error SessionError `json:"error"`
}

// SessionDeletedEvent is the last event of a deleted session's streams.
type SessionDeletedEvent struct {
	EventMeta
}

// SessionUpdatedEvent carries what an update changed, and only that.
type SessionUpdatedEvent struct {
	EventMeta
	// Title is unset when unchanged, null when cleared.
	Title Field[string] `json:"title,omitzero"`
	// Metadata is the full map after the update; nil when unchanged or
	// cleared to empty.
	Metadata map[string]string `json:"metadata,omitzero"`
	// Agent is the full agent, present when its tools or MCP servers
	// changed.
	Agent *SessionAgent `json:"agent,omitempty"`
	// Budget is unset when unchanged, null when removed.
	Budget Field[Budget] `json:"budget,omitzero"`
}

// SessionUsageEvent is a periodic reading of the session's cumulative
// usage.
type SessionUsageEvent struct {
	EventMeta
	Usage SessionUsage `json:"usage"`
	// Budget is nil when the session is uncapped.
	Budget *Budget `json:"budget"`
}

// SessionThreadCreatedEvent announces a new thread of a multi-agent
// session.
type SessionThreadCreatedEvent struct {
	EventMeta
	SessionThreadID string `json:"session_thread_id"`
	AgentName       string `json:"agent_name"`
	// WorkflowRunID is set when a workflow run created the thread.
	WorkflowRunID *string `json:"workflow_run_id"`
}

// SessionThreadStatusRunningEvent reports that a thread started running.
type SessionThreadStatusRunningEvent struct {
	EventMeta
	SessionThreadID string `json:"session_thread_id"`
	AgentName       string `json:"agent_name"`
}

// SessionThreadStatusIdleEvent reports that a thread went idle.
type SessionThreadStatusIdleEvent struct {
	EventMeta
	SessionThreadID string       `json:"session_thread_id"`
	AgentName       string       `json:"agent_name"`
	StopReason      StopReason   `json:"stop_reason"`
	StopDetails     *StopDetails `json:"stop_details"`
}

// SessionThreadStatusRescheduledEvent reports a thread's transient failure.
type SessionThreadStatusRescheduledEvent struct {
	EventMeta
	SessionThreadID string `json:"session_thread_id"`
	AgentName       string `json:"agent_name"`
}

// SessionThreadStatusTerminatedEvent reports that a thread is terminated.
type SessionThreadStatusTerminatedEvent struct {
	EventMeta
	SessionThreadID string `json:"session_thread_id"`
	AgentName       string `json:"agent_name"`
}

// ---- Span events (§4.6) ----

// SpanModelRequestStartEvent opens a model request span.
type SpanModelRequestStartEvent struct {
	EventMeta
}

// SpanModelRequestEndEvent closes a model request span; it also closes any
// live preview still open.
type SpanModelRequestEndEvent struct {
	EventMeta
	// ModelRequestStartID is the ID of the span's start event.
	ModelRequestStartID string     `json:"model_request_start_id"`
	IsError             bool       `json:"is_error"`
	ModelUsage          ModelUsage `json:"model_usage"`
}

// SpanOutcomeEvaluationStartEvent opens the grading of an outcome.
type SpanOutcomeEvaluationStartEvent struct {
	EventMeta
	OutcomeID string `json:"outcome_id"`
	// Iteration is 0-based.
	Iteration int `json:"iteration"`
}

// SpanOutcomeEvaluationOngoingEvent is a heartbeat while grading.
type SpanOutcomeEvaluationOngoingEvent struct {
	EventMeta
	OutcomeID string `json:"outcome_id"`
	Iteration int    `json:"iteration"`
}

// SpanOutcomeEvaluationEndEvent closes the grading of an outcome.
type SpanOutcomeEvaluationEndEvent struct {
	EventMeta
	OutcomeEvaluationStartID string `json:"outcome_evaluation_start_id"`
	OutcomeID                string `json:"outcome_id"`
	Iteration                int    `json:"iteration"`
	// Result is satisfied, needs_revision, max_iterations_reached, failed or
	// interrupted (open set); a string, unlike a workflow run's result.
	Result      string `json:"result"`
	Explanation string `json:"explanation"`
	// Usage is the grader's usage, per request like ModelUsage.
	Usage ModelUsage `json:"usage"`
}

// ---- Workflow-run events (§4.7) ----

// WorkflowRunCreatedEvent announces a workflow run, before its other
// events.
type WorkflowRunCreatedEvent struct {
	EventMeta
	WorkflowRunID string          `json:"workflow_run_id"`
	Name          string          `json:"name"`
	Description   *string         `json:"description"`
	Phases        []WorkflowPhase `json:"phases"`
}

// WorkflowRunStatusRunningEvent reports that a run started or resumed.
type WorkflowRunStatusRunningEvent struct {
	EventMeta
	WorkflowRunID string `json:"workflow_run_id"`
}

// WorkflowRunStatusIdleEvent reports that a run is idle.
type WorkflowRunStatusIdleEvent struct {
	EventMeta
	WorkflowRunID string `json:"workflow_run_id"`
}

// WorkflowRunPhaseStartedEvent reports that a phase started.
type WorkflowRunPhaseStartedEvent struct {
	EventMeta
	WorkflowRunID      string `json:"workflow_run_id"`
	WorkflowRunPhaseID string `json:"workflow_run_phase_id"`
}

// WorkflowRunPhaseEndedEvent reports that a phase ended.
type WorkflowRunPhaseEndedEvent struct {
	EventMeta
	WorkflowRunID      string `json:"workflow_run_id"`
	WorkflowRunPhaseID string `json:"workflow_run_phase_id"`
	// PhaseStartedID is the ID of the phase's workflow_run.phase_started.
	PhaseStartedID string `json:"phase_started_id"`
}

// WorkflowRunErrorEvent reports a run's error.
type WorkflowRunErrorEvent struct {
	EventMeta
	// WorkflowRunID is nil when the error prevented the run from being
	// created (max_workflow_runs_error).
	WorkflowRunID *string          `json:"workflow_run_id"`
	Error         WorkflowRunError `json:"error"`
}

// WorkflowRunStatusEndedEvent is the last event of a run.
type WorkflowRunStatusEndedEvent struct {
	EventMeta
	WorkflowRunID string            `json:"workflow_run_id"`
	Result        WorkflowRunResult `json:"result"`
}

// ---- Live previews (§4.12) ----

// EventStartEvent announces an agent.message or agent.thinking being
// generated. It has no ID and no processed_at of its own.
type EventStartEvent struct {
	EventMeta
	Event PreviewedEvent `json:"event"`
}

// EventDeltaEvent is a piece of a previewed agent.message. It has no ID and
// no processed_at of its own.
type EventDeltaEvent struct {
	EventMeta
	// PreviewedEventID is the wire's event_id: the ID of the previewed event
	// (named so as not to hide the EventID method).
	PreviewedEventID string       `json:"event_id"`
	Delta            ContentDelta `json:"delta"`
}

// MarshalJSON encodes the preview without id and processed_at.
func (e *EventStartEvent) MarshalJSON() ([]byte, error) {
	if e == nil {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Type  string         `json:"type"`
		Event PreviewedEvent `json:"event"`
	}{EventStart, e.Event})
}

// MarshalJSON encodes the preview without id and processed_at.
func (e *EventDeltaEvent) MarshalJSON() ([]byte, error) {
	if e == nil {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Type    string       `json:"type"`
		EventID string       `json:"event_id"`
		Delta   ContentDelta `json:"delta"`
	}{EventDelta, e.PreviewedEventID, e.Delta})
}
