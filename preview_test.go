package managedagents

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPreviewsFromFixture(t *testing.T) {
	srv := newScriptServer(t, sseStep(readFixture(t, "sse/previews.sse")))
	c := newTestClient(t, srv.URL)
	st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true, EventDeltas: []string{EventAgentMessage}})
	if err != nil {
		t.Fatal(err)
	}
	var p Previews
	var steps []string
	for ev, err := range st.Events() {
		if err != nil {
			break
		}
		if id, text, ok := p.Apply(ev); ok {
			steps = append(steps, id+": "+text)
		}
		if ev.EventType() == EventAgentMessage {
			if _, open := p.Text(ev.EventID()); open {
				t.Errorf("the final message did not drop its preview")
			}
		}
	}
	want := []string{
		"sevt_01MxFw5HzWFrXehkRN1ZxMBZDP: ",
		"sevt_01uGNHzgnzHd0bC5FpTZdrFnYj: ",
		"sevt_01uGNHzgnzHd0bC5FpTZdrFnYj: The build ",
		"sevt_01uGNHzgnzHd0bC5FpTZdrFnYj: The build passed on ",
		"sevt_01uGNHzgnzHd0bC5FpTZdrFnYj: The build passed on all targets.",
	}
	if diff := cmp.Diff(want, steps); diff != "" {
		t.Errorf("preview steps (-want +got):\n%s", diff)
	}
	if p.Len() != 0 {
		t.Errorf("span.model_request_end left %d previews open", p.Len())
	}
}

func TestPreviewsEdgeCases(t *testing.T) {
	var p Previews
	delta := func(id string, index int, text string) Event {
		return &EventDeltaEvent{PreviewedEventID: id, Delta: ContentDelta{Type: "content_delta", Index: index, Content: TextBlock(text)}}
	}
	// A delta without a start (its start was on a dropped connection).
	if id, text, ok := p.Apply(delta("sevt_a", 0, "x")); !ok || id != "sevt_a" || text != "x" {
		t.Errorf("orphan delta = %q %q %v", id, text, ok)
	}
	// Several content entries, in index order.
	p.Apply(delta("sevt_a", 1, "z"))
	p.Apply(delta("sevt_a", 0, "y"))
	if text, _ := p.Text("sevt_a"); text != "xyz" {
		t.Errorf("text = %q, want xyz", text)
	}
	// An absurd index is ignored rather than allocating.
	if _, text, _ := p.Apply(delta("sevt_a", 1<<30, "!")); text != "xyz" {
		t.Errorf("text = %q after a huge index", text)
	}
	// The final event drops the preview.
	p.Apply(&AgentMessageEvent{EventMeta: EventMeta{ID: "sevt_a", Type: EventAgentMessage}})
	if _, ok := p.Text("sevt_a"); ok || p.Len() != 0 {
		t.Errorf("preview kept after the final event")
	}
}

