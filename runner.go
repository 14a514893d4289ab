package managedagents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DefaultToolTimeout bounds one call of a tool handler when the Runner sets
// no CallTimeout.
const DefaultToolTimeout = time.Minute

// ToolHandler runs one call of a custom tool: it gets the call's input as
// JSON and returns the result's content. An error becomes a result with
// is_error set and the error's message as its text, for the model to read.
// Its context carries the call's tool-use event ID (ToolUseIDFromContext),
// an idempotency key for tools with side effects.
type ToolHandler func(ctx context.Context, input json.RawMessage) ([]ContentBlock, error)

// ToolDefinition is a custom tool that the client executes.
type ToolDefinition struct {
	// Name is how the agent calls it: 1 to 128 of A–Z a–z 0–9 _ -.
	Name string
	// Description tells the model what the tool does (1 to 4096 characters).
	Description string
	// InputSchema is a JSON Schema object whose "type" is "object".
	InputSchema json.RawMessage
	// Handler runs a call.
	Handler ToolHandler

	schemaErr error // TypedTool could not infer InputSchema
}

// Tool returns the agent-configuration entry of the definition, for an
// agent override at session creation (AgentOverrides.Tools).
func (d ToolDefinition) Tool() Tool { return CustomTool(d.Name, d.Description, d.InputSchema) }

// TypedTool builds a ToolDefinition whose handler takes its input decoded
// into In and returns text. Input that does not decode into In is answered
// with an error result, without calling fn. A nil inputSchema is inferred
// from In (see InputSchemaFor); a type that has none (not a struct, or
// recursive) makes Runner.Run fail with the reason, and every call of the
// handler too.
func TypedTool[In any](name, description string, inputSchema json.RawMessage, fn func(ctx context.Context, in In) (string, error)) ToolDefinition {
	var schemaErr error
	if inputSchema == nil {
		inputSchema, schemaErr = toolSchemaFor[In](name)
	}
	return ToolDefinition{
		Name: name, Description: description, InputSchema: inputSchema, schemaErr: schemaErr,
		Handler: func(ctx context.Context, input json.RawMessage) ([]ContentBlock, error) {
			if schemaErr != nil {
				return nil, schemaErr
			}
			var in In
			if err := json.Unmarshal(input, &in); err != nil {
				return nil, fmt.Errorf("invalid input for %s: %w", name, err)
			}
			text, err := fn(ctx, in)
			if err != nil {
				return nil, err
			}
			return []ContentBlock{TextBlock(text)}, nil
		},
	}
}

// ToolCall is a tool use that waits for a confirmation: an agent.tool_use
// or agent.mcp_tool_use whose permission policy is always_ask.
type ToolCall struct {
	// ID is the tool-use event's ID.
	ID string
	// Name is the tool's name; MCPServerName is set for MCP tools.
	Name, MCPServerName string
	// Input is the call's input.
	Input json.RawMessage
	// Event is the tool-use event itself.
	Event Event
}

// ConfirmFunc decides on a call that needs a confirmation: allow it, or
// deny it with a message that the model will read.
type ConfirmFunc func(ctx context.Context, call ToolCall) (allow bool, denyMessage string)

// Runner answers a session's tool calls with Go functions: each
// agent.custom_tool_use gets a user.custom_tool_result from the registered
// handler, and each call awaiting a permission gets a user.tool_confirmation
// from Confirm, until the turn ends. Configure it, then call Run; a Runner
// may be used for several turns, but not for two at once.
type Runner struct {
	// Client sends and streams.
	Client *Client
	// Tools are the custom tools the runner answers.
	Tools []ToolDefinition
	// Confirm decides on calls that need a confirmation. When nil, every
	// such call is denied: a runner never lets a call through unasked.
	Confirm ConfirmFunc
	// CallTimeout bounds each handler call; zero means DefaultToolTimeout.
	// A handler that outlives it is answered with an error result and
	// left to return on its own (its context is cancelled).
	CallTimeout time.Duration
	// Store records the progress of each custom tool call, so that a
	// runner started again with the same store posts a result it already
	// has instead of running the tool again (see ToolCallStore). Nil means
	// an in-memory store that the Runner keeps across its Runs; use
	// OpenFileToolCallStore, or a store of your own over your database, to
	// outlive the process.
	Store ToolCallStore
	// Interrupted says what becomes of a call whose handler started
	// under the same Store but whose result was never recorded: the
	// process died while the handler ran, or just after. The default,
	// AnswerInterruptedWithError, never runs a handler twice.
	Interrupted InterruptedCallPolicy

	mem *MemoryToolCallStore // the default Store, made on first use
}

