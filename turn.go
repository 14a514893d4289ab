package managedagents

import (
	"context"
	"errors"
	"strings"
)

// TurnResult is one turn of the agent: what SendAndWait and Runner.Run
// saw from the processing of the events they sent to the end of the turn.
type TurnResult struct {
	// Events holds every event of the turn, in order.
	Events []Event
	// StopReason is the stop reason of the idle that ended the turn; for
	// requires_action its EventIDs are the tool uses awaiting an answer.
	// It is nil when the session terminated or was deleted instead.
	StopReason *StopReason
	// Text is the text of the primary thread's agent messages in the turn,
	// joined with newlines. In a multi-agent session the agent.message
	// events of other threads stay in their own histories; what they
	// report back is in Threads.
	Text string
	// Threads lists the session's other threads that were active in the
	// turn (created, changing status, calling tools or messaging), in the
	// order the session stream first showed them. It is empty for a
	// session with a single agent.
	Threads []ThreadTurn
	// Usage sums the model usage of the turn's model requests.
	Usage ModelUsage
	// Errors holds the turn's session.error events. A retrying error does
	// not end a turn; an exhausted one ends it with retries_exhausted, a
	// terminal one with the session terminated.
	Errors []*SessionErrorEvent
	// Terminated and Deleted report that the session ended in the turn.
	Terminated, Deleted bool
	// DecodeErrors holds events of the turn that could not be decoded.
	DecodeErrors []*DecodeError
}

// ThreadTurn is what the session stream showed of one thread other than
// the primary one during a turn: the threads a coordinator delegates to and
// those a workflow run starts. The thread's own events (its agent
// messages, tool results, spans) are in its history and on its stream
// (ThreadsService.AllEvents, ThreadsService.Stream).
type ThreadTurn struct {
	// ID is the thread's ID (session_thread_id).
	ID string
	// AgentName is the name of the agent the thread runs, when the stream
	// said it.
	AgentName string
	// WorkflowRunID is set when a workflow run started the thread in the
	// turn.
	WorkflowRunID string
	// Text is what the thread said to the primary thread in the turn: the
	// text of the agent.thread_message_received events from it, joined
	// with newlines.
	Text string
	// ToolUseIDs are the IDs of the thread's tool-use events in the turn,
	// cross-posted to the session stream.
	ToolUseIDs []string
	// StopReason is the stop reason of the thread's last idle in the turn;
	// nil when it did not idle.
	StopReason *StopReason
	// Terminated reports that the thread terminated in the turn.
	Terminated bool
}

// Thread returns the entry of Threads for the thread with this ID, or nil.
func (r *TurnResult) Thread(id string) *ThreadTurn {
	for i := range r.Threads {
		if r.Threads[i].ID == id {
			return &r.Threads[i]
		}
	}
	return nil
}

// thread returns the turn's entry for a thread, adding it on first sight.
func (t *turnTracker) thread(id, agentName string) *ThreadTurn {
	th := t.res.Thread(id)
	if th == nil {
		t.res.Threads = append(t.res.Threads, ThreadTurn{ID: id})
		th = &t.res.Threads[len(t.res.Threads)-1]
	}
	if th.AgentName == "" {
		th.AgentName = agentName
	}
	return th
}

// addThreadEvent folds in the events that the session stream carries about
// other threads.
func (t *turnTracker) addThreadEvent(ev Event) {
	switch e := ev.(type) {
	case *SessionThreadCreatedEvent:
		th := t.thread(e.SessionThreadID, e.AgentName)
		if e.WorkflowRunID != nil {
			th.WorkflowRunID = *e.WorkflowRunID
		}
	case *SessionThreadStatusRunningEvent:
		t.thread(e.SessionThreadID, e.AgentName)
	case *SessionThreadStatusRescheduledEvent:
		t.thread(e.SessionThreadID, e.AgentName)
	case *SessionThreadStatusIdleEvent:
		reason := e.StopReason
		t.thread(e.SessionThreadID, e.AgentName).StopReason = &reason
	case *SessionThreadStatusTerminatedEvent:
		t.thread(e.SessionThreadID, e.AgentName).Terminated = true
	case *AgentThreadMessageReceivedEvent:
		if e.FromSessionThreadID == "" {
			return
		}
		th := t.thread(e.FromSessionThreadID, e.FromAgentName)
		if text := JoinText(e.Content); text != "" {
			if th.Text != "" {
				th.Text += "\n"
			}
			th.Text += text
		}
	case *AgentCustomToolUseEvent:
		t.threadToolUse(e.SessionThreadID, e.ID)
	case *AgentToolUseEvent:
		t.threadToolUse(e.SessionThreadID, e.ID)
	case *AgentMCPToolUseEvent:
		t.threadToolUse(e.SessionThreadID, e.ID)
	}
}

