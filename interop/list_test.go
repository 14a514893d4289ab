package interop

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go/managedagentstest"
)

// listFixture is seven sessions, one second apart (s[0] oldest), alternating
// between the default agent and agentID (versions 2 and 1 for s[1], s[3]),
// with s[0] holding the memory store and s[5] archived.
type listFixture struct {
	e        *env
	sessions []*anthropic.BetaManagedAgentsSession
	times    []time.Time
	id       []string // session IDs, oldest first
}

func newListFixture(t *testing.T) *listFixture {
	t.Helper()
	e := newEnv(t)
	seed(e)
	fx := &listFixture{e: e}
	for i := range 7 {
		p := simpleParams("session " + string(rune('0'+i)))
		switch i {
		case 0:
			p.Resources = []anthropic.BetaSessionNewParamsResourceUnion{{
				OfMemoryStore: &anthropic.BetaManagedAgentsMemoryStoreResourceParam{MemoryStoreID: storeID},
			}}
		case 1, 5:
			p.Agent = anthropic.BetaSessionNewParamsAgentUnion{OfString: anthropic.String(agentID)}
		case 3:
			p.Agent = anthropic.BetaSessionNewParamsAgentUnion{OfBetaManagedAgentsAgents: &anthropic.BetaManagedAgentsAgentParams{
				ID: agentID, Version: anthropic.Int(1),
			}}
		}
		fx.times = append(fx.times, e.clock.Advance(time.Second))
		s := mustNew(t, e, p)
		fx.sessions = append(fx.sessions, s)
		fx.id = append(fx.id, s.ID)
	}
	e.clock.Advance(time.Second)
	if _, err := e.sdk.Beta.Sessions.Archive(context.Background(), fx.id[5], anthropic.BetaSessionArchiveParams{}); err != nil {
		t.Fatalf("Archive: %v", err)
	}
	return fx
}

// pick returns the IDs of the given fixture sessions.
func (fx *listFixture) pick(idx ...int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = fx.id[j]
	}
	return out
}

