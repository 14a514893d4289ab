package managedagentstest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sseFrame is one SSE block as the test parser saw it.
type sseFrame struct {
	event     string
	data      string
	dataLines int
	comment   string         // text of a comment line (without ":"); "" when none
	m         map[string]any // the decoded data, once checkFrame has run
}

// heartbeat reports whether the frame is a ping or a comment-only block.
func (f sseFrame) heartbeat() bool {
	return f.event == "ping" || (f.event == "" && f.dataLines == 0)
}

// obj decodes the frame's data.
func (f sseFrame) obj(t *testing.T) map[string]any {
	t.Helper()
	if f.m != nil {
		return f.m
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(f.data), &m); err != nil {
		t.Fatalf("frame %q: data is not a JSON object: %v", f.event, err)
	}
	return m
}

// errStreamQuit ends a test stream's reader when the test closes it.
var errStreamQuit = errors.New("stream closed by the test")

// testStream is an open stream read by a goroutine that parses frames.
type testStream struct {
	path   string
	resp   *http.Response
	cancel context.CancelFunc
	frames chan sseFrame
	quit   chan struct{}
	closed atomic.Bool
	nbytes atomic.Int64
	err    error // why the body ended (io.EOF: cleanly); set before frames is closed
}

// streamRequest starts a stream request and returns the response once the
// headers are in, without reading the body.
func streamRequest(srv *Server, path string) (*http.Response, context.CancelFunc, error) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL()+path, nil)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	req.Header.Set("x-api-key", testKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("anthropic-beta", BetaHeader)
	resp, err := srv.Client().Do(req)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return resp, cancel, nil
}

// openStream opens a stream, checks the 200 and its headers, and starts
// reading. The stream is closed at the end of the test.
func openStream(t *testing.T, srv *Server, path string) *testStream {
	t.Helper()
	resp, cancel, err := streamRequest(srv, path)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content-type = %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("cache-control = %q", cc)
	}
	if !requestIDRE.MatchString(resp.Header.Get("request-id")) {
		t.Errorf("request-id = %q", resp.Header.Get("request-id"))
	}
	st := &testStream{path: path, resp: resp, cancel: cancel, frames: make(chan sseFrame, 64), quit: make(chan struct{})}
	go st.read()
	t.Cleanup(st.close)
	return st
}

// close stops reading and cancels the request; idempotent.
func (st *testStream) close() {
	if st.closed.Swap(true) {
		return
	}
	close(st.quit)
	st.cancel()
	st.resp.Body.Close()
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// read parses the body into frames: "event:", "data:" (joined with \n) and
// comment lines, a blank line ending a block. An unfinished block at the
// end of the body is dropped.
func (st *testStream) read() {
	br := bufio.NewReaderSize(countingReader{st.resp.Body, &st.nbytes}, 1<<16)
	var cur sseFrame
	has := false
	var data []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			st.err = err
			close(st.frames)
			return
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if !has {
				continue
			}
			cur.data = strings.Join(data, "\n")
			cur.dataLines = len(data)
			select {
			case st.frames <- cur:
			case <-st.quit:
				st.err = errStreamQuit
				close(st.frames)
				return
			}
			cur, has, data = sseFrame{}, false, nil
		case strings.HasPrefix(line, ":"):
			cur.comment = strings.TrimSpace(line[1:])
			has = true
		default:
			name, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch name {
			case "event":
				cur.event = value
			case "data":
				data = append(data, value)
			}
			has = true
		}
	}
}

// next returns the next frame, heartbeats included, or false when the body
// has ended. It fails the test after 5 s.
func (st *testStream) next(t *testing.T) (sseFrame, bool) {
	t.Helper()
	select {
	case f, ok := <-st.frames:
		return f, ok
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no frame within 5 s", st.path)
		return sseFrame{}, false
	}
}

// event returns the next frame that is not a heartbeat, checking that its
// event name equals its JSON type and that it has one data line.
func (st *testStream) event(t *testing.T) sseFrame {
	t.Helper()
	for {
		f, ok := st.next(t)
		if !ok {
			t.Fatalf("%s: stream ended (%v) while an event was expected", st.path, st.err)
		}
		if f.heartbeat() {
			continue
		}
		f.m = checkFrame(t, f)
		return f
	}
}

