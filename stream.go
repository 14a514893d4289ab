package managedagents

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Stream defaults.
const (
	// DefaultStreamIdleTimeout is how long a stream may stay silent (no
	// event, no heartbeat) before it is treated as dead and reconnected.
	DefaultStreamIdleTimeout = 90 * time.Second
	// DefaultStreamConnectTimeout is how long a (re)connect may wait for
	// the response headers.
	DefaultStreamConnectTimeout = 30 * time.Second
	// DefaultStreamHistoryTimeout is how long reading one history page
	// may take while a stream resumes.
	DefaultStreamHistoryTimeout = 60 * time.Second
	// DefaultDedupeWindow bounds how many recently delivered events a
	// resuming stream remembers (16 bytes each) to drop the copies that a
	// history read returns again.
	DefaultDedupeWindow = 1024

	defaultReconnectMin = 500 * time.Millisecond
	defaultReconnectMax = 10 * time.Second
	// healthyAfter: a connection that lived this long resets the backoff.
	healthyAfter = 5 * time.Second
	// resumeMargin is how far before the newest delivered event a resume
	// reads the history again, so that an event processed at the same
	// instant, or stamped a little earlier by another worker's clock, is
	// not missed.
	resumeMargin = 5 * time.Second
)

// StreamParams configures Events.Stream and Threads.Stream. The zero value
// follows the session (or thread) live, resuming after drops.
type StreamParams struct {
	// EventDeltas opts in to live previews (event_start / event_delta) for
	// these types: EventAgentMessage and/or EventAgentThinking. Previews are
	// never replayed after a reconnect; fold them with a Previews.
	EventDeltas []string
	// NoResume turns resumption off: the first drop ends the stream with an
	// error, and no history is read.
	NoResume bool
	// FromStart yields the session's whole history before following it
	// live (for example after creating a session with initial events).
	// Without it the stream starts at the newest event when it opens.
	FromStart bool
	// IdleTimeout is how long the stream may stay silent before it is
	// reconnected (heartbeats count); zero means DefaultStreamIdleTimeout.
	IdleTimeout time.Duration
	// ConnectTimeout is how long opening a connection may wait for the
	// response headers; zero means DefaultStreamConnectTimeout. When it
	// passes on a reconnect, the attempt is abandoned and retried with
	// backoff; when it passes while Events.Stream opens the stream,
	// Events.Stream returns an error.
	ConnectTimeout time.Duration
	// HistoryTimeout is how long reading one page of the history may take
	// while the stream resumes; zero means DefaultStreamHistoryTimeout.
	// When it passes, the stream reconnects and reads the history again.
	HistoryTimeout time.Duration
	// MaxFrameBytes bounds the data of one event frame; zero means
	// DefaultMaxFrameBytes. A larger frame ends its connection with a
	// *FrameTooLargeError: a resuming stream reconnects and reads the event
	// from the history, a stream with NoResume ends with that error.
	MaxFrameBytes int
	// ReconnectMin and ReconnectMax bound the wait between reconnects: it
	// starts at min, doubles up to max, with jitter, and is reset after a
	// connection stayed up for 5 s. Zero means 0.5 s and 10 s.
	ReconnectMin, ReconnectMax time.Duration
	// DedupeWindow is how many recently delivered events are remembered to
	// drop duplicates; zero means DefaultDedupeWindow.
	DedupeWindow int
	// After continues from a checkpoint taken with Stream.Checkpoint, in
	// this process or another: the stream yields every persisted event
	// after it, exactly once and in order, then follows live. It must be
	// of the same session (and thread), and cannot be combined with
	// FromStart or NoResume; the zero Checkpoint means none.
	After Checkpoint
}

