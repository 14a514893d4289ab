package managedagentstest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// POST /v1/sessions/{session_id}/events: a non-empty list of client event
// params, answered with one echo per event, in order.

// maxSendEvents caps the events of one send; the real limit is not
// documented and the fake uses the initial_events limit.
const maxSendEvents = 50

// maxSystemBlocks is the limit on a system.message's text blocks.
const maxSystemBlocks = 1000

// sendData is the send response.
type sendData struct {
	Data []any `json:"data"`
}

// sendEventsHTTP handles the send. The echoes are written before the worker
// is started, so processing always happens after the response.
func (f *Fake) sendEventsHTTP(w http.ResponseWriter, r *http.Request) {
	resp, s, err := f.sendEvents(r)
	if err != nil {
		writeError(w, requestID(r), err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
	if s != nil {
		f.mu.Lock()
		f.kick(s)
		f.mu.Unlock()
	}
}

// sendEvents validates a send and queues its events. Each echo is the param
// plus id and processed_at null — except user.define_outcome, which is
// processed at once (its echo has processed_at set and it enters the log
// immediately, with a pending outcome evaluation). A user.interrupt is
// queued ahead of everything but earlier interrupts, and stops a running
// turn. It returns the session when the worker has work.
//
// The fake answers 404 for unknown and deleted sessions, 409 conflict_error
// for archived sessions (as the API does) and, a choice where the API's
// documentation is silent, 409 for terminated sessions too: like archived ones
// they can never run again, which is a state conflict rather than a bad
// request.
func (f *Fake) sendEvents(r *http.Request) (any, *session, *apiError) {
	id := r.PathValue("session_id")
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return nil, nil, errSessionNotFound(id)
	}
	if s.archivedAt != nil {
		return nil, nil, errConflict("Session %s is archived and cannot accept new events.", id)
	}
	if s.status == statusTerminated {
		return nil, nil, errConflict("Session %s is terminated and cannot accept new events.", id)
	}
	if err := body.only("", "events"); err != nil {
		return nil, nil, err
	}
	raw, ok := body["events"]
	if !ok || isNull(raw) {
		return nil, nil, errInvalid("events: field is required")
	}
	items, err := parseArray(raw, "events")
	if err != nil {
		return nil, nil, err
	}
	if len(items) == 0 {
		return nil, nil, errInvalid("events: must not be empty")
	}
	if len(items) > maxSendEvents {
		return nil, nil, errInvalid("events: %d events; the limit is %d", len(items), maxSendEvents)
	}
	events := make([]pendingEvent, len(items))
	for i, item := range items {
		if events[i], err = f.parseClientEvent(s, item, index("events", i)); err != nil {
			return nil, nil, err
		}
	}
	if err := f.checkSystemMessages(s, events); err != nil {
		return nil, nil, err
	}

	w := f.workOf(s)
	w.batch++
	now := f.now()
	out := sendData{Data: make([]any, 0, len(events))}
	queuedAny := false
	for _, pe := range events {
		evID := f.ids.next("sevt_")
		if pe.typ == "user.define_outcome" {
			ev := f.appendEventID(s, evID, pe.typ, now, pe.members...)
			f.addOutcome(s, pe.members)
			out.Data = append(out.Data, ev.raw)
			continue
		}
		q := &queued{id: evID, typ: pe.typ, members: pe.members, ref: pe.ref, batch: w.batch}
		if pe.typ == "user.interrupt" {
			if ev, ok := f.interruptChild(s, evID, pe.members, now); ok {
				out.Data = append(out.Data, ev.raw)
				continue
			}
			// Any other interrupt (of the session, of its primary thread, or
			// naming a thread the fake does not know) stops the turn, and the
			// running child threads go idle with the session.
			i := slices.IndexFunc(w.queue, func(q *queued) bool { return q.typ != "user.interrupt" })
			if i < 0 {
				i = len(w.queue)
			}
			w.queue = slices.Insert(w.queue, i, q)
			if w.turnCancel != nil {
				w.turnCancel(ErrInterrupted)
			}
		} else {
			w.queue = append(w.queue, q)
		}
		queuedAny = true
		echo := make(orderedObject, 0, len(pe.members)+3)
		echo = append(echo, field{"type", pe.typ}, field{"id", evID})
		echo = append(echo, pe.members...)
		echo = append(echo, field{"processed_at", nil})
		out.Data = append(out.Data, echo)
	}
	f.notify(s)
	if !queuedAny {
		return out, nil, nil
	}
	return out, s, nil
}

// parseClientEvent validates one client event param and
// returns its echo members. The caller holds f.mu.
func (f *Fake) parseClientEvent(s *session, raw json.RawMessage, p string) (pendingEvent, *apiError) {
	o, err := parseObject(raw, p)
	if err != nil {
		return pendingEvent{}, err
	}
	typ, err := o.requiredString("type", p)
	if err != nil {
		return pendingEvent{}, err
	}
	if !slices.Contains(clientEventTypes, typ) {
		return pendingEvent{}, errInvalid("%s.type: unknown event type %q; expected one of %s", p, typ, strings.Join(clientEventTypes, ", "))
	}
	if typ != "user.interrupt" && o.has("session_thread_id") {
		return pendingEvent{}, errInvalid("%s.session_thread_id: only user.interrupt accepts session_thread_id; the server routes %s by its IDs", p, typ)
	}
	pe := pendingEvent{typ: typ}
	switch typ {
	case "user.message":
		pe.members, err = parseUserMessage(o, p)
	case "user.interrupt":
		if err = o.only(p, "type", "session_thread_id"); err != nil {
			break
		}
		if o.has("session_thread_id") {
			var thread string
			if thread, err = o.requiredString("session_thread_id", p); err == nil {
				pe.members = []field{{"session_thread_id", thread}}
			}
		}
	case "user.tool_confirmation":
		pe.members, pe.ref, err = parseToolConfirmation(o, p)
	case "user.custom_tool_result":
		pe.members, pe.ref, err = parseToolResult(o, p, "custom_tool_use_id")
	case "user.tool_result":
		if !f.envs[s.environmentID] {
			return pendingEvent{}, errInvalid("%s.type: user.tool_result is only accepted for sessions on self_hosted environments; session %s runs on %s", p, s.id, s.environmentID)
		}
		pe.members, pe.ref, err = parseToolResult(o, p, "tool_use_id")
	case "user.define_outcome":
		pe.members, err = f.parseDefineOutcome(o, p)
	case "system.message":
		if err = o.only(p, "type", "content"); err != nil {
			break
		}
		var content json.RawMessage
		if content, err = parseContent(o, p, systemContentTypes, 1, maxSystemBlocks); err == nil {
			pe.members = []field{{"content", content}}
		}
	}
	return pe, err
}

// parseToolConfirmation reads a user.tool_confirmation: tool_use_id, result
// allow or deny, and a deny_message only with deny.
func parseToolConfirmation(o object, p string) ([]field, string, *apiError) {
	if err := o.only(p, "type", "tool_use_id", "result", "deny_message"); err != nil {
		return nil, "", err
	}
	ref, err := o.requiredString("tool_use_id", p)
	if err != nil {
		return nil, "", err
	}
	result, err := o.requiredString("result", p)
	if err != nil {
		return nil, "", err
	}
	if result != "allow" && result != "deny" {
		return nil, "", errInvalid(`%s.result: unknown value %q; expected "allow" or "deny"`, p, result)
	}
	members := []field{{"tool_use_id", ref}, {"result", result}}
	msg, err := o.optionalString("deny_message", p)
	if err != nil {
		return nil, "", err
	}
	if msg != nil {
		if result != "deny" {
			return nil, "", errInvalid(`%s.deny_message: only allowed when result is "deny"`, p)
		}
		members = append(members, field{"deny_message", *msg})
	}
	return members, ref, nil
}

// parseToolResult reads a user.custom_tool_result (idKey custom_tool_use_id)
// or user.tool_result (tool_use_id): the ID, optional content of text,
// image, document or search_result blocks, optional is_error.
func parseToolResult(o object, p, idKey string) ([]field, string, *apiError) {
	if err := o.only(p, "type", idKey, "content", "is_error"); err != nil {
		return nil, "", err
	}
	ref, err := o.requiredString(idKey, p)
	if err != nil {
		return nil, "", err
	}
	members := []field{{idKey, ref}}
	content, err := parseContent(o, p, toolResultContentTypes, 0, 0)
	if err != nil {
		return nil, "", err
	}
	if content != nil {
		members = append(members, field{"content", content})
	}
	if raw, ok := o["is_error"]; ok && !isNull(raw) {
		isErr, err := parseBool(raw, at(p, "is_error"))
		if err != nil {
			return nil, "", err
		}
		members = append(members, field{"is_error", isErr})
	}
	return members, ref, nil
}

// checkSystemMessages applies the system.message rules of a send: at most
// one, last, right after a user.message, user.tool_result or
// user.custom_tool_result, and not while the session waits with
// requires_action. The fake accepts mid-conversation system messages for
// every model. The caller holds f.mu.
func (f *Fake) checkSystemMessages(s *session, events []pendingEvent) *apiError {
	seen := false
	for i, pe := range events {
		if pe.typ == "system.message" {
			if seen {
				return errInvalid("%s: at most one system.message per request", index("events", i))
			}
			seen = true
		}
	}
	for i, pe := range events {
		if pe.typ != "system.message" {
			continue
		}
		p := index("events", i)
		if i != len(events)-1 {
			return errInvalid("%s: a system.message must be the last event of the request", p)
		}
		if i == 0 || !slices.Contains([]string{"user.message", "user.tool_result", "user.custom_tool_result"}, events[i-1].typ) {
			return errInvalid("%s: a system.message must immediately follow the user.message, user.tool_result or user.custom_tool_result it accompanies", p)
		}
		if s.status == statusIdle && f.workOf(s).lastStop == "requires_action" {
			return errInvalid("%s: a system.message cannot be sent while session %s is idle with stop_reason requires_action", p, s.id)
		}
	}
	return nil
}