// until returns the events up to and including the first one stop accepts.
func (st *testStream) until(t *testing.T, stop func(m map[string]any) bool) []sseFrame {
	t.Helper()
	var out []sseFrame
	for {
		f := st.event(t)
		out = append(out, f)
		if stop(f.obj(t)) {
			return out
		}
	}
}

// end reads until the body ends and returns the non-heartbeat frames read
// on the way and the error that ended the body.
func (st *testStream) end(t *testing.T) ([]sseFrame, error) {
	t.Helper()
	var out []sseFrame
	for {
		f, ok := st.next(t)
		if !ok {
			return out, st.err
		}
		if !f.heartbeat() {
			f.m = checkFrame(t, f)
			out = append(out, f)
		}
	}
}

// checkFrame: one data line holding a JSON object whose type is the event
// name. It returns the decoded data.
func checkFrame(t *testing.T, f sseFrame) map[string]any {
	t.Helper()
	if f.dataLines != 1 {
		t.Errorf("frame %q has %d data lines", f.event, f.dataLines)
	}
	m := f.obj(t)
	if typ := m["type"]; typ != f.event {
		t.Errorf("frame event %q carries type %v", f.event, typ)
	}
	return m
}

func isEndTurn(m map[string]any) bool {
	return m["type"] == "session.status_idle" && dig(m, "stop_reason", "type") == "end_turn"
}

func isType(typ string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["type"] == typ }
}

// frameData returns the data of each frame.
func frameData(fs []sseFrame) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.data
	}
	return out
}

// logData returns the session's log from position n on, as strings.
func logData(t *testing.T, srv *Server, id string, n int) []string {
	t.Helper()
	raws, ok := srv.SessionEvents(id)
	if !ok {
		t.Fatalf("session %s not found", id)
	}
	var out []string
	for _, r := range raws[min(n, len(raws)):] {
		out = append(out, string(r))
	}
	return out
}

func streamPath(id string) string { return "/v1/sessions/" + id + "/events/stream" }

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestStreamTurn: a stream opened before the send gets the whole turn, a
// tool call included, exactly as the log holds it; a stream opened later
// gets no replay.
func TestStreamTurn(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	st := openStream(t, srv, streamPath(id))
	echo := sendOK(t, srv, id, msgEvent("run: find . -name '*_test.go' | wc -l"))
	frames := st.until(t, isEndTurn)
	waitIdle(t, srv, id)

	if diff := cmp.Diff(logData(t, srv, id, 0), frameData(frames)); diff != "" {
		t.Errorf("stream vs log (-log +stream):\n%s", diff)
	}
	var got []string
	for _, f := range frames {
		got = append(got, f.event)
	}
	want := []string{"user.message", "session.status_running", "span.model_request_start", "agent.thinking",
		"agent.tool_use", "span.model_request_end", "agent.tool_result", "span.model_request_start",
		"agent.message", "span.model_request_end", "session.usage", "session.status_idle"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("frame types (-want +got):\n%s", diff)
	}
	if m := frames[0].obj(t); m["id"] != echo[0]["id"] || m["processed_at"] == nil {
		t.Errorf("first frame %v, echo %v", m, echo[0])
	}

	// No replay: a new subscriber sees only what happens after it.
	n := len(logData(t, srv, id, 0))
	late := openStream(t, srv, streamPath(id))
	sendOK(t, srv, id, msgEvent("again"))
	frames = late.until(t, isEndTurn)
	if textOf(frames[0].obj(t)) != "again" {
		t.Errorf("late subscriber's first frame: %s", frames[0].data)
	}
	if diff := cmp.Diff(logData(t, srv, id, n), frameData(frames)); diff != "" {
		t.Errorf("late stream vs log (-log +stream):\n%s", diff)
	}
	// The first stream is still open and got the second turn too.
	if diff := cmp.Diff(frameData(frames), frameData(st.until(t, isEndTurn))); diff != "" {
		t.Errorf("first stream's second turn (-late +first):\n%s", diff)
	}
}