func (p *StreamParams) validate() error {
	for _, d := range p.EventDeltas {
		if d != EventAgentMessage && d != EventAgentThinking {
			return invalidParams("EventDeltas: %q is neither %s nor %s", d, EventAgentMessage, EventAgentThinking)
		}
	}
	switch {
	case p.IdleTimeout < 0:
		return invalidParams("IdleTimeout %v is negative", p.IdleTimeout)
	case p.ConnectTimeout < 0:
		return invalidParams("ConnectTimeout %v is negative", p.ConnectTimeout)
	case p.HistoryTimeout < 0:
		return invalidParams("HistoryTimeout %v is negative", p.HistoryTimeout)
	case p.MaxFrameBytes < 0:
		return invalidParams("MaxFrameBytes %d is negative", p.MaxFrameBytes)
	case p.ReconnectMin < 0 || p.ReconnectMax < 0:
		return invalidParams("negative reconnect wait")
	case p.ReconnectMax != 0 && p.ReconnectMin > p.ReconnectMax:
		return invalidParams("ReconnectMin %v is greater than ReconnectMax %v", p.ReconnectMin, p.ReconnectMax)
	case p.DedupeWindow < 0:
		return invalidParams("DedupeWindow %d is negative", p.DedupeWindow)
	}
	return nil
}

