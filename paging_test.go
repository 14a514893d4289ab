package managedagents

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestListParamsQuery(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 123e6, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		in   listParams
		want url.Values
	}{
		{"zero sends nothing", listParams{}, url.Values{}},
		{"page and limit only", listParams{limit: 20, page: "cur"}, url.Values{"limit": {"20"}, "page": {"cur"}}},
		{"everything", listParams{
			limit: 5, page: "cur", order: OrderDesc,
			created: createdRange{at, at.Truncate(time.Second), at, at},
		}, url.Values{
			"limit": {"5"}, "page": {"cur"}, "order": {"desc"},
			"created_at[gt]": {"2026-10-31T23:00:00.123Z"}, "created_at[gte]": {"2026-10-31T23:00:00Z"},
			"created_at[lt]": {"2026-10-31T23:00:00.123Z"}, "created_at[lte]": {"2026-10-31T23:00:00.123Z"},
		}},
	}
	for _, tt := range tests {
		q, err := tt.in.query()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, q); diff != "" {
			t.Errorf("%s: query (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, bad := range []listParams{{limit: -1}, {order: "sideways"}} {
		if _, err := bad.query(); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("%+v: err = %v, want ErrInvalidParams", bad, err)
		}
	}
}

// fakePages serves allPages from a map of cursor to (items, next) and
// records the cursors fetched.
type fakePages struct {
	pages   map[string]fakePage
	fetched []string
}

type fakePage struct {
	items []int
	next  string
}

func (f *fakePages) fetch(cursor string) ([]int, string, error) {
	f.fetched = append(f.fetched, cursor)
	p, ok := f.pages[cursor]
	if !ok {
		return nil, "", errors.New("no such page")
	}
	return p.items, p.next, nil
}

// collect ranges over seq, breaking after max items when max > 0, and
// returns the items and every error yielded.
func collect(seq func(func(int, error) bool), max int) (items []int, errs []error) {
	for it, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, it)
		if max > 0 && len(items) == max {
			break
		}
	}
	return items, errs
}

func TestAllPages(t *testing.T) {
	ctx := testContext(t)
	three := map[string]fakePage{
		"":   {[]int{1, 2}, "c1"},
		"c1": {nil, "c2"}, // an empty page with a next cursor: keep going
		"c2": {[]int{3}, ""},
	}
	t.Run("every page, past an empty one", func(t *testing.T) {
		f := &fakePages{pages: three}
		items, errs := collect(allPages(ctx, "", f.fetch), 0)
		if diff := cmp.Diff([]int{1, 2, 3}, items); diff != "" || errs != nil {
			t.Errorf("items (-want +got):\n%s errs %v", diff, errs)
		}
		if diff := cmp.Diff([]string{"", "c1", "c2"}, f.fetched); diff != "" {
			t.Errorf("cursors (-want +got):\n%s", diff)
		}
	})
	t.Run("starts at the given cursor, again on each run", func(t *testing.T) {
		f := &fakePages{pages: three}
		seq := allPages(ctx, "c1", f.fetch)
		for range 2 {
			if items, errs := collect(seq, 0); !cmp.Equal([]int{3}, items) || errs != nil {
				t.Errorf("items %v, errs %v; want [3]", items, errs)
			}
		}
		if diff := cmp.Diff([]string{"c1", "c2", "c1", "c2"}, f.fetched); diff != "" {
			t.Errorf("cursors (-want +got):\n%s", diff)
		}
	})
	t.Run("break stops fetching", func(t *testing.T) {
		f := &fakePages{pages: three}
		if items, _ := collect(allPages(ctx, "", f.fetch), 1); !cmp.Equal([]int{1}, items) {
			t.Errorf("items = %v, want [1]", items)
		}
		if len(f.fetched) != 1 {
			t.Errorf("fetched %v, want one page", f.fetched)
		}
	})
	t.Run("an error is the last pair, yielded once", func(t *testing.T) {
		f := &fakePages{pages: map[string]fakePage{"": {[]int{1}, "gone"}}}
		var pairs int
		var last error
		for _, err := range allPages(ctx, "", f.fetch) {
			pairs++
			last = err
		}
		if pairs != 2 || last == nil || last.Error() != "no such page" {
			t.Errorf("%d pairs ending in %v; want an item then the error", pairs, last)
		}
	})
	t.Run("a repeated cursor is an error, not a loop", func(t *testing.T) {
		f := &fakePages{pages: map[string]fakePage{"": {[]int{1}, "c1"}, "c1": {[]int{2}, "c1"}}}
		items, errs := collect(allPages(ctx, "", f.fetch), 0)
		if !cmp.Equal([]int{1, 2}, items) || len(errs) != 1 || !errors.Is(errs[0], errCursorStuck) {
			t.Errorf("items %v, errs %v; want [1 2] then errCursorStuck", items, errs)
		}
	})
	t.Run("a cursor back to the first page is an error, not a repeat", func(t *testing.T) {
		f := &fakePages{pages: map[string]fakePage{"c0": {[]int{1}, "c1"}, "c1": {[]int{2}, "c0"}}}
		items, errs := collect(allPages(ctx, "c0", f.fetch), 0)
		if !cmp.Equal([]int{1, 2}, items) || len(errs) != 1 || !errors.Is(errs[0], errCursorStuck) {
			t.Errorf("items %v, errs %v; want [1 2] then errCursorStuck", items, errs)
		}
	})
	t.Run("a cancelled context fetches nothing", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		f := &fakePages{pages: three}
		_, errs := collect(allPages(cctx, "", f.fetch), 0)
		if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || len(f.fetched) != 0 {
			t.Errorf("errs %v after fetching %v; want context.Canceled and no fetch", errs, f.fetched)
		}
	})
}

func TestAddrsPointIntoTheSlice(t *testing.T) {
	s := []Session{{ID: "a"}, {ID: "b"}}
	p := addrs(s)
	if len(p) != 2 || p[0] != &s[0] || p[1] != &s[1] {
		t.Errorf("addrs = %v, want pointers to the elements", p)
	}
}

func TestEventListQuery(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 15, 0, 5e8, time.UTC)
	p := EventListParams{Limit: 3, Page: "cur", Order: OrderAsc, Types: []string{EventAgentMessage, EventUserMessage}, CreatedAtOrAfter: at, CreatedBefore: at.Add(time.Hour)}
	q, err := p.query()
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"limit": {"3"}, "page": {"cur"}, "order": {"asc"}, "types[]": {EventAgentMessage, EventUserMessage},
		"created_at[gte]": {"2026-11-26T10:15:00.5Z"}, "created_at[lt]": {"2026-11-26T11:15:00.5Z"},
	}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	for _, bad := range []EventListParams{{Limit: -1}, {Order: "up"}, {Types: []string{""}}} {
		if _, err := bad.query(); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("%+v: err = %v, want ErrInvalidParams", bad, err)
		}
	}
}
