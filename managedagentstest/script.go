package managedagentstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// A Script plays the agent. The fake calls it once for every processed
// user.message, on the session's worker goroutine, after the message is in
// the log; the turn's events are whatever the script emits through t. The
// default is [DefaultScript]; replace it with [WithScript].
//
// What the fake does around a script:
//
//   - Before the first event the script emits, a session that is idle goes
//     running and session.status_running is emitted — unless that first
//     event is itself a session.status_* event, or the script called
//     [Turn.ManualStatus].
//   - When the script returns nil and the session is still running (or
//     rescheduling), it goes idle with stop_reason end_turn (unless
//     ManualStatus was called).
//   - When the script returns another error, the fake emits a session.error
//     (type unknown_error, the error's text, retry_status exhausted) and an
//     idle with retries_exhausted.
//   - A user.interrupt cancels ctx with cause [ErrInterrupted]; Turn methods
//     then return ErrInterrupted without emitting. After the script returns,
//     the fake logs the user.interrupt and goes idle with end_turn (pending
//     tool uses are dropped).
//   - When the session is deleted or terminated, or the fake is closed, ctx
//     is cancelled and Turn methods return an error; nothing more is
//     emitted. A script that blocks must watch ctx.
//
// Every event goes through the same log as the rest of the fake: history,
// SessionEvents and the streams see it. Emitting a session.status_* event
// changes the session's REST status accordingly (idle, running,
// rescheduling, terminated). A script can emit any event type, unknown ones
// included.
type Script func(ctx context.Context, t *Turn) error

// ErrInterrupted is the cause of a turn's context, and the error of Turn
// methods, once a user.interrupt has stopped the turn.
var ErrInterrupted = errors.New("managedagentstest: turn interrupted by user.interrupt")

// WithScript replaces the scripted agent (default [DefaultScript]); nil
// restores the default. To add behaviour around the default, wrap it:
//
//	managedagentstest.WithScript(func(ctx context.Context, t *managedagentstest.Turn) error {
//		if strings.HasPrefix(t.Text(), "checkpoint") {
//			_, err := t.Emit("session.checkpoint_created", map[string]any{"label": "x"})
//			return err
//		}
//		return managedagentstest.DefaultScript(ctx, t)
//	})
func WithScript(s Script) Option {
	return func(c *config) { c.script = s }
}

// WithStepDelay makes scripts wait d before each event they emit (default
// 0); the session goes running when the turn starts, before the first wait.
// Processing is asynchronous either way: a send returns its echoes before
// the agent emits anything.
func WithStepDelay(d time.Duration) Option {
	return func(c *config) { c.stepDelay = max(d, 0) }
}

// Turn is a script's handle on one turn: what started it, the session's
// agent, and the methods that emit events. Its methods are meant to be
// called from the script's goroutine only.
type Turn struct {
	f       *Fake
	s       *session
	ctx     context.Context
	event   json.RawMessage
	system  json.RawMessage
	started bool // an event has been emitted
	manual  bool
}

// SessionID returns the ID of the session.
func (t *Turn) SessionID() string { return t.s.id }

// Event returns the processed user.message that started the turn, as the
// log holds it (with id and processed_at).
func (t *Turn) Event() json.RawMessage { return slices.Clone(t.event) }

// SystemMessage returns the processed system.message sent with the
// user.message, or nil.
func (t *Turn) SystemMessage() json.RawMessage { return slices.Clone(t.system) }

// Text returns the text of the user.message: its text blocks joined with
// newlines.
func (t *Turn) Text() string { return contentText(t.event) }

// Agent returns session.agent (the resolved agent configuration) as the
// session shows it now.
func (t *Turn) Agent() json.RawMessage {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	return mustMarshal(t.s.agent)
}

// SelfHosted reports whether the session runs on a self-hosted environment,
// where built-in tool calls are executed by the client (user.tool_result).
func (t *Turn) SelfHosted() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	return t.f.envs[t.s.environmentID]
}

// ManualStatus turns off the automatic status handling for the rest of the
// turn: no session.status_running before the first event and no idle when
// the script returns. The script's own session.status_* events still change
// the session's status. Use it to produce sequences the real API would not.
func (t *Turn) ManualStatus() { t.manual = true }

