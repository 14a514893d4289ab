package managedagents

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// Every list of the API is cursor-paginated the same way: the request
// carries limit (the page size) and page (an opaque cursor from an earlier
// answer); the answer carries data and next_page, empty or null on the last
// page. Lists sorted by time also take order and bounds on created_at. This
// file holds what they share: the checks and encoding of those parameters
// and the iterator behind every All.

// Order is a list's sort order.
type Order string

// Sort orders.
const (
	// OrderAsc lists oldest first.
	OrderAsc Order = "asc"
	// OrderDesc lists newest first.
	OrderDesc Order = "desc"
)

// listParams holds the parameters lists share. Each list's params type keeps
// plain fields of its own (so that its composite literals stay as they are)
// and fills a listParams from them; order and created stay zero for a list
// that has neither.
type listParams struct {
	limit   int
	page    string
	order   Order
	created createdRange
}

// createdRange bounds created_at: after (gt), at or after (gte), before
// (lt), at or before (lte). Zero times are not sent.
type createdRange struct {
	after, atOrAfter, before, atOrBefore time.Time
}

// query checks the shared parameters and encodes them; the list adds its
// own to the values returned.
func (l listParams) query() (url.Values, error) {
	if l.limit < 0 {
		return nil, invalidParams("Limit %d is negative", l.limit)
	}
	if l.order != "" && l.order != OrderAsc && l.order != OrderDesc {
		return nil, invalidParams("Order %q is neither asc nor desc", l.order)
	}
	q := url.Values{}
	if l.limit > 0 {
		q.Set("limit", strconv.Itoa(l.limit))
	}
	setString(q, "page", l.page)
	setString(q, "order", string(l.order))
	setTime(q, "created_at[gt]", l.created.after)
	setTime(q, "created_at[gte]", l.created.atOrAfter)
	setTime(q, "created_at[lt]", l.created.before)
	setTime(q, "created_at[lte]", l.created.atOrBefore)
	return q, nil
}

// setString sets key to v unless v is empty.
func setString(q url.Values, key, v string) {
	if v != "" {
		q.Set(key, v)
	}
}

// setTime writes t as RFC 3339 in UTC, with a fraction only when non-zero.
func setTime(q url.Values, key string, t time.Time) {
	if !t.IsZero() {
		q.Set(key, t.UTC().Format(time.RFC3339Nano))
	}
}

// errCursorStuck reports a server that hands back a cursor it gave before.
var errCursorStuck = errors.New("managedagents: the server returned the same page cursor again")

// allPages iterates over the items of a cursor-paginated list, forward from
// the page at cursor first ("" is the first page). fetch reads the page at
// a cursor and returns its items and the next cursor, "" on the last page.
//
// It keeps going past empty pages while the server gives a next cursor, as
// the API requires; it stops fetching when the loop breaks; a cursor that
// comes back ends the sequence with errCursorStuck instead of a loop. An
// error is yielded once, with the zero T, as the last pair. The sequence
// can be ranged over more than once: each run starts again at first.
func allPages[T any](ctx context.Context, first string, fetch func(cursor string) (items []T, next string, err error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]bool{}
		cursor := first
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			seen[cursor] = true
			items, next, err := fetch(cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if seen[next] {
				yield(zero, fmt.Errorf("%w: %q", errCursorStuck, next))
				return
			}
			cursor = next
		}
	}
}

// addrs returns pointers to the elements of s, for an All that yields each
// item of a page in place.
func addrs[T any](s []T) []*T {
	p := make([]*T, len(s))
	for i := range s {
		p[i] = &s[i]
	}
	return p
}