func (p *StreamParams) setDefaults() {
	if p.IdleTimeout == 0 {
		p.IdleTimeout = DefaultStreamIdleTimeout
	}
	if p.ConnectTimeout == 0 {
		p.ConnectTimeout = DefaultStreamConnectTimeout
	}
	if p.HistoryTimeout == 0 {
		p.HistoryTimeout = DefaultStreamHistoryTimeout
	}
	if p.MaxFrameBytes == 0 {
		p.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if p.ReconnectMin == 0 {
		p.ReconnectMin = defaultReconnectMin
	}
	if p.ReconnectMax == 0 {
		p.ReconnectMax = max(defaultReconnectMax, p.ReconnectMin)
	}
	if p.DedupeWindow == 0 {
		p.DedupeWindow = DefaultDedupeWindow
	}
}

// Stream follows a session's events live, or a thread's. Get one from
// Events.Stream or Threads.Stream and range over Events; Close it when
// done (ending the loop closes it too).
type Stream struct {
	events    *EventsService
	sessionID string
	path      string
	query     url.Values
	params    StreamParams
	// hist reads the history the stream resumes from: the session's or a
	// thread's.
	hist streamHistory
	// dial opens one connection (connect, or a thread stream's fallback
	// around it), at the open and on every reconnect.
	dial func() (*http.Response, error)

	parent context.Context // the caller's: its end is reported as an error
	ctx    context.Context // parent, also cancelled by Close
	cancel context.CancelFunc
	closed atomic.Bool
	used   atomic.Bool

	mu   sync.Mutex
	resp *http.Response // the open connection, nil between connections
	// connDone releases the open connection's context; called by endConn.
	connDone context.CancelFunc

	// Resume state, touched only by the goroutine ranging over Events.
	seen       deliveredSet
	reconnects atomic.Int64
	// pending holds the events prefill read; prefilled says that the first
	// connection needs no history read of its own.
	pending   []Event
	prefilled bool
	// startID is the start marker's event until the first history read
	// has passed it: the events processed at its instant that the read
	// returns before it predate the stream.
	startID string

	// span is the stream's trace span, nil when it is not traced.
	span *streamSpan
}

// Stream opens the session's live event stream. It returns once the server
// has answered 200, so events sent after it returns cannot be missed; a
// failure to connect (an unknown session, bad credentials) is an *APIError
// here, not later, and so is a server that sends no response headers
// within StreamParams.ConnectTimeout.
//
// Opening a resuming stream (the default) costs three requests: the newest
// event in the history (where "now" is), the connection, and the history
// between the two (usually empty).
//
// By default the stream resumes: after a dropped or silent connection it
// reconnects with backoff, reads the history to fill the gap, and yields
// every persisted event exactly once, in order. It ends on session.deleted,
// session.status_terminated, the end of ctx, or Close.
//
// A resuming stream remembers the IDs of the last events it delivered (an
// 8-byte hash each, StreamParams.DedupeWindow of them), and after a
// reconnect reads the history from 5 s before the newest event it
// delivered: a reconnect costs about one history page however long the
// session has run. Events are told apart by ID only; a live event is never
// dropped because of its timestamp.
//
// To continue in another process, save Stream.Checkpoint after the events
// you have handled and open the next stream with StreamParams.After: that
// costs two requests, the connection and the history from 5 s before the
// checkpoint's last event (and further pages if more happened since).
//
// API: GET /v1/sessions/{session_id}/events/stream
// https://platform.claude.com/docs/en/api/beta/sessions/events/stream
func (s *EventsService) Stream(ctx context.Context, sessionID string, params StreamParams) (*Stream, error) {
	if ctx == nil {
		return nil, invalidParams("nil context")
	}
	id, err := escapeID("session ID", sessionID)
	if err != nil {
		return nil, err
	}
	if err := params.validate(); err != nil {
		return nil, err
	}
	if err := params.checkAfter(sessionID, ""); err != nil {
		return nil, err
	}
	params.setDefaults()
	st := &Stream{
		events:    s,
		sessionID: sessionID,
		path:      "/v1/sessions/" + id + "/events/stream",
		query:     deltasQuery(params.EventDeltas),
		params:    params,
		hist:      sessionHistory{},
		parent:    ctx,
		seen:      deliveredSet{max: params.DedupeWindow},
	}
	st.dial = st.connect
	return st.open()
}

// open marks where the stream starts in the history (or restores it from
// StreamParams.After), connects with st.dial, and prefills; on failure it
// releases the stream.
func (st *Stream) open() (_ *Stream, err error) {
	st.events.client.tracing.startStream(st)
	defer func() {
		if err != nil {
			st.span.failed(err)
		}
	}()
	st.ctx, st.cancel = context.WithCancel(st.parent)
	resumeNow := !st.params.NoResume && !st.params.FromStart
	if resumeNow {
		// Mark where "now" is in the history before subscribing, so that a
		// gap can be filled from there and older events are not replayed.
		// From a checkpoint, restore instead where the old stream stood.
		start := st.hist.start
		if !st.params.After.IsZero() {
			st.seen.restore(st.params.After)
			start = st.hist.restore
		}
		if err := start(st); err != nil {
			st.cancel()
			return nil, &streamOpenError{path: st.path, err: err}
		}
	}
	resp, err := st.dial()
	if err != nil {
		st.cancel()
		return nil, err
	}
	st.resp = resp
	if resumeNow {
		st.hist.prefill(st)
		st.span.prefilled(st)
	}
	return st, nil
}

// streamHistory is how a stream reads the history it resumes from. The
// session's history can be read from a time and newest first; a thread's
// only forward from a cursor. Its methods run on the goroutine that opens
// or ranges over the stream, never at once.
type streamHistory interface {
	// start runs before the first connection of a resuming stream without
	// FromStart: it marks the history already there as not to be yielded.
	start(st *Stream) error
	// restore runs instead of start for a stream opened from a checkpoint,
	// once the delivered set holds the checkpoint's entries.
	restore(st *Stream) error
	// prefill runs after the first connection of that stream: it reads
	// the events persisted between start and the connection, for the
	// loop to yield first (st.pending, st.prefilled), when it can.
	prefill(st *Stream)
	// fill yields the persisted events the stream has not delivered yet,
	// at the start of the loop and after each reconnect.
	fill(st *Stream, yield func(Event, error) bool) outcome
	// delivered runs after each live event with an ID is delivered.
	delivered(st *Stream)
}

// sessionHistory reads the session's history: the newest event marks the
// start, and a fill reads from a little before the newest event delivered.
type sessionHistory struct{}

func (sessionHistory) start(st *Stream) error { return st.markStart() }

// restore needs no I/O: the checkpoint's floor, newest time and entries are
// all a fill needs.
func (sessionHistory) restore(*Stream) error { return nil }
func (sessionHistory) prefill(st *Stream)    { st.prefill() }
func (sessionHistory) delivered(*Stream)     {}

func (sessionHistory) fill(st *Stream, yield func(Event, error) bool) outcome {
	params := EventListParams{Order: OrderAsc, CreatedAtOrAfter: st.seen.resumeFrom()}
	return st.fillPages(yield, "", func(cursor string) (*EventPage, error) {
		p := params
		p.Page = cursor
		return st.historyPage(p)
	}, nil)
}

// prefill reads, before Stream returns, the events persisted between the
// start marker and the subscription (usually none), so that the history
// read after the first connect does not also bring what happens once the
// caller starts sending: those events, and their live previews, then come
// from the connection in order. If the gap does not fit one page, or the
// read fails, the first fill happens when the loop starts instead.
func (st *Stream) prefill() {
	page, err := st.historyPage(EventListParams{Order: OrderAsc, CreatedAtOrAfter: st.seen.resumeFrom()})
	if err != nil || page.NextPage != "" { // a page with an undecodable event too: the loop reports it
		st.events.client.logDebug("managedagents: the first history read is left to the stream loop", "session", st.sessionID, "error", err)
		return
	}
	// Pass the start marker now, so that a checkpoint taken before the
	// first event already holds the events of its instant.
	pending := page.Data
	if st.startID != "" {
		pending = make([]Event, 0, len(page.Data))
		for _, ev := range page.Data {
			if ev.EventID() == "" || !st.beforeStart(ev) {
				pending = append(pending, ev)
			}
		}
	}
	st.pending, st.prefilled = pending, true
}

// markStart records the newest event already in the history as delivered,
// and the history before it as not to be replayed.
func (st *Stream) markStart() error {
	page, err := st.historyPage(EventListParams{Order: OrderDesc, Limit: 1})
	var newest Event
	var de *DecodeError
	switch {
	case err == nil && len(page.Data) > 0:
		newest = page.Data[0]
	case err == nil:
		return nil // an empty history: everything is new
	case page != nil && errors.As(err, &de):
		// The newest event does not decode; its envelope still says
		// where "now" is.
		u, uerr := decodeUnknownEvent(de.Raw)
		if uerr != nil {
			return err
		}
		newest = u
	default:
		return err
	}
	st.seen.check(newest, true)
	if at, ok := newest.EventProcessedAt(); ok {
		st.seen.floor = at
		st.startID = newest.EventID()
	}
	return nil
}

// beforeStart reports a history event processed at the start marker's
// instant that comes before the marker in the history, and so predates the
// stream; it is recorded as delivered. The history is ordered by
// processed_at, and its order among events of one instant is the same
// newest first (where markStart took the marker) and oldest first.
func (st *Stream) beforeStart(ev Event) bool {
	if st.startID == "" {
		return false
	}
	if ev.EventID() == st.startID {
		st.startID = ""
		return false
	}
	at, processed := ev.EventProcessedAt()
	if !processed || !at.Equal(st.seen.floor) {
		return false
	}
	st.seen.check(ev, false)
	return true
}

// Reconnects reports how many times the stream has reconnected.
func (st *Stream) Reconnects() int { return int(st.reconnects.Load()) }

// Close ends the stream and its connection. It is safe to call more than
// once and from any goroutine; a loop over Events in progress ends without
// an error.
func (st *Stream) Close() error {
	st.closed.Store(true)
	st.cancel()
	st.mu.Lock()
	if st.resp != nil {
		st.resp.Body.Close()
	}
	st.mu.Unlock()
	st.span.end()
	return nil
}

// errStreamReused reports a second call to Events.
var errStreamReused = errors.New("managedagents: Stream.Events can be ranged over only once")

// Events returns the stream's events, in order. It is a single-use
// iterator: it can be ranged over once, and a second loop gets one error.
//
// Errors come inline as (nil, err) pairs. A frame that does not decode is
// a *DecodeError and the stream goes on; the end of the caller's context,
// a fatal *StreamError, an *APIError while reconnecting, or a drop with
// NoResume end it with a last error pair. Breaking out of the loop, or
// reaching the end, closes the stream.
//
// Events of types this library does not know arrive as *UnknownEvent. A
// client-sent event seen first while queued (processed_at null) is
// delivered again, with the same ID, once it has been processed.
func (st *Stream) Events() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		if !st.used.CompareAndSwap(false, true) {
			yield(nil, errStreamReused)
			return
		}
		defer st.Close()
		st.run(st.span.wrap(yield))
	}
}

