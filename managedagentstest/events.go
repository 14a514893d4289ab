package managedagentstest

import (
	"encoding/json"
	"slices"
	"time"
)

// Each session keeps an event log: the history that the events endpoints
// will page and the streams will publish. Every event enters it through
// appendEvent.

// maxInitialEvents is the limit on initial_events (reference §7).
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
// session's log, giving it an id (sevt_…) and processed_at, and returns it.
// The JSON is laid out as type, id, members, processed_at. This is the single
// entry point of the log: the stream machinery extends it to fan the event
// out to open streams. The caller holds f.mu.
func (f *Fake) appendEvent(s *session, typ string, now time.Time, members ...field) event {
	ev := event{id: f.ids.next("sevt_"), typ: typ, processedAt: now}
	obj := make(orderedObject, 0, len(members)+3)
	obj = append(obj, field{"type", typ}, field{"id", ev.id})
	obj = append(obj, members...)
	obj = append(obj, field{"processed_at", timestamp(now)})
	ev.raw = mustMarshal(obj)
	s.events = append(s.events, ev)
	return ev
}

// SessionEvents returns the session's event log as JSON, oldest first, and
// whether the session exists.
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
}

// parseInitialEvents validates the create body's initial_events: at most 50,
// each a user.message or a user.define_outcome (reference §2.2.4, §4.3). The
// caller holds f.mu.
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

var userContentTypes = []string{"text", "image", "document", "redacted"}

// parseUserMessage validates a user.message param: a non-empty content array
// of text, image, document or redacted blocks. Blocks are kept as sent.
func parseUserMessage(o object, p string) ([]field, *apiError) {
	if err := o.only(p, "type", "content"); err != nil {
		return nil, err
	}
	cp := at(p, "content")
	raw, ok := o["content"]
	if !ok || isNull(raw) {
		return nil, errInvalid("%s: field is required", cp)
	}
	blocks, err := parseArray(raw, cp)
	if err != nil {
		return nil, err
	}
	if len(blocks) == 0 {
		return nil, errInvalid("%s: must not be empty", cp)
	}
	for i, b := range blocks {
		bp := index(cp, i)
		bo, err := parseObject(b, bp)
		if err != nil {
			return nil, err
		}
		typ, err := bo.requiredString("type", bp)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(userContentTypes, typ) {
			return nil, errInvalid("%s.type: unknown content block type %q", bp, typ)
		}
		if typ == "text" {
			if _, err := parseString(bo["text"], at(bp, "text")); err != nil {
				return nil, err
			}
		}
	}
	return []field{{"content", compact(raw)}}, nil
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

// startProcessing is called when a session has received client events to
// work on (today: initial_events at creation, after the session went
// running). The scripted agent hooks in here. The caller holds f.mu; it
// must not block.
func (f *Fake) startProcessing(s *session) {}

// sessionDeleted is called after a session has been removed from the fake.
// The stream machinery hooks in here to send every open stream of the
// session a final session.deleted event and end it. The caller holds f.mu.
func (f *Fake) sessionDeleted(s *session) {}
