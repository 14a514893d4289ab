package mcp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

const (
	// DefaultWaitTimeout is how long one anthropic-wait-for-session call
	// waits when timeout_seconds is not given, and MaxWaitTimeout the most
	// it accepts. Both stay well under the 60 s default request timeout of
	// the TypeScript MCP SDK's clients (the MCP Inspector and most hosts),
	// which progress notifications do not reset unless the client opts in:
	// 50 s leaves 10 s for reading the history and the network. A longer
	// turn is followed by calling again with the returned cursor.
	DefaultWaitTimeout = 25 * time.Second
	// MaxWaitTimeout is the most one anthropic-wait-for-session call
	// waits unless WithWaitLimits says otherwise.
	MaxWaitTimeout = 50 * time.Second

	// historyPageSize and maxHistoryScan bound how much history a wait reads
	// back to find the start of the turn.
	historyPageSize = 500
	maxHistoryScan  = 5000
	// minEarlier is how many events before the turn's start a wait
	// remembers, so that a stream's replay of them is not taken for the
	// turn's.
	minEarlier = 200
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
	outcomeIdle           = "idle"    // nothing was running and nothing was asked for
	outcomeRunning        = "running" // the call's time ran out first: go on with the cursor
)

var outcomes = enumOf(outcomeTurnEnded, outcomeRequiresAction, outcomeTerminated, outcomeDeleted, outcomeIdle, outcomeRunning)

type waitInput struct {
	SessionID      string           `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Events         []map[string]any `json:"events,omitempty" jsonschema:"Events to send first, the same objects as the events of anthropic-send-session-events; the tool then waits for the turn they start. Not idempotent."`
	AfterEventIDs  []string         `json:"after_event_ids,omitempty" jsonschema:"IDs of events already sent (the echoes of anthropic-send-session-events): wait for the turn they started, from the first of them, even if it already ended."`
	Cursor         string           `json:"cursor,omitempty" jsonschema:"The cursor of a previous result whose outcome was running: go on from where it stopped, with no event repeated or lost."`
	TimeoutSeconds int              `json:"timeout_seconds,omitempty" jsonschema:"How long this call waits, in seconds (see the tool description for the default and maximum). When the turn is still running then, the result has outcome running and a cursor."`
}

type followInput struct {
	SessionID      string   `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	AfterEventIDs  []string `json:"after_event_ids,omitempty" jsonschema:"IDs of events already sent: wait for the turn they started, from the first of them, even if it already ended."`
	Cursor         string   `json:"cursor,omitempty" jsonschema:"The cursor of a previous result whose outcome was running: go on from where it stopped, with no event repeated or lost."`
	TimeoutSeconds int      `json:"timeout_seconds,omitempty" jsonschema:"How long this call waits, in seconds (see the tool description for the default and maximum). When the turn is still running then, the result has outcome running and a cursor."`
}

// tightenWait bounds the timeout by the server's limits.
func (a *adapter) tightenWait(s *jsonschema.Schema) {
	setRange(s.Properties["timeout_seconds"], 1, a.cfg.waitMax.Seconds())
	if p := s.Properties["events"]; p != nil {
		eventItems(p)
	}
}

type waitOutput struct {
	SessionID string `json:"session_id" jsonschema:"The session's ID."`
	Outcome   string `json:"outcome" jsonschema:"How the wait ended: turn_ended, requires_action (answer the tool uses in stop_reason.event_ids), terminated, deleted, idle (nothing was running), or running (this call's time ran out first: call again with cursor)."`
	// StopReason is the stop_reason of the idle that ended the turn, as
	// the API sent it.
	StopReason apiObject                `json:"stop_reason,omitempty" jsonschema:"The stop_reason of the idle that ended the turn, as the API sent it; absent when no idle ended it."`
	Text       string                   `json:"text" jsonschema:"The text of the agent's messages among events."`
	Events     []apiObject              `json:"events" jsonschema:"The events of this call, exactly as the API sent them; with a cursor, only those after the previous call's."`
	Usage      managedagents.ModelUsage `json:"usage" jsonschema:"The model usage of the model requests among events."`
	Cursor     string                   `json:"cursor,omitempty" jsonschema:"With outcome running: pass it as cursor to the next call to go on."`
}

