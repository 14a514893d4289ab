package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

const (
	// DefaultWaitTimeout is how long anthropic-wait-for-session waits when
	// timeout_seconds is not given.
	DefaultWaitTimeout = 60 * time.Second
	// MaxWaitTimeout caps timeout_seconds.
	MaxWaitTimeout = 600 * time.Second

	// historyPageSize and maxHistoryScan bound how much history a wait reads
	// back to find the start of the turn.
	historyPageSize = 500
	maxHistoryScan  = 5000
	// observerGrace is how long a send-and-wait keeps its progress stream
	// open after the turn ended, for the last notifications to go out.
	observerGrace = 2 * time.Second
)

// idleGrace is how long a wait without markers gives an idle session whose
// last client event has no turn yet to start one. Tests shorten it.
var idleGrace = 3 * time.Second

// Wait outcomes, in waitOutput.Outcome.
const (
	outcomeTurnEnded      = "turn_ended"      // idle with a stop reason that ends the turn
	outcomeRequiresAction = "requires_action" // idle, waiting for tool confirmations or results
	outcomeTerminated     = "terminated"
	outcomeDeleted        = "deleted"
	outcomeIdle           = "idle" // nothing was running and nothing was asked for
	outcomeTimedOut       = "timed_out"
)

type waitInput struct {
	SessionID      string           `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Events         []map[string]any `json:"events,omitempty" jsonschema:"Events to send first (see anthropic-send-session-events for their shape); the tool then waits for the turn they start. Not idempotent."`
	AfterEventIDs  []string         `json:"after_event_ids,omitempty" jsonschema:"IDs of events already sent (the echoes of anthropic-send-session-events): wait for the turn they started, from the first of them, even if it already ended."`
	TimeoutSeconds int              `json:"timeout_seconds,omitempty" jsonschema:"How long to wait, in seconds: default 60, at most 600. On timeout the events so far are returned with outcome timed_out; call again to keep waiting."`
}

type followInput struct {
	SessionID      string   `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	AfterEventIDs  []string `json:"after_event_ids,omitempty" jsonschema:"IDs of events already sent: wait for the turn they started, from the first of them, even if it already ended."`
	TimeoutSeconds int      `json:"timeout_seconds,omitempty" jsonschema:"How long to wait, in seconds: default 60, at most 600. On timeout the events so far are returned with outcome timed_out."`
}

type waitOutput struct {
	SessionID string `json:"session_id"`
	// Outcome is turn_ended, requires_action, terminated, deleted, idle or
	// timed_out.
	Outcome string `json:"outcome"`
	// StopReason is the stop_reason of the idle that ended the wait, or null.
	StopReason *managedagents.StopReason `json:"stop_reason"`
	// Text joins the text of the agent's messages.
	Text string `json:"text"`
	// Events are the turn's events, exactly as the API sent them.
	Events []json.RawMessage `json:"events"`
	// Usage sums the turn's model requests.
	Usage    managedagents.ModelUsage `json:"usage"`
	TimedOut bool                     `json:"timed_out"`
}

const waitDescriptionCommon = " Returns the turn's events exactly as the API sent them, the stop reason, and the text of the agent's messages. " +
	"A turn ends when the session goes idle — end_turn, retries_exhausted, refusal, budget_reached, or requires_action, " +
	"which waits for your tool confirmations or custom tool results (their event IDs are in stop_reason.event_ids) — or terminates, or is deleted. " +
	"Without after_event_ids it follows the session: if a turn is running it waits for its end; if the session is idle it returns at once with the events since the last client event. " +
	"Sends a progress notification per event when the request carries a progress token."

func (a *adapter) waitForSessionTool() toolSpec {
	return toolSpec{
		base:  ToolWaitForSession,
		title: "Wait for session",
		description: "Wait for a session's agent to finish its turn, optionally sending events (such as a user.message) first, " +
			"which is the simplest way to talk to the agent: send and get the reply in one call." + waitDescriptionCommon +
			" With events it is not idempotent; without, it changes nothing.\n\n" + eventParamsDescription,
		add: func(a *adapter, t *sdk.Tool) { addTool(a, t, a.waitForSession) },
	}
}

func (a *adapter) followSessionTool() toolSpec {
	return toolSpec{
		base:        ToolWaitForSession,
		title:       "Wait for session",
		description: "Wait for a session's agent to finish its current turn (read-only: it sends nothing)." + waitDescriptionCommon,
		readOnly:    true,
		idempotent:  true,
		add: func(a *adapter, t *sdk.Tool) {
			addTool(a, t, func(ctx context.Context, req *sdk.CallToolRequest, in followInput) *sdk.CallToolResult {
				return a.waitForSession(ctx, req, waitInput{SessionID: in.SessionID, AfterEventIDs: in.AfterEventIDs, TimeoutSeconds: in.TimeoutSeconds})
			})
		},
	}
}

