package managedagents

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// EventsService sends events to a session and reads its history. Get it
// from Client.Events.
type EventsService struct {
	client *Client
}

// Send sends events to a session, in order, and returns their echoes, which
// carry the IDs the server assigned (processed_at is nil while they are
// queued). Events may be sent while the session is running: they queue.
//
// The events are checked before sending (required fields, at most 50, at
// most one system.message and only last). Send is not idempotent: the API
// has no idempotency key, so it is retried only when the server certainly
// did not act, and an ambiguous failure returns an error matching
// ErrOutcomeUnknown. Before sending again, look in the history for the
// event: List with Types for a tool result or confirmation (matching its
// tool-use ID), or the newest events (OrderDesc) for a user.message echo.
//
// API: POST /v1/sessions/{session_id}/events
// https://platform.claude.com/docs/en/api/beta/sessions/events/send
func (s *EventsService) Send(ctx context.Context, sessionID string, events ...EventParam) ([]Event, error) {
	id, err := escapeID("session ID", sessionID)
	if err != nil {
		return nil, err
	}
	if err := validateEvents(events, false); err != nil {
		return nil, err
	}
	body := struct {
		Events []EventParam `json:"events"`
	}{events}
	var out struct {
		Data Events `json:"data"`
	}
	r := request{method: http.MethodPost, path: "/v1/sessions/" + id + "/events", body: body, what: "sent events"}
	if err := s.client.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// EventListParams filters and pages Events.List. The zero value reads the
// history from the start, in the server's default page size (1000).
type EventListParams struct {
	// Limit is the page size; zero means the server's default.
	Limit int
	// Page is a cursor from EventPage.NextPage.
	Page string
	// Order is by processed_at; the default is oldest first.
	Order Order
	// Types keeps only events of these types (Event… constants).
	Types []string
	// Bounds on processed_at (the API names them created_at[…]).
	CreatedAfter, CreatedAtOrAfter, CreatedBefore, CreatedAtOrBefore time.Time
}

// query checks params and encodes them: the shared list parameters, then
// the types filter.
func (p *EventListParams) query() (url.Values, error) {
	q, err := listParams{
		limit: p.Limit, page: p.Page, order: p.Order,
		created: createdRange{p.CreatedAfter, p.CreatedAtOrAfter, p.CreatedBefore, p.CreatedAtOrBefore},
	}.query()
	if err != nil {
		return nil, err
	}
	for _, t := range p.Types {
		if t == "" {
			return nil, invalidParams("Types holds an empty type")
		}
		q.Add("types[]", t)
	}
	return q, nil
}

// EventPage is one page of a session's history.
type EventPage struct {
	// Data holds the events; types this library does not know are
	// *UnknownEvent values.
	Data Events `json:"data"`
	// NextPage is the cursor of the next page, empty on the last one.
	NextPage string `json:"next_page"`
}

// List returns one page of a session's persisted events. Live previews are
// never part of the history.
//
// API: GET /v1/sessions/{session_id}/events
// https://platform.claude.com/docs/en/api/beta/sessions/events/list
func (s *EventsService) List(ctx context.Context, sessionID string, params EventListParams) (*EventPage, error) {
	page, err := s.list(ctx, sessionID, params)
	if err != nil {
		return nil, err
	}
	return page, nil
}

// list is List, except that a page of which some events did not decode
// comes back with the others, beside the error (see partialPage): a
// resuming stream delivers them and reports the rest inline.
func (s *EventsService) list(ctx context.Context, sessionID string, params EventListParams) (*EventPage, error) {
	id, err := escapeID("session ID", sessionID)
	if err != nil {
		return nil, err
	}
	q, err := params.query()
	if err != nil {
		return nil, err
	}
	var out EventPage
	r := request{method: http.MethodGet, path: "/v1/sessions/" + id + "/events", query: q, idempotent: true, what: "event list"}
	if err := s.client.do(ctx, r, &out); err != nil {
		return partialPage(&out, err)
	}
	return &out, nil
}

// partialPage returns, for a page whose only fault is events that did not
// decode, the page with the events that did and the *DecodeError of the
// first that did not; for any other failure, no page.
func partialPage(p *EventPage, err error) (*EventPage, error) {
	var de *DecodeError
	if p.Data != nil && errors.As(err, &de) {
		return p, err // the data array parsed; some elements did not
	}
	return nil, err
}

// All iterates over a session's whole history matching params, fetching
// pages as needed and stopping when the loop breaks. An error is yielded
// once, as the last pair. The sequence can be ranged over more than once;
// each run starts again from params.Page.
//
// API: GET /v1/sessions/{session_id}/events (every page)
// https://platform.claude.com/docs/en/api/beta/sessions/events/list
func (s *EventsService) All(ctx context.Context, sessionID string, params EventListParams) iter.Seq2[Event, error] {
	return allPages(ctx, params.Page, func(cursor string) ([]Event, string, error) {
		p := params
		p.Page = cursor
		page, err := s.List(ctx, sessionID, p)
		if err != nil {
			return nil, "", err
		}
		return page.Data, page.NextPage, nil
	})
}
