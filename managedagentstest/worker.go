package managedagentstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Processing. Sent client events wait in the session's queue (the send
// response echoes them with processed_at null). A worker goroutine per
// session, started when there is work and ended when there is none, takes
// them in order: it appends each to the log (now processed, same ID as the
// echo) and, for a user.message, runs the Script on a Turn. While a script
// waits for tool answers (Turn.RequireAction, Turn.WaitFor) the worker takes
// the matching answers out of the queue, wherever they are; everything else
// waits for the turn to end. user.interrupt events are queued at the front
// and cancel a running turn. Workers stop when the session is deleted or
// terminated and when the fake is closed (Fake.Close, called by Server.Close).

// processor is the fake-wide part of processing.
type processor struct {
	ctx     context.Context // parent of every turn's context; cancelled by Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup // live worker goroutines
	workers int            // live worker goroutines, for tests
	closed  bool
}

// errSessionGone is the cause given to a turn's context when its session is
// deleted or terminated.
var errSessionGone = errors.New("managedagentstest: the session was deleted or terminated")

// errClosed is returned by WaitIdle once the fake is closed.
var errClosed = errors.New("managedagentstest: the fake is closed")

// sessionWork is the processing state of one session. All access happens
// under Fake.mu.
type sessionWork struct {
	queue []*queued // accepted client events not processed yet, in order
	batch int       // number of the latest send request, to keep a system.message with its event

	running bool     // a worker goroutine exists
	active  bool     // the worker is working (not waiting for client input)
	waiting []string // while a script waits for answers: the tool-use event IDs
	dead    bool     // the session was deleted

	turnCancel context.CancelCauseFunc // cancels the running turn; nil between turns

	changed         chan struct{} // closed and replaced on every change (see notify)
	lastStop        string        // stop_reason.type of the latest session.status_idle
	nextStatus      []field       // members for the status event of the next setStatus
	lastStatusEvent event         // the event statusChanged emitted last
	activeMark      time.Time     // while busy: when active time was last counted
}

// queued is a client event waiting in a session's queue.
type queued struct {
	id      string
	typ     string
	members []field
	ref     string // tool-use event ID an answer refers to; "" otherwise
	batch   int
	logged  *event // already in the log (initial events); nil otherwise
}

// workOf returns the session's processing state, creating it on first use.
// The caller holds f.mu.
func (f *Fake) workOf(s *session) *sessionWork {
	if s.work == nil {
		s.work = &sessionWork{changed: make(chan struct{})}
	}
	return s.work
}

// rootCtx returns the parent context of turns. The caller holds f.mu.
func (f *Fake) rootCtx() context.Context {
	if f.proc.ctx == nil {
		f.proc.ctx, f.proc.cancel = context.WithCancel(context.Background())
		if f.proc.closed {
			f.proc.cancel()
		}
	}
	return f.proc.ctx
}

// kick starts the session's worker if there is queued work and none runs.
// The caller holds f.mu.
func (f *Fake) kick(s *session) {
	w := f.workOf(s)
	if w.running || w.dead || f.proc.closed || len(w.queue) == 0 || s.status == statusTerminated {
		return
	}
	w.running = true
	f.setActive(s, true)
	f.proc.workers++
	f.proc.wg.Add(1)
	go f.runWorker(s)
}

// setActive records whether the worker is working, waking waiters when it
// stops. The caller holds f.mu.
func (f *Fake) setActive(s *session, active bool) {
	w := f.workOf(s)
	if w.active == active {
		return
	}
	w.active = active
	if !active {
		f.notify(s)
	}
}

// runWorker processes the session's queue until it is empty.
func (f *Fake) runWorker(s *session) {
	defer f.proc.wg.Done()
	f.mu.Lock()
	defer f.mu.Unlock()
	w := s.work
	for {
		if w.dead || f.proc.closed || s.status == statusTerminated || len(w.queue) == 0 {
			w.running = false
			f.proc.workers--
			f.setActive(s, false)
			return
		}
		f.setActive(s, true)
		q := w.queue[0]
		w.queue = w.queue[1:]
		ev := f.logQueued(s, q)
		sys := f.takeSystem(s, q, 0)
		if q.typ == "user.message" {
			f.runTurn(s, ev.raw, sys)
		}
		// Anything else reaching the worker is logged and has no further
		// effect: an interrupt with no turn to stop, or an answer to a
		// tool use nothing waits for.
	}
}

// logQueued appends a queued event to the log, processed now, unless it is
// there already. The caller holds f.mu.
func (f *Fake) logQueued(s *session, q *queued) event {
	if q.logged != nil {
		return *q.logged
	}
	return f.appendEventID(s, q.id, q.typ, f.now(), q.members...)
}

// takeSystem removes and logs the system.message at queue index i if it
// came in the same request as q (it then accompanies q), and returns it.
// The caller holds f.mu.
func (f *Fake) takeSystem(s *session, q *queued, i int) json.RawMessage {
	w := s.work
	if i >= len(w.queue) || w.queue[i].typ != "system.message" || w.queue[i].batch != q.batch {
		return nil
	}
	sys := w.queue[i]
	w.queue = slices.Delete(w.queue, i, i+1)
	return f.logQueued(s, sys).raw
}

