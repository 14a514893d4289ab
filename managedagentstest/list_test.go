package managedagentstest

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// listIDs lists with the given raw query and returns the IDs and cursors.
func listIDs(t *testing.T, srv *Server, query string) (ids []string, next, prev string) {
	t.Helper()
	page := do(t, srv, "GET", "/v1/sessions?"+query, nil).ok(t)
	if diff := cmp.Diff([]string{"data", "next_page", "prev_page"}, keys(page)); diff != "" {
		t.Fatalf("page keys (-want +got):\n%s", diff)
	}
	for _, s := range page["data"].([]any) {
		ids = append(ids, s.(map[string]any)["id"].(string))
	}
	next, _ = page["next_page"].(string)
	prev, _ = page["prev_page"].(string)
	return ids, next, prev
}

func TestListFilters(t *testing.T) {
	srv := newTestServer(t, WithClock(stepClock(t0, time.Second)), WithScript(holdScript)) // running stays running
	srv.AddAgent(Agent{ID: "agent_other", Version: 1})
	srv.AddAgent(Agent{ID: "agent_other", Version: 2})
	srv.AddMemoryStore("memstore_01m", "m", "")

	// One session per second from t0: created_at = t0 + i s.
	var ids []string
	create := func(body map[string]any) string {
		id := createSession(t, srv, body)["id"].(string)
		ids = append(ids, id)
		return id
	}
	idle := create(nil)                                                                                                              // t0
	other1 := create(map[string]any{"agent": map[string]any{"type": "agent", "id": "agent_other", "version": 1}})                    // t0+1s
	other2 := create(map[string]any{"agent": "agent_other"})                                                                         // t0+2s
	withMem := create(map[string]any{"resources": []any{map[string]any{"type": "memory_store", "memory_store_id": "memstore_01m"}}}) // t0+3s
	running := create(map[string]any{"initial_events": []any{userMessage("go")}})                                                    // t0+4s
	archived := create(nil)                                                                                                          // t0+5s
	do(t, srv, "POST", "/v1/sessions/"+archived+"/archive", nil).ok(t)

	at := func(sec int) string {
		return url.QueryEscape(t0.Add(time.Duration(sec) * time.Second).Format(time.RFC3339Nano))
	}
	rev := func(ids ...string) []string { slices.Reverse(ids); return ids }
	tests := []struct {
		query string
		want  []string // in desc order unless the query says otherwise
	}{
		{"", rev(idle, other1, other2, withMem, running)},
		{"order=asc", []string{idle, other1, other2, withMem, running}},
		{"agent_id=agent_other", rev(other1, other2)},
		{"agent_id=agent_other&agent_version=2", []string{other2}},
		{"agent_version=2", rev(idle, other1, other2, withMem, running)}, // ignored without agent_id
		{"agent_id=agent_nobody", nil},
		{"memory_store_id=memstore_01m", []string{withMem}},
		{"deployment_id=depl_01x", nil},
		{"include_archived=true", rev(ids...)},
		{"include_archived=false", rev(idle, other1, other2, withMem, running)},
		{"statuses[]=running", []string{running}},
		{"statuses%5B%5D=running&statuses%5B%5D=idle", rev(idle, other1, other2, withMem, running)},
		{"statuses=running", []string{running}},
		{"statuses[]=terminated", nil},
		{"statuses[]=terminated&include_archived=true", []string{archived}},
		{"created_at[gte]=" + at(2), rev(other2, withMem, running)},
		{"created_at[gt]=" + at(2), rev(withMem, running)},
		{"created_at[lt]=" + at(2), rev(idle, other1)},
		{"created_at[lte]=" + at(2) + "&created_at[gt]=" + at(0), rev(other1, other2)},
		{"created_at%5Bgte%5D=2026-11-26T12:14:06.118%2B02:00", rev(other2, withMem, running)},
		{"created_at[gte]=2026-11-26T12:14:06.118+02:00", rev(other2, withMem, running)}, // "+" arrives as a space
		{"beta=true&limit=2", rev(withMem, running)},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, _, _ := listIDs(t, srv, tt.query)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestListQueryErrors(t *testing.T) {
	srv := newTestServer(t)
	for _, q := range []string{
		"limit=0", "limit=1001", "limit=ten", "limit=",
		"order=newest", "order=",
		"include_archived=yes", "include_archived=",
		"statuses[]=sleeping", "statuses=", "statuses%5B%5D=done",
		"agent_version=x", "agent_id=a&agent_version=0",
		"created_at[gt]=yesterday", "created_at[lte]=2026-11-26", "created_at[lt]=",
		"page=not-a-cursor", "page=" + base64.RawURLEncoding.EncodeToString([]byte(`{"o":"sideways","d":"next","id":"x","t":"2026-01-01T00:00:00Z"}`)),
		"page=" + base64.RawURLEncoding.EncodeToString([]byte(`[1,2]`)),
	} {
		t.Run(q, func(t *testing.T) {
			do(t, srv, "GET", "/v1/sessions?"+q, nil).apiErr(t, 400, "invalid_request_error")
		})
	}
	do(t, srv, "GET", "/v1/sessions?limit=1000", nil).ok(t)
}

// TestListPagination walks five sessions two at a time in both orders,
// forward with next_page and back with prev_page.
func TestListPagination(t *testing.T) {
	for _, sameTime := range []bool{false, true} {
		t.Run(fmt.Sprintf("same created_at=%v", sameTime), func(t *testing.T) {
			clock := stepClock(t0, time.Second)
			if sameTime { // ties are broken by ID, i.e. creation order
				clock = func() time.Time { return t0 }
			}
			srv := newTestServer(t, WithClock(clock))
			var created []string
			for range 5 {
				created = append(created, createSession(t, srv, nil)["id"].(string))
			}
			for _, order := range []string{"asc", "desc"} {
				t.Run(order, func(t *testing.T) {
					want := slices.Clone(created)
					if order == "desc" {
						slices.Reverse(want)
					}
					wantPages := [][]string{want[0:2], want[2:4], want[4:5]}

					var pages [][]string
					var prevs []string
					ids, next, prev := listIDs(t, srv, "limit=2&order="+order)
					if prev != "" {
						t.Errorf("first page has prev_page %q", prev)
					}
					pages = append(pages, ids)
					prevs = append(prevs, prev)
					for next != "" {
						if len(pages) > 5 {
							t.Fatal("pagination does not end")
						}
						ids, next, prev = listIDs(t, srv, "limit=2&order="+order+"&page="+url.QueryEscape(next))
						pages = append(pages, ids)
						prevs = append(prevs, prev)
					}
					if diff := cmp.Diff(wantPages, pages); diff != "" {
						t.Fatalf("forward pages (-want +got):\n%s", diff)
					}
					// Walk back from the last page: each prev_page gives the
					// page before it exactly.
					for i := len(pages) - 1; i > 0; i-- {
						if prevs[i] == "" {
							t.Fatalf("page %d has no prev_page", i)
						}
						ids, next, prev := listIDs(t, srv, "limit=2&order="+order+"&page="+url.QueryEscape(prevs[i]))
						if diff := cmp.Diff(wantPages[i-1], ids); diff != "" {
							t.Errorf("prev of page %d (-want +got):\n%s", i, diff)
						}
						if next == "" {
							t.Errorf("page reached backwards has no next_page")
						}
						if (i-1 == 0) != (prev == "") {
							t.Errorf("page %d reached backwards: prev_page %q", i-1, prev)
						}
					}
				})
			}
		})
	}
}

func TestListCursorRules(t *testing.T) {
	srv := newTestServer(t, WithClock(stepClock(t0, time.Second)))
	var created []string
	for range 5 {
		created = append(created, createSession(t, srv, nil)["id"].(string))
	}
	_, nextAsc, _ := listIDs(t, srv, "limit=2&order=asc")
	_, nextDesc, _ := listIDs(t, srv, "limit=2")

	t.Run("order mismatch", func(t *testing.T) {
		do(t, srv, "GET", "/v1/sessions?order=desc&page="+url.QueryEscape(nextAsc), nil).apiErr(t, 400, "invalid_request_error")
		do(t, srv, "GET", "/v1/sessions?page="+url.QueryEscape(nextAsc), nil).apiErr(t, 400, "invalid_request_error") // default is desc
		do(t, srv, "GET", "/v1/sessions?order=asc&page="+url.QueryEscape(nextDesc), nil).apiErr(t, 400, "invalid_request_error")
	})
	t.Run("limit and filters may change", func(t *testing.T) {
		ids, next, _ := listIDs(t, srv, "limit=3&order=asc&page="+url.QueryEscape(nextAsc))
		if diff := cmp.Diff(created[2:5], ids); diff != "" || next != "" {
			t.Errorf("(-want +got):\n%s next=%q", diff, next)
		}
		ids, _, _ = listIDs(t, srv, "limit=3&order=asc&created_at[gte]="+url.QueryEscape(t0.Add(3*time.Second).Format(time.RFC3339))+"&page="+url.QueryEscape(nextAsc))
		if diff := cmp.Diff(created[3:5], ids); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("boundary deleted", func(t *testing.T) {
		_, next, _ := listIDs(t, srv, "limit=1&order=asc")
		do(t, srv, "DELETE", "/v1/sessions/"+created[0], nil).ok(t)
		ids, _, prev := listIDs(t, srv, "limit=1&order=asc&page="+url.QueryEscape(next))
		if diff := cmp.Diff(created[1:2], ids); diff != "" || prev != "" {
			t.Errorf("(-want +got):\n%s prev=%q", diff, prev)
		}
	})
	t.Run("cursors are opaque strings", func(t *testing.T) {
		if strings.ContainsAny(nextAsc, "+/=") || strings.Contains(nextAsc, "sesn_") {
			t.Errorf("cursor %q is not an opaque URL-safe token", nextAsc)
		}
	})
}

func TestDefaultPageSize(t *testing.T) {
	srv := newTestServer(t, WithDefaultPageSize(2))
	for range 3 {
		createSession(t, srv, nil)
	}
	ids, next, _ := listIDs(t, srv, "")
	if len(ids) != 2 || next == "" {
		t.Errorf("default page: %d items, next %q", len(ids), next)
	}
	srv = newTestServer(t)
	for range 21 {
		createSession(t, srv, nil)
	}
	if ids, _, _ := listIDs(t, srv, ""); len(ids) != 20 {
		t.Errorf("default page size = %d, want 20", len(ids))
	}
}