// TestStreamFanOut: several streams of one session, on both paths, each
// get every event.
func TestStreamFanOut(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	streams := []*testStream{
		openStream(t, srv, streamPath(id)),
		openStream(t, srv, streamPath(id)),
		openStream(t, srv, "/v1/sessions/"+id+"/stream"),
	}
	sendOK(t, srv, id, msgEvent("one"))
	sendOK(t, srv, id, msgEvent("two\nrun: ls"))
	isSecondEnd := func() func(map[string]any) bool {
		n := 0
		return func(m map[string]any) bool {
			if isEndTurn(m) {
				n++
			}
			return n == 2
		}
	}
	waitIdle(t, srv, id)
	want := logData(t, srv, id, 0)
	for _, st := range streams {
		if diff := cmp.Diff(want, frameData(st.until(t, isSecondEnd()))); diff != "" {
			t.Errorf("%s (-log +stream):\n%s", st.path, diff)
		}
	}
	if n := srv.Count("GET", "/v1/sessions/"+id+"/stream"); n != 1 {
		t.Errorf("alias requests recorded: %d", n)
	}
}

// TestStreamPreviews: event_deltas[] adds event_start / event_delta frames
// before the events they preview, only for the subscribers that asked.
func TestStreamPreviews(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	base := streamPath(id)
	both := openStream(t, srv, base+"?event_deltas[]=agent.message&event_deltas%5B%5D=agent.thinking")
	msgOnly := openStream(t, srv, base+"?event_deltas=agent.message")
	thinkOnly := openStream(t, srv, "/v1/sessions/"+id+"/stream?event_deltas%5B%5D=agent.thinking")
	plain := openStream(t, srv, base)
	sendOK(t, srv, id, msgEvent("The build passed on all targets, ünïcödé included."))
	waitIdle(t, srv, id)
	want := logData(t, srv, id, 0)

	type preview struct {
		starts map[string]string // event id -> previewed type
		text   map[string]string // event id -> concatenated delta text
	}
	// check reads a stream's turn, checks that the previews are where they
	// belong and returns the frames without previews.
	check := func(st *testStream, wantMsg, wantThink bool) {
		t.Helper()
		frames := st.until(t, isEndTurn)
		var events []sseFrame
		p := preview{starts: map[string]string{}, text: map[string]string{}}
		for i, f := range frames {
			m := f.obj(t)
			switch f.event {
			case "event_start":
				evID, _ := dig(m, "event", "id").(string)
				p.starts[evID], _ = dig(m, "event", "type").(string)
				if !eventIDRE.MatchString(evID) {
					t.Errorf("event_start id %q", evID)
				}
			case "event_delta":
				evID, _ := m["event_id"].(string)
				if p.starts[evID] != "agent.message" {
					t.Errorf("delta %s without a preceding agent.message event_start", f.data)
				}
				if dig(m, "delta", "type") != "content_delta" || dig(m, "delta", "index") != 0.0 || dig(m, "delta", "content", "type") != "text" {
					t.Errorf("delta shape: %s", f.data)
				}
				s, _ := dig(m, "delta", "content", "text").(string)
				p.text[evID] += s
			case "agent.message", "agent.thinking":
				evID := m["id"].(string)
				wanted := (f.event == "agent.message" && wantMsg) || (f.event == "agent.thinking" && wantThink)
				prev := frames[i-1]
				if wanted {
					if p.starts[evID] != f.event {
						t.Errorf("%s: %s %s has no event_start", st.path, f.event, evID)
					}
					if f.event == "agent.thinking" && prev.event != "event_start" {
						t.Errorf("%s: agent.thinking preceded by %s", st.path, prev.event)
					}
					if f.event == "agent.message" {
						if prev.event != "event_delta" {
							t.Errorf("%s: agent.message preceded by %s", st.path, prev.event)
						}
						if p.text[evID] != textOf(m) {
							t.Errorf("%s: deltas concatenate to %q, message text %q", st.path, p.text[evID], textOf(m))
						}
					}
				} else if _, ok := p.starts[evID]; ok {
					t.Errorf("%s: unrequested preview of %s", st.path, f.event)
				}
				events = append(events, f)
			default:
				events = append(events, f)
			}
		}
		if diff := cmp.Diff(want, frameData(events)); diff != "" {
			t.Errorf("%s: events without previews (-log +stream):\n%s", st.path, diff)
		}
	}
	check(both, true, true)
	check(msgOnly, true, false)
	check(thinkOnly, false, true)
	check(plain, false, false)

	// Previews are never stored.
	for _, ev := range logEvents(t, srv, id) {
		if ev["type"] == "event_start" || ev["type"] == "event_delta" {
			t.Errorf("preview in the log: %v", ev)
		}
	}
}

