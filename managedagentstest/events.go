package managedagentstest

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Each session keeps an event log: the history that the events endpoints
// page and the streams publish. Every event enters it through appendEvent
// (or appendEventID, which appendEvent wraps, for client events whose ID was
// assigned when they were queued).
//
// Change notification. Every session has a change channel
// (sessionWork.changed) that is closed and replaced — under f.mu — whenever
// the log grows, the session's queue changes, the worker changes state or the
// session is deleted (see notify). A waiter reads what it needs and the
// current channel under f.mu, releases the lock, waits for the channel to
// close, then looks again. Wake-ups may be spurious; a waiter always
// re-checks. WaitIdle works this way, and so can a stream subscriber: keep a
// position in s.events, take watch(s) under the lock, send what lies past
// the position, wait.

// maxInitialEvents is the API's limit on initial_events.
const maxInitialEvents = 50

// maxRubricLen is the limit on a text outcome rubric.
const maxRubricLen = 262_144

// event is one entry of a session's event log.
type event struct {
	id          string
	typ         string
	processedAt time.Time
	raw         json.RawMessage // the full event JSON, as history returns it
}

// appendEvent adds an event of type typ with the given members to the
// session's log, giving it a new id (sevt_…) and processed_at, and returns it.
// The caller holds f.mu.
func (f *Fake) appendEvent(s *session, typ string, now time.Time, members ...field) event {
	return f.appendEventID(s, f.ids.next("sevt_"), typ, now, members...)
}

// appendEventID is appendEvent with a given event ID: client events keep the
// ID their send echo showed. The JSON is laid out as type, id, members,
// processed_at. Besides appending, it counts active time, adds the usage of
// span ends to the session's cumulative usage and wakes the session's
// waiters. The caller holds f.mu.
func (f *Fake) appendEventID(s *session, id, typ string, now time.Time, members ...field) event {
	f.tickActive(s, now)
	ev := event{id: id, typ: typ, processedAt: now}
	obj := make(orderedObject, 0, len(members)+3)
	obj = append(obj, field{"type", typ}, field{"id", ev.id})
	obj = append(obj, members...)
	obj = append(obj, field{"processed_at", timestamp(now)})
	ev.raw = mustMarshal(obj)
	s.events = append(s.events, ev)
	f.countUsage(s, typ, ev.raw)
	f.webhookEvent(s, ev, members)
	f.notify(s)
	return ev
}

// notify wakes everything waiting for a change of the session: the channel
// handed out by watch is closed and replaced. The caller holds f.mu.
func (f *Fake) notify(s *session) {
	w := f.workOf(s)
	close(w.changed)
	w.changed = make(chan struct{})
}

// watch returns the number of events in the session's log and a channel
// that is closed at the next change (see the comment at the top of this
// file). The caller holds f.mu.
func (f *Fake) watch(s *session) (int, <-chan struct{}) {
	return len(s.events), f.workOf(s).changed
}

// tickActive adds the time since the last tick to active_seconds while the
// session is running or rescheduling. The caller holds f.mu.
func (f *Fake) tickActive(s *session, now time.Time) {
	w := f.workOf(s)
	if !s.busy() || w.activeMark.IsZero() {
		return
	}
	if d := now.Sub(w.activeMark); d > 0 {
		s.activeSeconds = math.Round((s.activeSeconds+d.Seconds())*1000) / 1000
		s.usage.ActiveSeconds = s.activeSeconds
	}
	w.activeMark = now
}

// countUsage adds the token counts of a span end to the session's
// cumulative usage: model_usage of span.model_request_end, usage of
// span.outcome_evaluation_end. Cache-creation tokens count as 5-minute
// ephemeral ones. The caller holds f.mu.
func (f *Fake) countUsage(s *session, typ string, raw json.RawMessage) {
	var key string
	switch typ {
	case "span.model_request_end":
		key = "model_usage"
	case "span.outcome_evaluation_end":
		key = "usage"
	default:
		return
	}
	var ev map[string]json.RawMessage
	if json.Unmarshal(raw, &ev) != nil {
		return
	}
	var u struct {
		InputTokens              int64 `json:"input_tokens"`
		OutputTokens             int64 `json:"output_tokens"`
		CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
		CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
	}
	if json.Unmarshal(ev[key], &u) != nil {
		return // a script may emit any shape; what does not parse counts nothing
	}
	s.usage.InputTokens += u.InputTokens
	s.usage.OutputTokens += u.OutputTokens
	s.usage.CacheReadInputTokens += u.CacheReadInputTokens
	s.usage.CacheCreation.Ephemeral5mInputTokens += u.CacheCreationInputTokens
}

// SessionEvents returns the session's event log as JSON, oldest first, and
// whether the session exists. Queued client events that are not processed
// yet are not part of it.
func (f *Fake) SessionEvents(id string) ([]json.RawMessage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return nil, false
	}
	out := make([]json.RawMessage, len(s.events))
	for i, ev := range s.events {
		out[i] = slices.Clone(ev.raw)
	}
	return out, true
}

