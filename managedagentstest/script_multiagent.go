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

// Multi-agent scripts: a turn of the primary thread (the coordinator)
// delegates work to child threads with [Turn.Delegate] and plays each
// child's turn through its [ChildThread].

// ErrThreadLimit is returned by [Turn.Delegate] when 25 threads of the
// session (the primary thread included) are running already, the most that
// may run at once. Nothing is emitted then. The reference states the limit
// but not what the API answers when an agent exceeds it (only workflow runs
// have an error type for it, thread_limit_error); the default script
// reports the refusal in its reply.
var ErrThreadLimit = errors.New("managedagentstest: 25 threads of the session are running; no more can start")

// crossPostedTypes are the child events that are also written to the
// session's log, with session_thread_id: the tool uses a client may have
// to answer.
var crossPostedTypes = []string{"agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use"}

// ChildThread is a script's handle on a child thread it delegated work to.
// Its methods are meant to be called from the script's goroutine only, and
// fail once the turn is over, like the Turn's. A user.interrupt naming the
// thread (session_thread_id) stops only the child: its Emit and
// RequireAction then return [ErrInterrupted] while the Turn goes on, and
// [ChildThread.Finish] still reports back.
type ChildThread struct {
	t  *Turn
	th *thread
	// ctx is the child's turn: it ends with the Turn's, or with an
	// interrupt of this thread (cause ErrInterrupted).
	ctx context.Context
}

// ID returns the thread's ID (sthr_…).
func (c *ChildThread) ID() string { return c.th.id }

// AgentName returns the name of the agent the thread runs.
func (c *ChildThread) AgentName() string { return c.th.agentName }