func TestSplitRunes(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "abc", "The build passed on all targets.", "ünï"} {
		parts := splitRunes(s, 3)
		if strings.Join(parts, "") != s || len(parts) > 3 {
			t.Errorf("splitRunes(%q) = %q", s, parts)
		}
		for _, p := range parts {
			if p == "" {
				t.Errorf("splitRunes(%q) has an empty part", s)
			}
		}
	}
	if got := splitRunes("The build passed", 3); !cmp.Equal(got, []string{"The b", "uild ", "passed"}) {
		t.Errorf("split = %q", got)
	}
}

// TestStreamRequestErrors: before the stream starts, errors are ordinary
// JSON error responses; faults, latency and recording apply.
func TestStreamRequestErrors(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	gone := newSessionID(t, srv, nil)
	do(t, srv, "DELETE", "/v1/sessions/"+gone, nil).ok(t)

	for _, path := range []string{streamPath(id), "/v1/sessions/" + id + "/stream"} {
		for _, q := range []string{"event_deltas[]=agent.tool_use", "event_deltas%5B%5D=", "event_deltas=agent.message&event_deltas=bogus",
			"event_deltas[]=agent.message&event_deltas[]=AGENT.THINKING"} {
			do(t, srv, "GET", path+"?"+q, nil).apiErr(t, http.StatusBadRequest, "invalid_request_error")
		}
	}
	do(t, srv, "GET", streamPath("sesn_unknown"), nil).apiErr(t, http.StatusNotFound, "not_found_error")
	do(t, srv, "GET", streamPath(gone), nil).apiErr(t, http.StatusNotFound, "not_found_error")
	do(t, srv, "GET", "/v1/sessions/"+gone+"/stream", nil).apiErr(t, http.StatusNotFound, "not_found_error")
	do(t, srv, "GET", streamPath(id), nil, withHeader("x-api-key", "")).apiErr(t, http.StatusUnauthorized, "authentication_error")
	do(t, srv, "GET", streamPath(id), nil, withHeader("anthropic-beta", "")).apiErr(t, http.StatusBadRequest, "invalid_request_error")

	srv.FailNext(2, 529, FailOnly("GET", streamPath(id)))
	r := do(t, srv, "GET", streamPath(id), nil)
	r.apiErr(t, 529, "overloaded_error")
	if r.header.Get("retry-after") != "1" {
		t.Errorf("retry-after = %q", r.header.Get("retry-after"))
	}
	do(t, srv, "GET", streamPath(id), nil).apiErr(t, 529, "overloaded_error")
	if n := srv.StreamsOpened(); n != 0 {
		t.Errorf("StreamsOpened = %d after errors only", n)
	}

	srv.SetLatency(60 * time.Millisecond)
	start := time.Now()
	st := openStream(t, srv, streamPath(id))
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("stream answered after %v despite latency", d)
	}
	srv.SetLatency(0)
	sendOK(t, srv, id, msgEvent("hi"))
	st.until(t, isEndTurn)
	if n := srv.Count("GET", streamPath(id)); n != 9 {
		t.Errorf("Count(stream) = %d, want 9", n)
	}
	if n := srv.StreamsOpened(); n != 1 {
		t.Errorf("StreamsOpened = %d", n)
	}
}

