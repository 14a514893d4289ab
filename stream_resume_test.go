package managedagents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestStreamResumeRecovers drives a resuming stream through failures of the
// reconnect and of the history read, request by request, and checks that
// every event arrives exactly once, in order, and that each failure was
// met (the server errs on a request it has no step for).
func TestStreamResumeRecovers(t *testing.T) {
	run := func(n int) string { return ev(EventSessionStatusRunning, n, true) }
	big := fmt.Sprintf(`{"type":"agent.message","id":"sevt_2","content":[{"type":"text","text":%q}],"processed_at":"2026-11-26T10:00:02Z"}`,
		strings.Repeat("long text ", 50))
	tests := []struct {
		name   string
		params StreamParams
		steps  []step
		want   []string
	}{
		{
			name: "an empty 200 history page is a failed fill",
			steps: []step{
				pageStep(),         // the start marker
				framesStep(run(1)), // connection 1
				pageStep(),         // its fill: nothing missed yet
				framesStep(run(3)), // connection 2: 2 was missed
				emptyStep(),        // its fill: an empty body, not "no events"
				framesStep(),       // connection 3
				pageStep(run(1), run(2), run(3)),
			},
			want: []string{"sevt_1", "sevt_2", "sevt_3"},
		},
		{
			name:   "a reconnect that gets no headers is abandoned",
			params: StreamParams{ConnectTimeout: 100 * time.Millisecond},
			steps: []step{
				pageStep(),
				framesStep(run(1)),
				pageStep(),
				hangStep(), // accepts and never answers
				framesStep(run(2)),
				pageStep(run(1), run(2)),
			},
			want: []string{"sevt_1", "sevt_2"},
		},
		{
			name:   "a history read that never answers is abandoned",
			params: StreamParams{HistoryTimeout: 100 * time.Millisecond},
			steps: []step{
				pageStep(),
				framesStep(run(1)),
				pageStep(),
				framesStep(run(3)),
				hangStep(), // the fill stalls
				framesStep(),
				pageStep(run(1), run(2), run(3)),
			},
			want: []string{"sevt_1", "sevt_2", "sevt_3"},
		},
		{
			name:  "a live event stamped earlier than the newest is delivered",
			steps: []step{pageStep(), framesStep(run(5), run(3), run(4)), pageStep()},
			want:  []string{"sevt_5", "sevt_3", "sevt_4"},
		},
		{
			name:   "a frame over the limit is read from the history instead",
			params: StreamParams{MaxFrameBytes: 300},
			steps: []step{
				pageStep(),
				framesStep(run(1), big, run(3)),
				pageStep(),
				framesStep(),
				pageStep(run(1), big, run(3)),
			},
			want: []string{"sevt_1", "sevt_2", "sevt_3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newScriptServer(t, tt.steps...)
			c := newTestClient(t, srv.URL)
			p := tt.params
			p.ReconnectMin, p.ReconnectMax = time.Millisecond, 2*time.Millisecond
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			st, err := c.Events.Stream(ctx, testSession, p)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for e, err := range st.Events() {
				if err != nil {
					t.Fatalf("error %v after %v", err, got)
				}
				got = append(got, e.EventID())
				if len(got) == len(tt.want) {
					break
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("yielded (-want +got):\n%s", diff)
			}
			if n := srv.count(); n != len(tt.steps) {
				t.Errorf("the server got %d requests, want %d (one per step)", n, len(tt.steps))
			}
		})
	}
}

// TestStreamOpenWithoutHeaders checks that Events.Stream gives up on a
// server that accepts the connection and never answers.
func TestStreamOpenWithoutHeaders(t *testing.T) {
	checkLeaks(t)
	srv := newScriptServer(t, pageStep(), hangStep())
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Events.Stream(ctx, testSession, StreamParams{ConnectTimeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "no response headers within 100ms") {
		t.Fatalf("err = %v, want a header timeout", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v does not match context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestStreamDropsStalePreviews: the history read after a connect can
// deliver a finished agent.message before the previews of it that the
// connection buffered meanwhile; those previews are dropped, the previews
// of a message still to come are not.
func TestStreamDropsStalePreviews(t *testing.T) {
	checkLeaks(t)
	start := func(id string) string {
		return `{"type":"event_start","event":{"type":"agent.message","id":"` + id + `"}}`
	}
	delta := func(id string) string {
		return `{"type":"event_delta","event_id":"` + id + `","delta":{"type":"content_delta","index":0,"content":{"type":"text","text":"hi"}}}`
	}
	msg := func(id string, n int) string {
		return fmt.Sprintf(`{"type":"agent.message","id":%q,"content":[{"type":"text","text":"hi"}],"processed_at":"2026-11-26T10:00:%02dZ"}`, id, n)
	}
	srv := newScriptServer(t,
		pageStep(),
		framesStep(start("sevt_a"), delta("sevt_a"), msg("sevt_a", 1), start("sevt_b"), delta("sevt_b"), msg("sevt_b", 2)),
		pageStep(msg("sevt_a", 1)), // the fill already has the first message
	)
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	st, err := c.Events.Stream(ctx, testSession, StreamParams{EventDeltas: []string{EventAgentMessage}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, err := range st.Events() {
		if err != nil {
			t.Fatalf("error %v after %v", err, got)
		}
		got = append(got, describe(e, nil))
		if e.EventID() == "sevt_b" {
			break
		}
	}
	want := []string{"agent.message sevt_a", "event_start ", "event_delta ", "agent.message sevt_b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("yielded (-want +got):\n%s", diff)
	}
}

// TestStreamHistoryEventThatDoesNotDecode: an event of a history page that
// does not decode is reported inline and the read goes on, for the fill
// and for the start marker.
func TestStreamHistoryEventThatDoesNotDecode(t *testing.T) {
	run := func(n int) string { return ev(EventSessionStatusRunning, n, true) }
	broken := func(n int) string {
		return fmt.Sprintf(`{"type":"session.status_running","id":"sevt_%d","processed_at":12}`, n)
	}
	brokenMessage := func(n int) string {
		return fmt.Sprintf(`{"type":"agent.message","id":"sevt_%d","content":5,"processed_at":"2026-11-26T10:00:%02dZ"}`, n, n)
	}
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{
			name: "in a fill",
			steps: []step{
				pageStep(), framesStep(run(1)), pageStep(),
				framesStep(), pageStep(run(1), broken(2), run(3)),
			},
			// The page's other events first, then the one that failed.
			want: []string{"session.status_running sevt_1", "session.status_running sevt_3", "decode error session.status_running"},
		},
		{
			name: "reported once across reconnects",
			steps: []step{
				pageStep(), framesStep(run(1)), pageStep(),
				framesStep(), pageStep(run(1), broken(2), run(3)),
				framesStep(), pageStep(run(1), broken(2), run(3), run(4)),
			},
			want: []string{"session.status_running sevt_1", "session.status_running sevt_3", "decode error session.status_running",
				"session.status_running sevt_4"},
		},
		{
			name: "as the newest event at open",
			steps: []step{
				pageStep(brokenMessage(9)),          // the start marker: its envelope still reads
				framesStep(run(10)),                 // the connection
				pageStep(brokenMessage(9), run(10)), // the gap, left to the loop for its broken event
				pageStep(brokenMessage(9), run(10)), // the loop's fill: 9 is the marker, not reported
			},
			want: []string{"session.status_running sevt_10"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newScriptServer(t, tt.steps...)
			c := newTestClient(t, srv.URL)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			st, err := c.Events.Stream(ctx, testSession, StreamParams{ReconnectMin: time.Millisecond, ReconnectMax: 2 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for e, err := range st.Events() {
				got = append(got, describe(e, err))
				if len(got) == len(tt.want) {
					break
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("yielded (-want +got):\n%s", diff)
			}
		})
	}
}