func (a *adapter) waitForSession(ctx context.Context, req *sdk.CallToolRequest, in waitInput) *sdk.CallToolResult {
	timeout, err := waitTimeout(in.TimeoutSeconds)
	if err != nil {
		return inputError("%v", err)
	}
	if len(in.Events) > 0 && len(in.AfterEventIDs) > 0 {
		return inputError("give events to send or after_event_ids of events already sent, not both")
	}
	if strings.TrimSpace(in.SessionID) == "" {
		return inputError("session_id is empty")
	}
	progress := a.progressFunc(ctx, req)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if len(in.Events) > 0 {
		params, err := decodeEventParams(in.Events)
		if err != nil {
			return inputError("%v", err)
		}
		return a.sendAndWait(ctx, tctx, in.SessionID, params, timeout, progress)
	}
	t, err := a.follow(tctx, in.SessionID, in.AfterEventIDs, progress)
	if err != nil {
		if timedOut(ctx, tctx, err) && t != nil {
			return waitResult(in.SessionID, t.output(in.SessionID, outcomeTimedOut), timeout)
		}
		return failure(err)
	}
	return waitResult(in.SessionID, t.output(in.SessionID, ""), timeout)
}

func waitTimeout(seconds int) (time.Duration, error) {
	switch {
	case seconds < 0:
		return 0, fmt.Errorf("timeout_seconds %d is negative", seconds)
	case seconds == 0:
		return DefaultWaitTimeout, nil
	case seconds > int(MaxWaitTimeout/time.Second):
		return MaxWaitTimeout, nil
	}
	return time.Duration(seconds) * time.Second, nil
}

// timedOut reports whether err comes from the wait's own deadline rather
// than from the caller's context.
func timedOut(ctx, tctx context.Context, err error) bool {
	return ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) &&
		(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled))
}

// progressFunc returns a function that sends one progress notification per
// event, or nil when the caller gave no progress token.
func (a *adapter) progressFunc(ctx context.Context, req *sdk.CallToolRequest) func(managedagents.Event) {
	if req == nil || req.Params == nil || req.Session == nil {
		return nil
	}
	token := req.Params.GetProgressToken()
	if token == nil {
		return nil
	}
	var (
		mu sync.Mutex
		n  int
	)
	return func(ev managedagents.Event) {
		mu.Lock()
		defer mu.Unlock()
		n++
		err := req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{
			ProgressToken: token,
			Progress:      float64(n),
			Message:       ev.EventType(),
		})
		if err != nil {
			a.logger.Debug("mcp: progress notification failed", "error", err)
		}
	}
}

// sendAndWait sends the events with Events.SendAndWait. With a progress
// token, a second stream reports the events as they come.
func (a *adapter) sendAndWait(ctx, tctx context.Context, sessionID string, params []managedagents.EventParam, timeout time.Duration, progress func(managedagents.Event)) *sdk.CallToolResult {
	var obs *observer
	if progress != nil {
		st, err := a.client.Events.Stream(tctx, sessionID, managedagents.StreamParams{})
		if err != nil {
			return failure(err)
		}
		obs = observe(st, progress)
	}
	res, err := a.client.Events.SendAndWait(tctx, sessionID, params...)
	if obs != nil {
		last := ""
		if res != nil && len(res.Events) > 0 {
			last = res.Events[len(res.Events)-1].EventID()
		}
		obs.finish(ctx, last)
	}
	if err != nil {
		if res != nil && timedOut(ctx, tctx, err) {
			return waitResult(sessionID, turnOutput(sessionID, res, outcomeTimedOut), timeout)
		}
		return failure(err)
	}
	return waitResult(sessionID, turnOutput(sessionID, res, ""), timeout)
}

// turnOutput converts a TurnResult.
func turnOutput(sessionID string, res *managedagents.TurnResult, outcome string) waitOutput {
	out := waitOutput{SessionID: sessionID, StopReason: res.StopReason, Text: res.Text, Usage: res.Usage, Events: eventsJSON(res.Events)}
	for _, de := range res.DecodeErrors {
		if json.Valid(de.Raw) { // never drop an event, even one that did not decode
			out.Events = append(out.Events, json.RawMessage(de.Raw))
		}
	}
	switch {
	case outcome != "":
		out.Outcome = outcome
	case res.Terminated:
		out.Outcome = outcomeTerminated
	case res.Deleted:
		out.Outcome = outcomeDeleted
	case res.StopReason != nil && !res.StopReason.EndsTurn():
		out.Outcome = outcomeRequiresAction
	default:
		out.Outcome = outcomeTurnEnded
	}
	out.TimedOut = out.Outcome == outcomeTimedOut
	return out
}