// TestListFilters lists with every filter the SDK has and checks the query
// it sends, the fake's reading of it, and the sessions returned.
func TestListFilters(t *testing.T) {
	fx := newListFixture(t)
	e := fx.e
	plus2 := time.FixedZone("UTC+2", 2*60*60)
	cases := []struct {
		name      string
		params    anthropic.BetaSessionListParams
		wantQuery url.Values // as the fake decoded it
		rawQuery  []string   // substrings of the raw query as the SDK sent it
		want      []string
		wantNext  bool
	}{
		{
			name:      "defaults: newest first, archived hidden",
			params:    anthropic.BetaSessionListParams{},
			wantQuery: url.Values{},
			want:      fx.pick(6, 4, 3, 2, 1, 0),
		},
		{
			name:      "order asc",
			params:    anthropic.BetaSessionListParams{Order: anthropic.BetaSessionListParamsOrderAsc},
			wantQuery: url.Values{"order": {"asc"}},
			want:      fx.pick(0, 1, 2, 3, 4, 6),
		},
		{
			name:      "order desc",
			params:    anthropic.BetaSessionListParams{Order: anthropic.BetaSessionListParamsOrderDesc},
			wantQuery: url.Values{"order": {"desc"}},
			want:      fx.pick(6, 4, 3, 2, 1, 0),
		},
		{
			name:      "agent_id",
			params:    anthropic.BetaSessionListParams{AgentID: anthropic.String(agentID)},
			wantQuery: url.Values{"agent_id": {agentID}},
			want:      fx.pick(3, 1),
		},
		{
			name:      "agent_id and agent_version",
			params:    anthropic.BetaSessionListParams{AgentID: anthropic.String(agentID), AgentVersion: anthropic.Int(1)},
			wantQuery: url.Values{"agent_id": {agentID}, "agent_version": {"1"}},
			want:      fx.pick(3),
		},
		{
			name:      "include_archived",
			params:    anthropic.BetaSessionListParams{IncludeArchived: anthropic.Bool(true)},
			wantQuery: url.Values{"include_archived": {"true"}},
			want:      fx.pick(6, 5, 4, 3, 2, 1, 0),
		},
		{
			name:      "one status",
			params:    anthropic.BetaSessionListParams{Statuses: []string{"terminated"}, IncludeArchived: anthropic.Bool(true)},
			wantQuery: url.Values{"statuses[]": {"terminated"}, "include_archived": {"true"}},
			rawQuery:  []string{"statuses%5B%5D=terminated"},
			want:      fx.pick(5),
		},
		{
			name:      "several statuses are OR-ed",
			params:    anthropic.BetaSessionListParams{Statuses: []string{"idle", "terminated"}, IncludeArchived: anthropic.Bool(true)},
			wantQuery: url.Values{"statuses[]": {"idle", "terminated"}, "include_archived": {"true"}},
			rawQuery:  []string{"statuses%5B%5D=idle&statuses%5B%5D=terminated"},
			want:      fx.pick(6, 5, 4, 3, 2, 1, 0),
		},
		{
			name:      "statuses without include_archived",
			params:    anthropic.BetaSessionListParams{Statuses: []string{"idle", "running"}},
			wantQuery: url.Values{"statuses[]": {"idle", "running"}},
			want:      fx.pick(6, 4, 3, 2, 1, 0),
		},
		{
			name: "created_at gte and lt",
			params: anthropic.BetaSessionListParams{
				CreatedAtGte: anthropic.Time(fx.times[2]), CreatedAtLt: anthropic.Time(fx.times[5]),
			},
			wantQuery: url.Values{"created_at[gte]": {"2026-11-26T10:14:07.118Z"}, "created_at[lt]": {"2026-11-26T10:14:10.118Z"}},
			rawQuery:  []string{"created_at%5Bgte%5D=2026-11-26T10%3A14%3A07.118Z"},
			want:      fx.pick(4, 3, 2),
		},
		{
			name: "created_at gt and lte, ascending",
			params: anthropic.BetaSessionListParams{
				CreatedAtGt: anthropic.Time(fx.times[2]), CreatedAtLte: anthropic.Time(fx.times[4]),
				Order: anthropic.BetaSessionListParamsOrderAsc,
			},
			wantQuery: url.Values{"created_at[gt]": {"2026-11-26T10:14:07.118Z"}, "created_at[lte]": {"2026-11-26T10:14:09.118Z"}, "order": {"asc"}},
			want:      fx.pick(3, 4),
		},
		{
			// The SDK does not convert to UTC: the offset goes on the wire.
			name:      "created_at with a non-UTC offset",
			params:    anthropic.BetaSessionListParams{CreatedAtGte: anthropic.Time(fx.times[4].In(plus2))},
			wantQuery: url.Values{"created_at[gte]": {"2026-11-26T12:14:09.118+02:00"}},
			rawQuery:  []string{"created_at%5Bgte%5D=2026-11-26T12%3A14%3A09.118%2B02%3A00"},
			want:      fx.pick(6, 4),
		},
		{
			name:      "memory_store_id",
			params:    anthropic.BetaSessionListParams{MemoryStoreID: anthropic.String(storeID)},
			wantQuery: url.Values{"memory_store_id": {storeID}},
			want:      fx.pick(0),
		},
		{
			name:      "deployment_id matches nothing",
			params:    anthropic.BetaSessionListParams{DeploymentID: anthropic.String("depl_01VPz8RtQ2mKc5WnX7bJ4hDgLs")},
			wantQuery: url.Values{"deployment_id": {"depl_01VPz8RtQ2mKc5WnX7bJ4hDgLs"}},
			want:      []string{},
		},
		{
			name:      "limit",
			params:    anthropic.BetaSessionListParams{Limit: anthropic.Int(2)},
			wantQuery: url.Values{"limit": {"2"}},
			want:      fx.pick(6, 4),
			wantNext:  true,
		},
		{
			name: "everything at once",
			params: anthropic.BetaSessionListParams{
				AgentID: anthropic.String(managedagentstest.DefaultAgentID), Statuses: []string{"idle"},
				CreatedAtGt: anthropic.Time(fx.times[0]), Limit: anthropic.Int(1), Order: anthropic.BetaSessionListParamsOrderAsc,
			},
			wantQuery: url.Values{"agent_id": {managedagentstest.DefaultAgentID}, "statuses[]": {"idle"},
				"created_at[gt]": {"2026-11-26T10:14:05.118Z"}, "limit": {"1"}, "order": {"asc"}},
			want:     fx.pick(2),
			wantNext: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page, err := e.sdk.Beta.Sessions.List(context.Background(), tc.params)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			r := e.last(t)
			if r.Method != http.MethodGet || r.Path != "/v1/sessions" {
				t.Errorf("request %s %s", r.Method, r.Path)
			}
			checkSDKHeaders(t, r, managedagentstest.BetaHeader, false)
			if diff := cmp.Diff(tc.wantQuery, r.Query); diff != "" {
				t.Errorf("query as the fake read it (-want +got):\n%s", diff)
			}
			raw := e.lastRawQuery(t)
			for _, s := range tc.rawQuery {
				if !strings.Contains(raw, s) {
					t.Errorf("raw query %q does not contain %q", raw, s)
				}
			}
			checkWire(t, "list page", page)
			for i := range page.Data {
				checkSessionShape(t, &page.Data[i])
			}
			if diff := cmp.Diff(tc.want, ids(page.Data)); diff != "" {
				t.Errorf("sessions (-want +got):\n%s", diff)
			}
			// next_page and prev_page are always present; prev_page is null
			// on a first page, next_page null on a last one.
			if page.JSON.PrevPage.Raw() != "null" {
				t.Errorf("prev_page = %s on a first page, want null", page.JSON.PrevPage.Raw())
			}
			if tc.wantNext != page.JSON.NextPage.Valid() || (!tc.wantNext && page.JSON.NextPage.Raw() != "null") {
				t.Errorf("next_page = %s, want a cursor: %v", page.JSON.NextPage.Raw(), tc.wantNext)
			}
		})
	}
}