// outcome says how reading a connection, or the history, ended.
type outcome int

const (
	stopStream outcome = iota // done: terminal event, consumer stop, close, fatal error
	goOn                      // the history is filled: read live
	connLost                  // the connection dropped or went silent, or the history could not be read: reconnect
)

// run reads connections until the stream ends. Each connection is opened
// before the history is read, so nothing falls between the two.
func (st *Stream) run(yield func(Event, error) bool) {
	resp := st.takeResp()
	if resp == nil { // closed before the loop started
		st.reportEnd(yield)
		return
	}
	failures := 0
	for {
		out := goOn
		switch {
		case st.prefilled:
			out = st.deliverPending(yield)
		case !st.params.NoResume:
			delivered := st.span.delivered()
			out = st.hist.fill(st, yield)
			st.span.filled(delivered, out)
		}
		if out == goOn {
			// The history is read up to the connection: the start marker,
			// if the read did not meet it, has no more events to sort out.
			st.startID = ""
		}
		if out == stopStream {
			st.endConn(resp)
			return
		}
		if out == goOn {
			connected := time.Now()
			var dropErr error
			if out, dropErr = st.read(resp, yield); out == stopStream {
				return
			}
			if st.params.NoResume {
				yield(nil, fmt.Errorf("managedagents: event stream dropped: %w", dropErr))
				return
			}
			st.events.client.logDebug("managedagents: event stream dropped", "session", st.sessionID, "error", dropErr)
			st.span.dropped(dropErr)
			if time.Since(connected) >= healthyAfter {
				failures = 0
			}
		} else {
			st.endConn(resp)
		}
		if resp = st.reconnect(yield, &failures); resp == nil {
			return
		}
	}
}