// InterruptedCallPolicy is what a Runner does with a custom tool call that
// started in an earlier run (same ToolCallStore) without a recorded
// result. Nothing tells whether the handler ran, in full, in part or not
// at all: the policy chooses between never running a tool twice and never
// leaving one unrun.
type InterruptedCallPolicy int

const (
	// AnswerInterruptedWithError answers the call with an error result
	// (is_error) saying that it was interrupted and may or may not have
	// taken effect, for the model to read; the handler is not called.
	AnswerInterruptedWithError InterruptedCallPolicy = iota
	// RerunInterrupted calls the handler again: for tools that are safe to
	// repeat, or that deduplicate with ToolUseIDFromContext.
	RerunInterrupted
)

// store returns the runner's ToolCallStore.
func (r *Runner) store() ToolCallStore {
	if r.Store != nil {
		return r.Store
	}
	if r.mem == nil {
		r.mem = NewMemoryToolCallStore()
	}
	return r.mem
}

// AgentTools returns the agent-configuration entries of the runner's tools,
// for AgentOverrides.Tools.
func (r *Runner) AgentTools() []Tool {
	tools := make([]Tool, len(r.Tools))
	for i, d := range r.Tools {
		tools[i] = d.Tool()
	}
	return tools
}

func (r *Runner) handlers() (map[string]ToolHandler, error) {
	if r.Client == nil {
		return nil, invalidParams("Runner.Client is nil")
	}
	if r.CallTimeout < 0 {
		return nil, invalidParams("Runner.CallTimeout %v is negative", r.CallTimeout)
	}
	if r.Interrupted != AnswerInterruptedWithError && r.Interrupted != RerunInterrupted {
		return nil, invalidParams("Runner.Interrupted %d is not a known policy", r.Interrupted)
	}
	m := make(map[string]ToolHandler, len(r.Tools))
	for i, d := range r.Tools {
		switch {
		case d.Name == "":
			return nil, invalidParams("Runner.Tools[%d] has no name", i)
		case d.Handler == nil:
			return nil, invalidParams("tool %q has no handler", d.Name)
		case d.schemaErr != nil:
			return nil, d.schemaErr
		case m[d.Name] != nil:
			return nil, invalidParams("tool %q is defined twice", d.Name)
		}
		m[d.Name] = d.Handler
	}
	return m, nil
}

