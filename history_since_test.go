package managedagents

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// sinceAll ranges over a reader and returns what it yielded, described.
func sinceAll(t *testing.T, r *HistoryReader) []string {
	t.Helper()
	var out []string
	for ev, err := range r.Events() {
		out = append(out, describe(ev, err))
	}
	return out
}

// TestSinceReadErrorEnds: a page that cannot be read ends the reader with
// an error after the events before it, whose checkpoint stays valid.
func TestSinceReadErrorEnds(t *testing.T) {
	checkLeaks(t)
	srv := newScriptServer(t,
		jsonStep(`{"data":[`+ev(EventSessionStatusRunning, 1, true)+`,`+ev(EventAgentMessage, 2, true)+`],"next_page":"p2"}`),
		errorStep(404),
	)
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	r, err := c.Events.Since(ctx, "sesn_1", Checkpoint{})
	if err != nil {
		t.Fatal(err)
	}
	got := sinceAll(t, r)
	if len(got) != 3 || !slices.Equal(got[:2], []string{"session.status_running sevt_1", "agent.message sevt_2"}) ||
		!strings.HasPrefix(got[2], "error ") || !strings.Contains(got[2], "404") {
		t.Fatalf("yielded %q", got)
	}
	if id := r.Checkpoint().LastEventID(); id != "sevt_2" {
		t.Errorf("checkpoint after %q, want sevt_2", id)
	}
}

// TestSinceQueuedEventComesAgain: a client event seen while queued is
// yielded again, once, by a later read that finds it processed.
func TestSinceQueuedEventComesAgain(t *testing.T) {
	checkLeaks(t)
	queued := ev(EventUserMessage, 3, false)
	processed := `{"type":"user.message","id":"sevt_3","content":[{"type":"text","text":"hi"}],"processed_at":"2026-11-26T10:00:04Z"}`
	srv := newScriptServer(t,
		pageStep(ev(EventSessionStatusIdle, 1, true), queued),
		pageStep(ev(EventSessionStatusIdle, 1, true), processed, ev(EventSessionStatusRunning, 5, true)),
		pageStep(ev(EventSessionStatusIdle, 1, true), processed, ev(EventSessionStatusRunning, 5, true)),
	)
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	r, err := c.Events.Since(ctx, "sesn_1", Checkpoint{})
	if err != nil {
		t.Fatal(err)
	}
	first := sinceAll(t, r)
	r2, err := c.Events.Since(ctx, "sesn_1", r.Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	second := sinceAll(t, r2)
	r3, err := c.Events.Since(ctx, "sesn_1", r2.Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	third := sinceAll(t, r3)
	want := [][]string{
		{"session.status_idle sevt_1", "user.message sevt_3"},
		{"user.message sevt_3", "session.status_running sevt_5"},
		nil,
	}
	if !slices.Equal(first, want[0]) || !slices.Equal(second, want[1]) || !slices.Equal(third, want[2]) {
		t.Errorf("first %v\nsecond %v\nthird %v", first, second, third)
	}
}