// TestStreamHeartbeats: ping frames by default, comments on request, none
// when disabled; heartbeats do not disturb the events.
func TestStreamHeartbeats(t *testing.T) {
	t.Run("ping", func(t *testing.T) {
		srv := newTestServer(t, WithHeartbeat(15*time.Millisecond))
		id := newSessionID(t, srv, nil)
		st := openStream(t, srv, streamPath(id))
		for range 2 {
			f, _ := st.next(t)
			if f.event != "ping" || f.data != `{"type":"ping"}` || f.dataLines != 1 {
				t.Fatalf("heartbeat frame = %+v", f)
			}
		}
		sendOK(t, srv, id, msgEvent("hi"))
		waitIdle(t, srv, id)
		if diff := cmp.Diff(logData(t, srv, id, 0), frameData(st.until(t, isEndTurn))); diff != "" {
			t.Errorf("events (-log +stream):\n%s", diff)
		}
	})
	t.Run("comment", func(t *testing.T) {
		srv := newTestServer(t, WithHeartbeat(15*time.Millisecond), WithCommentHeartbeats())
		id := newSessionID(t, srv, nil)
		st := openStream(t, srv, streamPath(id))
		for range 2 {
			f, _ := st.next(t)
			if f.comment != "keepalive" || f.event != "" || f.dataLines != 0 {
				t.Fatalf("heartbeat frame = %+v", f)
			}
		}
	})
	t.Run("off", func(t *testing.T) {
		srv := newTestServer(t, WithHeartbeat(0))
		id := newSessionID(t, srv, nil)
		st := openStream(t, srv, streamPath(id))
		time.Sleep(100 * time.Millisecond)
		if n := st.nbytes.Load(); n != 0 {
			t.Errorf("%d bytes with heartbeats off", n)
		}
	})
}

// TestStreamDeleteEnds: deleting a session ends every open stream with the
// same session.deleted event, then a normal end of the body.
func TestStreamDeleteEnds(t *testing.T) {
	srv := newTestServer(t, WithHeartbeat(10*time.Millisecond))
	id := newSessionID(t, srv, nil)
	streams := []*testStream{
		openStream(t, srv, streamPath(id)),
		openStream(t, srv, streamPath(id)+"?event_deltas[]=agent.message"),
		openStream(t, srv, "/v1/sessions/"+id+"/stream"),
	}
	sendOK(t, srv, id, msgEvent("hi"))
	waitIdle(t, srv, id)
	do(t, srv, "DELETE", "/v1/sessions/"+id, nil).ok(t)

	var last []string
	for _, st := range streams {
		st.until(t, isEndTurn)
		rest, err := st.end(t)
		if err != io.EOF {
			t.Errorf("%s ended with %v, want a clean EOF", st.path, err)
		}
		if len(rest) != 1 || rest[0].event != "session.deleted" {
			t.Fatalf("%s: after the turn got %v", st.path, frameData(rest))
		}
		last = append(last, rest[0].data)
	}
	var del map[string]any
	if err := json.Unmarshal([]byte(last[0]), &del); err != nil {
		t.Fatal(err)
	}
	if !eventIDRE.MatchString(fmt.Sprint(del["id"])) || del["processed_at"] == nil || len(del) != 3 {
		t.Errorf("session.deleted = %s", last[0])
	}
	if last[1] != last[0] || last[2] != last[0] {
		t.Errorf("streams got different session.deleted events: %q", last)
	}
	waitFor(t, "the streams to close", func() bool { return srv.OpenStreams() == 0 })
}