// tightenWaitOutput lists the outcomes and the known stop reasons.
func tightenWaitOutput(s *jsonschema.Schema) {
	s.Properties["outcome"].Enum = outcomes
	sr := s.Properties["stop_reason"]
	sr.Required = []string{"type"}
	sr.Properties = map[string]*jsonschema.Schema{
		"type": {Type: "string", Description: "end_turn, requires_action, retries_exhausted, budget_reached, refusal, or a newer reason."},
		"event_ids": {Type: "array", Items: &jsonschema.Schema{Type: "string"},
			Description: "For requires_action: the tool-use events awaiting an answer."},
	}
}

func (a *adapter) waitDescription() string {
	return fmt.Sprintf(" Returns the turn's events exactly as the API sent them, the stop reason, and the text of the agent's messages. "+
		"A turn ends when the session goes idle — end_turn, retries_exhausted, refusal, budget_reached, or requires_action, "+
		"which waits for your tool confirmations or custom tool results (their event IDs are in stop_reason.event_ids) — or terminates, or is deleted. "+
		"Without after_event_ids or cursor it follows the session: if a turn is running it waits for its end; if the session is idle it returns at once with the events since the last client event. "+
		"One call waits %d s unless timeout_seconds says otherwise, and at most %d s (so that it ends before the 60 s request timeout of common MCP clients); "+
		"if the turn is still running then, the result has outcome running, the events so far and a cursor: call again with session_id and cursor to go on, "+
		"as often as needed, with no event lost or repeated. "+
		"Sends a progress notification per event when the request carries a progress token.",
		int(a.cfg.waitDefault.Seconds()), int(a.cfg.waitMax.Seconds()))
}

func (a *adapter) waitForSessionTool() toolSpec {
	return toolSpec{
		base:  ToolWaitForSession,
		title: "Wait for session",
		description: "Wait for a session's agent to finish its turn, optionally sending events (such as a user.message) first, " +
			"which is the simplest way to talk to the agent: send and get the reply." + a.waitDescription() +
			" With events it is not idempotent; without, it changes nothing.\n\n" + eventParamsDescription,
		add: func(a *adapter, t *sdk.Tool) { addTool(a, t, a.tightenWait, tightenWaitOutput, a.waitForSession) },
	}
}

func (a *adapter) followSessionTool() toolSpec {
	return toolSpec{
		base:        ToolWaitForSession,
		title:       "Wait for session",
		description: "Wait for a session's agent to finish its current turn (read-only: it sends nothing)." + a.waitDescription(),
		readOnly:    true,
		idempotent:  true,
		add: func(a *adapter, t *sdk.Tool) {
			addTool(a, t, a.tightenWait, tightenWaitOutput, func(ctx context.Context, req *sdk.CallToolRequest, in followInput) (string, waitOutput, error) {
				return a.waitForSession(ctx, req, waitInput{SessionID: in.SessionID, AfterEventIDs: in.AfterEventIDs,
					Cursor: in.Cursor, TimeoutSeconds: in.TimeoutSeconds})
			})
		},
	}
}

func (a *adapter) waitForSession(ctx context.Context, req *sdk.CallToolRequest, in waitInput) (string, waitOutput, error) {
	timeout, err := a.waitTimeout(in.TimeoutSeconds)
	if err != nil {
		return "", waitOutput{}, err
	}
	if strings.TrimSpace(in.SessionID) == "" {
		return "", waitOutput{}, inputError("pass the session's ID (sesn_…) as session_id", "session_id is empty")
	}
	given := 0
	for _, set := range []bool{len(in.Events) > 0, len(in.AfterEventIDs) > 0, in.Cursor != ""} {
		if set {
			given++
		}
	}
	if given > 1 {
		return "", waitOutput{}, inputError("give events (to send), after_event_ids (of events already sent) or cursor (to go on), one of them",
			"more than one of events, after_event_ids and cursor")
	}
	from := waitCursor{Session: in.SessionID, From: in.AfterEventIDs}
	if in.Cursor != "" {
		if from, err = decodeCursor(in.Cursor, in.SessionID); err != nil {
			return "", waitOutput{}, err
		}
	}
	progress := a.progressFunc(ctx, req)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if len(in.Events) > 0 {
		params, err := decodeEventParams(in.Events)
		if err != nil {
			return "", waitOutput{}, inputError(eventsFix, "%v", err)
		}
		echoes, err := a.client.Events.Send(tctx, in.SessionID, params...)
		if err != nil {
			return "", waitOutput{}, err
		}
		for _, ev := range echoes {
			if id := ev.EventID(); id != "" {
				from.From = append(from.From, id)
			}
		}
	}
	t, err := a.follow(tctx, in.SessionID, from, progress)
	if err != nil {
		if timedOut(ctx, tctx, err) && t != nil {
			return waitResult(in.SessionID, t.output(in.SessionID, outcomeRunning, from), timeout)
		}
		return "", waitOutput{}, err
	}
	return waitResult(in.SessionID, t.output(in.SessionID, "", from), timeout)
}