// Run sends events and follows the session, answering tool calls, until
// the turn ends with a stop reason other than requires_action, or the
// session terminates. It returns the whole turn, every requires_action
// round included.
//
// With no events, Run picks up the session as it is: it answers the calls
// still open in its history (each once, however often the history and the
// stream show it) and follows the turn to its end; on a session whose last
// turn has ended and that waits for nothing it sends nothing and returns
// at once, with that turn's stop reason and no events.
//
// Every custom tool call goes through the runner's Store: recorded as
// started before its handler runs, its result recorded before it is sent.
// A call whose result is recorded (by an earlier Run with the same store,
// in this process or a former one) is answered with that result and never
// run again; one that started without a result is handled as Interrupted
// says. A failure of the store, like a failure to send, ends the Run with
// that error. One ambiguity remains: a result whose post reached the
// server just before the process died is sent again if the server has not
// processed it yet when the next Run reads the history.
//
// Handlers of concurrent calls run concurrently. A handler's error or
// panic becomes an error result; a call of a tool that is not registered
// gets an error result too, never silence. Calls that were already
// answered (by this runner before a reconnect, or by someone else) are not
// answered again.
//
// In a multi-agent session the runner answers the calls of every thread:
// the session stream carries the tool uses of other threads too (with
// session_thread_id), and the answers, which never carry a thread ID, are
// routed by the server by tool-use ID. Each call is answered once,
// whichever way it was seen (the tool-use event, a requires_action idle of
// its thread or of the session, the history). The turn ends on the
// session's idle, not on a thread's.
func (r *Runner) Run(ctx context.Context, sessionID string, events ...EventParam) (*TurnResult, error) {
	handlers, err := r.handlers()
	if err != nil {
		return nil, err
	}
	if len(events) > 0 {
		if err := validateEvents(events, false); err != nil {
			return nil, err
		}
	}
	ev := r.Client.Events
	st, err := ev.Stream(ctx, sessionID, StreamParams{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var echoes []Event
	if len(events) > 0 {
		if echoes, err = ev.Send(ctx, sessionID, events...); err != nil {
			return nil, err
		}
	}

	callCtx, cancelCalls := context.WithCancel(ctx)
	rs := &runState{r: r, handlers: handlers, ctx: callCtx, sessionID: sessionID, store: r.store(),
		answered: map[string]bool{}, seen: map[string]Event{}, stop: func() { st.Close() }}
	defer func() {
		cancelCalls()
		rs.wg.Wait()
	}()
	if len(events) == 0 {
		// Nothing sent: the session may already be waiting on calls made
		// before the stream opened, or be done.
		ended, err := rs.answerPending()
		if err != nil {
			return nil, err
		}
		if ended != nil {
			return &TurnResult{StopReason: ended}, nil
		}
	}

	res, err := newTurnTracker(echoes).follow(ctx, st, true, func(e Event) error {
		rs.observe(e)
		if ids := awaitedIDs(e); ids != nil {
			if err := rs.answerListed(ids); err != nil {
				return err
			}
		}
		return rs.sendError()
	})
	if ferr := rs.sendError(); ferr != nil {
		return res, ferr // the stream was closed because of it
	}
	return res, err
}

// awaitedIDs returns the tool uses that a requires_action idle of the
// session or of one of its threads waits for, or nil.
func awaitedIDs(e Event) []string {
	switch e := e.(type) {
	case *SessionStatusIdleEvent:
		if e.StopReason.Type == StopReasonRequiresAction {
			return e.StopReason.EventIDs
		}
	case *SessionThreadStatusIdleEvent:
		if e.StopReason.Type == StopReasonRequiresAction {
			return e.StopReason.EventIDs
		}
	}
	return nil
}

// runState is one Run's bookkeeping.
type runState struct {
	r         *Runner
	handlers  map[string]ToolHandler
	store     ToolCallStore
	ctx       context.Context
	stop      func() // ends the Run's stream, on a failure to answer
	sessionID string
	wg        sync.WaitGroup

	// Touched only by Run's goroutine.
	answered map[string]bool  // tool-use IDs answered or being answered
	seen     map[string]Event // tool-use events seen, by ID

	mu      sync.Mutex
	sendErr error // the first failure to answer a call (send, store)
}

func (rs *runState) sendError() error {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.sendErr
}

// note records a tool use or an answer without answering anything.
func (rs *runState) note(e Event) {
	switch e := e.(type) {
	case *AgentCustomToolUseEvent:
		rs.seen[e.ID] = e
	case *AgentToolUseEvent:
		rs.seen[e.ID] = e
	case *AgentMCPToolUseEvent:
		rs.seen[e.ID] = e
	case *UserCustomToolResultEvent:
		rs.answered[e.CustomToolUseID] = true
	case *UserToolConfirmationEvent:
		rs.answered[e.ToolUseID] = true
	case *UserToolResultEvent:
		rs.answered[e.ToolUseID] = true
	}
}

// observe answers new tool calls and notes answers already given.
func (rs *runState) observe(e Event) {
	rs.note(e)
	switch e := e.(type) {
	case *AgentCustomToolUseEvent:
		rs.answerCustom(e)
	case *AgentToolUseEvent:
		if e.EvaluatedPermission == PermissionAsk {
			rs.answerEvent(e)
		}
	case *AgentMCPToolUseEvent:
		if e.EvaluatedPermission == PermissionAsk {
			rs.answerEvent(e)
		}
	}
}

// answerListed answers the IDs of a requires_action idle that are still
// open, reading from the history the tool uses the stream did not show.
func (rs *runState) answerListed(ids []string) error {
	var missing []string
	for _, id := range ids {
		if rs.answered[id] {
			continue
		}
		if e, ok := rs.seen[id]; ok {
			rs.answerEvent(e)
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return rs.fromHistory(func(e Event) {
		for _, id := range missing {
			if e.EventID() == id {
				rs.answerEvent(e)
			}
		}
	})
}

// answerPending answers the calls of a session already waiting: those
// listed by its last requires_action idle and those made since its last
// idle, unless answered. It reads the whole history before answering
// anything, so that a call answered later in the history is never answered
// again. When the history ends with an idle that ends the turn and nothing
// is open, it returns that idle's stop reason: the session is done.
func (rs *runState) answerPending() (ended *StopReason, err error) {
	var pending []string
	var last *SessionStatusIdleEvent
	err = rs.fromHistory(func(e Event) {
		rs.note(e)
		switch e := e.(type) {
		case *SessionStatusIdleEvent:
			last, pending = e, nil
			if e.StopReason.Type == StopReasonRequiresAction {
				pending = slices.Clone(e.StopReason.EventIDs)
			}
		case *SessionStatusRunningEvent:
			last = nil
		case *AgentCustomToolUseEvent:
			pending = append(pending, e.ID)
		case *AgentToolUseEvent:
			if e.EvaluatedPermission == PermissionAsk {
				pending = append(pending, e.ID)
			}
		case *AgentMCPToolUseEvent:
			if e.EvaluatedPermission == PermissionAsk {
				pending = append(pending, e.ID)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	open := slices.DeleteFunc(pending, func(id string) bool { return rs.answered[id] })
	if last != nil && last.StopReason.EndsTurn() && len(open) == 0 {
		reason := last.StopReason
		return &reason, nil
	}
	return nil, rs.answerListed(open)
}

// fromHistory feeds the session's history to fn, oldest first.
func (rs *runState) fromHistory(fn func(Event)) error {
	params := EventListParams{Types: []string{
		EventAgentCustomToolUse, EventAgentToolUse, EventAgentMCPToolUse,
		EventUserCustomToolResult, EventUserToolConfirmation, EventUserToolResult,
		EventSessionStatusIdle, EventSessionStatusRunning,
	}}
	for e, err := range rs.r.Client.Events.All(rs.ctx, rs.sessionID, params) {
		if err != nil {
			return err
		}
		fn(e)
	}
	return nil
}

// answerEvent answers a tool use of any kind.
func (rs *runState) answerEvent(e Event) {
	switch e := e.(type) {
	case *AgentCustomToolUseEvent:
		rs.answerCustom(e)
	case *AgentToolUseEvent:
		rs.confirm(ToolCall{ID: e.ID, Name: e.Name, Input: e.Input, Event: e})
	case *AgentMCPToolUseEvent:
		rs.confirm(ToolCall{ID: e.ID, Name: e.Name, MCPServerName: e.MCPServerName, Input: e.Input, Event: e})
	}
}

// answerCustom answers a custom tool call in its own goroutine: the
// result comes from the store or the handler (see result) and is sent.
func (rs *runState) answerCustom(e *AgentCustomToolUseEvent) {
	if rs.answered[e.ID] {
		return
	}
	rs.answered[e.ID] = true
	handler := rs.handlers[e.Name]
	rs.goSend(func() (EventParam, error) {
		if handler == nil {
			return CustomToolError(e.ID, fmt.Sprintf("no tool named %q is available", e.Name)), nil
		}
		rec, err := rs.result(handler, e)
		if err != nil || rec == nil {
			return nil, err
		}
		return CustomToolResultParam{CustomToolUseID: e.ID, Content: rec.Content, IsError: rec.IsError}, nil
	})
}

// toolCallPoint is a step of answering a custom tool call at which a test
// can stop the runner as a crash would (see toolCallHook).
type toolCallPoint int

const (
	pointBeforeStart toolCallPoint = iota // nothing recorded, the handler not called
	pointStarted                          // Start recorded, the handler not called yet
	pointRan                              // the handler returned, its result not recorded
	pointFinished                         // the result recorded, not sent
)

// toolCallHook is nil except in this package's tests, which set it to stop
// a runner at a point of a call: a non-nil error abandons the call there,
// recording and sending nothing more.
var toolCallHook func(point toolCallPoint, key ToolCallKey) error

// result returns the result to send for a custom tool call, recording the
// call's progress in the runner's store: a recorded result is returned
// as is, never computed again; a call that started without a recorded
// result is handled by Runner.Interrupted; any other call is recorded as
// started, run, and its result recorded before it is returned. A nil
// record means the call was abandoned (only tests abandon calls).
func (rs *runState) result(handler ToolHandler, e *AgentCustomToolUseEvent) (*ToolCallRecord, error) {
	key := ToolCallKey{SessionID: rs.sessionID, ToolUseID: e.ID}
	stopped := func(p toolCallPoint) bool { return toolCallHook != nil && toolCallHook(p, key) != nil }
	storeErr := func(op string, err error) error {
		return fmt.Errorf("managedagents: tool call store: %s %s: %w", op, e.ID, err)
	}
	// A result the handler returned is recorded even if the Run ends
	// meanwhile, so that a later Run posts it instead of running the tool
	// again.
	durable := context.WithoutCancel(rs.ctx)
	rec, found, err := rs.store.Get(rs.ctx, key)
	if err != nil {
		return nil, storeErr("reading", err)
	}
	if found && rec.Finished {
		return &rec, nil
	}
	if found && rs.r.Interrupted != RerunInterrupted {
		rec = ToolCallRecord{Finished: true, IsError: true, Content: []ContentBlock{TextBlock(fmt.Sprintf(
			"The call of %s was interrupted before its result was recorded; it may or may not have taken effect.", e.Name))}}
		if err := rs.store.Finish(durable, key, rec); err != nil {
			return nil, storeErr("recording the result of", err)
		}
		return &rec, nil
	}
	if stopped(pointBeforeStart) {
		return nil, nil
	}
	if err := rs.store.Start(rs.ctx, key); err != nil {
		return nil, storeErr("recording the start of", err)
	}
	if stopped(pointStarted) {
		return nil, nil
	}
	content, err := rs.call(handler, e)
	if errors.Is(err, errCallAbandoned) {
		return nil, nil
	}
	rec = ToolCallRecord{Finished: true, Content: content}
	if err != nil {
		rec.Content, rec.IsError = []ContentBlock{TextBlock(err.Error())}, true
	}
	if stopped(pointRan) {
		return nil, nil
	}
	if err := rs.store.Finish(durable, key, rec); err != nil {
		return nil, storeErr("recording the result of", err)
	}
	if stopped(pointFinished) {
		return nil, nil
	}
	return &rec, nil
}

// call runs handler with the call timeout, turning a panic into an error.
func (rs *runState) call(handler ToolHandler, e *AgentCustomToolUseEvent) (_ []ContentBlock, err error) {
	timeout := rs.r.CallTimeout
	if timeout == 0 {
		timeout = DefaultToolTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithValue(rs.ctx, toolUseIDKey{}, e.ID), timeout)
	defer cancel()
	ctx, span := rs.r.Client.tracing.startTool(ctx, e, rs.sessionID)
	defer func() { span.end(ctx, err) }()
	type outcome struct {
		content []ContentBlock
		err     error
	}
	done := make(chan outcome, 1) // buffered: a late handler must not block
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: fmt.Errorf("tool %s panicked: %v", e.Name, p)}
			}
		}()
		content, err := handler(ctx, e.Input)
		done <- outcome{content, err}
	}()
	select {
	case o := <-done:
		return o.content, o.err
	case <-ctx.Done():
		if rs.ctx.Err() != nil {
			return nil, errCallAbandoned
		}
		return nil, fmt.Errorf("tool %s did not finish within %v", e.Name, timeout)
	}
}

// errCallAbandoned is call's error when the Run ended while the handler
// ran: there is no result, and the call stays recorded as started.
var errCallAbandoned = errors.New("managedagents: the run ended while the tool ran")

// confirm asks Confirm about a call and sends the answer.
func (rs *runState) confirm(call ToolCall) {
	if rs.answered[call.ID] {
		return
	}
	rs.answered[call.ID] = true
	rs.goSend(func() (answer EventParam, _ error) {
		if rs.r.Confirm == nil {
			return DenyTool(call.ID, "This client has no confirmation policy; the call was not allowed."), nil
		}
		defer func() {
			if p := recover(); p != nil { // fail closed
				answer = DenyTool(call.ID, "The confirmation policy failed; the call was not allowed.")
			}
		}()
		allow, msg := rs.r.Confirm(rs.ctx, call)
		if allow {
			return AllowTool(call.ID), nil
		}
		return DenyTool(call.ID, msg), nil
	})
}

// goSend computes an answer in a goroutine and sends it. A nil answer
// sends nothing; an error stops the Run.
func (rs *runState) goSend(answer func() (EventParam, error)) {
	rs.wg.Add(1)
	go func() {
		defer rs.wg.Done()
		p, err := answer()
		if err != nil {
			rs.fail(err)
			return
		}
		if p == nil || rs.ctx.Err() != nil {
			return // abandoned, or the turn is over
		}
		if _, err := rs.r.Client.Events.Send(rs.ctx, rs.sessionID, p); err != nil && rs.ctx.Err() == nil {
			rs.fail(fmt.Errorf("managedagents: answering a tool call: %w", err))
		}
	}()
}

// fail keeps the first error that stops the Run and ends its stream, so
// that the Run returns now rather than wait for an event that may never
// come (the session waits for the answer that failed).
func (rs *runState) fail(err error) {
	rs.mu.Lock()
	first := rs.sendErr == nil
	if first {
		rs.sendErr = err
	}
	rs.mu.Unlock()
	if first {
		rs.stop()
	}
}