// TestStreamTerminate: by default a terminated session keeps its streams;
// WithCloseStreamsOnTerminate ends them after session.status_terminated.
func TestStreamTerminate(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		srv := newTestServer(t, WithHeartbeat(10*time.Millisecond))
		id := newSessionID(t, srv, nil)
		st := openStream(t, srv, streamPath(id))
		sendOK(t, srv, id, msgEvent("terminate:"))
		st.until(t, isType("session.status_terminated"))
		// Still open: heartbeats keep coming.
		for range 3 {
			if f, ok := st.next(t); !ok || f.event != "ping" {
				t.Fatalf("after termination: %+v, open %v (%v)", f, ok, st.err)
			}
		}
		if n := srv.OpenStreams(); n != 1 {
			t.Errorf("OpenStreams = %d", n)
		}
	})
	t.Run("close", func(t *testing.T) {
		srv := newTestServer(t, WithHeartbeat(10*time.Millisecond), WithCloseStreamsOnTerminate())
		id := newSessionID(t, srv, nil)
		st := openStream(t, srv, streamPath(id))
		sendOK(t, srv, id, msgEvent("terminate:"))
		frames, err := st.end(t)
		if err != io.EOF {
			t.Errorf("ended with %v, want a clean EOF", err)
		}
		if len(frames) == 0 || frames[len(frames)-1].event != "session.status_terminated" {
			t.Errorf("frames: %v", frameData(frames))
		}
		waitIdle(t, srv, id)
		if diff := cmp.Diff(logData(t, srv, id, 0), frameData(frames)); diff != "" {
			t.Errorf("frames (-log +stream):\n%s", diff)
		}
		waitFor(t, "the stream to close", func() bool { return srv.OpenStreams() == 0 })
	})
}

// cutStream reads a stream to its end and checks that it was cut after
// exactly n event frames, abruptly, and that those were the log's first
// events from position pos on.
func cutStream(t *testing.T, srv *Server, st *testStream, id string, pos, n int) {
	t.Helper()
	frames, err := st.end(t)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("%s: ended with %v, want io.ErrUnexpectedEOF", st.path, err)
	}
	if len(frames) != n {
		t.Fatalf("%s: %d event frames before the cut, want %d", st.path, len(frames), n)
	}
	waitIdle(t, srv, id)
	if diff := cmp.Diff(logData(t, srv, id, pos)[:n], frameData(frames)); diff != "" {
		t.Errorf("%s: frames before the cut (-log +stream):\n%s", st.path, diff)
	}
}

// TestStreamDropAfter: DropStreamsAfter cuts every later stream after n
// event frames (heartbeats and previews not counted) until turned off.
func TestStreamDropAfter(t *testing.T) {
	srv := newTestServer(t, WithHeartbeat(time.Millisecond), WithStepDelay(5*time.Millisecond))
	id := newSessionID(t, srv, nil)
	srv.DropStreamsAfter(3)
	for range 2 {
		pos := len(logData(t, srv, id, 0))
		st := openStream(t, srv, streamPath(id)+"?event_deltas[]=agent.message")
		sendOK(t, srv, id, msgEvent("hello"))
		cutStream(t, srv, st, id, pos, 3)
	}
	srv.DropStreamsAfter(0)
	st := openStream(t, srv, streamPath(id))
	sendOK(t, srv, id, msgEvent("whole"))
	st.until(t, isEndTurn)
	if n := srv.StreamsOpened(); n != 3 {
		t.Errorf("StreamsOpened = %d", n)
	}
	waitFor(t, "the cut streams to close", func() bool { return srv.OpenStreams() == 1 })
}