// TestListPaging pages through the sessions in both orders, by hand (next
// and previous cursors) and with the SDK's auto-pager, and checks that every
// session comes exactly once, in order.
func TestListPaging(t *testing.T) {
	fx := newListFixture(t)
	e := fx.e
	all := fx.pick(0, 1, 2, 3, 4, 5, 6)
	for _, order := range []anthropic.BetaSessionListParamsOrder{anthropic.BetaSessionListParamsOrderAsc, anthropic.BetaSessionListParamsOrderDesc} {
		want := all
		if order == anthropic.BetaSessionListParamsOrderDesc {
			want = reversed(all)
		}
		params := anthropic.BetaSessionListParams{Limit: anthropic.Int(2), Order: order, IncludeArchived: anthropic.Bool(true)}

		t.Run("auto-pager "+string(order), func(t *testing.T) {
			before := e.srv.Count(http.MethodGet, "/v1/sessions")
			var got []string
			seen := map[string]bool{}
			iter := e.sdk.Beta.Sessions.ListAutoPaging(context.Background(), params)
			for iter.Next() {
				s := iter.Current()
				checkSessionShape(t, &s)
				if seen[s.ID] {
					t.Errorf("session %s returned twice", s.ID)
				}
				seen[s.ID] = true
				got = append(got, s.ID)
			}
			if err := iter.Err(); err != nil {
				t.Fatalf("auto-pager: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("auto-paged sessions (-want +got):\n%s", diff)
			}
			// 7 sessions by 2: four pages, and no request after the last.
			if n := e.srv.Count(http.MethodGet, "/v1/sessions") - before; n != 4 {
				t.Errorf("%d list requests, want 4", n)
			}
			// Every follow-up request repeats the filters and adds the cursor.
			reqs := e.srv.Requests()
			for _, r := range reqs[len(reqs)-3:] {
				if r.Query.Get("page") == "" || r.Query.Get("order") != string(order) || r.Query.Get("limit") != "2" || r.Query.Get("include_archived") != "true" {
					t.Errorf("follow-up query %v", r.Query)
				}
			}
		})

		t.Run("by hand "+string(order), func(t *testing.T) {
			first, err := e.sdk.Beta.Sessions.List(context.Background(), params)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			second, err := first.GetNextPage()
			if err != nil || second == nil {
				t.Fatalf("GetNextPage: %v, %v", second, err)
			}
			checkWire(t, "second page", second)
			if diff := cmp.Diff(want[2:4], ids(second.Data)); diff != "" {
				t.Errorf("second page (-want +got):\n%s", diff)
			}
			if !second.JSON.PrevPage.Valid() || !second.JSON.NextPage.Valid() {
				t.Fatalf("second page cursors: next %s prev %s", second.JSON.NextPage.Raw(), second.JSON.PrevPage.Raw())
			}
			// prev_page of page 2 gives page 1 back exactly.
			p := params
			p.Page = anthropic.String(second.PrevPage)
			back, err := e.sdk.Beta.Sessions.List(context.Background(), p)
			if err != nil {
				t.Fatalf("List(prev_page): %v", err)
			}
			if diff := cmp.Diff(ids(first.Data), ids(back.Data)); diff != "" {
				t.Errorf("prev_page of page 2 (-page 1 +got):\n%s", diff)
			}
			// The last page has no next_page, and GetNextPage ends there.
			last := second
			for last.NextPage != "" {
				if last, err = last.GetNextPage(); err != nil || last == nil {
					t.Fatalf("GetNextPage: %v, %v", last, err)
				}
			}
			if last.JSON.NextPage.Raw() != "null" {
				t.Errorf("last page next_page = %s, want null", last.JSON.NextPage.Raw())
			}
			if diff := cmp.Diff(want[6:], ids(last.Data)); diff != "" {
				t.Errorf("last page (-want +got):\n%s", diff)
			}
			if next, err := last.GetNextPage(); next != nil || err != nil {
				t.Errorf("GetNextPage after the last page = %v, %v", next, err)
			}
		})
	}

	t.Run("auto-pager with a filter", func(t *testing.T) {
		var got []string
		iter := e.sdk.Beta.Sessions.ListAutoPaging(context.Background(), anthropic.BetaSessionListParams{
			AgentID: anthropic.String(managedagentstest.DefaultAgentID), Limit: anthropic.Int(1),
		})
		for iter.Next() {
			got = append(got, iter.Current().ID)
		}
		if err := iter.Err(); err != nil {
			t.Fatalf("auto-pager: %v", err)
		}
		if diff := cmp.Diff(fx.pick(6, 4, 2, 0), got); diff != "" {
			t.Errorf("sessions (-want +got):\n%s", diff)
		}
	})

	t.Run("cursor reused with another order", func(t *testing.T) {
		first, err := e.sdk.Beta.Sessions.List(context.Background(), anthropic.BetaSessionListParams{Limit: anthropic.Int(2)})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		_, err = e.sdk.Beta.Sessions.List(context.Background(), anthropic.BetaSessionListParams{
			Limit: anthropic.Int(2), Page: anthropic.String(first.NextPage), Order: anthropic.BetaSessionListParamsOrderAsc,
		})
		checkAPIError(t, e, err, http.StatusBadRequest, anthropic.ErrorTypeInvalidRequestError, "")
	})
}
