package managedagents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event is an event received from the API: an echo of a sent event, a
// history entry or a stream frame. Its concrete type is one of the *…Event
// types of this package (always a pointer), selected by the JSON "type":
// use a type switch. A type this library does not know yet is an
// *UnknownEvent. The interface is sealed.
//
// Encoding a known event writes its typed fields, which is equivalent to
// the JSON it was decoded from except for fields newer than this library;
// to pass an event on unchanged, use RawJSON.
type Event interface {
	// EventID is the event's "sevt_…" ID: empty for previews
	// (event_start, event_delta) and possibly for user.interrupt.
	EventID() string
	// EventType is the JSON "type" the event was decoded from.
	EventType() string
	// EventProcessedAt is when the server processed the event; false while
	// a client event is queued (processed_at null) and for previews.
	EventProcessedAt() (time.Time, bool)
	// RawJSON is exactly the bytes the event was decoded from (nil for an
	// event built in code). Do not modify it.
	RawJSON() json.RawMessage
	isEvent()
}

// EventMeta is the envelope shared by every event: its type, its ID and when
// it was processed. It is embedded in every concrete event type, whose
// methods it provides.
type EventMeta struct {
	// ID is the event's "sevt_…" ID, unique within the session.
	ID string `json:"id"`
	// Type is the event type, one of the Event constants.
	Type string `json:"type"`
	// ProcessedAt is nil while a client event is queued, and for previews.
	ProcessedAt *time.Time `json:"processed_at"`

	raw json.RawMessage
}

// EventID returns the event's ID.
func (m *EventMeta) EventID() string { return m.ID }

// EventType returns the event's type.
func (m *EventMeta) EventType() string { return m.Type }

// EventProcessedAt returns when the event was processed, and false when it
// was not (yet).
func (m *EventMeta) EventProcessedAt() (time.Time, bool) {
	if m.ProcessedAt == nil {
		return time.Time{}, false
	}
	return *m.ProcessedAt, true
}

// RawJSON returns the bytes the event was decoded from.
func (m *EventMeta) RawJSON() json.RawMessage { return m.raw }

func (m *EventMeta) isEvent() {}

// meta gives the generic marshalling helper access to the envelope of an
// event's method-less copy.
func (m *EventMeta) meta() *EventMeta { return m }

// marshalEvent encodes an event from its typed fields, with its type set.
// P is a pointer to a method-less copy of the event's struct (declared in
// each event's MarshalJSON), so that encoding/json does not recurse into
// MarshalJSON; the envelope's json tags encode id and processed_at (null
// when unset, as the API sends it).
func marshalEvent[T any, P interface {
	*T
	meta() *EventMeta
}](eventType string, p P) ([]byte, error) {
	if p == nil {
		return []byte("null"), nil
	}
	v := *p // a shallow copy: encoding must not write to the caller's event
	P(&v).meta().Type = eventType
	return json.Marshal(&v)
}

// errNoEventType reports JSON without a usable "type".
var errNoEventType = errors.New(`missing or empty "type"`)

// DecodeEvent decodes one event, choosing its concrete type by the JSON
// "type". An unknown type gives an *UnknownEvent, never an error. JSON that
// does not parse, has no "type", or does not fit its type's fields gives a
// *DecodeError holding a copy of data (and the type when it was read). The
// returned event keeps a copy of data as its RawJSON.
func DecodeEvent(data []byte) (Event, error) {
	return decodeEvent(bytes.Clone(data), "")
}

// decodeEvent is DecodeEvent for data it may keep as the event's raw JSON.
// A stream passes the frame's event name as hint; otherwise peekType
// guesses the type. Either way data is decoded once, into the event of
// that type, and the JSON's own type, as encoding/json reads it into the
// event's Type, must confirm the guess. A mismatch or an error falls back
// to decodeEventTwoPass.
func decodeEvent(data []byte, hint string) (Event, error) {
	if newEvent, ok := eventTypes[hint]; ok {
		if ev := newEvent(); decodeInto(ev, data) && ev.EventType() == hint {
			return ev, nil
		}
	} else if t, ok := peekType(data); ok && len(t) > 0 {
		if newEvent, ok := eventTypes[string(t)]; ok {
			if ev := newEvent(); decodeInto(ev, data) && ev.EventType() == string(t) {
				return ev, nil
			}
		} else if u, err := decodeUnknownEvent(data); err == nil && u.Type == string(t) {
			return u, nil
		}
	}
	return decodeEventTwoPass(data)
}

