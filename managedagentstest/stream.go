package managedagentstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/launchdarkly/eventsource"
)

// GET /v1/sessions/{session_id}/events/stream and its alias
// GET /v1/sessions/{session_id}/stream.
//
// A stream is a subscription to the session's event log. Its position is
// the log length at the moment the request is accepted, taken under f.mu
// before the 200 and its headers are written and flushed: a client that has
// the 200 is subscribed, and every event appended later reaches it. There
// is no replay of earlier events, as with the API. Each subscriber reads the log by
// index on its own, so several streams of one session each get every event,
// in log order, and a slow reader holds back nobody but itself.
//
// Frames are "event: <type>\ndata: <event JSON>\n\n", flushed one by one.
// Heartbeats (event: ping, or ": keepalive" comments with
// [WithCommentHeartbeats]) are written every [WithHeartbeat] interval.
// Live previews are written, for subscribers that asked for them
// with event_deltas[], just before the agent.message or agent.thinking they
// preview; they are never stored.
//
// A stream ends:
//
//   - after the session.deleted event when the session is deleted: that
//     event is appended to the session's log as it is deleted, so every
//     open stream writes the same event (same id and processed_at) as its
//     last frame; then the response ends normally;
//   - after session.status_terminated, with [WithCloseStreamsOnTerminate]
//     (by default terminated sessions keep their streams open);
//   - when the client goes away;
//   - when the fake is closed ([Fake.Close], [Server.Close]): the response
//     ends at once; a write blocked on a client that does not read is
//     broken by a write deadline, so Close never waits for readers;
//   - when an injected cut applies ([Fake.DropStreamsAfter],
//     [Fake.DropNextStreams]): the connection is aborted mid-body.

// defaultHeartbeat is the heartbeat interval without [WithHeartbeat].
const defaultHeartbeat = 15 * time.Second

// streamConfig holds the stream options.
type streamConfig struct {
	heartbeat        time.Duration
	heartbeatSet     bool // heartbeat was set by WithHeartbeat
	comments         bool // heartbeats as ": keepalive" comments
	closeOnTerminate bool
}

// interval returns the heartbeat interval; 0 disables heartbeats.
func (c streamConfig) interval() time.Duration {
	if !c.heartbeatSet {
		return defaultHeartbeat
	}
	return c.heartbeat
}

// WithHeartbeat sets the interval of stream heartbeats (default 15 s).
// Every open stream writes one heartbeat per interval, events or not. Zero
// or a negative d disables heartbeats.
func WithHeartbeat(d time.Duration) Option {
	return func(c *config) {
		c.stream.heartbeat = max(d, 0)
		c.stream.heartbeatSet = true
	}
}

// WithCommentHeartbeats makes stream heartbeats SSE comment lines
// (": keepalive") instead of ping frames (event: ping, data:
// {"type":"ping"}). Clients must accept both forms; which one the API sends
// is not documented.
func WithCommentHeartbeats() Option {
	return func(c *config) { c.stream.comments = true }
}

// WithCloseStreamsOnTerminate makes every stream of a session end (normally,
// not abruptly) right after it has written session.status_terminated. By
// default terminated sessions keep their streams open, with heartbeats,
// since the API does not document whether the real server closes them.
func WithCloseStreamsOnTerminate() Option {
	return func(c *config) { c.stream.closeOnTerminate = true }
}

// Preview kinds accepted in event_deltas[].
const (
	previewMessage  = "agent.message"
	previewThinking = "agent.thinking"
)

// parseEventDeltas reads event_deltas[] (the bracket form, percent-encoded
// or not) and the bare repeated event_deltas form. Every value must be
// agent.message or agent.thinking.
func parseEventDeltas(q url.Values) (map[string]bool, *apiError) {
	out := map[string]bool{}
	for _, v := range append(slices.Clone(q["event_deltas[]"]), q["event_deltas"]...) {
		if v != previewMessage && v != previewThinking {
			return nil, errInvalid("event_deltas[]: %q is not a valid value; expected agent.message or agent.thinking", v)
		}
		out[v] = true
	}
	return out, nil
}

// streamPlan is what a stream's injected faults say about it: cut or stall
// after so many event frames, -1 for never.
type streamPlan struct {
	dropAfter  int
	stallAfter int
}