func (st *Stream) takeResp() *http.Response {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed.Load() {
		return nil
	}
	return st.resp
}

// reportEnd yields the caller's context error, unless the stream was
// closed on purpose.
func (st *Stream) reportEnd(yield func(Event, error) bool) {
	if !st.closed.Load() && st.parent.Err() != nil {
		yield(nil, st.parent.Err())
	}
}

// read decodes one connection's frames, on the caller's goroutine, and
// ends the connection when it is done.
func (st *Stream) read(resp *http.Response, yield func(Event, error) bool) (outcome, error) {
	watch := startWatchdog(resp.Body, st.params.IdleTimeout)
	defer st.endConn(resp)
	defer watch.stop()
	frames := newSSEReader(resp.Body, st.params.MaxFrameBytes)
	frames.onData = watch.touch
	requestID := resp.Header.Get("request-id")
	for {
		frame, err := frames.next()
		if err != nil {
			if st.ctx.Err() != nil {
				st.reportEnd(yield)
				return stopStream, nil
			}
			if watch.fired.Load() {
				err = fmt.Errorf("no data for %v", st.params.IdleTimeout)
			}
			return connLost, err
		}
		switch frame.event {
		case "ping":
			continue
		case "error":
			se := newStreamError(frame.data, requestID)
			if se.Temporary() && !st.params.NoResume {
				return connLost, se
			}
			yield(nil, se)
			return stopStream, nil
		}
		if len(frame.data) == 0 {
			continue
		}
		ev, err := decodeEvent(frame.data, frame.event)
		if err != nil {
			var de *DecodeError
			if errors.As(err, &de) && de.EventType == "" {
				de.EventType = frame.event
			}
			if !yield(nil, err) {
				return stopStream, nil
			}
			continue
		}
		if _, unknown := ev.(*UnknownEvent); unknown && ev.EventType() == "ping" {
			continue // a heartbeat sent as data only
		}
		if st.stalePreview(ev) {
			continue
		}
		if !st.deliver(ev, yield, true) || endsStream(ev) {
			return stopStream, nil
		}
		if !st.params.NoResume && ev.EventID() != "" {
			st.hist.delivered(st)
		}
	}
}

// stalePreview reports a live preview of an event the stream has already
// delivered: the history read that follows each connect can deliver a
// finished agent.message before the previews of it, buffered on the
// connection meanwhile, are read.
func (st *Stream) stalePreview(ev Event) bool {
	if st.params.NoResume {
		return false
	}
	switch p := ev.(type) {
	case *EventStartEvent:
		return st.seen.has(p.Event.ID)
	case *EventDeltaEvent:
		return st.seen.has(p.PreviewedEventID)
	}
	return false
}

