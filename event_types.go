package managedagents

import "encoding/json"

// This file holds one struct per event type (the client events as the
// server echoes them, the agent, session, span and workflow-run events, and
// the stream-only live previews) and the nested shapes they carry. Decoding fills the fields with
// encoding/json through DecodeEvent; each MarshalJSON re-encodes from the
// fields with the type set, so a decoded event re-encodes to equivalent
// JSON. Required nullable fields are pointers encoded as null; optional
// fields are left out when absent.

// Stop reason types: the Type of the StopReason of a session.status_idle or
// session.thread_status_idle event. The set is open; a reason of another
// type ends the turn (see StopReason.EndsTurn).
const (
	// StopReasonEndTurn means the turn finished normally.
	StopReasonEndTurn = "end_turn"
	// StopReasonRequiresAction means the session waits for the client: the
	// reason's EventIDs are the tool-use events awaiting a
	// user.tool_confirmation, a user.custom_tool_result or (on self-hosted
	// environments) a user.tool_result. Answering only some of them makes the
	// session go idle again with the rest; answering all of them sets it
	// running. It is the only reason that does not end the turn.
	StopReasonRequiresAction = "requires_action"
	// StopReasonRetriesExhausted means the turn failed after retries; the
	// queued input was dropped, and a new user.message starts a new turn.
	StopReasonRetriesExhausted = "retries_exhausted"
	// StopReasonBudgetReached means the session's list cost reached the
	// budget's MaxListCost (or a model without a list price was needed);
	// raise or remove the budget to continue.
	StopReasonBudgetReached = "budget_reached"
	// StopReasonRefusal means the model refused; the idle event's
	// StopDetails says why.
	StopReasonRefusal = "refusal"
)

// Retry statuses: the Type of a SessionError's RetryStatus, which says what
// follows the error.
const (
	// RetryStatusRetrying means the server retries by itself. The error may
	// repeat, and may end as exhausted; it is not terminal, so keep reading.
	RetryStatusRetrying = "retrying"
	// RetryStatusExhausted means the turn is dead and its queued input was
	// dropped; an idle with the retries_exhausted stop reason follows.
	RetryStatusExhausted = "exhausted"
	// RetryStatusTerminal means the session will be terminated.
	RetryStatusTerminal = "terminal"
)

// Session error types: the Type of the SessionError of a session.error
// event. The set is open: handle an error of another type by its
// RetryStatus and Message alone.
const (
	// SessionErrorUnknown is the fallback type; act on the retry status and
	// show the message.
	SessionErrorUnknown = "unknown_error"

	// Errors of the model requests.
	SessionErrorModelOverloaded    = "model_overloaded_error"
	SessionErrorModelRateLimited   = "model_rate_limited_error"
	SessionErrorModelRequestFailed = "model_request_failed_error"

	// Errors reaching an MCP server; MCPServerName names it.
	SessionErrorMCPConnectionFailed     = "mcp_connection_failed_error"
	SessionErrorMCPAuthenticationFailed = "mcp_authentication_failed_error"

	// SessionErrorBilling means the organization or workspace cannot make
	// model requests.
	SessionErrorBilling = "billing_error"
	// SessionErrorCredentialHostUnreachable means the host of a vault
	// credential could not be reached; CredentialID and VaultID name it.
	SessionErrorCredentialHostUnreachable = "credential_host_unreachable_error"
	// SessionErrorToolUseLimitReached means the turn reached the limit on
	// tool-use rounds, or repeated single-tool responses were cut off by the
	// output or context limits. The thread goes idle with retries_exhausted
	// (a child thread is terminated); the next user.message starts a new
	// turn. The limit is not published.
	SessionErrorToolUseLimitReached = "tool_use_limit_reached_error"
	// SessionErrorCompactionLimitReached means the context was compacted
	// the maximum number of times in a row without progress, with the same
	// consequences as SessionErrorToolUseLimitReached.
	SessionErrorCompactionLimitReached = "compaction_limit_reached_error"

	// Errors mounting a GitHub repository resource; RepositoryURL is set
	// (possibly to null). Their retry status is always retrying, and the
	// session keeps running without that repository.
	SessionErrorRepositoryAuthentication = "repository_authentication_error"
	SessionErrorRepositoryForbidden      = "repository_forbidden_error"
	SessionErrorRepositoryNotFound       = "repository_not_found_error"
	SessionErrorRepositoryCheckout       = "repository_checkout_error"
	SessionErrorRepositoryClone          = "repository_clone_error"
)