// streamEvents serves both stream paths. Latency, injected failures,
// credentials and headers were handled by serve, like for every endpoint.
func (f *Fake) streamEvents(w http.ResponseWriter, r *http.Request) {
	f.serveStream(w, r, func(s *session) (func() []event, *apiError) {
		return func() []event { return s.events }, nil
	})
}

// serveStream serves a stream of the session named by the request path.
// follow picks, under f.mu, the log the stream publishes (it is called
// again under f.mu whenever the log may have grown), or says why there is
// none; the session streams follow the session's log, the thread streams a
// thread's history.
func (f *Fake) serveStream(w http.ResponseWriter, r *http.Request, follow func(*session) (func() []event, *apiError)) {
	id := r.PathValue("session_id")
	deltas, aerr := parseEventDeltas(r.URL.Query())
	if aerr != nil {
		writeError(w, requestID(r), aerr)
		return
	}

	f.mu.Lock()
	s, ok := f.sessions[id]
	if !ok {
		f.mu.Unlock()
		writeError(w, requestID(r), errSessionNotFound(id))
		return
	}
	logOf, aerr := follow(s)
	if aerr != nil {
		f.mu.Unlock()
		writeError(w, requestID(r), aerr)
		return
	}
	pos := len(logOf())
	done := f.rootCtx() // cancelled by Close
	plan := f.streams.accept()
	f.mu.Unlock()
	defer f.streamEnded()

	sw := newSSEWriter(w)
	// When the fake closes, break any write blocked on a client that does
	// not read, so that the handler returns and Close does not hang.
	fired := make(chan struct{})
	stop := context.AfterFunc(done, func() {
		_ = sw.rc.SetWriteDeadline(time.Now())
		close(fired)
	})
	defer func() {
		if !stop() {
			<-fired
		}
	}()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if sw.flush() != nil || r.Method == http.MethodHead {
		return // a HEAD request (which the GET route also matches) gets the headers only
	}

	var tick <-chan time.Time
	if d := f.cfg.stream.interval(); d > 0 {
		t := time.NewTicker(d)
		defer t.Stop()
		tick = t.C
	}
	written := 0 // event frames written; heartbeats and previews do not count
	// cutOrStall applies the injected faults once `written` event frames
	// are out. It reports whether the handler must return.
	cutOrStall := func() bool {
		switch written {
		case plan.dropAfter:
			abortConnection(w)
			return true
		case plan.stallAfter:
			select {
			case <-r.Context().Done():
			case <-done.Done():
			}
			return true
		}
		return false
	}
	if cutOrStall() {
		return
	}
	for {
		f.mu.Lock()
		_, changed := f.watch(s)
		// Log entries are never modified once appended and appends never
		// touch indexes below n, so the batch can be read without the lock.
		log := logOf()
		n := len(log)
		batch := log[pos:n]
		deleted := f.workOf(s).dead
		f.mu.Unlock()
		pos = n

		for _, ev := range batch {
			if err := f.writePreviews(sw, ev, deltas); err != nil {
				return
			}
			if err := sw.frame(ev.typ, ev.raw); err != nil {
				return
			}
			written++
			if cutOrStall() {
				return
			}
			if ev.typ == "session.status_terminated" && f.cfg.stream.closeOnTerminate {
				return
			}
		}
		// sessionDeleted appends session.deleted and marks the session dead
		// in one critical section, so a dead session's batch ended with it.
		if deleted {
			return
		}

		select {
		case <-changed:
		case <-tick:
			if sw.heartbeat(f.cfg.stream.comments) != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-done.Done():
			return
		}
	}
}

// writePreviews writes the live previews that precede ev
// for a subscriber that asked for them: for an agent.message, event_start
// and event_delta frames whose texts concatenate to the message's first
// text block (split into up to three chunks of about equal rune counts);
// for an agent.thinking, event_start only.
func (f *Fake) writePreviews(sw *sseWriter, ev event, deltas map[string]bool) error {
	if !deltas[ev.typ] {
		return nil
	}
	start := orderedObject{{"type", "event_start"}, {"event", orderedObject{{"type", ev.typ}, {"id", ev.id}}}}
	if err := sw.frame("event_start", mustMarshal(start)); err != nil {
		return err
	}
	if ev.typ != previewMessage {
		return nil
	}
	index, text, ok := firstTextBlock(ev.raw)
	if !ok {
		return nil
	}
	for _, chunk := range splitRunes(text, 3) {
		delta := orderedObject{
			{"type", "event_delta"},
			{"event_id", ev.id},
			{"delta", orderedObject{
				{"type", "content_delta"},
				{"index", index},
				{"content", orderedObject{{"type", "text"}, {"text", chunk}}},
			}},
		}
		if err := sw.frame("event_delta", mustMarshal(delta)); err != nil {
			return err
		}
	}
	return nil
}

