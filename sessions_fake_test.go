package managedagents_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

func TestFakeSessionLifecycle(t *testing.T) {
	_, c := newFake(t)
	ctx := t.Context()
	s, err := c.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentVersion(managedagentstest.DefaultAgentID, 1),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Title:         "first",
		Metadata:      map[string]string{"team": "release", "ticket": "REL-1"},
		Budget:        managedagents.Ptr(managedagents.LimitBudget(managedagents.USD(2500))),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != managedagents.StatusIdle || s.Agent.ID != managedagentstest.DefaultAgentID || s.Agent.Version != 1 ||
		s.ArchivedAt != nil || s.Budget == nil || s.Budget.MaxListCost.Amount != "2500" {
		t.Errorf("created session = %+v", s)
	}

	u, err := c.Sessions.Update(ctx, s.ID, managedagents.SessionUpdateParams{
		Title:          managedagents.Null[string](),
		Metadata:       map[string]string{"ticket": "REL-2"},
		DeleteMetadata: []string{"team"},
		Budget:         managedagents.Set(managedagents.LimitBudget(managedagents.USD(5000))),
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Title != nil || !cmp.Equal(u.Metadata, map[string]string{"ticket": "REL-2"}) || u.Budget.MaxListCost.Amount != "5000" {
		t.Errorf("updated: title %v metadata %v budget %+v", u.Title, u.Metadata, u.Budget)
	}
	u, err = c.Sessions.Update(ctx, s.ID, managedagents.SessionUpdateParams{Budget: managedagents.Null[managedagents.Budget]()})
	if err != nil || u.Budget != nil {
		t.Fatalf("remove budget: %v, %+v", err, u)
	}

	a, err := c.Sessions.Archive(ctx, s.ID)
	if err != nil || a.ArchivedAt == nil {
		t.Fatalf("archive: %v, archived_at %v", err, a)
	}
	if _, err := c.Sessions.Update(ctx, s.ID, managedagents.SessionUpdateParams{Title: managedagents.Set("x")}); !errors.Is(err, managedagents.ErrConflict) {
		t.Errorf("update archived: %v, want ErrConflict", err)
	}
	if got, err := c.Sessions.Get(ctx, s.ID); err != nil || got.ArchivedAt == nil {
		t.Errorf("archived sessions stay readable: %v", err)
	}
	if del, err := c.Sessions.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	} else if *del != (managedagents.Deleted{ID: s.ID, Type: managedagents.DeletedSession}) {
		t.Errorf("delete answered %+v, want the session's deletion object", *del)
	}
	if _, err := c.Sessions.Get(ctx, s.ID); !errors.Is(err, managedagents.ErrNotFound) {
		t.Errorf("get deleted: %v, want ErrNotFound", err)
	}
	if _, err := c.Sessions.Delete(ctx, s.ID); !errors.Is(err, managedagents.ErrNotFound) {
		t.Errorf("delete twice: %v, want ErrNotFound", err)
	}
}

func TestFakeValidationErrors(t *testing.T) {
	_, c := newFake(t)
	ctx := t.Context()
	tooMany := map[string]string{}
	for i := range 17 {
		tooMany[fmt.Sprint("k", i)] = "v"
	}
	tests := []struct {
		name     string
		params   managedagents.SessionCreateParams
		sentinel error
		code     string
	}{
		{"unknown agent", managedagents.SessionCreateParams{Agent: managedagents.AgentByID("agent_nope"), EnvironmentID: managedagentstest.DefaultEnvironmentID}, managedagents.ErrNotFound, ""},
		{"unknown environment", managedagents.SessionCreateParams{Agent: managedagents.AgentByID(managedagentstest.DefaultAgentID), EnvironmentID: "env_nope"}, managedagents.ErrNotFound, ""},
		{"17 metadata keys", managedagents.SessionCreateParams{Agent: managedagents.AgentByID(managedagentstest.DefaultAgentID), EnvironmentID: managedagentstest.DefaultEnvironmentID, Metadata: tooMany}, managedagents.ErrInvalidRequest, "invalid_metadata"},
		{"clearing the model", managedagents.SessionCreateParams{Agent: managedagents.AgentWithOverrides(managedagentstest.DefaultAgentID, 0, managedagents.AgentOverrides{Model: &managedagents.ModelConfig{}}), EnvironmentID: managedagentstest.DefaultEnvironmentID}, managedagents.ErrInvalidRequest, ""},
	}
	for _, tt := range tests {
		_, err := c.Sessions.Create(ctx, tt.params)
		var apiErr *managedagents.APIError
		if !errors.Is(err, tt.sentinel) || !errors.As(err, &apiErr) || apiErr.ErrorCode != tt.code || apiErr.RequestID == "" {
			t.Errorf("%s: err = %v, want %v with error_code %q and a request ID", tt.name, err, tt.sentinel, tt.code)
		}
	}
}

func TestFakeListPagingBothWays(t *testing.T) {
	_, c := newFake(t)
	ctx := t.Context()
	var want []string
	for i := range 5 {
		want = append(want, create(t, c, fmt.Sprint("s", i)).ID)
	}
	for _, order := range []managedagents.Order{managedagents.OrderAsc, managedagents.OrderDesc} {
		var pages [][]string
		params := managedagents.SessionListParams{Limit: 2, Order: order}
		for {
			p, err := c.Sessions.List(ctx, params)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, ids(p.Data))
			if p.NextPage == "" {
				break
			}
			params.Page = p.NextPage
		}
		var flat []string
		for _, p := range pages {
			flat = append(flat, p...)
		}
		expect := append([]string(nil), want...)
		if order == managedagents.OrderDesc {
			for i, j := 0, len(expect)-1; i < j; i, j = i+1, j-1 {
				expect[i], expect[j] = expect[j], expect[i]
			}
		}
		if diff := cmp.Diff(expect, flat); diff != "" {
			t.Errorf("%s pages (-want +got):\n%s", order, diff)
		}
		// Walk back from the second page to the first.
		first, _ := c.Sessions.List(ctx, managedagents.SessionListParams{Limit: 2, Order: order})
		second, _ := c.Sessions.List(ctx, managedagents.SessionListParams{Limit: 2, Order: order, Page: first.NextPage})
		back, err := c.Sessions.List(ctx, managedagents.SessionListParams{Limit: 2, Order: order, Page: second.PrevPage})
		if err != nil || first.PrevPage != "" || !cmp.Equal(ids(back.Data), ids(first.Data)) {
			t.Errorf("%s: prev of page 2 = %v (%v), want %v", order, ids(back.Data), err, ids(first.Data))
		}
	}
	// All sees every session once.
	var all []string
	for s, err := range c.Sessions.All(ctx, managedagents.SessionListParams{Limit: 2, Order: managedagents.OrderAsc}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s.ID)
	}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("All (-want +got):\n%s", diff)
	}
	// A cursor reused under another order is the server's 400.
	p, _ := c.Sessions.List(ctx, managedagents.SessionListParams{Limit: 2, Order: managedagents.OrderAsc})
	if _, err := c.Sessions.List(ctx, managedagents.SessionListParams{Limit: 2, Order: managedagents.OrderDesc, Page: p.NextPage}); !errors.Is(err, managedagents.ErrInvalidRequest) {
		t.Errorf("cursor under another order: %v, want ErrInvalidRequest", err)
	}
}