// Emit appends an event of type typ with the given members to the session's
// log, after the step delay, and returns its ID. The fake adds type, id and
// processed_at (fields must not hold them); members are laid out in sorted
// key order and values are encoded as JSON (a json.RawMessage as is).
//
// Some types have effects:
//
//   - session.status_idle, session.status_running, session.status_rescheduled
//     and session.status_terminated change the session's status; an idle
//     without stop_reason gets {"type":"end_turn"} and stop_details
//     defaults to null. After termination every Turn method fails.
//   - span.model_request_end (model_usage) and span.outcome_evaluation_end
//     (usage) add their token counts to the session's cumulative usage.
//   - session.usage with nil fields is filled with the session's cumulative
//     usage and budget.
func (t *Turn) Emit(typ string, fields map[string]any) (string, error) {
	if typ == "" {
		return "", errors.New("managedagentstest: Emit: empty event type")
	}
	members := make([]field, 0, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if k == "type" || k == "id" || k == "processed_at" {
			return "", fmt.Errorf("managedagentstest: Emit: fields must not set %q", k)
		}
		v := fields[k]
		if _, err := marshal(v); err != nil {
			return "", fmt.Errorf("managedagentstest: Emit: field %q: %w", k, err)
		}
		members = append(members, field{k, v})
	}
	return t.emit(typ, members)
}

// Idle emits session.status_idle with the given stop reason (nil means
// {"type":"end_turn"}) and stop details (nil means null), and moves the
// session to idle. For requires_action, prefer RequireAction, which also
// waits for the answers.
func (t *Turn) Idle(stopReason, stopDetails map[string]any) (string, error) {
	var members []field
	if stopReason != nil {
		members = append(members, field{"stop_reason", stopReason})
	}
	if stopDetails != nil {
		members = append(members, field{"stop_details", stopDetails})
	}
	return t.emit("session.status_idle", members)
}

// RequireAction waits for the client to answer the given tool-use events
// (agent.tool_use, agent.mcp_tool_use or agent.custom_tool_use IDs) and
// returns the answers — user.tool_confirmation, user.custom_tool_result or
// user.tool_result events, as logged — in the order of eventIDs. Answers
// already queued are taken first; if some are still missing, the session
// goes idle with stop_reason requires_action listing them, and every later
// partial answer re-emits the idle with the remainder, as the API does. Once
// all are answered, a session that went idle goes running again
// (session.status_running). Answers are taken out of the queue ahead of
// other queued events, which wait for the turn to end.
func (t *Turn) RequireAction(eventIDs ...string) ([]json.RawMessage, error) {
	return t.waitAnswers(eventIDs, answerWait{
		ctx: t.ctx,
		idle: func(remaining []string) error {
			reason := orderedObject{{"type", "requires_action"}, {"event_ids", remaining}}
			_, err := t.emit("session.status_idle", []field{{"stop_reason", reason}})
			return err
		},
		resume: func() error {
			_, err := t.emit("session.status_running", nil)
			return err
		},
	})
}

// WaitFor is RequireAction without any status event: it only waits for the
// answers and returns them, leaving the status to the script.
func (t *Turn) WaitFor(eventIDs ...string) ([]json.RawMessage, error) {
	return t.waitAnswers(eventIDs, answerWait{ctx: t.ctx})
}

// err returns why the turn can no longer emit, or nil.
func (t *Turn) err() error { return ctxErr(t.ctx) }

