package managedagentstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
)

// GET /v1/sessions/{session_id}/events.
//
// History holds persisted events only: client events still waiting in the
// queue are absent (the API may leave them out or list them with
// processed_at null; the fake chose absent), and so are stream-only
// previews. Events are ordered by processed_at, ties broken by their
// position in the log, which is processing order.

// defaultEventsLimit is the API's default page size of history.
const defaultEventsLimit = 1000

// eventsQuery is the parsed query of the history endpoint.
type eventsQuery struct {
	pageQuery
	types map[string]bool // empty: any
}

// parseEventsQuery reads and validates the history query. Unknown
// parameters are ignored.
func parseEventsQuery(q url.Values) (eventsQuery, *apiError) {
	eq := eventsQuery{types: map[string]bool{}}
	var err *apiError
	if eq.pageQuery, err = parsePageQuery(q, defaultEventsLimit, "asc", true); err != nil {
		return eq, err
	}
	// url.Values has already decoded types%5B%5D; the bare repeated form is
	// accepted too.
	for _, typ := range append(q["types[]"], q["types"]...) {
		if !slices.Contains(historyEventTypes, typ) {
			return eq, errInvalid("types[]: unknown event type %q", typ)
		}
		eq.types[typ] = true
	}
	return eq, nil
}

// matches reports whether ev passes the type and created_at filters; the
// latter compare with processed_at.
func (eq *eventsQuery) matches(ev event) bool {
	if len(eq.types) > 0 && !eq.types[ev.typ] {
		return false
	}
	return eq.inBounds(ev.processedAt)
}

// eventsPage is the history response: no prev_page.
type eventsPage struct {
	Data     []json.RawMessage `json:"data"`
	NextPage *string           `json:"next_page"`
}

// listEvents handles GET /v1/sessions/{session_id}/events. Archived and
// terminated sessions keep their history; deleted ones are gone (404).
// A cursor names the last event of its page; the next page starts after
// it, whatever the filters are then. next_page is null on the last page.
func (f *Fake) listEvents(r *http.Request) (any, error) {
	id := r.PathValue("session_id")
	eq, err := parseEventsQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return nil, errSessionNotFound(id)
	}

	// Log positions in (processed_at, position) order.
	pos := make([]int, len(s.events))
	for i := range pos {
		pos[i] = i
	}
	slices.SortStableFunc(pos, func(a, b int) int { return s.events[a].processedAt.Compare(s.events[b].processedAt) })
	if eq.order == "desc" {
		slices.Reverse(pos)
	}
	// rank is each log position's place in that order.
	rank := make([]int, len(pos))
	for r, p := range pos {
		rank[p] = r
	}

	start := 0
	if c := eq.cursor; c != nil {
		at := slices.IndexFunc(s.events, func(ev event) bool { return ev.id == c.ID })
		if at < 0 {
			return nil, errInvalid("page: invalid page cursor")
		}
		start = rank[at] + 1
	}
	page := eventsPage{Data: []json.RawMessage{}}
	last := -1
	for i := start; i < len(pos); i++ {
		ev := s.events[pos[i]]
		if !eq.matches(ev) {
			continue
		}
		if len(page.Data) == eq.limit {
			// Another match follows the page: hand out a cursor.
			lev := s.events[last]
			next := cursor{Order: eq.order, Dir: "next", ID: lev.id, CreatedAt: lev.processedAt}.encode()
			page.NextPage = &next
			break
		}
		page.Data = append(page.Data, ev.raw)
		last = pos[i]
	}
	return page, nil
}
