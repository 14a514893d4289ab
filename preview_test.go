package managedagents

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPreviewsFromFixture(t *testing.T) {
	srv := newScriptServer(t, sseStep(readFixture(t, "sse/previews.sse")))
	c := newTestClient(t, srv.URL)
	st, err := c.Events.Stream(t.Context(), testSession, StreamParams{NoResume: true, EventDeltas: []string{EventAgentMessage}})
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