// waitResult renders a wait's output.
func waitResult(sessionID string, out waitOutput, timeout time.Duration) *sdk.CallToolResult {
	var b strings.Builder
	n := plural(len(out.Events), "event")
	switch out.Outcome {
	case outcomeTurnEnded:
		reason := ""
		if out.StopReason != nil {
			reason = out.StopReason.Type
		}
		fmt.Fprintf(&b, "Turn ended (%s) after %s", reason, n)
	case outcomeRequiresAction:
		fmt.Fprintf(&b, "Session %s is waiting for you (requires_action) after %s: answer %s with user.tool_confirmation or user.custom_tool_result events",
			sessionID, n, strings.Join(out.StopReason.EventIDs, ", "))
	case outcomeTerminated:
		fmt.Fprintf(&b, "Session %s terminated after %s", sessionID, n)
	case outcomeDeleted:
		fmt.Fprintf(&b, "Session %s was deleted after %s", sessionID, n)
	case outcomeIdle:
		fmt.Fprintf(&b, "Session %s is idle: no turn is running (%s since the last client event)", sessionID, n)
	case outcomeTimedOut:
		fmt.Fprintf(&b, "Timed out after %s with the turn still going (%s so far); call again to keep waiting", timeout, n)
	}
	if out.Text != "" {
		fmt.Fprintf(&b, ". Agent: %s", out.Text)
	}
	return okResult(b.String(), out)
}

// turn folds the events of one turn, from the history and then the stream.
type turn struct {
	// markers are the IDs the turn starts from; nil means from the last
	// client event in the history.
	markers  map[string]bool
	started  bool
	seen     map[string]bool
	events   []json.RawMessage
	text     []string
	usage    managedagents.ModelUsage
	stop     *managedagents.StopReason
	outcome  string
	progress func(managedagents.Event)
	// onEvent, when set, is called for each event added.
	onEvent func()
}

func newTurn(markers []string, progress func(managedagents.Event)) *turn {
	t := &turn{seen: map[string]bool{}, progress: progress}
	if len(markers) > 0 {
		t.markers = map[string]bool{}
		for _, id := range markers {
			t.markers[id] = true
		}
	} else {
		t.started = true
	}
	return t
}

// add folds ev in and reports whether it ends the turn. Events not yet
// processed (queued echoes) are skipped: their processed copy follows.
func (t *turn) add(ev managedagents.Event) bool {
	if _, processed := ev.EventProcessedAt(); !processed {
		return false
	}
	id := ev.EventID()
	if id != "" {
		if t.seen[id] {
			return false
		}
		t.seen[id] = true
	}
	if !t.started {
		if !t.markers[id] {
			return false
		}
		t.started = true
	}
	t.events = append(t.events, eventJSON(ev))
	if t.onEvent != nil {
		t.onEvent()
	}
	if t.progress != nil {
		t.progress(ev)
	}
	t.outcome = ""
	switch e := ev.(type) {
	case *managedagents.AgentMessageEvent:
		if s := managedagents.JoinText(e.Content); s != "" {
			t.text = append(t.text, s)
		}
	case *managedagents.SpanModelRequestEndEvent:
		t.usage.InputTokens += e.ModelUsage.InputTokens
		t.usage.OutputTokens += e.ModelUsage.OutputTokens
		t.usage.CacheCreationInputTokens += e.ModelUsage.CacheCreationInputTokens
		t.usage.CacheReadInputTokens += e.ModelUsage.CacheReadInputTokens
	case *managedagents.SessionStatusIdleEvent:
		reason := e.StopReason
		t.stop = &reason
		t.outcome = outcomeTurnEnded
		if !reason.EndsTurn() {
			t.outcome = outcomeRequiresAction
		}
		return true
	case *managedagents.SessionStatusTerminatedEvent:
		t.stop, t.outcome = nil, outcomeTerminated
		return true
	case *managedagents.SessionDeletedEvent:
		t.stop, t.outcome = nil, outcomeDeleted
		return true
	}
	return false
}

func (t *turn) output(sessionID, outcome string) waitOutput {
	out := waitOutput{SessionID: sessionID, Outcome: t.outcome, StopReason: t.stop, Text: strings.Join(t.text, "\n"),
		Events: t.events, Usage: t.usage}
	if out.Events == nil {
		out.Events = []json.RawMessage{}
	}
	if outcome != "" {
		out.Outcome = outcome
	}
	if out.Outcome == "" {
		out.Outcome = outcomeIdle
	}
	out.TimedOut = out.Outcome == outcomeTimedOut
	return out
}

