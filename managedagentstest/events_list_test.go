package managedagentstest

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// historySession makes a session with a finished default turn: 8 events,
// one second apart.
func historySession(t *testing.T) (*Server, string, []map[string]any) {
	t.Helper()
	srv := newTestServer(t, WithClock(stepClock(t0, time.Second)))
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("hello"))
	waitIdle(t, srv, id)
	evs := logEvents(t, srv, id)
	want := []string{"user.message", "session.status_running", "span.model_request_start", "agent.thinking",
		"agent.message", "span.model_request_end", "session.usage", "session.status_idle"}
	if diff := cmp.Diff(want, types(evs)); diff != "" {
		t.Fatalf("log (-want +got):\n%s", diff)
	}
	return srv, id, evs
}

func TestHistoryPaging(t *testing.T) {
	srv, id, all := historySession(t)
	allIDs := eventIDs(all)
	rev := slices.Clone(allIDs)
	slices.Reverse(rev)

	// The default: asc, everything on one page, no cursor.
	evs, next := historyQuery(t, srv, id, "")
	if got, want := compactJSON(t, evs), compactJSON(t, all); got != want || next != "" {
		t.Errorf("default page:\n got %s\nwant %s\nnext %q", got, want, next)
	}
	// Paging in both orders; a last page that is exactly full has no cursor.
	for _, c := range []struct {
		order string
		limit string
		want  []string
		pages int
	}{
		{"asc", "3", allIDs, 3},
		{"desc", "3", rev, 3},
		{"asc", "4", allIDs, 2},
		{"desc", "8", rev, 1},
		{"asc", "1", allIDs, 8},
	} {
		var got []string
		q := "order=" + c.order + "&limit=" + c.limit
		pages := 0
		for page := ""; ; {
			query := q
			if page != "" {
				query += "&page=" + page
			}
			evs, next := historyQuery(t, srv, id, query)
			pages++
			got = append(got, eventIDs(evs)...)
			if next == "" {
				break
			}
			page = next
			if pages > 20 {
				t.Fatal("runaway paging")
			}
		}
		if diff := cmp.Diff(c.want, got); diff != "" || pages != c.pages {
			t.Errorf("%s: %d pages (want %d) (-want +got):\n%s", q, pages, c.pages, diff)
		}
	}
	// order=asc is the default, so an asc cursor works without order.
	_, next = historyQuery(t, srv, id, "limit=5")
	if evs, _ := historyQuery(t, srv, id, "limit=5&page="+next); !cmp.Equal(eventIDs(evs), allIDs[5:]) {
		t.Errorf("second page = %v", eventIDs(evs))
	}
	// Filters may change between pages: the cursor only marks a position.
	_, next = historyQuery(t, srv, id, "limit=2")
	if evs, _ := historyQuery(t, srv, id, "page="+next+"&types[]=agent.message&types[]=session.status_idle"); !cmp.Equal(types(evs), []string{"agent.message", "session.status_idle"}) {
		t.Errorf("filtered second page = %v", types(evs))
	}
}