// TestStreamDropNext: DropNextStreams cuts the next streams at the given
// counts, one entry each; 0 cuts right after the headers, a negative entry
// spares its stream.
func TestStreamDropNext(t *testing.T) {
	srv := newTestServer(t, WithHeartbeat(time.Millisecond))
	id := newSessionID(t, srv, nil)
	srv.DropNextStreams(5, 0)
	srv.DropNextStreams(-1)

	// 0: the stream ends right after the 200, with no frame at all.
	zero := func() *testStream {
		// Open the 5 first; the 0 is the second entry.
		first := openStream(t, srv, streamPath(id))
		second := openStream(t, srv, streamPath(id))
		frames, err := second.end(t)
		if !errors.Is(err, io.ErrUnexpectedEOF) || len(frames) != 0 {
			t.Errorf("0-entry stream: %d frames, %v", len(frames), err)
		}
		return first
	}()
	spared := openStream(t, srv, streamPath(id))
	normal := openStream(t, srv, streamPath(id))
	sendOK(t, srv, id, msgEvent("hello"))
	cutStream(t, srv, zero, id, 0, 5)
	want := logData(t, srv, id, 0)
	for _, st := range []*testStream{spared, normal} {
		if diff := cmp.Diff(want, frameData(st.until(t, isEndTurn))); diff != "" {
			t.Errorf("uncut stream (-log +stream):\n%s", diff)
		}
	}

	// DropNextStreams entries take precedence over DropStreamsAfter, which
	// applies again once they are used up.
	srv.DropStreamsAfter(2)
	srv.DropNextStreams(1)
	pos := len(want)
	a := openStream(t, srv, streamPath(id))
	b := openStream(t, srv, streamPath(id))
	sendOK(t, srv, id, msgEvent("again"))
	cutStream(t, srv, a, id, pos, 1)
	cutStream(t, srv, b, id, pos, 2)
	if n := srv.StreamsOpened(); n != 6 {
		t.Errorf("StreamsOpened = %d, want 6", n)
	}
	waitFor(t, "the cut streams to close", func() bool { return srv.OpenStreams() == 2 })
}

// TestStreamStall: a stalled stream writes nothing more, heartbeats
// included, and stays open until its client leaves.
func TestStreamStall(t *testing.T) {
	srv := newTestServer(t, WithHeartbeat(5*time.Millisecond))
	id := newSessionID(t, srv, nil)
	srv.StallStreamsAfter(2)
	st := openStream(t, srv, streamPath(id))
	srv.StallStreamsAfter(0)
	other := openStream(t, srv, streamPath(id))
	sendOK(t, srv, id, msgEvent("hello"))
	st.event(t)
	st.event(t)
	waitIdle(t, srv, id)
	other.until(t, isEndTurn) // the other stream is not stalled

	time.Sleep(30 * time.Millisecond) // let whatever is in flight arrive
	n := st.nbytes.Load()
	time.Sleep(200 * time.Millisecond)
	if got := st.nbytes.Load(); got != n {
		t.Errorf("stalled stream received %d more bytes", got-n)
	}
	select {
	case f, ok := <-st.frames:
		t.Errorf("stalled stream: frame %+v (open %v)", f, ok)
	default:
	}
	if o := srv.OpenStreams(); o != 2 {
		t.Errorf("OpenStreams = %d, want 2", o)
	}
	st.close()
	waitFor(t, "the stalled stream's handler to end", func() bool { return srv.OpenStreams() == 1 })
}

// TestStreamCounts: OpenStreams follows the handlers, StreamsOpened counts
// every accepted stream.
func TestStreamCounts(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	if o, n := srv.OpenStreams(), srv.StreamsOpened(); o != 0 || n != 0 {
		t.Fatalf("fresh fake: %d open, %d opened", o, n)
	}
	var streams []*testStream
	for i := range 3 {
		streams = append(streams, openStream(t, srv, streamPath(id)))
		if o, n := srv.OpenStreams(), srv.StreamsOpened(); o != i+1 || n != i+1 {
			t.Errorf("after %d opens: %d open, %d opened", i+1, o, n)
		}
	}
	streams[0].close()
	waitFor(t, "a closed stream to be counted out", func() bool { return srv.OpenStreams() == 2 })
	openStream(t, srv, "/v1/sessions/"+id+"/stream")
	if o, n := srv.OpenStreams(), srv.StreamsOpened(); o != 3 || n != 4 {
		t.Errorf("%d open, %d opened; want 3, 4", o, n)
	}
}

