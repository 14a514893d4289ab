package managedagents

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// threadHistoryLimit is the page size of the history reads of a thread
// stream: the most events a reconnect reads again.
const threadHistoryLimit = 200

// Stream opens a thread's live event stream: the events of one thread of a
// multi-agent session, in the order the thread processes them (the primary
// thread's stream follows the session's). It has the contract of
// Events.Stream: it returns once the server has answered 200, so that no
// later event can be missed, and a failure to connect is an error here;
// the stream is a single-use iterator that Close ends from any goroutine;
// by default it resumes after drops and yields every persisted event of
// the thread exactly once, in order; NoResume, FromStart, EventDeltas,
// the timeouts and MaxFrameBytes mean what they mean there. A server that
// answers 400 to a thread stream with event_deltas[] (older servers did)
// is asked again without it, once, and the stream goes on without
// previews.
//
// A thread's history can be read only forward, page by page from a cursor,
// so the stream keeps the cursor of the history page holding the last
// events it delivered (the tail) and reads from there:
//
//   - Opening a resuming stream (the default) pages through the thread's
//     whole history first, to find its end (those events predate the
//     stream and are not yielded): one request per 200 events, then the
//     connection, then one request for the events between the two.
//   - A reconnect reads the history from the tail to its end: usually one
//     or two requests of at most 200 events each, however long the thread
//     has run (against the fake server, after 10,000 events: 1 request,
//     under 1 % of the history's bytes).
//   - To keep the tail near the end on a long-lived connection, the
//     stream also reads forward from the tail after every 200 live events
//     (usually two requests of up to 200 events) and yields nothing from
//     it. In bytes that is about twice what the stream itself delivers:
//     the price of a history that has no time filter.
//
// Events are told apart by ID only: the stream remembers the last
// max(StreamParams.DedupeWindow, 800) events it delivered. With FromStart
// it yields the thread's whole history first; with NoResume it reads no
// history at all.
//
// From a checkpoint (StreamParams.After) the stream reads the history from
// the checkpoint's cursor, a page at or before its last event, skips the
// events up to that one, and yields the rest: usually one or two requests
// instead of the whole history. If that event is no longer in the history
// after the cursor, Stream returns an error rather than guess.
//
// API: GET /v1/sessions/{session_id}/threads/{thread_id}/stream
// https://platform.claude.com/docs/en/api/beta/sessions/threads/events/stream
func (s *ThreadsService) Stream(ctx context.Context, sessionID, threadID string, params StreamParams) (*Stream, error) {
	if ctx == nil {
		return nil, invalidParams("nil context")
	}
	path, err := threadPath(sessionID, threadID)
	if err != nil {
		return nil, err
	}
	if err := params.validate(); err != nil {
		return nil, err
	}
	if err := params.checkAfter(sessionID, threadID); err != nil {
		return nil, err
	}
	params.setDefaults()
	window := max(params.DedupeWindow, 4*threadHistoryLimit)
	st := &Stream{
		events:    &EventsService{client: s.client},
		sessionID: sessionID,
		path:      path + "/stream",
		query:     deltasQuery(params.EventDeltas),
		params:    params,
		hist:      &threadHistory{threads: s, threadID: threadID},
		parent:    ctx,
		seen:      deliveredSet{max: window, byIDOnly: true},
	}
	st.dial = func() (*http.Response, error) {
		resp, err := st.connect()
		var apiErr *APIError
		if err == nil || st.query == nil || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
			return resp, err
		}
		// At the open or on any reconnect: a server behind a load
		// balancer may be older on the next connection than on the first.
		s.client.logDebug("managedagents: the thread stream refused event_deltas[]; going on without previews",
			"session", sessionID, "thread", threadID, "error", err)
		st.query = nil
		st.params.EventDeltas = nil
		return st.connect()
	}
	return st.open()
}

// threadHistory reads a thread's history, forward from the tail.
type threadHistory struct {
	threads  *ThreadsService
	threadID string
	// tail is the request cursor of the history page holding the newest
	// events delivered ("" for the first page): every event before that
	// page was delivered, or predates the stream.
	tail string
	// anchorPage is the request cursor of a history page at or before the
	// one holding the last event delivered, with every event before it
	// delivered: where a stream from a checkpoint starts reading.
	anchorPage string
	// live counts the live events delivered since the tail was last
	// refreshed.
	live int
}

// hasIDs reports whether a page holds an event with an ID.
func hasIDs(page *EventPage) bool {
	return page != nil && slices.ContainsFunc(page.Data, func(ev Event) bool { return ev.EventID() != "" })
}

// page reads the history page at cursor.
func (h *threadHistory) page(st *Stream, cursor string) (*EventPage, error) {
	return st.readPage(func(ctx context.Context) (*EventPage, error) {
		return h.threads.listEvents(ctx, st.sessionID, h.threadID, ThreadEventListParams{Limit: threadHistoryLimit, Page: cursor})
	})
}