// Permission verdicts: the top-level evaluated_permission string of tool-use
// events, the Type of a PermissionVerdict, and the result of a
// user.tool_confirmation (allow or deny).
const (
	// PermissionAllow lets the call run at once.
	PermissionAllow = "allow"
	// PermissionAsk holds the call until a user.tool_confirmation answers
	// it; the requires_action stop reason lists it.
	PermissionAsk = "ask"
	// PermissionDeny refuses the call: it never runs, the server adds an
	// error tool result of its own, and the requires_action stop reason does
	// not list it.
	PermissionDeny = "deny"
)

// Workflow-run result types: the Type of the WorkflowRunResult that says how
// a workflow run ended. The set is open.
const (
	// WorkflowResultCompleted means the run completed.
	WorkflowResultCompleted = "completed"
	// WorkflowResultStopped means the run was stopped.
	WorkflowResultStopped = "stopped"
	// WorkflowResultError means the run failed; WorkflowRunResult.Error
	// says how, and a workflow_run.error event came first.
	WorkflowResultError = "error"
)

// ---- Nested shapes ----

// StopReason says why a session or thread went idle, a union on Type. A reason of an unknown type keeps its JSON.
type StopReason struct {
	// Type is one of the StopReason constants, or a newer reason.
	Type string `json:"type"`
	// EventIDs lists, for requires_action, the tool-use events awaiting an
	// answer.
	EventIDs []string `json:"event_ids,omitzero"`

	raw json.RawMessage
}

// EndsTurn reports whether the idle ends the turn: every reason but
// requires_action does, unknown reasons included.
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
	type plain StopReason
	return marshalOpen(plain(r), r.Type, r.raw, knownStopReason)
}

// UnmarshalJSON decodes any reason, keeping the JSON of unknown ones.
func (r *StopReason) UnmarshalJSON(b []byte) error {
	type plain StopReason
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownStopReason)
	if err != nil {
		return err
	}
	*r = StopReason(p)
	r.raw = raw
	return nil
}

// StopDetails explains a stop, for now only a refusal. Details of an unknown
// type keep their JSON.
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
	type plain StopDetails
	return marshalOpen(plain(d), d.Type, d.raw, knownStopDetails)
}

// UnmarshalJSON decodes any details, keeping the JSON of unknown ones.
func (d *StopDetails) UnmarshalJSON(b []byte) error {
	type plain StopDetails
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownStopDetails)
	if err != nil {
		return err
	}
	*d = StopDetails(p)
	d.raw = raw
	return nil
}

// RetryStatus says what happens after a session.error.
type RetryStatus struct {
	// Type is one of the RetryStatus constants (open set).
	Type string `json:"type"`
}

// SessionError is the error of a session.error event. Type is the
// discriminator (there is no code); the extra fields are set for the types
// that carry them. An error of an unknown type decodes its common fields and
// keeps its JSON.
type SessionError struct {
	// Type is one of the SessionError constants, or a newer type.
	Type string `json:"type"`
	// Message is for humans; do not parse it.
	Message string `json:"message"`
	// RetryStatus says what follows: the server retries, the turn is dead,
	// or the session will be terminated (see Retrying, Exhausted and
	// Terminal).
	RetryStatus RetryStatus `json:"retry_status"`
	// MCPServerName is set for the mcp_* errors.
	MCPServerName *string `json:"mcp_server_name,omitempty"`
	// CredentialID is the credential whose host could not be reached, set
	// for credential_host_unreachable_error.
	CredentialID *string `json:"credential_id,omitempty"`
	// VaultID is the vault holding that credential, set for
	// credential_host_unreachable_error.
	VaultID *string `json:"vault_id,omitempty"`
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
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownSessionError)
	if err != nil {
		return err
	}
	*e = SessionError(p)
	e.raw = raw
	return nil
}