// ctxErr returns the cause of ctx's end, or nil while it lasts.
func ctxErr(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// pause waits the step delay, or until ctx (the turn's, or a child
// thread's) ends.
func (t *Turn) pause(ctx context.Context) error {
	d := t.f.cfg.stepDelay
	if d <= 0 {
		return ctxErr(ctx)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return ctxErr(ctx)
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// emit is Emit with members in the given order.
func (t *Turn) emit(typ string, members []field) (string, error) {
	f, s := t.f, t.s
	if _, isStatus := statusOfEvent[typ]; !t.started && !t.manual && !isStatus && f.cfg.stepDelay > 0 {
		// The session goes running as soon as the turn starts, as the API's
		// does, not one step delay later: a slow fake agent still shows
		// that it is at work.
		f.mu.Lock()
		if t.err() == nil && s.status == statusIdle {
			f.setStatus(s, statusRunning, f.now())
		}
		f.mu.Unlock()
	}
	if err := t.pause(t.ctx); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := t.err(); err != nil {
		return "", err
	}
	now := f.now()
	first := !t.started
	t.started = true
	if status, ok := statusOfEvent[typ]; ok {
		return f.emitStatus(s, status, now, members).id, nil
	}
	if first && !t.manual && s.status == statusIdle {
		f.setStatus(s, statusRunning, now)
		now = f.now()
	}
	if typ == "session.usage" && len(members) == 0 {
		f.tickActive(s, now)
		members = []field{{"usage", s.usage}, {"budget", s.budget}}
	}
	return f.appendEvent(s, typ, now, members...).id, nil
}

// answerWait says how waitAnswers waits for answers: on which context,
// for which thread, and with which status events.
type answerWait struct {
	ctx context.Context
	// thread is the child thread the tool uses belong to, which the answers
	// are routed to; nil for the primary thread.
	thread *thread
	// idle emits the requires_action status for the answers still missing,
	// resume the running status once all are in after an idle; both nil
	// for WaitFor.
	idle   func(remaining []string) error
	resume func() error
}

// waitAnswers implements RequireAction, WaitFor and the child threads'
// RequireAction.
func (t *Turn) waitAnswers(ids []string, aw answerWait) ([]json.RawMessage, error) {
	f, s := t.f, t.s
	want := map[string]bool{}
	var order []string
	for _, id := range ids {
		if !want[id] {
			want[id] = true
			order = append(order, id)
		}
	}
	got := map[string]json.RawMessage{}
	idled := false
	for {
		f.mu.Lock()
		if err := ctxErr(aw.ctx); err != nil {
			f.mu.Unlock()
			return nil, err
		}
		took := f.takeAnswers(s, want, got, aw.thread)
		f.mu.Unlock()
		var remaining []string
		for _, id := range order {
			if got[id] == nil {
				remaining = append(remaining, id)
			}
		}
		if len(remaining) == 0 {
			if aw.resume != nil && idled {
				if err := aw.resume(); err != nil {
					return nil, err
				}
			}
			out := make([]json.RawMessage, len(order))
			for i, id := range order {
				out[i] = got[id]
			}
			return out, nil
		}
		if aw.idle != nil && (!idled || took > 0) {
			if err := aw.idle(remaining); err != nil {
				return nil, err
			}
			idled = true
		}
		if err := t.awaitAnswer(aw.ctx, remaining); err != nil {
			return nil, err
		}
	}
}

// awaitAnswer blocks until an answer to one of ids is queued or the turn is
// cancelled. Meanwhile the worker counts as not working, so WaitIdle can
// return.
func (t *Turn) awaitAnswer(ctx context.Context, ids []string) error {
	f, s := t.f, t.s
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.workOf(s)
	defer func() {
		w.waiting = nil
		w.active = true
	}()
	for {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		if slices.ContainsFunc(w.queue, func(q *queued) bool { return q.ref != "" && slices.Contains(ids, q.ref) }) {
			return nil
		}
		w.waiting = ids
		f.setActive(s, false)
		_, ch := f.watch(s)
		f.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		f.mu.Lock()
	}
}

// takeAnswers moves the queued answers to wanted tool uses that are not
// answered yet into the log (each with a system.message sent right after
// it), records them in got and returns how many it took. Answers routed to
// a child thread (th not nil) carry its session_thread_id, as the API sets
// it, and enter the child's log too. The caller holds f.mu.
func (f *Fake) takeAnswers(s *session, want map[string]bool, got map[string]json.RawMessage, th *thread) int {
	w := f.workOf(s)
	n := 0
	for i := 0; i < len(w.queue); {
		q := w.queue[i]
		if q.ref == "" || !want[q.ref] || got[q.ref] != nil {
			i++
			continue
		}
		w.queue = slices.Delete(w.queue, i, i+1)
		if th != nil && q.logged == nil {
			q.members = append(slices.Clone(q.members), field{"session_thread_id", th.id})
		}
		ev := f.logQueued(s, q)
		if th != nil {
			th.events = append(th.events, ev)
		}
		got[q.ref] = ev.raw
		f.takeSystem(s, q, i)
		n++
	}
	return n
}

// contentText returns the text blocks of an event's content joined with
// newlines.
func contentText(raw json.RawMessage) string {
	var ev struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	}
	_ = json.Unmarshal(raw, &ev)
	var parts []string
	for _, b := range ev.Content {
		if b.Type == "text" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}