// start pages through the whole history, marking its events delivered,
// and keeps the last page's cursor as the tail.
func (h *threadHistory) start(st *Stream) error {
	cursor := ""
	for {
		page, err := h.page(st, cursor)
		var de *DecodeError
		if err != nil && page != nil && errors.As(err, &de) {
			// An event that does not decode predates the stream too.
			if u, uerr := decodeUnknownEvent(de.Raw); uerr == nil && u.ID != "" {
				st.seen.check(u, false)
			}
			err = nil
		}
		if err != nil {
			return err
		}
		for _, ev := range page.Data {
			if ev.EventID() != "" {
				st.seen.check(ev, false)
			}
		}
		if hasIDs(page) {
			h.anchorPage = cursor
		}
		if page.NextPage == "" {
			h.tail = cursor
			return nil
		}
		if page.NextPage == cursor {
			return fmt.Errorf("managedagents: reading the thread history: the server returned cursor %q again", cursor)
		}
		cursor = page.NextPage
	}
}

// restore reads the history from the checkpoint's cursor up to its last
// event, marking the events up to it delivered, and keeps that page's
// cursor as the tail. A last event that is not there (a history that
// changed, a cursor of another server) is an error: the stream would not
// know where to go on.
func (h *threadHistory) restore(st *Stream) error {
	c := st.params.After
	cursor := c.cursor
	h.tail, h.anchorPage = cursor, cursor
	if c.last == "" {
		return nil // nothing was delivered: everything after the cursor is new
	}
	for {
		page, err := h.page(st, cursor)
		var de *DecodeError
		if err != nil && page != nil && errors.As(err, &de) {
			err = nil // reported by the fill when after the last event
		}
		if err != nil {
			return err
		}
		upTo := slices.IndexFunc(page.Data, func(ev Event) bool { return ev.EventID() == c.last })
		marked := page.Data
		if upTo >= 0 {
			marked = page.Data[:upTo+1]
		}
		for _, ev := range marked {
			if ev.EventID() != "" {
				st.seen.check(ev, false)
			}
		}
		if upTo >= 0 {
			h.tail, h.anchorPage = cursor, cursor
			return nil
		}
		switch page.NextPage {
		case "":
			return errCheckpointLost(c)
		case cursor:
			return fmt.Errorf("managedagents: reading the thread history: the server returned cursor %q again", cursor)
		}
		cursor = page.NextPage
	}
}

// prefill reads the tail page again after the first connect; what it
// brings that start did not see is yielded first. A gap of more than a
// page, or a failed read, is left to the loop.
func (h *threadHistory) prefill(st *Stream) {
	page, err := h.page(st, h.tail)
	if err != nil || page.NextPage != "" {
		st.events.client.logDebug("managedagents: the first history read is left to the stream loop", "session", st.sessionID, "thread", h.threadID, "error", err)
		return
	}
	st.pending, st.prefilled = page.Data, true
}

// fill yields the history from the tail to its end, moving the tail along.
func (h *threadHistory) fill(st *Stream, yield func(Event, error) bool) outcome {
	return st.fillPages(yield, h.tail, func(cursor string) (*EventPage, error) {
		page, err := h.page(st, cursor)
		if hasIDs(page) {
			// Its events are yielded next, or were delivered live: the
			// last event delivered is on it or after it from now on.
			h.anchorPage = cursor
		}
		return page, err
	}, func(cursor string) { h.tail = cursor })
}

// delivered refreshes the tail after every threadHistoryLimit live events.
func (h *threadHistory) delivered(st *Stream) {
	if h.live++; h.live < threadHistoryLimit {
		return
	}
	h.live = 0
	h.refresh(st)
}

// refresh moves the tail past the pages whose events were all delivered,
// yielding nothing. A failed read leaves the tail where it was.
func (h *threadHistory) refresh(st *Stream) {
	cursor := h.tail
	for {
		page, err := h.page(st, cursor)
		if err != nil {
			if st.ctx.Err() == nil {
				st.events.client.logDebug("managedagents: refreshing the thread history cursor failed", "session", st.sessionID, "thread", h.threadID, "error", err)
			}
			return
		}
		if page.NextPage == "" || page.NextPage == cursor {
			return
		}
		for _, ev := range page.Data {
			if ev.EventID() != "" && !st.seen.knows(ev) {
				return
			}
		}
		if hasIDs(page) {
			h.anchorPage = cursor
		}
		cursor = page.NextPage
		h.tail = cursor
	}
}

// deltasQuery is the query asking for previews of these types; nil without
// previews, so that an idle stream holds no map for it.
func deltasQuery(deltas []string) url.Values {
	var q url.Values
	for _, d := range deltas {
		if q == nil {
			q = url.Values{}
		}
		q.Add("event_deltas[]", d)
	}
	return q
}