// Evaluation says which permission policy produced a tool call's verdict:
// {"type": "always_allow"}, {"type": "always_ask"}, or
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
	type plain Evaluation
	return marshalOpen(plain(v), v.Type, v.raw, knownEvaluation)
}

// UnmarshalJSON decodes any evaluation, keeping the JSON of unknown types.
func (v *Evaluation) UnmarshalJSON(b []byte) error {
	type plain Evaluation
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownEvaluation)
	if err != nil {
		return err
	}
	*v = Evaluation(p)
	v.raw = raw
	return nil
}

// ModelUsage is the token usage of one model request (span events).
type ModelUsage struct {
	// InputTokens counts the request's input tokens.
	InputTokens int64 `json:"input_tokens"`
	// OutputTokens counts the tokens the model generated.
	OutputTokens int64 `json:"output_tokens"`
	// CacheCreationInputTokens counts the input tokens written to the
	// prompt cache.
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	// CacheReadInputTokens counts the input tokens read from the prompt
	// cache.
	CacheReadInputTokens int64 `json:"cache_read_input_tokens"`
	// Speed is "standard" or "fast", set only with the fast-mode beta; a
	// null speed decodes as nil and is left out when re-encoded.
	Speed *string `json:"speed,omitempty"`
}

// WorkflowRunError is the error of a workflow run; unlike a SessionError it
// has no retry status.
type WorkflowRunError struct {
	// Type is timeout_error, program_error, unknown_error,
	// thread_limit_error or max_workflow_runs_error (open set).
	Type string `json:"type"`
	// Message is for humans; do not parse it.
	Message string `json:"message"`
}

// WorkflowRunResult is how a workflow run ended: completed, stopped, or
// error with Error set. A result of an unknown type keeps its JSON.
type WorkflowRunResult struct {
	// Type is one of the WorkflowResult constants (open set).
	Type string `json:"type"`
	// Error is set when Type is error.
	Error *WorkflowRunError `json:"error,omitempty"`

	raw json.RawMessage
}

func knownWorkflowResult(t string) bool {
	return t == WorkflowResultCompleted || t == WorkflowResultStopped || t == WorkflowResultError
}

// MarshalJSON encodes the result; an unknown one is written back unchanged.
func (r WorkflowRunResult) MarshalJSON() ([]byte, error) {
	type plain WorkflowRunResult
	return marshalOpen(plain(r), r.Type, r.raw, knownWorkflowResult)
}

// UnmarshalJSON decodes any result, keeping the JSON of unknown types.
func (r *WorkflowRunResult) UnmarshalJSON(b []byte) error {
	type plain WorkflowRunResult
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownWorkflowResult)
	if err != nil {
		return err
	}
	*r = WorkflowRunResult(p)
	r.raw = raw
	return nil
}

// WorkflowPhase is a phase of a workflow run, as announced by
// workflow_run.created.
type WorkflowPhase struct {
	// ID is the phase's ID, which the phase events carry as
	// WorkflowRunPhaseID.
	ID string `json:"id"`
	// Name is the phase's name.
	Name string `json:"name"`
	// Description is nil when the phase has none.
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
	Type string `json:"type"`
	// Index is the entry of the preview's content array that Content.Text
	// extends; a new index starts a new entry.
	Index int `json:"index"`
	// Content is a text block.
	Content ContentBlock `json:"content"`
}

// ---- Client events, as echoed by the server ----

// UserMessageEvent is the echo of a user.message.
type UserMessageEvent struct {
	EventMeta
	// Content holds text, image, document and redacted blocks.
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
	Result string `json:"result"`
	// DenyMessage, only with "deny", is shown to the model.
	DenyMessage string `json:"deny_message,omitempty"`
	// SessionThreadID is the thread the server routed the answer to.
	SessionThreadID string `json:"session_thread_id,omitempty"`
}

// UserCustomToolResultEvent is the echo of a user.custom_tool_result.
type UserCustomToolResultEvent struct {
	EventMeta
	// CustomToolUseID is the ID of the agent.custom_tool_use event.
	CustomToolUseID string `json:"custom_tool_use_id"`
	// Content holds text, image, document and search_result blocks.
	Content []ContentBlock `json:"content,omitzero"`
	// IsError is nil when the field was absent.
	IsError *bool `json:"is_error,omitempty"`
	// SessionThreadID is the thread the server routed the result to.
	SessionThreadID string `json:"session_thread_id,omitempty"`
}

