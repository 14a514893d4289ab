package managedagents

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestStreamFixtures replays recorded .sse transcripts byte for byte and
// checks what the stream yields, in order.
func TestStreamFixtures(t *testing.T) {
	turn := []string{
		"user.message sevt_01i71qHFE8q6mqc5fV215DEag1",
		"session.status_running sevt_01dCojncTEWfHuy0ruAnVNH9Dr",
		"span.model_request_start sevt_01N65R6PxPgGu2pXc7R5dJwihz",
		"agent.thinking sevt_01yQeCo42kEsJ5xEy6RHXiwQAQ",
		"agent.tool_use sevt_01PDkHnmj4giAcpFAXRHindEmM",
		"span.model_request_end sevt_01wss3Ev2uMSH4DezoMDjZSzjX",
		"agent.tool_result sevt_019G8FqdcGqfVfSQE8aZ5r3y79",
		"span.model_request_start sevt_01iAtmVg4RRgXbGdy0mp7mzcrH",
		"agent.message sevt_01sjN7JVAX0pzpGarBa6yiKwia",
		"span.model_request_end sevt_01gC9QrAcsb0gMZ17QzwuKF3Fz",
		"session.status_idle sevt_01e55pZv4rcs88kYdAGbygVDcr",
	}
	dropped := "error managedagents: event stream dropped: EOF"
	tests := []struct {
		fixture  string
		want     []string
		maxFrame int
	}{
		{fixture: "turn.sse", want: append(append([]string(nil), turn...), dropped)},
		{fixture: "turn_cr.sse", want: append(append([]string(nil), turn...), dropped)},
		{fixture: "turn_bom.sse", want: append(append([]string(nil), turn...), dropped)},
		{fixture: "over_limit.sse", maxFrame: 64 << 10, want: []string{
			"session.status_running sevt_01dCojncTEWfHuy0ruAnVNH9Dr",
			"error managedagents: event stream dropped: managedagents: event stream frame exceeds MaxFrameBytes (65536 bytes)",
		}},
		{fixture: "over_limit.sse", want: []string{ // within the default limit
			"session.status_running sevt_01dCojncTEWfHuy0ruAnVNH9Dr",
			"agent.tool_result sevt_01OverLimitToolResult00001",
			"session.status_idle sevt_01e55pZv4rcs88kYdAGbygVDcr",
			dropped,
		}},
		{fixture: "endless_line.sse", maxFrame: 64 << 10, want: []string{
			"session.status_running sevt_01dCojncTEWfHuy0ruAnVNH9Dr",
			"error managedagents: event stream dropped: managedagents: event stream frame exceeds MaxFrameBytes (65536 bytes)",
		}},
		{fixture: "turn_crlf.sse", want: append(append([]string(nil), turn...), dropped)},
		{fixture: "multiline_comments.sse", want: []string{
			"agent.message sevt_01sjN7JVAX0pzpGarBa6yiKwia",
			"session.status_idle sevt_01e55pZv4rcs88kYdAGbygVDcr",
			dropped,
		}},
		{fixture: "odd_frames.sse", want: []string{
			"agent.thinking sevt_01yQeCo42kEsJ5xEy6RHXiwQAQ", // data without an event line
			"span.model_request_start sevt_01N65R6PxPgGu2pXc7R5dJwihz",
			"decode error agent.message", // invalid JSON: reported, and the stream goes on
			"session.status_running sevt_01dCojncTEWfHuy0ruAnVNH9Dr",
			dropped,
		}},
		{fixture: "unknown_type.sse", want: []string{"session.checkpoint_created sevt_01rZ6y0eJYYWNB3GyY7v4SZ4ei", dropped}},
		{fixture: "previews.sse", want: []string{
			"span.model_request_start sevt_01VQiwXo9VBpbjHhucsYXVvpfH",
			"event_start ", "agent.thinking sevt_01MxFw5HzWFrXehkRN1ZxMBZDP",
			"event_start ", "event_delta ", "event_delta ", "event_delta ",
			"agent.message sevt_01uGNHzgnzHd0bC5FpTZdrFnYj",
			"span.model_request_end sevt_01oZWt15JESnFKkfQYdbPVqdNP",
			dropped,
		}},
		{fixture: "turn_endings.sse", want: []string{
			"session.status_idle sevt_01m399ueK5F7drTggthEsbRWWK",
			"session.error sevt_01yfVKeh3hq6rDiDGk5AFBd4A0",
			"session.status_idle sevt_01TWngYJ2EJoJnyX4mEGttifku",
			"session.status_idle sevt_01CV7cEj9Hv943AtKgqveJW7Xn",
			dropped,
		}},
		{fixture: "deleted.sse", want: []string{"session.status_running sevt_01dCojncTEWfHuy0ruAnVNH9Dr", "session.deleted sevt_01nXHKGE7pCM7qcrnBCDqYHpfr"}},
		{fixture: "terminated.sse", want: []string{"session.status_running sevt_01dCojncTEWfHuy0ruAnVNH9Dr", "session.status_terminated sevt_01term"}},
		{fixture: "error_frame.sse", want: []string{"session.status_running sevt_01dCojncTEWfHuy0ruAnVNH9Dr", "stream error overloaded_error"}},
		{fixture: "large_frame.sse", want: []string{ // a 1.2 MiB frame
			"agent.tool_result sevt_01LargeToolResult000000001",
			"session.status_idle sevt_01e55pZv4rcs88kYdAGbygVDcr",
			dropped,
		}},
		{fixture: "cut_mid_frame.sse", want: []string{"session.status_running sevt_01dCojncTEWfHuy0ruAnVNH9Dr", "error managedagents: event stream dropped: unexpected EOF"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.fixture, "/", tt.maxFrame), func(t *testing.T) {
			checkLeaks(t)
			srv := newScriptServer(t, sseStep(readFixture(t, "sse/"+tt.fixture)))
			c := newTestClient(t, srv.URL)
			st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true, MaxFrameBytes: tt.maxFrame})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for ev, err := range st.Events() {
				got = append(got, describe(ev, err))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("yielded (-want +got):\n%s", diff)
			}
			req := srv.requests()[0]
			if req.Path != "/v1/sessions/"+testSession+"/events/stream" || req.Header.Get("accept") != "text/event-stream" {
				t.Errorf("sent %s with accept %q", req.Path, req.Header.Get("accept"))
			}
		})
	}
}