// endsStream reports the events after which the session has nothing more
// to say.
func endsStream(ev Event) bool {
	t := ev.EventType()
	return t == EventSessionDeleted || t == EventSessionStatusTerminated
}

// errNoHeaders reports a connection that got no response headers in time.
type errNoHeaders struct {
	path string
	d    time.Duration
}

func (e *errNoHeaders) Error() string {
	return fmt.Sprintf("managedagents: GET %s: no response headers within %v", e.path, e.d)
}

// Unwrap lets errors.Is(err, context.DeadlineExceeded) match.
func (e *errNoHeaders) Unwrap() error { return context.DeadlineExceeded }

// connect opens one connection, abandoning it when no response headers
// arrive within ConnectTimeout. The connection has a context of its own,
// which endConn releases.
func (st *Stream) connect() (*http.Response, error) {
	ctx, cancel := context.WithCancel(st.ctx)
	timer := time.AfterFunc(st.params.ConnectTimeout, cancel)
	resp, err := st.events.client.openStream(ctx, st.path, st.query)
	if !timer.Stop() {
		if resp != nil {
			resp.Body.Close()
		}
		cancel()
		if st.ctx.Err() != nil {
			return nil, st.ctx.Err()
		}
		return nil, &errNoHeaders{path: st.path, d: st.params.ConnectTimeout}
	}
	if err != nil {
		cancel()
		return nil, err
	}
	st.connDone = cancel
	return resp, nil
}

// onOwnStack runs f on a goroutine of its own and waits for it. The
// goroutine that ranges over a stream keeps its stack for the stream's
// whole life, mostly blocked in a read; running an HTTP request and its
// JSON decoding there would grow that stack for good (the runtime shrinks
// a stack only while less than a quarter of it is in use), so a thousand
// idle streams would hold twice the stack memory of plain readers.
func onOwnStack(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

// endConn closes a connection and releases its context.
func (st *Stream) endConn(resp *http.Response) {
	resp.Body.Close()
	if st.connDone != nil {
		st.connDone()
		st.connDone = nil
	}
}

// reconnect waits and opens a new connection. It returns nil when the
// stream ended instead.
func (st *Stream) reconnect(yield func(Event, error) bool, failures *int) *http.Response {
	for {
		wait := backoff(st.params.ReconnectMin, st.params.ReconnectMax, *failures, reconnectJitter)
		st.span.reconnecting(*failures+1, wait)
		if !st.sleep(wait) {
			st.reportEnd(yield)
			return nil
		}
		*failures++
		var resp *http.Response
		var err error
		onOwnStack(func() { resp, err = st.dial() })
		if err != nil {
			if st.ctx.Err() != nil {
				st.reportEnd(yield)
				return nil
			}
			if fatalReconnectError(err) {
				yield(nil, err)
				return nil
			}
			st.events.client.logDebug("managedagents: stream reconnect failed", "session", st.sessionID, "error", err)
			st.span.reconnectFailed(err)
			continue
		}
		st.mu.Lock()
		closed := st.closed.Load()
		if !closed {
			st.resp = resp
		}
		st.mu.Unlock()
		if closed {
			st.endConn(resp)
			return nil
		}
		st.reconnects.Add(1)
		return resp
	}
}

// fatalReconnectError: a 4xx other than 408 and 429 will not heal.
func fatalReconnectError(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return errors.Is(err, ErrInvalidParams)
	}
	s := apiErr.StatusCode
	return s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests
}

// sleep waits d unless the stream ends first.
func (st *Stream) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-st.ctx.Done():
		return false
	}
}

// historyPage reads one history page within HistoryTimeout.
func (st *Stream) historyPage(params EventListParams) (*EventPage, error) {
	return st.readPage(func(ctx context.Context) (*EventPage, error) {
		return st.events.list(ctx, st.sessionID, params)
	})
}

// readPage reads one history page with list, on a stack of its own,
// within HistoryTimeout.
func (st *Stream) readPage(list func(context.Context) (*EventPage, error)) (*EventPage, error) {
	ctx, cancel := context.WithTimeout(st.ctx, st.params.HistoryTimeout)
	defer cancel()
	var page *EventPage
	var err error
	onOwnStack(func() { page, err = list(ctx) })
	if err != nil && st.ctx.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("managedagents: reading the history: no page within %v: %w", st.params.HistoryTimeout, err)
	}
	return page, err
}

