package managedagentstest

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// pageQuery holds the query parameters the sessions list and the history
// share: page size, order, created_at bounds and the page cursor.
type pageQuery struct {
	limit     int
	order     string               // "asc" or "desc"
	createdAt map[string]time.Time // "gt", "gte", "lt", "lte"
	cursor    *cursor
}

// parsePageQuery reads the shared parameters, with these defaults. A
// cursor only makes sense in the order it was made for; an absent order
// means the default, so a client that forgets to resend order with the
// cursor is told so rather than silently served. With nextOnly, only
// forward cursors are accepted (the history has no prev_page).
func parsePageQuery(q url.Values, limit int, order string, nextOnly bool) (pageQuery, *apiError) {
	pq := pageQuery{limit: limit, order: order, createdAt: map[string]time.Time{}}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > maxPageSize {
			return pq, errInvalid("limit: expected an integer from 1 to %d, got %q", maxPageSize, q.Get("limit"))
		}
		pq.limit = n
	}
	if q.Has("order") {
		pq.order = q.Get("order")
		if pq.order != "asc" && pq.order != "desc" {
			return pq, errInvalid("order: expected asc or desc, got %q", pq.order)
		}
	}
	for _, op := range []string{"gt", "gte", "lt", "lte"} {
		name := "created_at[" + op + "]"
		if !q.Has(name) {
			continue
		}
		// An unescaped "+" in an offset arrives as a space; read it back.
		t, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(q.Get(name), " ", "+"))
		if err != nil {
			return pq, errInvalid("%s: %q is not an RFC 3339 date-time", name, q.Get(name))
		}
		pq.createdAt[op] = t
	}
	if page := q.Get("page"); page != "" {
		c, err := decodeCursor(page)
		if err != nil {
			return pq, err
		}
		if nextOnly && c.Dir != "next" {
			return pq, errInvalid("page: invalid page cursor")
		}
		if c.Order != pq.order {
			return pq, errInvalid("page: the cursor was produced with order=%s and cannot be used with order=%s", c.Order, pq.order)
		}
		pq.cursor = &c
	}
	return pq, nil
}

// inBounds reports whether t satisfies the created_at bounds.
func (pq *pageQuery) inBounds(t time.Time) bool {
	for op, bound := range pq.createdAt {
		c := t.Compare(bound)
		if (op == "gt" && c <= 0) || (op == "gte" && c < 0) || (op == "lt" && c >= 0) || (op == "lte" && c > 0) {
			return false
		}
	}
	return true
}