func TestStreamErrorFrameIsTyped(t *testing.T) {
	srv := newScriptServer(t, sseStep(readFixture(t, "sse/error_frame.sse")))
	c := newTestClient(t, srv.URL)
	st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for _, err := range st.Events() {
		last = err
	}
	var se *StreamError
	if !errors.As(last, &se) || !errors.Is(last, ErrOverloaded) || se.RequestID != "req_01yiM9W4YWiKtHf3Pa4KXW23Qw" || !se.Temporary() {
		t.Errorf("last = %#v, want an overloaded *StreamError with the frame's request ID", last)
	}
}

// TestStreamLargeFrame: a frame over 1 MiB decodes whole (built here at
// 2 MiB; the large_frame.sse fixture is 1.2 MiB).
func TestStreamLargeFrame(t *testing.T) {
	text := strings.Repeat("0123456789abcdef", 1<<17) // 2 MiB
	body := fmt.Sprintf("event: agent.message\ndata: {\"type\":\"agent.message\",\"id\":\"sevt_big\",\"content\":[{\"type\":\"text\",\"text\":%q}],\"processed_at\":\"2026-11-26T10:15:06.512Z\"}\n\n", text)
	srv := newScriptServer(t, sseStep([]byte(body)))
	c := newTestClient(t, srv.URL)
	st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	for ev, err := range st.Events() {
		if err != nil {
			break
		}
		msg, ok := ev.(*AgentMessageEvent)
		if !ok || JoinText(msg.Content) != text {
			t.Fatalf("got %T with %d bytes of text, want the 2 MiB message", ev, len(JoinText(msg.Content)))
		}
		return
	}
	t.Fatal("no event")
}