// pendingEvent is a validated client event waiting to enter a log.
type pendingEvent struct {
	typ     string
	members []field
	// ref is the tool-use event ID an answer refers to (tool_use_id or
	// custom_tool_use_id); "" for other events.
	ref string
}

// parseInitialEvents validates the create body's initial_events: at most 50,
// each a user.message or a user.define_outcome with the shape it has when
// sent. The caller holds f.mu.
func (f *Fake) parseInitialEvents(raw json.RawMessage) ([]pendingEvent, *apiError) {
	const p = "initial_events"
	if raw == nil || isNull(raw) {
		return nil, nil
	}
	items, err := parseArray(raw, p)
	if err != nil {
		return nil, err
	}
	if len(items) > maxInitialEvents {
		return nil, errInvalid("%s: %d events; the limit is %d", p, len(items), maxInitialEvents)
	}
	out := make([]pendingEvent, 0, len(items))
	for i, item := range items {
		ip := index(p, i)
		o, err := parseObject(item, ip)
		if err != nil {
			return nil, err
		}
		typ, err := o.requiredString("type", ip)
		if err != nil {
			return nil, err
		}
		var members []field
		switch typ {
		case "user.message":
			members, err = parseUserMessage(o, ip)
		case "user.define_outcome":
			members, err = f.parseDefineOutcome(o, ip)
		default:
			err = errInvalid("%s.type: %q cannot be sent in initial_events; only user.message and user.define_outcome can", ip, typ)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, pendingEvent{typ: typ, members: members})
	}
	return out, nil
}

// parseUserMessage validates a user.message param: a non-empty content array
// of text, image, document or redacted blocks (see content_blocks.go).
// Blocks are kept as sent.
func parseUserMessage(o object, p string) ([]field, *apiError) {
	if err := o.only(p, "type", "content"); err != nil {
		return nil, err
	}
	content, err := parseContent(o, p, userContentTypes, 1, 0)
	if err != nil {
		return nil, err
	}
	return []field{{"content", content}}, nil
}

// parseDefineOutcome validates a user.define_outcome param and returns the
// echo's members: description, rubric, the resolved max_iterations and a new
// outcome_id.
func (f *Fake) parseDefineOutcome(o object, p string) ([]field, *apiError) {
	if err := o.only(p, "type", "description", "rubric", "max_iterations"); err != nil {
		return nil, err
	}
	desc, err := o.requiredString("description", p)
	if err != nil {
		return nil, err
	}
	rp := at(p, "rubric")
	raw, ok := o["rubric"]
	if !ok || isNull(raw) {
		return nil, errInvalid("%s: field is required", rp)
	}
	rubric, err := parseObject(raw, rp)
	if err != nil {
		return nil, err
	}
	typ, err := rubric.requiredString("type", rp)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "text":
		if err := rubric.only(rp, "type", "content"); err != nil {
			return nil, err
		}
		content, err := rubric.requiredString("content", rp)
		if err != nil {
			return nil, err
		}
		if runes(content) > maxRubricLen {
			return nil, errInvalid("%s.content: longer than %d characters", rp, maxRubricLen)
		}
	case "file":
		if err := rubric.only(rp, "type", "file_id"); err != nil {
			return nil, err
		}
		id, err := rubric.requiredString("file_id", rp)
		if err != nil {
			return nil, err
		}
		if !f.files[id] {
			return nil, errNotFound("File %s not found.", id)
		}
	default:
		return nil, errInvalid(`%s.type: unknown value %q; expected "text" or "file"`, rp, typ)
	}
	maxIter := int64(3)
	if v, ok := o["max_iterations"]; ok && !isNull(v) {
		if maxIter, err = parseInt(v, at(p, "max_iterations")); err != nil {
			return nil, err
		}
		if maxIter < 1 || maxIter > 20 {
			return nil, errInvalid("%s.max_iterations: must be between 1 and 20", p)
		}
	}
	return []field{
		{"description", desc},
		{"rubric", compact(raw)},
		{"max_iterations", maxIter},
		{"outcome_id", f.ids.next("outc_")},
	}, nil
}

// addOutcome records a processed user.define_outcome as a pending outcome
// evaluation, as the session's outcome_evaluations report it. The fake does
// not grade outcomes: the
// evaluation stays pending and no span.outcome_evaluation_* events are
// emitted unless a script emits them. The caller holds f.mu.
func (f *Fake) addOutcome(s *session, members []field) {
	var id, desc any
	for _, m := range members {
		switch m.key {
		case "outcome_id":
			id = m.value
		case "description":
			desc = m.value
		}
	}
	s.outcomeEvals = append(s.outcomeEvals, mustMarshal(orderedObject{
		{"type", "outcome_evaluation"},
		{"outcome_id", id},
		{"description", desc},
		{"iteration", 0},
		{"result", "pending"},
		{"explanation", nil},
		{"completed_at", nil},
	}))
}