// UserToolResultEvent is the echo of a user.tool_result (self-hosted
// environments only).
type UserToolResultEvent struct {
	EventMeta
	// ToolUseID is the ID of the agent.tool_use event.
	ToolUseID string `json:"tool_use_id"`
	// Content holds text, image, document and search_result blocks.
	Content []ContentBlock `json:"content,omitzero"`
	// IsError is nil when the field was absent.
	IsError *bool `json:"is_error,omitempty"`
	// SessionThreadID is the thread the server routed the result to.
	SessionThreadID string `json:"session_thread_id,omitempty"`
}

// UserDefineOutcomeEvent is the echo of a user.define_outcome. It is
// processed at once, so ProcessedAt is set even in the send response.
type UserDefineOutcomeEvent struct {
	EventMeta
	// OutcomeID ("outc_…") links the outcome spans and the session's
	// outcome_evaluations.
	OutcomeID string `json:"outcome_id"`
	// Description is the outcome the agent works towards.
	Description string `json:"description"`
	// Rubric may come back as a text rubric even when a file was sent.
	Rubric Rubric `json:"rubric"`
	// MaxIterations is the resolved value (default 3).
	MaxIterations int `json:"max_iterations"`
}

// SystemMessageEvent is the echo of a system.message.
type SystemMessageEvent struct {
	EventMeta
	// Content holds text blocks only.
	Content []ContentBlock `json:"content"`
}

// ---- Agent events ----

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
	Name string `json:"name"`
	// Input is the call's input, a JSON object.
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
// which a call runs.
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
	ToolUseID string `json:"tool_use_id"`
	// Content holds text, image, document and search_result blocks.
	Content []ContentBlock `json:"content,omitzero"`
	// IsError is nil when the field was absent.
	IsError *bool `json:"is_error,omitempty"`
}

// AgentMCPToolUseEvent is a call of a tool of an MCP server.
type AgentMCPToolUseEvent struct {
	EventMeta
	// MCPServerName is the name of the MCP server the tool belongs to.
	MCPServerName string `json:"mcp_server_name"`
	// Name is the tool's name.
	Name string `json:"name"`
	// Input is the call's input, a JSON object.
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
	MCPToolUseID string `json:"mcp_tool_use_id"`
	// Content holds text, image, document and search_result blocks.
	Content []ContentBlock `json:"content,omitzero"`
	// IsError is nil when the field was absent.
	IsError *bool `json:"is_error,omitempty"`
}

// AgentCustomToolUseEvent is a call of a custom tool, which the client runs
// and answers with a user.custom_tool_result naming this event's ID. It has
// no permission fields.
type AgentCustomToolUseEvent struct {
	EventMeta
	// Name is the custom tool's name, as configured on the agent.
	Name string `json:"name"`
	// Input is the call's input, a JSON object.
	Input json.RawMessage `json:"input"`
	// SessionThreadID is set when the call was cross-posted from a child
	// thread; informational, never echo it back.
	SessionThreadID string `json:"session_thread_id,omitempty"`
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
	// ToSessionThreadID is the receiving thread.
	ToSessionThreadID string `json:"to_session_thread_id"`
	// ToAgentName is the receiving thread's agent; empty when absent.
	ToAgentName string `json:"to_agent_name,omitempty"`
	// Content holds text, image, document and redacted blocks.
	Content []ContentBlock `json:"content"`
}

// AgentThreadMessageReceivedEvent is a message a thread received from
// another.
type AgentThreadMessageReceivedEvent struct {
	EventMeta
	// FromSessionThreadID is the sending thread.
	FromSessionThreadID string `json:"from_session_thread_id"`
	// FromAgentName is the sending thread's agent; empty when absent.
	FromAgentName string `json:"from_agent_name,omitempty"`
	// Content holds text, image, document and redacted blocks.
	Content []ContentBlock `json:"content"`
}

// ---- Session events ----

// SessionStatusRunningEvent reports that the session started running.
type SessionStatusRunningEvent struct {
	EventMeta
}