func TestFakeListFilters(t *testing.T) {
	_, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithClock(tickingClock())})
	ctx := t.Context()
	a := create(t, c, "a")
	b := create(t, c, "b")
	if _, err := c.Sessions.Archive(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	list := func(p managedagents.SessionListParams) []string {
		t.Helper()
		page, err := c.Sessions.List(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return ids(page.Data)
	}
	tests := []struct {
		name   string
		params managedagents.SessionListParams
		want   []string
	}{
		{"archived hidden", managedagents.SessionListParams{}, []string{b.ID}},
		{"include archived", managedagents.SessionListParams{IncludeArchived: true, Order: managedagents.OrderAsc}, []string{a.ID, b.ID}},
		{"terminated only", managedagents.SessionListParams{IncludeArchived: true, Statuses: []managedagents.SessionStatus{managedagents.StatusTerminated}}, []string{a.ID}},
		{"idle or running", managedagents.SessionListParams{IncludeArchived: true, Statuses: []managedagents.SessionStatus{managedagents.StatusIdle, managedagents.StatusRunning}}, []string{b.ID}},
		{"by agent", managedagents.SessionListParams{AgentID: managedagentstest.DefaultAgentID, AgentVersion: 1}, []string{b.ID}},
		{"other agent", managedagents.SessionListParams{AgentID: "agent_other"}, nil},
		{"created before a", managedagents.SessionListParams{IncludeArchived: true, CreatedBefore: a.CreatedAt}, nil},
		{"created at or after b", managedagents.SessionListParams{IncludeArchived: true, CreatedAtOrAfter: b.CreatedAt}, []string{b.ID}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, list(tt.params)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestFakeRetriesAreCounted asserts on the fake's own request counters that
// a create is sent again after 529 and an unavailable 503, but not after 500
// or the fake's default (api_error) 503.
func TestFakeRetriesAreCounted(t *testing.T) {
	params := managedagents.SessionCreateParams{Agent: managedagents.AgentByID(managedagentstest.DefaultAgentID), EnvironmentID: managedagentstest.DefaultEnvironmentID}
	t.Run("529 is retried", func(t *testing.T) {
		srv, c := newFake(t)
		srv.FailNext(1, 529, managedagentstest.FailWithHeader("retry-after", "0"))
		if _, err := c.Sessions.Create(t.Context(), params); err != nil {
			t.Fatal(err)
		}
		if n := srv.Count(http.MethodPost, "/v1/sessions"); n != 2 {
			t.Errorf("POSTs = %d, want 2", n)
		}
	})
	t.Run("500 is not", func(t *testing.T) {
		srv, c := newFake(t)
		srv.FailNext(1, 500)
		_, err := c.Sessions.Create(t.Context(), params)
		if !errors.Is(err, managedagents.ErrOutcomeUnknown) || !errors.Is(err, managedagents.ErrInternal) {
			t.Fatalf("err = %v, want ErrOutcomeUnknown wrapping the 500", err)
		}
		if n := srv.Count(http.MethodPost, "/v1/sessions"); n != 1 {
			t.Errorf("POSTs = %d, want 1", n)
		}
	})
	t.Run("a plain 503 is not", func(t *testing.T) {
		// The fake's 503 carries an api_error envelope: nothing says the
		// request was turned away.
		srv, c := newFake(t)
		srv.FailNext(1, 503, managedagentstest.FailWithHeader("retry-after", "0"))
		_, err := c.Sessions.Create(t.Context(), params)
		if !errors.Is(err, managedagents.ErrOutcomeUnknown) || !errors.Is(err, managedagents.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrOutcomeUnknown wrapping the 503", err)
		}
		if n := srv.Count(http.MethodPost, "/v1/sessions"); n != 1 {
			t.Errorf("POSTs = %d, want 1", n)
		}
	})
	t.Run("a 503 authorization_check_unavailable is retried", func(t *testing.T) {
		srv, c := newFake(t)
		srv.FailNext(1, 503, managedagentstest.FailWithErrorCode("authorization_check_unavailable"),
			managedagentstest.FailWithHeader("retry-after", "0"))
		if _, err := c.Sessions.Create(t.Context(), params); err != nil {
			t.Fatal(err)
		}
		if n := srv.Count(http.MethodPost, "/v1/sessions"); n != 2 {
			t.Errorf("POSTs = %d, want 2", n)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		srv := managedagentstest.NewServer(managedagentstest.WithAPIKeys("right"))
		defer srv.Close()
		c, _ := managedagents.NewClient(managedagents.WithBaseURL(srv.URL()), managedagents.WithAPIKey("wrong"), managedagents.WithoutEnvironment())
		if _, err := c.Sessions.Create(context.Background(), params); !errors.Is(err, managedagents.ErrAuthentication) {
			t.Errorf("err = %v, want ErrAuthentication", err)
		}
		if n := srv.Count(http.MethodPost, "/v1/sessions"); n != 1 {
			t.Errorf("POSTs = %d, want 1 (401 is not retried)", n)
		}
	})
}

func ids(ss []managedagents.Session) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}