// runTurn runs the script for a processed user.message, without holding
// f.mu while it runs, then ends the turn. The caller holds f.mu.
func (f *Fake) runTurn(s *session, msg, sys json.RawMessage) {
	w := s.work
	ctx, cancel := context.WithCancelCause(f.rootCtx())
	w.turnCancel = cancel
	t := &Turn{f: f, s: s, ctx: ctx, event: msg, system: sys}
	script := f.cfg.script
	if script == nil {
		script = DefaultScript
	}
	f.mu.Unlock()
	err := script(ctx, t)
	f.mu.Lock()
	w.turnCancel = nil
	cause := context.Cause(ctx)
	cancel(nil)
	f.finishTurn(s, t, err, cause)
}

// finishTurn ends a turn after its script returned. An interrupted turn
// logs the interrupt and goes idle with end_turn (also when it was waiting
// with requires_action: the pending tool uses are dropped). A script error
// becomes a session.error (unknown_error, exhausted) and an idle with
// retries_exhausted. Otherwise a session the script left running goes idle
// with end_turn, unless the script took manual control. The caller holds
// f.mu.
func (f *Fake) finishTurn(s *session, t *Turn, err, cause error) {
	w := s.work
	if w.dead || f.proc.closed || s.status == statusTerminated {
		return
	}
	if errors.Is(cause, ErrInterrupted) {
		if i := slices.IndexFunc(w.queue, func(q *queued) bool { return q.typ == "user.interrupt" }); i >= 0 {
			q := w.queue[i]
			w.queue = slices.Delete(w.queue, i, i+1)
			f.logQueued(s, q)
		}
		if s.busy() || w.lastStop == "requires_action" {
			f.emitStatus(s, statusIdle, f.now(), []field{{"stop_reason", map[string]any{"type": "end_turn"}}})
		}
		return
	}
	if err != nil && !errors.Is(err, ErrInterrupted) && !errors.Is(err, context.Canceled) {
		f.appendEvent(s, "session.error", f.now(), field{"error", orderedObject{
			{"type", "unknown_error"},
			{"message", err.Error()},
			{"retry_status", orderedObject{{"type", "exhausted"}}},
		}})
		f.emitStatus(s, statusIdle, f.now(), []field{{"stop_reason", map[string]any{"type": "retries_exhausted"}}})
		return
	}
	if !t.manual && s.busy() {
		f.emitStatus(s, statusIdle, f.now(), nil)
	}
}

// hasWork reports whether the worker has something to do now: queued events
// it will take, or, while a script waits for answers, a matching answer or
// an interrupt. The caller holds f.mu.
func (f *Fake) hasWork(s *session) bool {
	w := f.workOf(s)
	if w.dead || s.status == statusTerminated || len(w.queue) == 0 {
		return false
	}
	if w.waiting == nil {
		return true
	}
	return slices.ContainsFunc(w.queue, func(q *queued) bool {
		return q.typ == "user.interrupt" || (q.ref != "" && slices.Contains(w.waiting, q.ref))
	})
}

// settled reports whether the session has no work in progress or pending:
// its worker is not working, nothing it would take is queued, and it is not
// running. The caller holds f.mu.
func (f *Fake) settled(s *session) bool {
	return !f.workOf(s).active && !f.hasWork(s) && !s.busy()
}

// WaitIdle blocks until the session has settled: no queued event the agent
// would take, no script step in progress, and status idle or terminated. A
// session waiting for tool confirmations or custom tool results (idle with
// requires_action) has settled. It returns an error when the session does
// not exist (or is deleted while waiting), when the fake is closed first, or
// when ctx ends. Do not call it from inside a Script: the script's own turn
// never settles while it runs.
func (f *Fake) WaitIdle(ctx context.Context, sessionID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		s, ok := f.sessions[sessionID]
		if !ok {
			return fmt.Errorf("managedagentstest: session %s not found", sessionID)
		}
		if f.settled(s) {
			return nil
		}
		if f.proc.closed {
			return errClosed
		}
		_, ch := f.watch(s)
		f.mu.Unlock()
		select {
		case <-ch:
			f.mu.Lock()
		case <-ctx.Done():
			f.mu.Lock()
			return ctx.Err()
		}
	}
}

// Close stops the scripted agent of every session and waits for the worker
// goroutines to end: running scripts see their context cancelled, queued
// events stay unprocessed. It does not stop an HTTP listener (Server.Close
// does both). Close is idempotent; after it, sends are still accepted but
// nothing processes them. A custom Script that ignores its context makes
// Close wait for it.
func (f *Fake) Close() {
	f.mu.Lock()
	f.proc.closed = true
	if f.proc.cancel != nil {
		f.proc.cancel()
	}
	for _, s := range f.sessions {
		if s.work != nil {
			f.notify(s)
		}
	}
	f.mu.Unlock()
	f.proc.wg.Wait()
	f.webhooks.close()
}

// liveWorkers returns the number of running worker goroutines (for tests).
func (f *Fake) liveWorkers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.proc.workers
}
