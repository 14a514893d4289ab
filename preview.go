package managedagents

import (
	"slices"
	"strings"
)

// Previews folds the live previews of a stream opened with EventDeltas
// (event_start and event_delta frames) into text, one preview per event ID.
// Feed it every event of the stream, in order, with Update (which returns
// the new piece of text, to print a live reply) or Apply (which returns the
// text so far); use one of the two on a Previews, not both. The zero value
// is ready to use; it is not safe for concurrent use.
//
// See https://platform.claude.com/docs/en/api/beta/sessions/events/stream
// for the event_deltas parameter.
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
// and its text so far, with ok true; for any other event ok is false. To
// print a live reply, Update is simpler: it returns only the new text.
func (p *Previews) Apply(ev Event) (id, text string, ok bool) {
	switch e := ev.(type) {
	case *EventStartEvent:
		p.start(e)
		return e.Event.ID, "", true
	case *EventDeltaEvent:
		pv := p.preview(e.PreviewedEventID)
		pv.add(e.Delta.Index, e.Delta.Content.Text)
		return e.PreviewedEventID, pv.text(), true
	}
	p.close(ev)
	return "", "", false
}

// PreviewUpdate is what one event changes in the live text of an
// agent.message (or agent.thinking), as Previews.Update reports it. Printing
// Appended for every event prints each agent message as it is generated,
// and finishes it with the final event's text.
type PreviewUpdate struct {
	// ID is the ID of the event whose text changed or that finished, and
	// Type its type (EventAgentMessage or EventAgentThinking); both are
	// empty when ev changed no preview.
	ID, Type string
	// Appended is the text to add after what Update returned for this ID
	// before. After Replaced it is the whole text instead.
	Appended string
	// Replaced says the text returned for this ID so far is not a prefix of
	// its text now: the final event differs from its preview (deltas are
	// best effort), or a delta changed an earlier part. Appended then holds
	// the whole text, to print in place of what was printed.
	Replaced bool
	// Done says the final event arrived: the text returned for this ID,
	// Appended included, is the event's whole text. A final agent.message
	// that had no preview (a stream without EventDeltas) gives its whole
	// text in Appended, with Done.
	Done bool
	// Dropped holds the IDs of the previews a span.model_request_end
	// discarded without their final event (an error or an interrupt
	// ended the model request): what was printed of them will not be
	// finished.
	Dropped []string
}

// Update folds ev, like Apply, and returns what it changed: the new piece
// of text and whether the final event replaced the preview. Printing a live
// reply is then one line per event:
//
//	u := previews.Update(ev)
//	fmt.Print(u.Appended) // after u.Replaced, the whole text again
func (p *Previews) Update(ev Event) PreviewUpdate {
	switch e := ev.(type) {
	case *EventStartEvent:
		p.start(e)
		return PreviewUpdate{ID: e.Event.ID, Type: e.Event.Type}
	case *EventDeltaEvent:
		pv := p.preview(e.PreviewedEventID)
		u := PreviewUpdate{ID: e.PreviewedEventID, Type: pv.eventType}
		switch atEnd, changed := pv.add(e.Delta.Index, e.Delta.Content.Text); {
		case !changed:
		case atEnd:
			u.Appended = e.Delta.Content.Text
		default:
			u.Replaced, u.Appended = true, pv.text()
		}
		return u
	case *SpanModelRequestEndEvent:
		var dropped []string
		for id := range p.open {
			dropped = append(dropped, id)
		}
		slices.Sort(dropped)
		p.close(ev)
		return PreviewUpdate{Dropped: dropped}
	case *AgentMessageEvent, *AgentThinkingEvent:
		u := PreviewUpdate{ID: ev.EventID(), Type: ev.EventType(), Done: true}
		final := ""
		if m, ok := ev.(*AgentMessageEvent); ok {
			final = JoinText(m.Content)
		}
		shown := ""
		if pv, ok := p.open[u.ID]; ok {
			shown = pv.text()
		}
		if rest, ok := strings.CutPrefix(final, shown); ok {
			u.Appended = rest
		} else {
			u.Replaced, u.Appended = true, final
		}
		p.close(ev)
		return u
	}
	p.close(ev)
	return PreviewUpdate{}
}

// start opens the preview an event_start announces.
func (p *Previews) start(e *EventStartEvent) {
	if p.open == nil {
		p.open = map[string]*preview{}
	}
	p.open[e.Event.ID] = &preview{eventType: e.Event.Type}
}

// preview returns the open preview of id, opening one for a delta without
// its start (its start was on a dropped connection).
func (p *Previews) preview(id string) *preview {
	pv := p.open[id]
	if pv == nil {
		if p.open == nil {
			p.open = map[string]*preview{}
		}
		pv = &preview{eventType: EventAgentMessage}
		p.open[id] = pv
	}
	return pv
}

// close drops what ev ends: every preview at a span.model_request_end, the
// preview of ev's ID at any other event (its final event).
func (p *Previews) close(ev Event) {
	if _, ok := ev.(*SpanModelRequestEndEvent); ok {
		clear(p.open)
		return
	}
	delete(p.open, ev.EventID())
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

// add appends text to content entry i. It reports whether that entry is
// the last one (so the text was appended to the whole), and whether
// anything changed: an implausible index is ignored rather than allocated.
func (pv *preview) add(i int, text string) (atEnd, changed bool) {
	if i < 0 || i > 1000 || text == "" {
		return false, false
	}
	atEnd = i >= len(pv.parts)-1
	for len(pv.parts) <= i {
		pv.parts = append(pv.parts, new(strings.Builder))
	}
	pv.parts[i].WriteString(text)
	return atEnd, true
}

func (pv *preview) text() string {
	var b strings.Builder
	for _, part := range pv.parts {
		b.WriteString(part.String())
	}
	return b.String()
}