// fillPages yields the persisted events the stream has not delivered yet,
// reading the history pages that read returns from cursor from (the
// first page for "") on; advance, when not nil, is told each next cursor once the events
// before it have been yielded. Any failure to read a page (an error status, a timeout, a body that is
// cut off, empty or not JSON) leaves the gap unfilled: the stream then
// reconnects and reads it again. A terminal event in the history ends the
// stream even if it was delivered before.
//
// Events of a page that do not decode are reported inline, as a
// *DecodeError after the page's other events, once (by the ID in their
// envelope, when it reads), and the read goes on.
func (st *Stream) fillPages(yield func(Event, error) bool, from string, read func(cursor string) (*EventPage, error), advance func(cursor string)) outcome {
	cursor := from
	for {
		page, err := read(cursor)
		// undecoded holds the error of the page's events that did not
		// decode, and the envelope of the first of them, by which it is
		// reported once.
		var undecoded error
		var envelope *UnknownEvent
		var de *DecodeError
		if err != nil && page != nil && errors.As(err, &de) {
			undecoded, err = err, nil
			if u, uerr := decodeUnknownEvent(de.Raw); uerr == nil && u.ID != "" {
				envelope = u
				if st.seen.has(u.ID) {
					undecoded = nil // the start marker's event, or reported already
				}
			}
		}
		if err == nil && page.NextPage != "" && page.NextPage == cursor {
			err = fmt.Errorf("managedagents: reading the history: the server returned cursor %q again", page.NextPage)
		}
		if err != nil {
			if st.ctx.Err() != nil {
				st.reportEnd(yield)
				return stopStream
			}
			if fatalReconnectError(err) {
				yield(nil, err)
				return stopStream
			}
			st.events.client.logDebug("managedagents: reading the history failed", "session", st.sessionID, "error", err)
			return connLost
		}
		for _, ev := range page.Data {
			if !st.deliver(ev, yield, false) || endsStream(ev) {
				return stopStream
			}
		}
		if undecoded != nil {
			if envelope != nil {
				st.seen.check(envelope, false)
			}
			if !yield(nil, undecoded) {
				return stopStream
			}
		}
		if page.NextPage == "" {
			return goOn
		}
		cursor = page.NextPage
		if advance != nil {
			advance(cursor)
		}
	}
}

// deliverPending yields the events prefill read, once.
func (st *Stream) deliverPending(yield func(Event, error) bool) outcome {
	pending := st.pending
	st.pending, st.prefilled = nil, false
	for _, ev := range pending {
		if !st.deliver(ev, yield, false) || endsStream(ev) {
			return stopStream
		}
	}
	return goOn
}

// deliver yields ev unless it was delivered already, and records it. live
// says ev came from the stream rather than the history: only a history
// event can be known as delivered by its timestamp.
func (st *Stream) deliver(ev Event, yield func(Event, error) bool, live bool) bool {
	if st.params.NoResume || ev.EventID() == "" {
		// Previews have no ID; an interrupt may have an empty one. Neither
		// can be deduplicated.
		return yield(ev, nil)
	}
	if !live && st.beforeStart(ev) {
		return true
	}
	if st.seen.check(ev, live) {
		return true
	}
	return yield(ev, nil)
}

// watchdog is the read-idle watchdog of one connection: it closes the
// body when no bytes have arrived for a while (heartbeats count). The SSE
// reader touches it each time a read brings bytes; resetting a timer per
// read, not per line, keeps it cheap, and it adds no layer, nor stack
// depth, to the reads themselves.
type watchdog struct {
	timer *time.Timer
	d     time.Duration
	fired atomic.Bool
}

func startWatchdog(body io.Closer, d time.Duration) *watchdog {
	w := &watchdog{d: d}
	w.timer = time.AfterFunc(d, func() {
		w.fired.Store(true)
		body.Close()
	})
	return w
}

func (w *watchdog) touch() { w.timer.Reset(w.d) }

func (w *watchdog) stop() { w.timer.Stop() }