// waitTimeout checks timeout_seconds against the server's limits (the
// input schema states them too).
func (a *adapter) waitTimeout(seconds int) (time.Duration, error) {
	limit := int(a.cfg.waitMax / time.Second)
	switch {
	case seconds == 0:
		return a.cfg.waitDefault, nil
	case seconds < 0 || seconds > limit:
		return 0, inputError(fmt.Sprintf("give 1 to %d seconds, or leave timeout_seconds out for %s; for a longer turn, call again with the cursor", limit, a.cfg.waitDefault),
			"timeout_seconds %d is out of range", seconds)
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

// waitResult renders a wait's output.
func waitResult(sessionID string, out waitOutput, timeout time.Duration) (string, waitOutput, error) {
	var b strings.Builder
	n := plural(len(out.Events), "event")
	var stop managedagents.StopReason
	if out.StopReason != nil {
		_ = json.Unmarshal(out.StopReason, &stop)
	}
	switch out.Outcome {
	case outcomeTurnEnded:
		fmt.Fprintf(&b, "Turn ended (%s) after %s", stop.Type, n)
	case outcomeRequiresAction:
		fmt.Fprintf(&b, "Session %s is waiting for you (requires_action) after %s: answer %s with user.tool_confirmation or user.custom_tool_result events",
			sessionID, n, strings.Join(stop.EventIDs, ", "))
	case outcomeTerminated:
		fmt.Fprintf(&b, "Session %s terminated after %s", sessionID, n)
	case outcomeDeleted:
		fmt.Fprintf(&b, "Session %s was deleted after %s", sessionID, n)
	case outcomeIdle:
		fmt.Fprintf(&b, "Session %s is idle: no turn is running (%s since the last client event)", sessionID, n)
	case outcomeRunning:
		fmt.Fprintf(&b, "The turn is still running after this call's %s (%s in this call); call again with cursor %q to go on", timeout, n, out.Cursor)
	}
	if out.Text != "" {
		fmt.Fprintf(&b, ". Agent: %s", out.Text)
	}
	return b.String(), out, nil
}

// waitCursor is where a wait goes on from: after the last event delivered,
// or, when none was yet, from the events that start the turn. It travels
// as an opaque string, so a later call (on any replica) needs nothing else.
type waitCursor struct {
	Session string   `json:"s"`
	After   string   `json:"a,omitempty"`
	From    []string `json:"f,omitempty"`
}

// cursorPrefix versions the cursor's encoding.
const cursorPrefix = "wc1."

func (c waitCursor) encode() string {
	raw, _ := json.Marshal(c)
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// decodeCursor reads a cursor and checks that it belongs to the session.
func decodeCursor(s, sessionID string) (waitCursor, error) {
	const fix = "pass the cursor of the previous result unchanged, with the same session_id"
	var c waitCursor
	body, ok := strings.CutPrefix(strings.TrimSpace(s), cursorPrefix)
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if !ok || err != nil || json.Unmarshal(raw, &c) != nil || c.Session == "" {
		return c, inputError(fix, "cursor is not a cursor of this tool")
	}
	if c.Session != sessionID {
		return c, inputError(fix, "cursor belongs to session %s, not %s", c.Session, sessionID)
	}
	return c, nil
}

// turn folds the events of one turn, from the history and then the stream.
type turn struct {
	// markers are the IDs the turn starts from; nil means from the last
	// client event in the history. With exclusive, the turn starts just
	// after the marker (a cursor's last delivered event).
	markers   map[string]bool
	exclusive bool
	started   bool
	seen      map[string]bool
	events    []json.RawMessage
	lastID    string // the ID of the last event in events
	text      []string
	usage     managedagents.ModelUsage
	stop      *managedagents.StopReason
	outcome   string
	progress  func(managedagents.Event)
	// onEvent, when set, is called for each event added.
	onEvent func()
}

func newTurn(from waitCursor, progress func(managedagents.Event)) *turn {
	t := &turn{seen: map[string]bool{}, progress: progress}
	markers := from.From
	if from.After != "" {
		markers, t.exclusive = []string{from.After}, true
	}
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
		if t.exclusive {
			return false // delivered by the call that made the cursor
		}
	}
	t.events = append(t.events, eventJSON(ev))
	if id != "" {
		t.lastID = id
	}
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

// addUndecoded keeps an event the library could not decode, so that none
// is dropped.
func (t *turn) addUndecoded(raw []byte) {
	if !t.started || !json.Valid(raw) {
		return
	}
	t.events = append(t.events, json.RawMessage(raw))
	var head struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &head) == nil && head.ID != "" {
		t.lastID = head.ID
	}
}

// output renders the turn so far; outcome, when set, overrides the turn's
// own. A running turn gets the cursor that goes on from here.
func (t *turn) output(sessionID, outcome string, from waitCursor) waitOutput {
	out := waitOutput{SessionID: sessionID, Outcome: t.outcome, Text: strings.Join(t.text, "\n"),
		Events: t.events, Usage: t.usage}
	if t.stop != nil {
		out.StopReason, _ = json.Marshal(t.stop)
	}
	if out.Events == nil {
		out.Events = []json.RawMessage{}
	}
	if outcome != "" {
		out.Outcome = outcome
	}
	if out.Outcome == "" {
		out.Outcome = outcomeIdle
	}
	if out.Outcome == outcomeRunning {
		next := from
		if t.lastID != "" {
			next = waitCursor{Session: sessionID, After: t.lastID}
		}
		next.Session = sessionID
		out.Cursor = next.encode()
	}
	return out
}

// follow waits for the turn that starts at markers (or, without markers,
// for the current turn) to end. It opens the live stream first, then reads
// the history back to the turn's start, so that no event falls between the
// two; events seen in both are counted once. On an error the turn so far is
// returned with it.
func (a *adapter) follow(ctx context.Context, sessionID string, from waitCursor, progress func(managedagents.Event)) (*turn, error) {
	st, err := a.client.Events.Stream(ctx, sessionID, managedagents.StreamParams{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	t := newTurn(from, progress)
	tail, earlier, found, err := a.historyTail(ctx, sessionID, t.markers)
	if err != nil {
		return nil, err
	}
	for id := range earlier {
		t.seen[id] = true
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
	case sess.Status == managedagents.StatusIdle && (t.markers == nil || t.started):
		if !found {
			return t, nil // no client event yet and nothing running
		}
		// The turn's start (a client event, the marker, or the cursor's
		// last event) without an end after it, yet the session is idle: a
		// turn is about to start, its end is on its way, or the event
		// started none (an interrupt of an idle session). Give it a moment
		// to show.
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
				t.addUndecoded(de.Raw)
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
// It also returns the IDs of at least minEarlier events before the start
// (when the history has them): a stream may yield events from a little
// before it opened (it resumes with a margin), and those must not be taken
// for events of the turn.
func (a *adapter) historyTail(ctx context.Context, sessionID string, markers map[string]bool) ([]managedagents.Event, map[string]bool, bool, error) {
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
	for len(rev) < maxHistoryScan {
		p, err := a.client.Events.List(ctx, sessionID, managedagents.EventListParams{
			Order: managedagents.OrderDesc, Limit: historyPageSize, Page: page,
		})
		if err != nil {
			return nil, nil, false, err
		}
		for _, ev := range p.Data {
			rev = append(rev, ev)
			if found < want && isMarker(ev) {
				found++
				cut = len(rev) - 1
			}
		}
		if p.NextPage == "" || found >= want && len(rev)-cut-1 >= minEarlier {
			break
		}
		page = p.NextPage
	}
	earlier := map[string]bool{}
	switch {
	case cut >= 0:
		for _, ev := range rev[cut+1:] {
			earlier[ev.EventID()] = true
		}
		rev = rev[:cut+1]
	case markers != nil:
		for _, ev := range rev {
			earlier[ev.EventID()] = true
		}
		rev = nil
	}
	slices.Reverse(rev)
	return rev, earlier, cut >= 0, nil
}