// TestStreamManyEvents: 5,000 events emitted in one turn without delay all
// reach a fast and a slow subscriber, in order.
func TestStreamManyEvents(t *testing.T) {
	const total = 5000
	script := func(ctx context.Context, tn *Turn) error {
		for i := range total {
			if _, err := tn.Emit("agent.message", map[string]any{"content": []any{map[string]any{"type": "text", "text": fmt.Sprint(i)}}}); err != nil {
				return err
			}
		}
		return nil
	}
	srv := newTestServer(t, WithScript(script))
	id := newSessionID(t, srv, nil)
	fast := openStream(t, srv, streamPath(id))
	slow := openStream(t, srv, streamPath(id)+"?event_deltas[]=agent.message")
	start := time.Now()
	sendOK(t, srv, id, msgEvent("flood"))
	got := fast.until(t, isEndTurn)
	waitIdle(t, srv, id)
	want := logData(t, srv, id, 0)
	if len(want) != total+3 {
		t.Fatalf("log has %d events", len(want))
	}
	if diff := cmp.Diff(want, frameData(got)); diff != "" {
		t.Errorf("fast subscriber (-log +stream):\n%s", diff)
	}
	n := 0
	for _, f := range got {
		if f.event == "agent.message" {
			if textOf(f.obj(t)) != fmt.Sprint(n) {
				t.Fatalf("message %d has text %q", n, textOf(f.obj(t)))
			}
			n++
		}
	}
	// The slow subscriber is read only now; it lost nothing.
	var events []string
	for _, f := range slow.until(t, isEndTurn) {
		if f.event != "event_start" && f.event != "event_delta" {
			events = append(events, f.data)
		}
	}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("slow subscriber (-log +stream):\n%s", diff)
	}
	t.Logf("%d events to two subscribers in %v", total, time.Since(start))
}

// TestStreamClose: Server.Close with streams open — idle, stalled, and one
// whose client never reads while a flood fills its connection — returns
// promptly, ends the streams and leaves no goroutines behind.
func TestStreamClose(t *testing.T) {
	before := runtime.NumGoroutine()
	big := strings.Repeat("x", 16<<10)
	script := func(ctx context.Context, tn *Turn) error {
		switch tn.Text() {
		case "flood":
			for range 1000 {
				if _, err := tn.Emit("agent.message", map[string]any{"content": []any{map[string]any{"type": "text", "text": big}}}); err != nil {
					return err
				}
			}
			return nil
		case "hold":
			<-ctx.Done()
			return ctx.Err()
		}
		return DefaultScript(ctx, tn)
	}
	srv := NewServer(WithScript(script), WithHeartbeat(5*time.Millisecond))
	defer srv.Close()
	id := newSessionID(t, srv, nil)
	idle := openStream(t, srv, streamPath(id))
	srv.StallStreamsAfter(1)
	stalled := openStream(t, srv, streamPath(id))
	srv.StallStreamsAfter(0)
	// A client that never reads its body.
	resp, cancel, err := streamRequest(srv, streamPath(id))
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	defer resp.Body.Close()
	sendOK(t, srv, id, msgEvent("flood"))
	// 16 MB of events, enough to fill the socket buffers of the client
	// that does not read, take seconds under the race detector on a busy
	// machine: this wait gets a deadline of its own, longer than waitIdle's.
	floodCtx, floodDone := context.WithTimeout(t.Context(), 30*time.Second)
	defer floodDone()
	if err := srv.WaitIdle(floodCtx, id); err != nil {
		t.Fatalf("WaitIdle after the flood: %v", err)
	}
	held := newSessionID(t, srv, nil)
	holdStream := openStream(t, srv, streamPath(held))
	sendOK(t, srv, held, msgEvent("hold"))
	holdStream.event(t) // user.message
	stalled.event(t)
	if n := srv.OpenStreams(); n != 4 {
		t.Errorf("OpenStreams = %d before Close, want 4", n)
	}

	start := time.Now()
	srv.Close()
	t.Logf("Close took %v", time.Since(start))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if n := srv.OpenStreams(); n != 0 {
		t.Errorf("OpenStreams = %d after Close", n)
	}
	for _, st := range []*testStream{idle, stalled, holdStream} {
		if _, err := st.end(t); err == nil || err == errStreamQuit {
			t.Errorf("%s ended with %v", st.path, err)
		}
	}
	resp.Body.Close()
	cancel()
	for _, st := range []*testStream{idle, stalled, holdStream} {
		st.close()
	}
	srv.Client().CloseIdleConnections()
	if got := settleGoroutines(before); got > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after Close\n%s", before, got, buf[:runtime.Stack(buf, true)])
	}
}