// startProcessing is called when a session has received client events to
// work on: today, initial_events at creation, already in the log and with
// the session already running. Their user.message events are queued for the
// scripted agent, already marked as processed; define_outcome events are
// recorded as pending outcome evaluations. The caller holds f.mu; it does
// not block (the worker starts on its own goroutine).
func (f *Fake) startProcessing(s *session) {
	w := f.workOf(s)
	w.batch++
	for _, ev := range s.events {
		switch ev.typ {
		case "user.message":
			w.queue = append(w.queue, &queued{id: ev.id, typ: ev.typ, batch: w.batch, logged: &ev})
		case "user.define_outcome":
			var m struct {
				OutcomeID   string `json:"outcome_id"`
				Description string `json:"description"`
			}
			_ = json.Unmarshal(ev.raw, &m) // built by the fake: cannot fail
			f.addOutcome(s, []field{{"outcome_id", m.OutcomeID}, {"description", m.Description}})
		}
	}
	f.kick(s)
}

// sessionDeleted is called after a session has been removed from the fake.
// It stops the session's worker (queued events are dropped, a running
// script's context is cancelled) and wakes every waiter, which then finds the
// session gone. The stream machinery hooks in here too, to send every open
// stream of the session a final session.deleted event and end it. The caller
// holds f.mu.
func (f *Fake) sessionDeleted(s *session) {
	w := f.workOf(s)
	w.dead = true
	w.queue = nil
	if w.turnCancel != nil {
		w.turnCancel(errSessionGone)
	}
	f.streamDeleted(s)
	f.notify(s)
}

// Status events: every status change emits the matching session.status_*
// event.
var statusEventTypes = map[string]string{
	statusIdle:         "session.status_idle",
	statusRunning:      "session.status_running",
	statusRescheduling: "session.status_rescheduled",
	statusTerminated:   "session.status_terminated",
}

// statusOfEvent maps a session.status_* event type back to its status.
var statusOfEvent = map[string]string{
	"session.status_idle":        statusIdle,
	"session.status_running":     statusRunning,
	"session.status_rescheduled": statusRescheduling,
	"session.status_terminated":  statusTerminated,
}

func isBusy(status string) bool { return status == statusRunning || status == statusRescheduling }

// statusChanged is called by setStatus after every status change. It emits
// the matching session.status_* event (with the members emitStatus left in
// sessionWork.nextStatus, if any; an idle without a stop reason gets
// end_turn), keeps the active-time clock, and on termination drops the queue
// and stops a running script. The caller holds f.mu.
func (f *Fake) statusChanged(s *session, old string, now time.Time) {
	w := f.workOf(s)
	members := w.nextStatus
	w.nextStatus = nil
	switch {
	case isBusy(old) && !s.busy():
		// Count the running stretch that ends now (s.busy() is already
		// false, so tickActive would not).
		if !w.activeMark.IsZero() {
			if d := now.Sub(w.activeMark); d > 0 {
				s.activeSeconds = math.Round((s.activeSeconds+d.Seconds())*1000) / 1000
				s.usage.ActiveSeconds = s.activeSeconds
			}
		}
		w.activeMark = time.Time{}
	case !isBusy(old) && s.busy():
		w.activeMark = now
	}
	if s.status == statusIdle {
		members = f.noteIdle(s, members)
	}
	if typ, ok := statusEventTypes[s.status]; ok {
		w.lastStatusEvent = f.appendEvent(s, typ, now, members...)
	}
	if s.status == statusTerminated {
		w.queue = nil
		if w.turnCancel != nil {
			w.turnCancel(errSessionGone)
		}
	}
}

// emitStatus moves the session to status and emits the status event with
// the given members, or, when the session already has that status, emits
// the event again (an idle re-emitted with the remaining event_ids, for
// instance). It returns the event. The caller holds f.mu.
func (f *Fake) emitStatus(s *session, status string, now time.Time, members []field) event {
	w := f.workOf(s)
	if s.status != status {
		w.nextStatus = members
		f.setStatus(s, status, now)
		return w.lastStatusEvent
	}
	if status == statusIdle {
		members = f.noteIdle(s, members)
	}
	return f.appendEvent(s, statusEventTypes[status], now, members...)
}

// noteIdle completes the members of a session.status_idle event (stop_reason
// first, end_turn when missing; stop_details, null when missing), records
// the stop reason, and flushes the queue after retries_exhausted, as the
// real API does. The caller holds f.mu.
func (f *Fake) noteIdle(s *session, members []field) []field {
	var reason, details any = map[string]any{"type": "end_turn"}, nil
	var rest []field
	for _, m := range members {
		switch m.key {
		case "stop_reason":
			reason = m.value
		case "stop_details":
			details = m.value
		default:
			rest = append(rest, m)
		}
	}
	var sr struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(mustMarshal(reason), &sr)
	w := f.workOf(s)
	w.lastStop = sr.Type
	if sr.Type == "retries_exhausted" {
		w.queue = slices.DeleteFunc(w.queue, func(q *queued) bool { return q.typ != "user.interrupt" })
	}
	return append([]field{{"stop_reason", reason}, {"stop_details", details}}, rest...)
}