func TestStreamOpen(t *testing.T) {
	t.Run("HTTP errors come back from Stream", func(t *testing.T) {
		for _, status := range []int{401, 404} {
			srv := newScriptServer(t, errorStep(status))
			c := newTestClient(t, srv.URL)
			st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true})
			var apiErr *APIError
			if st != nil || !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Errorf("Stream = %v, %v; want a %d *APIError", st, err, status)
			}
		}
	})
	t.Run("the connect is retried", func(t *testing.T) {
		srv := newScriptServer(t, errorStep(503, "retry-after", "0"), sseStep(readFixture(t, "sse/deleted.sse")))
		c := newTestClient(t, srv.URL)
		st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true})
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
	})
	t.Run("bad params fail before I/O", func(t *testing.T) {
		srv := newScriptServer(t)
		c := newTestClient(t, srv.URL)
		for _, p := range []StreamParams{
			{EventDeltas: []string{"agent.tool_use"}},
			{IdleTimeout: -1},
			{ReconnectMin: 2 * time.Second, ReconnectMax: time.Second},
			{DedupeWindow: -1},
		} {
			if _, err := c.Events.Stream(testContext(t), testSession, p); !errors.Is(err, ErrInvalidParams) {
				t.Errorf("%+v: err = %v, want ErrInvalidParams", p, err)
			}
		}
		if _, err := c.Events.Stream(testContext(t), "", StreamParams{}); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("empty ID: %v", err)
		}
	})
	t.Run("event_deltas are sent in the bracket form", func(t *testing.T) {
		srv := newScriptServer(t, sseStep(readFixture(t, "sse/deleted.sse")))
		c := newTestClient(t, srv.URL)
		st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true, EventDeltas: []string{EventAgentMessage, EventAgentThinking}})
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		if q := srv.requests()[0].RawQuery; q != "event_deltas%5B%5D=agent.message&event_deltas%5B%5D=agent.thinking" {
			t.Errorf("query = %q", q)
		}
	})
}

// holdStep writes body, then keeps the connection open until released or
// the client goes away.
func holdStep(body string, release <-chan struct{}) step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/event-stream")
		io.WriteString(w, body)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

const runningFrame = "event: session.status_running\ndata: {\"type\":\"session.status_running\",\"id\":\"sevt_r\",\"processed_at\":\"2026-11-26T10:15:02.131Z\"}\n\n"

func TestStreamCloseFromAnotherGoroutine(t *testing.T) {
	checkLeaks(t)
	release := make(chan struct{})
	defer close(release)
	srv := newScriptServer(t, holdStep(runningFrame, release))
	c := newTestClient(t, srv.URL)
	st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for ev, err := range st.Events() {
		got = append(got, describe(ev, err))
		// The loop now blocks in a read; Close must unblock it.
		go func() {
			time.Sleep(20 * time.Millisecond)
			st.Close()
			st.Close() // idempotent
		}()
	}
	if diff := cmp.Diff([]string{"session.status_running sevt_r"}, got); diff != "" {
		t.Errorf("yielded (-want +got):\n%s", diff)
	}
}