func TestHistoryFilters(t *testing.T) {
	srv, id, all := historySession(t)
	at := func(i int) string { return qesc(all[i]["processed_at"].(string)) }
	// all[3]'s time written with a +02:00 offset, its "+" unescaped.
	t3, _ := time.Parse(time.RFC3339Nano, all[3]["processed_at"].(string))
	plus2 := t3.In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05.000-07:00")
	tests := []struct {
		query string
		want  []string // event types
	}{
		{"types[]=agent.message", []string{"agent.message"}},
		{"types%5B%5D=agent.message&types%5B%5D=session.status_idle", []string{"agent.message", "session.status_idle"}},
		{"types=span.model_request_start&types=span.model_request_end", []string{"span.model_request_start", "span.model_request_end"}},
		{"types[]=agent.tool_use", nil},
		{"types[]=user.message&order=desc", []string{"user.message"}},
		{"created_at[gte]=" + at(5), types(all[5:])},
		{"created_at[gt]=" + at(5), types(all[6:])},
		{"created_at[lt]=" + at(2), types(all[:2])},
		{"created_at[lte]=" + at(2), types(all[:3])},
		{"created_at%5Bgte%5D=" + at(2) + "&created_at%5Blt%5D=" + at(4), types(all[2:4])},
		{"created_at[gte]=" + at(6) + "&order=desc", []string{"session.status_idle", "session.usage"}},
		{"created_at[gte]=" + qesc(plus2), types(all[3:])},
		{"created_at[gte]=" + plus2, types(all[3:])}, // the "+" arrives as a space
		{"created_at[gte]=" + at(1) + "&types[]=session.status_running&types[]=agent.thinking", []string{"session.status_running", "agent.thinking"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			evs, next := historyQuery(t, srv, id, tt.query)
			if diff := cmp.Diff(tt.want, types(evs), cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if next != "" {
				t.Errorf("next_page = %q", next)
			}
		})
	}
}

func TestHistoryQueryErrors(t *testing.T) {
	srv, id, _ := historySession(t)
	_, descCursor := historyQuery(t, srv, id, "order=desc&limit=2")
	_, ascCursor := historyQuery(t, srv, id, "limit=2")
	foreign := cursor{Order: "asc", Dir: "next", ID: "sevt_01nothere", CreatedAt: t0}.encode()
	prev := cursor{Order: "asc", Dir: "prev", ID: "sevt_01x", CreatedAt: t0}.encode()
	tests := []struct{ query, inMsg string }{
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"limit=ten", "limit"},
		{"order=up", "order"},
		{"types[]=agent.unknown", `types[]: unknown event type "agent.unknown"`},
		{"types[]=event_delta", `unknown event type "event_delta"`},
		{"created_at[gt]=yesterday", "created_at[gt]"},
		{"page=!!!", "page: invalid page cursor"},
		{"page=" + base64.RawURLEncoding.EncodeToString([]byte(`{"o":"asc"}`)), "page: invalid page cursor"},
		{"page=" + descCursor, "page: the cursor was produced with order=desc and cannot be used with order=asc"},
		{"order=desc&page=" + ascCursor, "order=asc and cannot be used with order=desc"},
		{"page=" + foreign, "page: invalid page cursor"},
		{"page=" + prev, "page: invalid page cursor"},
	}
	for _, tt := range tests {
		e := do(t, srv, "GET", "/v1/sessions/"+id+"/events?"+tt.query, nil).apiErr(t, 400, "invalid_request_error")
		if !strings.Contains(e["message"].(string), tt.inMsg) {
			t.Errorf("%s: message %q does not contain %q", tt.query, e["message"], tt.inMsg)
		}
	}
	e := do(t, srv, "GET", "/v1/sessions/sesn_01missing/events", nil).apiErr(t, 404, "not_found_error")
	if e["message"] != "Session sesn_01missing not found." {
		t.Errorf("message = %v", e["message"])
	}
	// Archived sessions keep their history; deleted ones are gone.
	do(t, srv, "POST", "/v1/sessions/"+id+"/archive", nil).ok(t)
	if evs, _ := historyQuery(t, srv, id, "types[]=session.status_terminated"); len(evs) != 1 {
		t.Errorf("archived history = %v", evs)
	}
	do(t, srv, "DELETE", "/v1/sessions/"+id, nil).ok(t)
	do(t, srv, "GET", "/v1/sessions/"+id+"/events", nil).apiErr(t, 404, "not_found_error")
}

// TestHistoryTies: with a clock that never moves every event has the same
// processed_at; the log position orders them, and paging still works.
func TestHistoryTies(t *testing.T) {
	srv := newTestServer(t, WithClock(func() time.Time { return t0 }))
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("a"))
	waitIdle(t, srv, id)
	sendOK(t, srv, id, msgEvent("b"))
	waitIdle(t, srv, id)
	all := eventIDs(logEvents(t, srv, id))
	var got []string
	for page := ""; ; {
		evs, next := historyQuery(t, srv, id, "order=desc&limit=3&page="+page)
		got = append(got, eventIDs(evs)...)
		if next == "" {
			break
		}
		page = next
	}
	slices.Reverse(got)
	if diff := cmp.Diff(all, got); diff != "" {
		t.Errorf("desc pages reversed (-want +got):\n%s", diff)
	}
}