// SessionStatusIdleEvent reports that the session went idle. Whether that
// ends the turn is StopReason.EndsTurn.
type SessionStatusIdleEvent struct {
	EventMeta
	// StopReason says why the session went idle.
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
	// Error is the error, with what follows it in its RetryStatus.
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
	// Usage is the cumulative usage at the time of the reading.
	Usage SessionUsage `json:"usage"`
	// Budget is nil when the session is uncapped.
	Budget *Budget `json:"budget"`
}

// SessionThreadCreatedEvent announces a new thread of a multi-agent
// session.
type SessionThreadCreatedEvent struct {
	EventMeta
	// SessionThreadID is the new thread's ID.
	SessionThreadID string `json:"session_thread_id"`
	// AgentName is the name of the agent the thread runs.
	AgentName string `json:"agent_name"`
	// WorkflowRunID is set when a workflow run created the thread.
	WorkflowRunID *string `json:"workflow_run_id"`
}

// SessionThreadStatusRunningEvent reports that a thread started running.
type SessionThreadStatusRunningEvent struct {
	EventMeta
	// SessionThreadID is the thread's ID.
	SessionThreadID string `json:"session_thread_id"`
	// AgentName is the name of the thread's agent.
	AgentName string `json:"agent_name"`
}

// SessionThreadStatusIdleEvent reports that a thread went idle.
type SessionThreadStatusIdleEvent struct {
	EventMeta
	// SessionThreadID is the thread's ID.
	SessionThreadID string `json:"session_thread_id"`
	// AgentName is the name of the thread's agent.
	AgentName string `json:"agent_name"`
	// StopReason says why the thread went idle.
	StopReason StopReason `json:"stop_reason"`
	// StopDetails is nil when there is nothing to report.
	StopDetails *StopDetails `json:"stop_details"`
}

// SessionThreadStatusRescheduledEvent reports a thread's transient failure.
type SessionThreadStatusRescheduledEvent struct {
	EventMeta
	// SessionThreadID is the thread's ID.
	SessionThreadID string `json:"session_thread_id"`
	// AgentName is the name of the thread's agent.
	AgentName string `json:"agent_name"`
}

// SessionThreadStatusTerminatedEvent reports that a thread is terminated.
type SessionThreadStatusTerminatedEvent struct {
	EventMeta
	// SessionThreadID is the thread's ID.
	SessionThreadID string `json:"session_thread_id"`
	// AgentName is the name of the thread's agent.
	AgentName string `json:"agent_name"`
}

// ---- Span events ----

// SpanModelRequestStartEvent opens a model request span.
type SpanModelRequestStartEvent struct {
	EventMeta
}

// SpanModelRequestEndEvent closes a model request span; it also closes any
// live preview still open.
type SpanModelRequestEndEvent struct {
	EventMeta
	// ModelRequestStartID is the ID of the span's start event.
	ModelRequestStartID string `json:"model_request_start_id"`
	// IsError reports whether the model request failed.
	IsError bool `json:"is_error"`
	// ModelUsage is the request's token usage.
	ModelUsage ModelUsage `json:"model_usage"`
}

// SpanOutcomeEvaluationStartEvent opens the grading of an outcome.
type SpanOutcomeEvaluationStartEvent struct {
	EventMeta
	// OutcomeID is the outcome being graded, as the user.define_outcome
	// echo gave it.
	OutcomeID string `json:"outcome_id"`
	// Iteration is 0-based.
	Iteration int `json:"iteration"`
}

// SpanOutcomeEvaluationOngoingEvent is a heartbeat while grading.
type SpanOutcomeEvaluationOngoingEvent struct {
	EventMeta
	// OutcomeID is the outcome being graded.
	OutcomeID string `json:"outcome_id"`
	// Iteration is 0-based.
	Iteration int `json:"iteration"`
}

// SpanOutcomeEvaluationEndEvent closes the grading of an outcome.
type SpanOutcomeEvaluationEndEvent struct {
	EventMeta
	// OutcomeEvaluationStartID is the ID of the span's
	// span.outcome_evaluation_start event.
	OutcomeEvaluationStartID string `json:"outcome_evaluation_start_id"`
	// OutcomeID is the outcome graded.
	OutcomeID string `json:"outcome_id"`
	// Iteration is 0-based.
	Iteration int `json:"iteration"`
	// Result is satisfied, needs_revision, max_iterations_reached, failed or
	// interrupted (open set); a string, unlike a workflow run's result.
	Result string `json:"result"`
	// Explanation gives the grader's reasons.
	Explanation string `json:"explanation"`
	// Usage is the grader's usage, per request like ModelUsage.
	Usage ModelUsage `json:"usage"`
}

