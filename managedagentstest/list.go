package managedagentstest

import (
	"cmp"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// listQuery is the parsed query of GET /v1/sessions.
type listQuery struct {
	agentID         string
	agentVersion    int64 // 0: any; honoured only with agentID
	deploymentID    string
	memoryStoreID   string
	includeArchived bool
	statuses        map[string]bool // empty: any
	pageQuery
}

// parseListQuery reads and validates the list query. Unknown parameters
// (beta=true from older SDKs among them) are ignored.
func parseListQuery(q url.Values, defaultLimit int) (listQuery, *apiError) {
	lq := listQuery{
		agentID:       q.Get("agent_id"),
		deploymentID:  q.Get("deployment_id"),
		memoryStoreID: q.Get("memory_store_id"),
		statuses:      map[string]bool{},
	}
	var err *apiError
	if lq.pageQuery, err = parsePageQuery(q, defaultLimit, "desc", false); err != nil {
		return lq, err
	}
	if q.Has("agent_version") {
		v, err := strconv.ParseInt(q.Get("agent_version"), 10, 64)
		if err != nil || v < 1 {
			return lq, errInvalid("agent_version: expected a positive integer, got %q", q.Get("agent_version"))
		}
		if lq.agentID != "" { // honoured only together with agent_id
			lq.agentVersion = v
		}
	}
	if q.Has("include_archived") {
		switch v := q.Get("include_archived"); v {
		case "true":
			lq.includeArchived = true
		case "false":
		default:
			return lq, errInvalid("include_archived: expected true or false, got %q", v)
		}
	}
	// url.Values has already decoded a percent-encoded statuses%5B%5D; the
	// bare repeated form (statuses=idle&statuses=running) is accepted too.
	for _, st := range append(q["statuses[]"], q["statuses"]...) {
		if !slices.Contains(sessionStatuses, st) {
			return lq, errInvalid("statuses[]: unknown status %q; expected idle, running, rescheduling or terminated", st)
		}
		lq.statuses[st] = true
	}
	return lq, nil
}

// matches reports whether s passes the query's filters.
func (lq *listQuery) matches(s *session) bool {
	if s.archivedAt != nil && !lq.includeArchived {
		return false
	}
	if len(lq.statuses) > 0 && !lq.statuses[s.status] {
		return false
	}
	if lq.agentID != "" && (s.agent.ID != lq.agentID || (lq.agentVersion != 0 && s.agent.Version != lq.agentVersion)) {
		return false
	}
	if lq.deploymentID != "" && (s.deploymentID == nil || *s.deploymentID != lq.deploymentID) {
		return false
	}
	if lq.memoryStoreID != "" && !slices.ContainsFunc(s.resources, func(r any) bool {
		m, ok := r.(*memoryStoreResource)
		return ok && m.MemoryStoreID == lq.memoryStoreID
	}) {
		return false
	}
	return lq.inBounds(s.createdAt)
}

// compareKeys orders sessions by created_at, then ID, ascending. IDs are
// generated in creation order, so ties resolve the way they were created.
func compareKeys(t1 time.Time, id1 string, t2 time.Time, id2 string) int {
	if c := t1.Compare(t2); c != 0 {
		return c
	}
	return cmp.Compare(id1, id2)
}

// sortedSessions returns all sessions in the given order. The caller holds
// f.mu.
func (f *Fake) sortedSessions(order string) []*session {
	all := slices.Collect(maps.Values(f.sessions))
	slices.SortFunc(all, func(a, b *session) int {
		c := compareKeys(a.createdAt, a.id, b.createdAt, b.id)
		if order == "desc" {
			c = -c
		}
		return c
	})
	return all
}

// listPage is the list response.
type listPage struct {
	Data     []json.RawMessage `json:"data"`
	NextPage *string           `json:"next_page"`
	PrevPage *string           `json:"prev_page"`
}

// listSessions handles GET /v1/sessions.
//
// Paging works on the filtered list in the requested order. Without a
// cursor it starts at the top. A next cursor returns the items after its
// boundary, a prev cursor the last `limit` items before it, so following
// prev_page from page 2 gives back page 1 exactly. next_page is null when
// nothing follows the page and prev_page is null when nothing precedes it
// (on the first page, in particular). A page with no items (reachable only
// when items are deleted while paging) has both cursors null.
func (f *Fake) listSessions(r *http.Request) (any, error) {
	lq, err := parseListQuery(r.URL.Query(), f.cfg.pageSize)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()

	var items []*session
	for _, s := range f.sortedSessions(lq.order) {
		if lq.matches(s) {
			items = append(items, s)
		}
	}
	// pos compares an item with the cursor boundary in the list's order.
	pos := func(s *session) int {
		c := compareKeys(s.createdAt, s.id, lq.cursor.CreatedAt, lq.cursor.ID)
		if lq.order == "desc" {
			c = -c
		}
		return c
	}
	start, end := 0, min(lq.limit, len(items))
	if c := lq.cursor; c != nil {
		if c.Dir == "next" {
			start = indexOrLen(items, func(s *session) bool { return pos(s) > 0 })
			end = min(start+lq.limit, len(items))
		} else {
			end = indexOrLen(items, func(s *session) bool { return pos(s) >= 0 })
			start = max(end-lq.limit, 0)
		}
	}

	page := listPage{Data: make([]json.RawMessage, 0, end-start)}
	for _, s := range items[start:end] {
		page.Data = append(page.Data, s.render(now))
	}
	if start < end {
		if end < len(items) {
			last := items[end-1]
			next := cursor{Order: lq.order, Dir: "next", ID: last.id, CreatedAt: last.createdAt}.encode()
			page.NextPage = &next
		}
		if start > 0 {
			first := items[start]
			prev := cursor{Order: lq.order, Dir: "prev", ID: first.id, CreatedAt: first.createdAt}.encode()
			page.PrevPage = &prev
		}
	}
	return page, nil
}

// indexOrLen returns the index of the first item satisfying ok, or len(items).
func indexOrLen(items []*session, ok func(*session) bool) int {
	if i := slices.IndexFunc(items, ok); i >= 0 {
		return i
	}
	return len(items)
}