// TestPreviewsUpdate checks what Update reports, event by event, for the
// ways a preview can go: finished as previewed, cut short, contradicted by
// its final event, never previewed, dropped by the end of the model
// request.
func TestPreviewsUpdate(t *testing.T) {
	const id = "sevt_a"
	start := func(typ string) Event { return &EventStartEvent{Event: PreviewedEvent{Type: typ, ID: id}} }
	delta := func(index int, text string) Event {
		return &EventDeltaEvent{PreviewedEventID: id, Delta: ContentDelta{Type: "content_delta", Index: index, Content: TextBlock(text)}}
	}
	final := func(texts ...string) Event {
		m := &AgentMessageEvent{EventMeta: EventMeta{ID: id, Type: EventAgentMessage}}
		for _, s := range texts {
			m.Content = append(m.Content, TextBlock(s))
		}
		return m
	}
	msg := func(appended string) PreviewUpdate {
		return PreviewUpdate{ID: id, Type: EventAgentMessage, Appended: appended}
	}
	done := func(u PreviewUpdate) PreviewUpdate { u.Done = true; return u }
	replaced := func(u PreviewUpdate) PreviewUpdate { u.Replaced = true; return u }
	for _, tt := range []struct {
		name   string
		events []Event
		want   []PreviewUpdate
	}{
		{"finished as previewed", []Event{start(EventAgentMessage), delta(0, "The "), delta(0, "build"), final("The build")},
			[]PreviewUpdate{msg(""), msg("The "), msg("build"), done(msg(""))}},
		{"deltas stop early", []Event{start(EventAgentMessage), delta(0, "The b"), final("The build")},
			[]PreviewUpdate{msg(""), msg("The b"), done(msg("uild"))}},
		{"the final event differs", []Event{start(EventAgentMessage), delta(0, "Helo"), final("Hello")},
			[]PreviewUpdate{msg(""), msg("Helo"), done(replaced(msg("Hello")))}},
		{"never previewed", []Event{final("Hi", " there")},
			[]PreviewUpdate{done(msg("Hi there"))}},
		{"a delta without its start", []Event{delta(0, "x"), final("xy")},
			[]PreviewUpdate{msg("x"), done(msg("y"))}},
		{"a delta into an earlier entry", []Event{delta(0, "x"), delta(1, "z"), delta(0, "y"), final("xy", "z")},
			[]PreviewUpdate{msg("x"), msg("z"), replaced(msg("xyz")), done(msg(""))}},
		{"a new entry", []Event{delta(0, "a"), delta(2, "c"), final("a", "c")},
			[]PreviewUpdate{msg("a"), msg("c"), done(msg(""))}},
		{"an implausible index or empty text", []Event{delta(0, "a"), delta(5000, "!"), delta(-1, "!"), delta(0, "")},
			[]PreviewUpdate{msg("a"), msg(""), msg(""), msg("")}},
		{"dropped by the end of the model request", []Event{start(EventAgentMessage), delta(0, "Hal"), &SpanModelRequestEndEvent{}},
			[]PreviewUpdate{msg(""), msg("Hal"), {Dropped: []string{id}}}},
		{"a thinking preview", []Event{start(EventAgentThinking), &AgentThinkingEvent{EventMeta: EventMeta{ID: id, Type: EventAgentThinking}}},
			[]PreviewUpdate{{ID: id, Type: EventAgentThinking}, {ID: id, Type: EventAgentThinking, Done: true}}},
		{"other events", []Event{&SessionStatusIdleEvent{}, &SpanModelRequestEndEvent{}},
			[]PreviewUpdate{{}, {}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p Previews
			var got []PreviewUpdate
			for _, ev := range tt.events {
				got = append(got, p.Update(ev))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("updates (-want +got):\n%s", diff)
			}
			if p.Len() != 0 && tt.name != "an implausible index or empty text" {
				t.Errorf("%d previews left open", p.Len())
			}
		})
	}
}

// TestPreviewsUpdatePrintsTheFinalText plays random previews (entries
// filled in and out of order, cut short, or contradicted by the final
// event) and checks that a display built only from Update's results, as a
// live printer builds it, always ends with the final event's text.
func TestPreviewsUpdatePrintsTheFinalText(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "bc", "déf", " ", "ghij", "\n"}
	for run := range 2000 {
		var p Previews
		id := fmt.Sprintf("sevt_%d", run)
		shown := ""
		show := func(u PreviewUpdate) {
			if u.Replaced {
				shown = ""
			}
			shown += u.Appended
		}
		entries := make([]string, 1+rng.IntN(3))
		for i := range entries {
			for range rng.IntN(4) {
				entries[i] += words[rng.IntN(len(words))]
			}
		}
		show(p.Update(&EventStartEvent{Event: PreviewedEvent{Type: EventAgentMessage, ID: id}}))
		sent := make([]int, len(entries)) // bytes of each entry previewed so far
		for range rng.IntN(8) {
			i := rng.IntN(len(entries))
			if sent[i] == len(entries[i]) {
				continue
			}
			n := sent[i] + 1 + rng.IntN(len(entries[i])-sent[i])
			chunk := entries[i][sent[i]:n]
			sent[i] = n
			show(p.Update(&EventDeltaEvent{PreviewedEventID: id, Delta: ContentDelta{Index: i, Content: TextBlock(chunk)}}))
		}
		if rng.IntN(4) == 0 { // the final event says something else
			entries[0] = "changed " + entries[0]
		}
		m := &AgentMessageEvent{EventMeta: EventMeta{ID: id, Type: EventAgentMessage}}
		for _, e := range entries {
			m.Content = append(m.Content, TextBlock(e))
		}
		u := p.Update(m)
		show(u)
		if !u.Done || shown != JoinText(m.Content) {
			t.Fatalf("run %d: shown %q (done %v), want %q", run, shown, u.Done, JoinText(m.Content))
		}
	}
}