func TestStreamContextCancelled(t *testing.T) {
	checkLeaks(t)
	release := make(chan struct{})
	defer close(release)
	srv := newScriptServer(t, holdStep(runningFrame, release))
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	st, err := c.Events.Stream(ctx, testSession, StreamParams{NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for ev, err := range st.Events() {
		got = append(got, describe(ev, err))
		cancel()
	}
	want := []string{"session.status_running sevt_r", "error context canceled"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("yielded (-want +got):\n%s", diff)
	}
}

func TestStreamBreakClosesAndSingleUse(t *testing.T) {
	checkLeaks(t)
	release := make(chan struct{})
	defer close(release)
	srv := newScriptServer(t, holdStep(runningFrame+runningFrame, release))
	c := newTestClient(t, srv.URL)
	st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	for range st.Events() {
		break
	}
	var second []error
	for _, err := range st.Events() {
		second = append(second, err)
	}
	if len(second) != 1 || !errors.Is(second[0], errStreamReused) {
		t.Errorf("second loop = %v, want one errStreamReused", second)
	}
}

func TestStreamCloseBeforeRanging(t *testing.T) {
	checkLeaks(t)
	srv := newScriptServer(t, sseStep(readFixture(t, "sse/turn.sse")))
	c := newTestClient(t, srv.URL)
	st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	n := 0
	for range st.Events() {
		n++
	}
	if n != 0 {
		t.Errorf("a closed stream yielded %d pairs", n)
	}
}

func TestStreamIdleWatchdogWithoutResume(t *testing.T) {
	checkLeaks(t)
	release := make(chan struct{})
	defer close(release)
	srv := newScriptServer(t, holdStep(runningFrame, release))
	c := newTestClient(t, srv.URL)
	st, err := c.Events.Stream(testContext(t), testSession, StreamParams{NoResume: true, IdleTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for ev, err := range st.Events() {
		got = append(got, describe(ev, err))
	}
	want := []string{"session.status_running sevt_r", "error managedagents: event stream dropped: no data for 100ms"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("yielded (-want +got):\n%s", diff)
	}
}

// TestStreamResume drives a resuming stream request by request: each step
// answers the next request (the start marker, a connection, the history
// read after it, …).
func TestStreamResume(t *testing.T) {
	run := func(n int) string { return ev(EventSessionStatusRunning, n, true) }
	history := []string{ev(EventUserMessage, 1, true), run(2), run(3), run(4), run(5), run(6)}
	overloaded := `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`
	tests := []struct {
		name       string
		steps      []step
		params     StreamParams
		want       []string
		reconnects int
	}{
		{
			name: "the gap is filled from the history, duplicates dropped",
			steps: []step{
				pageStep(), // the start marker
				framesStep(ev(EventUserMessage, 1, false), ev(EventUserMessage, 1, true), run(2)),
				pageStep(),
				framesStep(run(4), run(5), run(6)), // 3 is missed; 4 and 5 are also in the history read
				pageStep(history...),
			},
			want: []string{"user.message sevt_1 queued", "user.message sevt_1", "session.status_running sevt_2",
				"session.status_running sevt_3", "session.status_running sevt_4", "session.status_running sevt_5", "session.status_running sevt_6"},
			reconnects: 1,
		},
		{
			name: "a terminal event found in the history ends the stream",
			steps: []step{
				pageStep(), framesStep(run(1)), pageStep(),
				framesStep(), pageStep(run(1), run(2), ev(EventSessionStatusTerminated, 3, true)),
			},
			want:       []string{"session.status_running sevt_1", "session.status_running sevt_2", "session.status_terminated sevt_3"},
			reconnects: 1,
		},
		{
			name: "a temporary error frame reconnects",
			steps: []step{
				pageStep(), framesStep(run(1), overloaded), pageStep(),
				framesStep(run(2)), pageStep(run(1), run(2)),
			},
			want:       []string{"session.status_running sevt_1", "session.status_running sevt_2"},
			reconnects: 1,
		},
		{
			name:   "FromStart replays the history first",
			steps:  []step{framesStep(run(2), run(3)), pageStep(run(1), run(2))},
			params: StreamParams{FromStart: true},
			want:   []string{"session.status_running sevt_1", "session.status_running sevt_2", "session.status_running sevt_3"},
		},
		{
			name:  "a 404 on reconnect ends the stream with the error",
			steps: []step{pageStep(), framesStep(run(1)), pageStep(), errorStep(404)},
			want:  []string{"session.status_running sevt_1", "error 404"},
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
				var apiErr *APIError
				switch {
				case errors.As(err, &apiErr):
					got = append(got, fmt.Sprint("error ", apiErr.StatusCode))
				case err != nil:
					t.Fatalf("unexpected error %v after %v", err, got)
				default:
					line := e.EventType() + " " + e.EventID()
					if _, ok := e.EventProcessedAt(); !ok {
						line += " queued"
					}
					got = append(got, line)
				}
				if len(got) == len(tt.want) && !strings.HasPrefix(tt.want[len(tt.want)-1], "error") {
					break
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("yielded (-want +got):\n%s", diff)
			}
			if st.Reconnects() != tt.reconnects {
				t.Errorf("reconnects = %d, want %d", st.Reconnects(), tt.reconnects)
			}
		})
	}
}

func TestStreamFixturesAreReadable(t *testing.T) {
	// Guard against an editor normalising the CRLF fixture.
	b, err := os.ReadFile(filepath.Join("testdata", "sse", "turn_crlf.sse"))
	if err != nil || !strings.Contains(string(b), "\r\n") {
		t.Fatalf("turn_crlf.sse must keep its CRLF line endings (err %v)", err)
	}
}