func (t *turnTracker) threadToolUse(threadID, id string) {
	if threadID != "" {
		th := t.thread(threadID, "")
		th.ToolUseIDs = append(th.ToolUseIDs, id)
	}
}

// turnTracker folds a stream's events into a TurnResult. Events before the
// processing of the first event sent belong to earlier activity (a stream
// starts at "now", which may be just before an earlier turn's last events)
// and are left out.
type turnTracker struct {
	res     TurnResult
	started bool
	sent    map[string]bool // IDs of the echoes of the events sent
	types   map[string]bool // types of sent events whose echo had no ID
	text    []string
}

func newTurnTracker(echoes []Event) *turnTracker {
	t := &turnTracker{sent: map[string]bool{}, types: map[string]bool{}}
	for _, e := range echoes {
		if e.EventID() != "" {
			t.sent[e.EventID()] = true
		} else {
			t.types[e.EventType()] = true
		}
	}
	t.started = len(echoes) == 0 // nothing sent: follow from now on
	return t
}

// add folds ev in and reports whether it ends the turn. With untilDone,
// only an idle that ends the turn counts; otherwise requires_action does
// too.
func (t *turnTracker) add(ev Event, untilDone bool) bool {
	if !t.started {
		_, processed := ev.EventProcessedAt()
		if !processed || !(t.sent[ev.EventID()] || ev.EventID() == "" && t.types[ev.EventType()]) {
			return false
		}
		t.started = true
	}
	t.res.Events = append(t.res.Events, ev)
	t.addThreadEvent(ev)
	switch e := ev.(type) {
	case *AgentMessageEvent:
		if text := JoinText(e.Content); text != "" {
			t.text = append(t.text, text)
			t.res.Text = strings.Join(t.text, "\n")
		}
	case *SpanModelRequestEndEvent:
		u := &t.res.Usage
		u.InputTokens += e.ModelUsage.InputTokens
		u.OutputTokens += e.ModelUsage.OutputTokens
		u.CacheCreationInputTokens += e.ModelUsage.CacheCreationInputTokens
		u.CacheReadInputTokens += e.ModelUsage.CacheReadInputTokens
	case *SessionErrorEvent:
		t.res.Errors = append(t.res.Errors, e)
	case *SessionStatusIdleEvent:
		reason := e.StopReason
		t.res.StopReason = &reason
		return !untilDone || reason.EndsTurn()
	case *SessionStatusTerminatedEvent:
		t.res.StopReason, t.res.Terminated = nil, true
		return true
	case *SessionDeletedEvent:
		t.res.StopReason, t.res.Deleted = nil, true
		return true
	}
	return false
}

// errTurnUnfinished reports a stream that ended before the turn did.
var errTurnUnfinished = errors.New("managedagents: the event stream ended before the turn did")

// SendAndWait sends events and waits for the turn they start to end: the
// session goes idle (for any reason, requires_action included) or
// terminates, or is deleted. In a multi-agent session the turn ends on the
// session's idle, not on a thread's (session.thread_status_idle): the
// session idles once no thread runs. It opens the session's stream before sending,
// so nothing is missed, and closes it before returning.
//
// On a failure after the events were sent (the context's end, a stream
// error) it returns the turn as far as it got together with the error.
// To answer custom tools and permission requests as they come, use a Runner.
func (s *EventsService) SendAndWait(ctx context.Context, sessionID string, events ...EventParam) (*TurnResult, error) {
	if err := validateEvents(events, false); err != nil {
		return nil, err
	}
	st, err := s.Stream(ctx, sessionID, StreamParams{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	echoes, err := s.Send(ctx, sessionID, events...)
	if err != nil {
		return nil, err
	}
	return newTurnTracker(echoes).follow(ctx, st, false, nil)
}

// follow feeds the stream's events to the tracker until the turn ends.
// each, when set, sees every event first (including those before the turn
// started) and may stop the turn with an error. Undecodable events are
// kept aside, not fatal.
func (t *turnTracker) follow(ctx context.Context, st *Stream, untilDone bool, each func(Event) error) (*TurnResult, error) {
	for ev, err := range st.Events() {
		if err != nil {
			var de *DecodeError
			if errors.As(err, &de) {
				t.res.DecodeErrors = append(t.res.DecodeErrors, de)
				continue
			}
			return &t.res, err
		}
		ended := t.add(ev, untilDone)
		if each != nil {
			if err := each(ev); err != nil || ended {
				return &t.res, err
			}
		}
		if ended {
			return &t.res, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return &t.res, err
	}
	return &t.res, errTurnUnfinished
}
