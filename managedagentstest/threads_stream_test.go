package managedagentstest

import (
	"context"
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

// TestThreadStreamChild: a child thread's stream carries the child's own
// events (previews of its agent.message included) and its status events,
// and the session stream carries the lifecycle and the cross-posted tool
// use but not the child's turn. Both end with session.deleted.
func TestThreadStreamChild(t *testing.T) {
	spawned := make(chan string, 1)
	release := make(chan struct{})
	srv := newTestServer(t, WithHeartbeat(10*time.Millisecond), WithScript(func(ctx context.Context, tn *Turn) error {
		c, err := tn.Delegate("researcher", "dig")
		if err != nil {
			return err
		}
		spawned <- c.ID()
		select {
		case <-release:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		start, _ := c.Emit("span.model_request_start", nil)
		use, _ := c.Emit("agent.tool_use", map[string]any{"name": "bash", "input": map[string]any{"command": "ls"}, "evaluated_permission": "allow"})
		c.Emit("agent.tool_result", map[string]any{"tool_use_id": use, "content": []any{textBlock("a b")}})
		c.Emit("agent.message", map[string]any{"content": []any{textBlock("Found the files a and b.")}})
		c.Emit("span.model_request_end", map[string]any{"model_request_start_id": start, "is_error": false,
			"model_usage": modelUsage{InputTokens: 20, OutputTokens: 8}})
		return c.Finish("a and b")
	}))
	id := newSessionID(t, srv, nil)
	session := openStream(t, srv, streamPath(id))
	sendOK(t, srv, id, msgEvent("go"))
	kid := recv(t, spawned)
	pos := len(threadLogEvents(t, srv, id, kid))
	child := openStream(t, srv, threadStreamPath(id, kid))
	previews := openStream(t, srv, threadStreamPath(id, kid)+"?event_deltas[]=agent.message")
	close(release)
	waitIdle(t, srv, id)

	isSent := isType("agent.thread_message_sent")
	var want []string
	raws, _ := srv.ThreadEvents(id, kid)
	for _, r := range raws[pos:] {
		want = append(want, string(r))
	}
	got := child.until(t, func(m map[string]any) bool { return isSent(m) && m["to_session_thread_id"] != kid })
	if diff := cmp.Diff(want, frameData(got)); diff != "" {
		t.Errorf("child stream vs the child's history (-history +stream):\n%s", diff)
	}
	wantTypes := []string{"span.model_request_start", "agent.tool_use", "agent.tool_result", "agent.message",
		"span.model_request_end", "session.thread_status_idle", "agent.thread_message_sent"}
	var gotTypes []string
	for _, f := range got {
		gotTypes = append(gotTypes, f.event)
	}
	if diff := cmp.Diff(wantTypes, gotTypes); diff != "" {
		t.Errorf("child stream types (-want +got):\n%s", diff)
	}
	var previewText string
	var events []sseFrame
	for _, f := range previews.until(t, isSent) {
		switch f.event {
		case "event_start":
		case "event_delta":
			s, _ := dig(f.obj(t), "delta", "content", "text").(string)
			previewText += s
		default:
			events = append(events, f)
		}
	}
	if previewText != "Found the files a and b." {
		t.Errorf("child previews concatenate to %q", previewText)
	}
	if diff := cmp.Diff(want, frameData(events)); diff != "" {
		t.Errorf("preview stream without previews (-history +stream):\n%s", diff)
	}

	var sessionTypes []string
	for _, f := range session.until(t, isEndTurn) {
		sessionTypes = append(sessionTypes, f.event)
		if f.event == "agent.tool_use" && f.obj(t)["session_thread_id"] != kid {
			t.Errorf("cross-posted tool use without the child's session_thread_id: %s", f.data)
		}
	}
	wantSession := []string{"user.message", "session.status_running", "session.thread_created", "session.thread_status_running",
		"agent.thread_message_sent", "agent.tool_use", "session.thread_status_idle", "agent.thread_message_received", "session.status_idle"}
	if diff := cmp.Diff(wantSession, sessionTypes); diff != "" {
		t.Errorf("session stream types (-want +got):\n%s", diff)
	}

	do(t, srv, "DELETE", "/v1/sessions/"+id, nil).ok(t)
	last, err := session.end(t)
	if err != io.EOF || len(last) != 1 {
		t.Fatalf("session stream end: %v, %v", frameData(last), err)
	}
	for _, st := range []*testStream{child, previews} {
		rest, err := st.end(t)
		if err != io.EOF || len(rest) != 1 || rest[0].data != last[0].data {
			t.Errorf("%s end: %v, %v; want the session's session.deleted", st.path, frameData(rest), err)
		}
	}
	waitFor(t, "the streams to close", func() bool { return srv.OpenStreams() == 0 })
}

// TestThreadStreamCloseOnTerminate: with WithCloseStreamsOnTerminate a
// child's stream ends after the session's session.status_terminated, which
// follows the child's own termination.
func TestThreadStreamCloseOnTerminate(t *testing.T) {
	srv := newTestServer(t, WithCloseStreamsOnTerminate())
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: researcher x"))
	waitIdle(t, srv, id)
	kid := childIDs(t, srv, id)[0]
	st := openStream(t, srv, threadStreamPath(id, kid))
	sendOK(t, srv, id, msgEvent("terminate:"))
	frames, err := st.end(t)
	if err != io.EOF {
		t.Errorf("ended with %v, want a clean EOF", err)
	}
	var got []string
	for _, f := range frames {
		got = append(got, f.event)
	}
	if diff := cmp.Diff([]string{"session.thread_status_terminated", "session.status_terminated"}, got); diff != "" {
		t.Errorf("child stream at termination (-want +got):\n%s", diff)
	}
}

// TestThreadStreamDelegate: with the default script, a child's stream
// opened after its first task carries its next turn when the coordinator
// delegates to the same agent again, and nothing of other threads.
func TestThreadStreamDelegate(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("delegate: researcher first\ndelegate: tester run: make"))
	waitIdle(t, srv, id)
	kids := childIDs(t, srv, id)
	researcher := openStream(t, srv, threadStreamPath(id, kids[0]))
	tester := openStream(t, srv, threadStreamPath(id, kids[1]))
	pos := len(threadLogEvents(t, srv, id, kids[0]))
	sendOK(t, srv, id, msgEvent("delegate: researcher second"))
	waitIdle(t, srv, id)
	got := researcher.until(t, func(m map[string]any) bool {
		return m["type"] == "agent.thread_message_sent" && m["to_session_thread_id"] != kids[0]
	})
	raws, _ := srv.ThreadEvents(id, kids[0])
	var want []string
	for _, r := range raws[pos:] {
		want = append(want, string(r))
	}
	if diff := cmp.Diff(want, frameData(got)); diff != "" {
		t.Errorf("researcher stream vs its history (-history +stream):\n%s", diff)
	}
	if len(got) != 8 || got[1].event != "agent.thread_message_received" || textOf(got[1].obj(t)) != "second" {
		t.Errorf("researcher stream: %v", frameData(got))
	}
	// The tester's thread did nothing: its stream stays silent (no
	// heartbeats at the default 15 s interval within the test).
	select {
	case f, ok := <-tester.frames:
		t.Errorf("tester stream got %+v (open %v)", f, ok)
	case <-time.After(50 * time.Millisecond):
	}
}