// Delegate sends task to a child thread running the agent named agentName,
// which starts working on it:
//
//   - the session's idle, unarchived child thread of that agent is reused
//     (threads are persistent: the agent keeps its earlier turns); without
//     one, a new thread is spawned and session.thread_created is emitted
//     (session_thread_id, agent_name, workflow_run_id null). The thread runs
//     the seeded agent of that name if there is one, else an inline agent;
//   - the thread goes running: session.thread_status_running;
//   - the primary thread sends the task: agent.thread_message_sent
//     (to_session_thread_id, to_agent_name, content) on the primary thread,
//     agent.thread_message_received (from_session_thread_id, content) on the
//     child.
//
// Each event is a step of the turn (with the step delay); a session that is
// idle goes running first, as with [Turn.Emit]. When 25 threads are running
// already, Delegate returns [ErrThreadLimit] and emits nothing.
func (t *Turn) Delegate(agentName, task string) (*ChildThread, error) {
	if agentName == "" {
		return nil, errors.New("managedagentstest: Delegate: empty agent name")
	}
	var c *ChildThread
	err := t.threadStep(func(now time.Time) error {
		f, s := t.f, t.s
		th := f.reusableThread(s, agentName)
		if f.runningThreads(s) >= maxRunningThreads {
			return ErrThreadLimit
		}
		if th == nil {
			th = f.spawnThread(s, agentName, nil, now)
		}
		c = t.startChild(th)
		return nil
	})
	if err != nil {
		return nil, err
	}
	content := []any{textBlock(task)}
	if err := c.step(func(now time.Time) {
		c.t.f.setThreadStatus(c.t.s, c.th, statusRunning, now, nil, nil)
	}); err != nil {
		return nil, err
	}
	if err := c.step(func(now time.Time) {
		c.t.f.appendEvent(c.t.s, "agent.thread_message_sent", now,
			field{"to_session_thread_id", c.th.id}, field{"to_agent_name", c.th.agentName}, field{"content", content})
	}); err != nil {
		return nil, err
	}
	if err := c.step(func(now time.Time) {
		f, s := c.t.f, c.t.s
		f.appendThreadEvent(s, c.th, "agent.thread_message_received", now,
			field{"from_session_thread_id", f.primaryThread(s).id}, field{"content", content})
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// spawnThread adds a child thread of the primary thread running agentName
// (started by the workflow run workflowRunID, or by the coordinator when it
// is nil) and emits session.thread_created. The caller holds f.mu.
func (f *Fake) spawnThread(s *session, agentName string, workflowRunID *string, now time.Time) *thread {
	parent := f.primaryThread(s).id
	th := &thread{
		id:            f.ids.next("sthr_"),
		parentID:      &parent,
		agent:         f.childAgent(s, agentName),
		agentName:     agentName,
		status:        statusIdle,
		createdAt:     now,
		updatedAt:     now,
		workflowRunID: workflowRunID,
	}
	s.threads = append(f.threadsOf(s), th)
	var run any
	if workflowRunID != nil {
		run = *workflowRunID
	}
	f.appendEvent(s, "session.thread_created", now,
		field{"session_thread_id", th.id}, field{"agent_name", agentName}, field{"workflow_run_id", run})
	return th
}

// reusableThread returns the session's idle, unarchived child thread running
// agentName, the earliest spawned first, or nil. The caller holds f.mu.
func (f *Fake) reusableThread(s *session, agentName string) *thread {
	for _, th := range f.threadsOf(s)[1:] {
		if th.agentName == agentName && th.status == statusIdle && th.archivedAt == nil {
			return th
		}
	}
	return nil
}

// threadStep runs one step of the turn that emits thread events: it waits
// the step delay, then, under f.mu, gives a session that is idle its
// session.status_running before the turn's first event (as emit does) and
// calls fn.
func (t *Turn) threadStep(fn func(now time.Time) error) error {
	return t.stepIn(t.ctx, fn)
}

// stepIn is threadStep on ctx: the turn's, or a child thread's.
func (t *Turn) stepIn(ctx context.Context, fn func(now time.Time) error) error {
	if err := t.pause(ctx); err != nil {
		return err
	}
	f, s := t.f, t.s
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctxErr(ctx); err != nil {
		return err
	}
	now := f.now()
	first := !t.started
	t.started = true
	if first && !t.manual && s.status == statusIdle {
		f.setStatus(s, statusRunning, now)
		now = f.now()
	}
	return fn(now)
}

// startChild gives a thread about to play a turn its context, which an
// interrupt of the thread cancels. The caller holds f.mu.
func (t *Turn) startChild(th *thread) *ChildThread {
	ctx, cancel := context.WithCancelCause(t.ctx)
	th.interrupt = cancel
	return &ChildThread{t: t, th: th, ctx: ctx}
}

// step is threadStep for a child's event, on the child's context.
func (c *ChildThread) step(fn func(now time.Time)) error {
	return c.t.stepIn(c.ctx, func(now time.Time) error {
		fn(now)
		return nil
	})
}

// turnStep is step on the Turn's context: it works after an interrupt of
// the child.
func (c *ChildThread) turnStep(fn func(now time.Time)) error {
	return c.t.threadStep(func(now time.Time) error {
		fn(now)
		return nil
	})
}

// RequireAction waits for the client to answer tool uses of the child
// (IDs of its cross-posted agent.tool_use, agent.mcp_tool_use or
// agent.custom_tool_use events) and returns the answers in the order of
// eventIDs, as logged: each carries the child's session_thread_id (the
// API routes answers by tool-use ID and shows where it routed them) and is
// in the session's log and the child's. Answers already queued are taken
// first. While some are missing the child idles:
// session.thread_status_idle with stop_reason requires_action listing them
// (re-emitted with the remainder after a partial answer), and when no
// other child thread is running the session idles too, with the same
// stop reason, since no thread works any more. Once all are answered the
// session (if it idled) and the child go running again. An interrupt of
// the child ends the wait with ErrInterrupted.
func (c *ChildThread) RequireAction(eventIDs ...string) ([]json.RawMessage, error) {
	sessionIdled := false
	return c.t.waitAnswers(eventIDs, answerWait{
		ctx:    c.ctx,
		thread: c.th,
		idle: func(remaining []string) error {
			return c.t.stepIn(c.ctx, func(now time.Time) error {
				f, s := c.t.f, c.t.s
				reason := orderedObject{{"type", "requires_action"}, {"event_ids", remaining}}
				// A partial answer re-emits the idle with the remainder, as
				// the session's does.
				f.idleThread(s, c.th, now, reason)
				if sessionIdled || f.runningThreads(s) == 1 { // only the primary thread
					f.emitStatus(s, statusIdle, f.now(), []field{{"stop_reason", reason}})
					sessionIdled = true
				}
				return nil
			})
		},
		resume: func() error {
			return c.step(func(now time.Time) {
				c.resume(now)
			})
		},
	})
}

// idleThread emits session.thread_status_idle with stopReason for a child,
// also when it is idle already (setThreadStatus skips a thread whose status
// does not change). The caller holds f.mu.
func (f *Fake) idleThread(s *session, th *thread, now time.Time, stopReason any) {
	if th.status == statusIdle {
		th.status = statusRunning // no running time is counted: activeMark is unset
	}
	f.setThreadStatus(s, th, statusIdle, now, stopReason, nil)
}

// resume moves the child, and the session if it idled waiting for the
// child, back to running. The caller holds f.mu.
func (c *ChildThread) resume(now time.Time) {
	f, s := c.t.f, c.t.s
	if s.status == statusIdle {
		f.emitStatus(s, statusRunning, now, nil)
		now = f.now()
	}
	f.setThreadStatus(s, c.th, statusRunning, now, nil, nil)
}

// Emit appends an event of type typ with the given members to the child
// thread's history, after the step delay, and returns its ID. Members are
// laid out as by [Turn.Emit] (sorted keys; type, id and processed_at must
// not be set). The tool-use types agent.tool_use, agent.mcp_tool_use and
// agent.custom_tool_use get session_thread_id (which fields must not set)
// and are cross-posted: the same event also enters the session's log, so
// session streams show it. Span ends count toward the session's usage.
// Emit does not change the thread's status, whatever the type.
func (c *ChildThread) Emit(typ string, fields map[string]any) (string, error) {
	if typ == "" {
		return "", errors.New("managedagentstest: ChildThread.Emit: empty event type")
	}
	members := make([]field, 0, len(fields)+1)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if k == "type" || k == "id" || k == "processed_at" || k == "session_thread_id" {
			return "", fmt.Errorf("managedagentstest: ChildThread.Emit: fields must not set %q", k)
		}
		if _, err := marshal(fields[k]); err != nil {
			return "", fmt.Errorf("managedagentstest: ChildThread.Emit: field %q: %w", k, err)
		}
		members = append(members, field{k, fields[k]})
	}
	return c.emit(typ, members)
}

// emit is Emit with members in the given order.
func (c *ChildThread) emit(typ string, members []field) (string, error) {
	var id string
	err := c.step(func(now time.Time) {
		f, s := c.t.f, c.t.s
		if slices.Contains(crossPostedTypes, typ) {
			members = append(members, field{"session_thread_id", c.th.id})
			ev := f.appendEvent(s, typ, now, members...)
			c.th.events = append(c.th.events, ev)
			id = ev.id
			return
		}
		id = f.appendThreadEvent(s, c.th, typ, now, members...).id
	})
	return id, err
}

// Finish ends the child's turn and sends its reply to the primary thread:
// the thread goes idle (session.thread_status_idle with stop_reason
// end_turn, in the session's log and the thread's), then
// agent.thread_message_sent (to the primary thread, so without
// to_agent_name) on the child and agent.thread_message_received
// (from_session_thread_id, from_agent_name) on the primary thread, each
// carrying reply as a text block.
func (c *ChildThread) Finish(reply string) error {
	f, s := c.t.f, c.t.s
	content := []any{textBlock(reply)}
	if err := c.turnStep(c.endTurn); err != nil {
		return err
	}
	if err := c.turnStep(func(now time.Time) {
		f.appendThreadEvent(s, c.th, "agent.thread_message_sent", now,
			field{"to_session_thread_id", f.primaryThread(s).id}, field{"content", content})
	}); err != nil {
		return err
	}
	return c.turnStep(func(now time.Time) {
		f.appendEvent(s, "agent.thread_message_received", now,
			field{"from_session_thread_id", c.th.id}, field{"from_agent_name", c.th.agentName}, field{"content", content})
	})
}

// endTurn idles the child with end_turn and releases its context. A
// session that idled while the child waited (it was interrupted then) goes
// running again first: the coordinator carries on. The caller holds f.mu.
func (c *ChildThread) endTurn(now time.Time) {
	f, s := c.t.f, c.t.s
	if s.status == statusIdle {
		f.emitStatus(s, statusRunning, now, nil)
		now = f.now()
	}
	// A child interrupted while it waited is idle with requires_action
	// already: the new idle says the wait is over.
	f.idleThread(s, c.th, now, endTurn)
	if c.th.interrupt != nil {
		c.th.interrupt(nil)
		c.th.interrupt = nil
	}
}

// childTools returns the resolved tools of the agent a child thread runs.
func (c *ChildThread) childTools() agentTools {
	c.t.f.mu.Lock()
	defer c.t.f.mu.Unlock()
	return parseAgentTools(c.th.agent)
}

// parseDelegate splits a delegate: argument into the agent name (the first
// word, or a name in double quotes) and the task (the rest; may be empty).
func parseDelegate(arg string) (name, task string, ok bool) {
	arg = strings.TrimSpace(arg)
	if rest, quoted := strings.CutPrefix(arg, `"`); quoted {
		name, task, ok = strings.Cut(rest, `"`)
		return name, strings.TrimSpace(task), ok && name != ""
	}
	name, task, _ = strings.Cut(arg, " ")
	return name, strings.TrimSpace(task), name != ""
}

// delegation is one delegate: line being carried out.
type delegation struct {
	name, task string
	child      *ChildThread // nil when the thread limit refused it
	reply      string
}

// coordinate plays a turn of the default script whose message has
// delegate: lines (see DefaultScript): the coordinator's first model
// request hands every task to its thread (all of them run at once), each
// child plays its turn and replies, and a second model request sums the
// replies up.
func (r *scriptRun) coordinate(p plan, input int64) {
	start := r.emit("span.model_request_start")
	r.emit("agent.thinking")
	ds := make([]*delegation, 0, len(p.delegates))
	output := int64(10)
	for _, d := range p.delegates {
		name, task, _ := parseDelegate(d.arg)
		del := &delegation{name: name, task: task}
		ds = append(ds, del)
		if r.err != nil {
			return
		}
		c, err := r.t.Delegate(name, task)
		switch {
		case errors.Is(err, ErrThreadLimit):
			continue
		case err != nil:
			r.err = err
			return
		}
		del.child = c
		output += int64(runes(task))
	}
	r.endRequest(start, modelUsage{InputTokens: input, OutputTokens: output}, false)

	results := int64(0)
	for _, del := range ds {
		if del.child == nil || r.err != nil {
			continue
		}
		del.reply = r.childTurn(del.child, del.task)
		if r.err == nil {
			r.err = del.child.Finish(del.reply)
		}
		results += int64(runes(del.reply))
	}

	var lines []string
	for _, del := range ds {
		if del.child == nil {
			lines = append(lines, fmt.Sprintf("I could not delegate to %s: %d threads are running already.", del.name, maxRunningThreads))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s replied: %s", del.name, del.reply))
	}
	for _, d := range p.workflows {
		if r.err != nil {
			return
		}
		line := r.runWorkflow(d.arg)
		results += int64(runes(line))
		lines = append(lines, line)
	}
	if p.echo != "" {
		lines = append(lines, "Echo: "+p.echo)
	}
	reply := strings.Join(lines, "\n")
	start = r.emit("span.model_request_start")
	r.message(reply)
	r.endRequest(start, modelUsage{InputTokens: input + output + results, OutputTokens: int64(10 + runes(reply)), CacheReadInputTokens: input}, false)
	r.finish(endTurn, nil)
}

// childTurn plays a child's turn of the default script on its own thread
// and returns its reply; the caller reports it. The task's run: and call:
// lines are played as in a primary turn (see DefaultScript), in the
// child's history, with the tools of the child's agent; the tool uses are
// cross-posted, and those that wait for the client idle the child (see
// ChildThread.RequireAction). A task without them is done at once:
// "Done: <task>". An interrupt of the child ends its turn with the reply
// "I was interrupted.".
func (r *scriptRun) childTurn(c *ChildThread, task string) string {
	cr := &scriptRun{t: r.t, a: c, tools: c.childTools(), selfHosted: r.selfHosted}
	done := "Done: " + task
	if task == "" {
		done = "Done."
	}
	reply := cr.playTools(plan{tools: parseDirectives(task).tools}, int64(50+runes(task)), done)
	switch {
	case cr.err == nil:
	case errors.Is(cr.err, ErrInterrupted) && r.t.err() == nil:
		reply = "I was interrupted."
	default:
		if r.err == nil {
			r.err = cr.err
		}
	}
	return reply
}