// firstTextBlock returns the position and text of the first text block of
// an event's content.
func firstTextBlock(raw json.RawMessage) (int, string, bool) {
	var ev struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	}
	if json.Unmarshal(raw, &ev) != nil {
		return 0, "", false
	}
	for i, b := range ev.Content {
		if b.Type == "text" {
			return i, b.Text, true
		}
	}
	return 0, "", false
}

// splitRunes splits s into n pieces of about equal rune counts, dropping
// empty pieces: the pieces concatenate to s. The split is deterministic.
func splitRunes(s string, n int) []string {
	rs := []rune(s)
	var out []string
	for i := range n {
		lo, hi := i*len(rs)/n, (i+1)*len(rs)/n
		if hi > lo {
			out = append(out, string(rs[lo:hi]))
		}
	}
	return out
}

// abortConnection ends a stream the way a network failure would: no final
// frame and no end of the chunked body. It hijacks the connection and
// closes it, so an HTTP/1.1 client reading the body gets
// io.ErrUnexpectedEOF. Where hijacking is not possible (HTTP/2, or a
// ResponseWriter that does not support it) it panics with
// http.ErrAbortHandler, which net/http turns into a reset stream or closed
// connection without logging.
func abortConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// sseWriter writes SSE frames, flushing each. Frames are encoded by
// launchdarkly/eventsource's Encoder, a widely used implementation, so that
// the client's own reader is tested against frames it did not write.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf bytes.Buffer
	enc *eventsource.Encoder
}

func newSSEWriter(w http.ResponseWriter) *sseWriter {
	sw := &sseWriter{w: w, rc: http.NewResponseController(w)}
	sw.enc = eventsource.NewEncoder(&sw.buf, false)
	return sw
}

// sseEvent is a frame for the Encoder: an event name and its data.
type sseEvent struct{ name, data string }

// Id is the frame's id field; the API sends none.
func (e sseEvent) Id() string    { return "" }
func (e sseEvent) Event() string { return e.name }
func (e sseEvent) Data() string  { return e.data }

// frame writes one event frame. data must be JSON; JSON spread over several
// lines (possible only for raw values a script emitted) is compacted, so
// that the frame has exactly one data line.
func (sw *sseWriter) frame(name string, data []byte) error {
	if bytes.ContainsAny(data, "\r\n") {
		var c bytes.Buffer
		if json.Compact(&c, data) == nil {
			data = c.Bytes()
		}
	}
	sw.buf.Reset()
	if err := sw.enc.Encode(sseEvent{name, string(data)}); err != nil {
		return err
	}
	return sw.write()
}

// heartbeat writes a ping frame, or a keepalive comment.
func (sw *sseWriter) heartbeat(comment bool) error {
	sw.buf.Reset()
	if comment {
		sw.buf.WriteString(": keepalive\n\n")
	} else if err := sw.enc.Encode(sseEvent{"ping", `{"type":"ping"}`}); err != nil {
		return err
	}
	return sw.write()
}

func (sw *sseWriter) write() error {
	if _, err := sw.w.Write(sw.buf.Bytes()); err != nil {
		return err
	}
	return sw.flush()
}

// flush sends what is buffered. A ResponseWriter that cannot flush is
// tolerated (the frames then arrive when the handler returns).
func (sw *sseWriter) flush() error {
	if err := sw.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// streamDeleted is the stream side of sessionDeleted: it appends the
// session's final session.deleted event, which every open stream of the
// session writes as its last frame before it ends; it goes into every child
// thread's log too, for the thread streams. The event is the same for all of
// them. The caller holds f.mu.
func (f *Fake) streamDeleted(s *session) {
	f.crossPost(s, f.appendEvent(s, "session.deleted", f.now()))
}
