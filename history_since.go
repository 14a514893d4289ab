package managedagents

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// HistoryReader reads the persisted events of a session after a
// checkpoint, from the history only: it ends where the history ends
// instead of following live. It is what a stateless worker (a webhook
// handler, a cron job) uses to catch up on a session and return. Get one
// from Events.Since.
type HistoryReader struct {
	st *Stream
}

// errHistoryReused reports a second call to HistoryReader.Events.
var errHistoryReused = errors.New("managedagents: HistoryReader.Events can be ranged over only once")

// Since returns a reader of the session's persisted events after the
// checkpoint after, oldest first; the zero Checkpoint means the whole
// history. It gives the same events, exactly once and in order, that a
// Stream opened with StreamParams.After would yield before following live,
// and then ends. After the reader's events, HistoryReader.Checkpoint gives
// the checkpoint to save: the next Since (or Stream) continues from it.
//
// Since does no I/O; the history is read while ranging over Events. A
// checkpoint of a thread stream or of another session, or one that did not
// decode, is an error matching ErrInvalidParams.
//
// Each read starts 5 s before the checkpoint's last event: a worker that
// saves the checkpoint after each catch-up reads little more than what is
// new.
//
// API: GET /v1/sessions/{session_id}/events
// https://platform.claude.com/docs/en/api/beta/sessions/events/list
func (s *EventsService) Since(ctx context.Context, sessionID string, after Checkpoint) (*HistoryReader, error) {
	if ctx == nil {
		return nil, invalidParams("nil context")
	}
	if _, err := escapeID("session ID", sessionID); err != nil {
		return nil, err
	}
	params := StreamParams{After: after}
	if err := params.checkAfter(sessionID, ""); err != nil {
		return nil, err
	}
	params.setDefaults()
	st := &Stream{
		events:    s,
		sessionID: sessionID,
		params:    params,
		hist:      sessionHistory{},
		parent:    ctx,
		seen:      deliveredSet{max: params.DedupeWindow},
	}
	if !after.IsZero() {
		st.seen.restore(after)
	}
	return &HistoryReader{st: st}, nil
}

// Events returns the persisted events after the reader's checkpoint, in
// order, and ends at the end of the history (or after session.deleted or
// session.status_terminated). It is a single-use iterator: it can be
// ranged over once, and a second loop gets one error.
//
// Errors come inline as (nil, err) pairs. An event that does not decode is
// a *DecodeError and the read goes on; a page that cannot be read (after
// the client's retries) or the end of the context ends it with a last
// error pair, and the events yielded before it stay yielded: their
// checkpoint is valid. A client event still queued (processed_at null)
// is yielded, and yielded again with the same ID by a later read once it
// has been processed, as a Stream does.
func (h *HistoryReader) Events() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		st := h.st
		if !st.used.CompareAndSwap(false, true) {
			yield(nil, errHistoryReused)
			return
		}
		st.ctx, st.cancel = context.WithCancel(st.parent)
		defer st.cancel()
		params := EventListParams{Order: OrderAsc, CreatedAtOrAfter: st.seen.resumeFrom()}
		var readErr error
		out := st.fillPages(yield, "", func(cursor string) (*EventPage, error) {
			p := params
			p.Page = cursor
			page, err := st.historyPage(p)
			var de *DecodeError
			if err != nil && !(page != nil && errors.As(err, &de)) {
				readErr = err // a page that could not be read, not one with an undecodable event
			}
			return page, err
		}, nil)
		if out != connLost {
			return
		}
		if readErr == nil {
			readErr = errors.New("the server's pages do not end")
		}
		yield(nil, fmt.Errorf("managedagents: reading the history of session %s: %w", st.sessionID, readErr))
	}
}

// Checkpoint returns where the reader stands: after the last event Events
// yielded, or (before any) one that stands where the reader started. Call it from the
// loop over Events, after handling an event, or after the loop; save it
// once the events before it are handled, and pass it to the next
// Events.Since or StreamParams.After.
func (h *HistoryReader) Checkpoint() Checkpoint {
	c, _ := h.st.Checkpoint()
	return c
}
