package managedagentstest

import (
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func threadStreamPath(id, thread string) string { return threadPath(id, thread) + "/stream" }

// TestThreadStreamPrimary: the primary thread's stream publishes the
// session's log, with the session stream's heartbeats, previews, fan-out
// and end.
func TestThreadStreamPrimary(t *testing.T) {
	srv := newTestServer(t, WithHeartbeat(10*time.Millisecond))
	id := newSessionID(t, srv, nil)
	pid := primaryID(t, srv, id)
	session := openStream(t, srv, streamPath(id))
	threads := []*testStream{
		openStream(t, srv, threadStreamPath(id, pid)),
		openStream(t, srv, threadStreamPath(id, pid)),
	}
	previews := openStream(t, srv, threadStreamPath(id, pid)+"?event_deltas[]=agent.message&event_deltas[]=agent.thinking")

	// Heartbeats before anything happens.
	if f, ok := threads[0].next(t); !ok || f.event != "ping" {
		t.Fatalf("first frame %+v (open %v), want a ping", f, ok)
	}
	sendOK(t, srv, id, msgEvent("run: ls\nhello"))
	waitIdle(t, srv, id)
	want := frameData(session.until(t, isEndTurn))
	if diff := cmp.Diff(logData(t, srv, id, 0), want); diff != "" {
		t.Fatalf("session stream vs log:\n%s", diff)
	}
	for _, st := range threads {
		if diff := cmp.Diff(want, frameData(st.until(t, isEndTurn))); diff != "" {
			t.Errorf("%s vs the session stream (-session +thread):\n%s", st.path, diff)
		}
	}
	var starts, deltas int
	var events []sseFrame
	for _, f := range previews.until(t, isEndTurn) {
		switch f.event {
		case "event_start":
			starts++
		case "event_delta":
			deltas++
		default:
			events = append(events, f)
		}
	}
	if starts != 2 || deltas == 0 { // the first request's agent.thinking, the second's agent.message
		t.Errorf("previews: %d event_start, %d event_delta", starts, deltas)
	}
	if diff := cmp.Diff(want, frameData(events)); diff != "" {
		t.Errorf("preview stream without previews (-session +thread):\n%s", diff)
	}

	// Deleting the session ends every thread stream with the session's
	// session.deleted.
	do(t, srv, "DELETE", "/v1/sessions/"+id, nil).ok(t)
	rest, err := session.end(t)
	if err != io.EOF || len(rest) != 1 || rest[0].event != "session.deleted" {
		t.Fatalf("session stream after delete: %v, %v", frameData(rest), err)
	}
	for _, st := range append(threads, previews) {
		got, err := st.end(t)
		if err != io.EOF {
			t.Errorf("%s ended with %v, want a clean EOF", st.path, err)
		}
		if len(got) != 1 || got[0].data != rest[0].data {
			t.Errorf("%s after delete: %v, want %v", st.path, frameData(got), frameData(rest))
		}
	}
	waitFor(t, "the streams to close", func() bool { return srv.OpenStreams() == 0 })
	if n := srv.StreamsOpened(); n != 4 {
		t.Errorf("StreamsOpened = %d, want 4", n)
	}
}

// TestThreadStreamFaults: injected cuts and stalls apply to thread streams
// like to session streams.
func TestThreadStreamFaults(t *testing.T) {
	srv := newTestServer(t, WithHeartbeat(time.Millisecond), WithStepDelay(2*time.Millisecond))
	id := newSessionID(t, srv, nil)
	pid := primaryID(t, srv, id)

	srv.DropNextStreams(3)
	cut := openStream(t, srv, threadStreamPath(id, pid))
	sendOK(t, srv, id, msgEvent("hello"))
	cutStream(t, srv, cut, id, 0, 3)

	pos := len(logData(t, srv, id, 0))
	srv.StallStreamsAfter(1)
	stalled := openStream(t, srv, threadStreamPath(id, pid))
	srv.StallStreamsAfter(0)
	sendOK(t, srv, id, msgEvent("again"))
	f := stalled.event(t)
	waitIdle(t, srv, id)
	if f.data != logData(t, srv, id, pos)[0] {
		t.Errorf("stalled stream's only frame %s", f.data)
	}
	time.Sleep(30 * time.Millisecond)
	n := stalled.nbytes.Load()
	time.Sleep(100 * time.Millisecond)
	if got := stalled.nbytes.Load(); got != n {
		t.Errorf("stalled thread stream received %d more bytes", got-n)
	}
	if o := srv.OpenStreams(); o != 1 {
		t.Errorf("OpenStreams = %d, want the stalled stream only", o)
	}
}
