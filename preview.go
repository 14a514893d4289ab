package managedagents

import "strings"

// Previews folds the live previews of a stream opened with EventDeltas
// (event_start and event_delta frames) into text, one preview per event ID.
// Feed it every event of the stream, in order. The zero value is ready to
// use; it is not safe for concurrent use.
//
// Previews are best effort: the finished agent.message (or agent.thinking)
// with the same ID is authoritative and drops its preview, and a
// span.model_request_end drops every preview still open, since a model
// request that ended without its final event will never send it.
type Previews struct {
	open map[string]*preview
}

type preview struct {
	eventType string
	parts     []*strings.Builder // indexed like the final event's content
}

// Apply folds ev. For a preview frame it returns the previewed event's ID
// and its text so far, with ok true; for any other event ok is false.
func (p *Previews) Apply(ev Event) (id, text string, ok bool) {
	switch e := ev.(type) {
	case *EventStartEvent:
		if p.open == nil {
			p.open = map[string]*preview{}
		}
		p.open[e.Event.ID] = &preview{eventType: e.Event.Type}
		return e.Event.ID, "", true
	case *EventDeltaEvent:
		pv := p.open[e.PreviewedEventID]
		if pv == nil { // a delta without its start, e.g. after a reconnect
			if p.open == nil {
				p.open = map[string]*preview{}
			}
			pv = &preview{eventType: EventAgentMessage}
			p.open[e.PreviewedEventID] = pv
		}
		i := e.Delta.Index
		if i < 0 || i > 1000 {
			return e.PreviewedEventID, pv.text(), true // not a plausible index: ignore it
		}
		for len(pv.parts) <= i {
			pv.parts = append(pv.parts, new(strings.Builder))
		}
		pv.parts[i].WriteString(e.Delta.Content.Text)
		return e.PreviewedEventID, pv.text(), true
	case *SpanModelRequestEndEvent:
		clear(p.open)
	default:
		delete(p.open, ev.EventID())
	}
	return "", "", false
}

// Text returns the preview text of the event with this ID so far, and
// whether a preview of it is open.
func (p *Previews) Text(id string) (string, bool) {
	pv, ok := p.open[id]
	if !ok {
		return "", false
	}
	return pv.text(), true
}

// Len returns the number of open previews.
func (p *Previews) Len() int { return len(p.open) }

func (pv *preview) text() string {
	var b strings.Builder
	for _, part := range pv.parts {
		b.WriteString(part.String())
	}
	return b.String()
}