// decodeInto decodes data into ev, keeping data as its raw JSON, and
// reports whether it succeeded.
func decodeInto(ev Event, data []byte) bool {
	if json.Unmarshal(data, ev) != nil {
		return false
	}
	ev.(interface{ meta() *EventMeta }).meta().raw = data
	return true
}

// decodeEventTwoPass reads the type alone, then the event of that type: the
// slow path of decodeEvent, whose results and errors the fast path must
// equal.
func decodeEventTwoPass(data []byte) (Event, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, &DecodeError{What: "event", Raw: data, Err: err}
	}
	if head.Type == "" {
		return nil, &DecodeError{What: "event", Raw: data, Err: errNoEventType}
	}
	newEvent, ok := eventTypes[head.Type]
	if !ok {
		// The envelope parses wherever the type does.
		u, err := decodeUnknownEvent(data)
		if err != nil {
			return nil, &DecodeError{What: "event", Raw: data, Err: err}
		}
		u.Type = head.Type
		return u, nil
	}
	ev := newEvent()
	if err := json.Unmarshal(data, ev); err != nil {
		return nil, &DecodeError{EventType: head.Type, What: "event", Raw: data, Err: err}
	}
	ev.(interface{ meta() *EventMeta }).meta().raw = data
	return ev, nil
}

// Events is a list of events, as in the data array of the history and send
// responses. Its UnmarshalJSON decodes each element with DecodeEvent.
type Events []Event

// UnmarshalJSON decodes a JSON array of events. Every element is decoded;
// when some fail, the others are kept in order and the error is a
// *DecodeError for the first failure, naming its index and type.
func (es *Events) UnmarshalJSON(data []byte) error {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return &DecodeError{What: "event list", Raw: bytes.Clone(data), Err: err}
	}
	if items == nil {
		*es = nil
		return nil
	}
	out := make(Events, 0, len(items))
	var first *DecodeError
	failed := 0
	for i, item := range items {
		// Each item is a copy of its bytes already: no need for another.
		ev, err := decodeEvent(item, "")
		if err != nil {
			failed++
			if first == nil {
				var de *DecodeError
				if !errors.As(err, &de) {
					de = &DecodeError{What: "event", Raw: bytes.Clone(item), Err: err}
				}
				first = &DecodeError{EventType: de.EventType, What: fmt.Sprintf("event list element %d", i), Raw: de.Raw,
					Err: fmt.Errorf("element %d: %w", i, de.Err)}
			}
			continue
		}
		out = append(out, ev)
	}
	*es = out
	if first != nil {
		if failed > 1 {
			first.Err = fmt.Errorf("%w (and %d more elements failed)", first.Err, failed-1)
		}
		return first
	}
	return nil
}

// UnknownEvent is an event of a type this library does not know yet; the
// API adds event types often, and such an event is never an error. It
// carries the envelope, as far as it could be read, and its raw
// JSON, which MarshalJSON writes back unchanged.
type UnknownEvent struct {
	EventMeta
}

// decodeUnknownEvent reads the type and the envelope of an event of an
// unknown type in one pass. The envelope is read leniently: an unknown event
// must never fail for a field this library does not own, so only JSON that
// does not parse, or a type that is not a string, is an error.
func decodeUnknownEvent(data []byte) (*UnknownEvent, error) {
	var env struct {
		Type        string          `json:"type"`
		ID          json.RawMessage `json:"id"`
		ProcessedAt json.RawMessage `json:"processed_at"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, err
	}
	u := &UnknownEvent{}
	u.Type, u.raw = env.Type, data
	var id string
	if json.Unmarshal(env.ID, &id) == nil {
		u.ID = id
	}
	var at time.Time
	if len(env.ProcessedAt) > 0 && string(env.ProcessedAt) != "null" && json.Unmarshal(env.ProcessedAt, &at) == nil {
		u.ProcessedAt = &at
	}
	return u, nil
}

// MarshalJSON writes back the raw JSON; an UnknownEvent built in code
// encodes its envelope.
func (u *UnknownEvent) MarshalJSON() ([]byte, error) {
	if u == nil {
		return []byte("null"), nil
	}
	if u.raw != nil {
		return u.raw, nil
	}
	return json.Marshal(u.EventMeta)
}