// follow waits for the turn that starts at markers (or, without markers,
// for the current turn) to end. It opens the live stream first, then reads
// the history back to the turn's start, so that no event falls between the
// two; events seen in both are counted once. On an error the turn so far is
// returned with it.
func (a *adapter) follow(ctx context.Context, sessionID string, markers []string, progress func(managedagents.Event)) (*turn, error) {
	st, err := a.client.Events.Stream(ctx, sessionID, managedagents.StreamParams{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	t := newTurn(markers, progress)
	tail, found, err := a.historyTail(ctx, sessionID, t.markers)
	if err != nil {
		return nil, err
	}
	for _, ev := range tail {
		t.add(ev)
	}
	if t.outcome != "" {
		// The history already holds the end of the turn asked for (or,
		// without markers, of the last turn): nothing to wait for.
		return t, nil
	}
	// The status is read after the history, so a turn that ended in
	// between shows in one or the other.
	sess, err := a.client.Sessions.Get(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	var graceOver atomic.Bool
	switch {
	case sess.Status == managedagents.StatusTerminated:
		t.outcome = outcomeTerminated
		return t, nil
	case t.markers == nil && sess.Status == managedagents.StatusIdle:
		if !found {
			return t, nil // no client event yet and nothing running
		}
		// A client event without an end after it, yet the session is
		// idle: a turn is about to start, or the event started none (an
		// interrupt of an idle session). Give the turn a moment to show.
		grace := time.AfterFunc(idleGrace, func() { graceOver.Store(true); st.Close() })
		defer grace.Stop()
		t.onEvent = func() { grace.Stop() }
	}
	// A turn is running, or about to: its start is in the history (or, for
	// markers, still queued) and its end is not.
	for ev, err := range st.Events() {
		if err != nil {
			var de *managedagents.DecodeError
			if errors.As(err, &de) {
				if t.started && json.Valid(de.Raw) {
					t.events = append(t.events, json.RawMessage(de.Raw))
				}
				continue
			}
			return t, err
		}
		if t.add(ev) {
			return t, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return t, err
	}
	if graceOver.Load() {
		return t, nil // reported as idle
	}
	return t, errors.New("the event stream ended before the turn did")
}

// historyTail reads the history newest first back to the turn's start and
// returns it oldest first, and whether the start was found. With markers,
// the start is the earliest of them (nothing when none is in the history
// yet); without, it is the last client event (or the start of the history).
func (a *adapter) historyTail(ctx context.Context, sessionID string, markers map[string]bool) ([]managedagents.Event, bool, error) {
	var (
		rev   []managedagents.Event // newest first
		cut   = -1
		found = 0
		page  string
	)
	isMarker := func(ev managedagents.Event) bool {
		if markers != nil {
			return markers[ev.EventID()]
		}
		return isClientEvent(ev.EventType())
	}
	want := max(len(markers), 1)
scan:
	for len(rev) < maxHistoryScan {
		p, err := a.client.Events.List(ctx, sessionID, managedagents.EventListParams{
			Order: managedagents.OrderDesc, Limit: historyPageSize, Page: page,
		})
		if err != nil {
			return nil, false, err
		}
		for _, ev := range p.Data {
			rev = append(rev, ev)
			if isMarker(ev) {
				found++
				cut = len(rev) - 1
				if found >= want {
					break scan
				}
			}
		}
		if p.NextPage == "" {
			break
		}
		page = p.NextPage
	}
	switch {
	case cut >= 0:
		rev = rev[:cut+1]
	case markers != nil:
		rev = nil
	}
	slices.Reverse(rev)
	return rev, cut >= 0, nil
}

// observer reports a stream's events as progress while SendAndWait runs.
type observer struct {
	st   *managedagents.Stream
	done chan struct{}
	mu   sync.Mutex
	seen map[string]bool
	tick chan struct{}
}

func observe(st *managedagents.Stream, progress func(managedagents.Event)) *observer {
	o := &observer{st: st, done: make(chan struct{}), seen: map[string]bool{}, tick: make(chan struct{}, 1)}
	go func() {
		defer close(o.done)
		for ev, err := range st.Events() {
			if err != nil {
				continue // decode errors go on; a fatal error ends the loop
			}
			if _, processed := ev.EventProcessedAt(); !processed {
				continue
			}
			o.mu.Lock()
			dup := o.seen[ev.EventID()]
			o.seen[ev.EventID()] = true
			o.mu.Unlock()
			if !dup {
				progress(ev)
			}
			select {
			case o.tick <- struct{}{}:
			default:
			}
		}
	}()
	return o
}

// finish waits (briefly) until the observer has reported the event with ID
// last, then closes its stream and waits for it to end.
func (o *observer) finish(ctx context.Context, last string) {
	timer := time.NewTimer(observerGrace)
	defer timer.Stop()
	for last != "" {
		o.mu.Lock()
		seen := o.seen[last]
		o.mu.Unlock()
		if seen {
			break
		}
		select {
		case <-o.tick:
			continue
		case <-o.done:
		case <-timer.C:
		case <-ctx.Done():
		}
		break
	}
	o.st.Close()
	<-o.done
}