// ---- Workflow-run events ----
//
// A workflow run is background work that a multi-agent session's agent
// starts. Every event of a run carries its WorkflowRunID, and so does the
// session.thread_created of each thread the run starts.

// WorkflowRunCreatedEvent announces a workflow run, before its other
// events.
type WorkflowRunCreatedEvent struct {
	EventMeta
	// WorkflowRunID is the run's ID.
	WorkflowRunID string `json:"workflow_run_id"`
	// Name is the run's name, given by the agent or by the server.
	Name string `json:"name"`
	// Description is nil when the run has none.
	Description *string `json:"description"`
	// Phases are the run's phases; there may be none.
	Phases []WorkflowPhase `json:"phases"`
}

// WorkflowRunStatusRunningEvent reports that a run started or resumed.
type WorkflowRunStatusRunningEvent struct {
	EventMeta
	// WorkflowRunID is the run's ID.
	WorkflowRunID string `json:"workflow_run_id"`
}

// WorkflowRunStatusIdleEvent reports that a run is idle.
type WorkflowRunStatusIdleEvent struct {
	EventMeta
	// WorkflowRunID is the run's ID.
	WorkflowRunID string `json:"workflow_run_id"`
}

// WorkflowRunPhaseStartedEvent reports that a phase started.
type WorkflowRunPhaseStartedEvent struct {
	EventMeta
	// WorkflowRunID is the run's ID.
	WorkflowRunID string `json:"workflow_run_id"`
	// WorkflowRunPhaseID is the phase's ID, as in the run's
	// WorkflowRunCreatedEvent.Phases.
	WorkflowRunPhaseID string `json:"workflow_run_phase_id"`
}

// WorkflowRunPhaseEndedEvent reports that a phase ended.
type WorkflowRunPhaseEndedEvent struct {
	EventMeta
	// WorkflowRunID is the run's ID.
	WorkflowRunID string `json:"workflow_run_id"`
	// WorkflowRunPhaseID is the phase's ID, as in the run's
	// WorkflowRunCreatedEvent.Phases.
	WorkflowRunPhaseID string `json:"workflow_run_phase_id"`
	// PhaseStartedID is the ID of the phase's workflow_run.phase_started.
	PhaseStartedID string `json:"phase_started_id"`
}

// WorkflowRunErrorEvent reports a run's error.
type WorkflowRunErrorEvent struct {
	EventMeta
	// WorkflowRunID is nil when the error prevented the run from being
	// created (max_workflow_runs_error).
	WorkflowRunID *string `json:"workflow_run_id"`
	// Error is the run's error.
	Error WorkflowRunError `json:"error"`
}

// WorkflowRunStatusEndedEvent is the last event of a run.
type WorkflowRunStatusEndedEvent struct {
	EventMeta
	// WorkflowRunID is the run's ID.
	WorkflowRunID string `json:"workflow_run_id"`
	// Result says how the run ended.
	Result WorkflowRunResult `json:"result"`
}

// ---- Live previews ----
//
// Streams opened with StreamParams.EventDeltas carry these stream-only
// events; they are never in the history and never replayed after a
// reconnect.

// EventStartEvent announces an agent.message or agent.thinking being
// generated. It has no ID and no processed_at of its own.
type EventStartEvent struct {
	EventMeta
	// Event names the event being generated.
	Event PreviewedEvent `json:"event"`
}

// EventDeltaEvent is a piece of a previewed agent.message. It has no ID and
// no processed_at of its own.
type EventDeltaEvent struct {
	EventMeta
	// PreviewedEventID is the wire's event_id: the ID of the previewed event
	// (named so as not to hide the EventID method).
	PreviewedEventID string `json:"event_id"`
	// Delta is the text to add to the preview.
	Delta ContentDelta `json:"delta"`
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
