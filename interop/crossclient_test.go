package interop

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/param"
	"github.com/google/go-cmp/cmp"

	managedagents "github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// common is what both clients must agree on for one session.
type common struct {
	ID, Title, Status string
	TitleNull         bool
	Metadata          map[string]string
	AgentID           string
	AgentVersion      int64
	Budget            string // amount and currency, "" for none
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Archived          bool
	ArchivedAt        time.Time
}

func fromSDK(s *anthropic.BetaManagedAgentsSession) common {
	c := common{
		ID: s.ID, Title: s.Title, Status: string(s.Status), TitleNull: s.JSON.Title.Raw() == "null",
		Metadata: s.Metadata, AgentID: s.Agent.ID, AgentVersion: s.Agent.Version,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, Archived: s.JSON.ArchivedAt.Valid(), ArchivedAt: s.ArchivedAt,
	}
	if s.JSON.Budget.Valid() {
		c.Budget = s.Budget.MaxListCost.Amount + " " + string(s.Budget.MaxListCost.Currency)
	}
	return c
}

func fromOurs(s *managedagents.Session) common {
	c := common{
		ID: s.ID, Status: string(s.Status), TitleNull: s.Title == nil,
		Metadata: s.Metadata, AgentID: s.Agent.ID, AgentVersion: s.Agent.Version,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, Archived: s.ArchivedAt != nil,
	}
	if s.Title != nil {
		c.Title = *s.Title
	}
	if s.Budget != nil {
		c.Budget = s.Budget.MaxListCost.Amount + " " + s.Budget.MaxListCost.Currency
	}
	if s.ArchivedAt != nil {
		c.ArchivedAt = *s.ArchivedAt
	}
	return c
}

// agree checks that both clients read the same session the same way, and
// that the JSON each received is identical.
func agree(t *testing.T, e *env, id string) (common, *anthropic.BetaManagedAgentsSession, *managedagents.Session) {
	t.Helper()
	theirs, err := e.sdk.Beta.Sessions.Get(context.Background(), id, anthropic.BetaSessionGetParams{})
	if err != nil {
		t.Fatalf("SDK Get: %v", err)
	}
	checkSessionShape(t, theirs)
	ours, err := e.ours.Sessions.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("our Get: %v", err)
	}
	if diff := cmp.Diff(fromSDK(theirs), fromOurs(ours)); diff != "" {
		t.Errorf("the clients disagree on %s (-official +ours):\n%s", id, diff)
	}
	if string(ours.RawJSON()) != theirs.RawJSON() {
		t.Errorf("the clients received different JSON:\nofficial %s\n    ours %s", theirs.RawJSON(), ours.RawJSON())
	}
	return fromSDK(theirs), theirs, ours
}

// TestOursCreateOfficialReads creates, updates and archives with our client
// and reads with the official SDK after each step.
func TestOursCreateOfficialReads(t *testing.T) {
	e := newEnv(t)
	seed(e)
	ctx := context.Background()
	now := e.clock.Advance(time.Second)
	budget := managedagents.LimitBudget(managedagents.USD(2500))
	created, err := e.ours.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentVersion(agentID, 1),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Title:         "made by managedagents-go",
		Metadata:      map[string]string{"team": "release", "ticket": "REL-208"},
		Resources: []managedagents.ResourceParam{
			managedagents.GitHubRepositoryResource(repoURL, repoToken),
			managedagents.FileResource(fileID, ""),
			managedagents.MemoryStoreResource(storeID),
		},
		VaultIDs: []string{vaultID},
		Budget:   &budget,
	})
	if err != nil {
		t.Fatalf("our Create: %v", err)
	}
	// Our client's body must be one the official SDK could have sent. (The
	// fake records repository tokens as "REDACTED".)
	wantJSON(t, e, `{"agent": {"type": "agent", "id": "`+agentID+`", "version": 1},
		"environment_id": "`+managedagentstest.DefaultEnvironmentID+`", "title": "made by managedagents-go",
		"metadata": {"team": "release", "ticket": "REL-208"},
		"resources": [{"type": "github_repository", "url": "`+repoURL+`", "authorization_token": "REDACTED"},
		              {"type": "file", "file_id": "`+fileID+`"},
		              {"type": "memory_store", "memory_store_id": "`+storeID+`"}],
		"vault_ids": ["`+vaultID+`"],
		"budget": {"type": "limit", "max_list_cost": {"amount": "2500", "currency": "USD"}}}`)

	got, theirs, _ := agree(t, e, created.ID)
	want := common{
		ID: created.ID, Title: "made by managedagents-go", Status: "idle",
		Metadata: map[string]string{"team": "release", "ticket": "REL-208"},
		AgentID:  agentID, AgentVersion: 1, Budget: "2500 USD", CreatedAt: now, UpdatedAt: now,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("official read of our session (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fromOurs(created), got); diff != "" {
		t.Errorf("our Create answer vs the official read (-ours +official):\n%s", diff)
	}
	if len(theirs.Resources) != 3 || theirs.Resources[1].FileID == fileID || theirs.Resources[2].JSON.ID.Raw() != "" {
		t.Errorf("resources = %s", theirs.JSON.Resources.Raw())
	}

	// Update with our client: clear the title, delete and add metadata keys,
	// raise the budget.
	now = e.clock.Advance(time.Second)
	_, err = e.ours.Sessions.Update(ctx, created.ID, managedagents.SessionUpdateParams{
		Title:          managedagents.Null[string](),
		Metadata:       map[string]string{"owner": "ana"},
		DeleteMetadata: []string{"team"},
		Budget:         managedagents.Set(managedagents.LimitBudget(managedagents.USD(5000))),
	})
	if err != nil {
		t.Fatalf("our Update: %v", err)
	}
	wantJSON(t, e, `{"title": null, "metadata": {"owner": "ana", "team": null},
		"budget": {"type": "limit", "max_list_cost": {"amount": "5000", "currency": "USD"}}}`)
	got, _, _ = agree(t, e, created.ID)
	want.Title, want.TitleNull, want.UpdatedAt, want.Budget = "", true, now, "5000 USD"
	want.Metadata = map[string]string{"ticket": "REL-208", "owner": "ana"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after our update (-want +got):\n%s", diff)
	}

	// Remove the budget with our client.
	now = e.clock.Advance(time.Second)
	if _, err := e.ours.Sessions.Update(ctx, created.ID, managedagents.SessionUpdateParams{Budget: managedagents.Null[managedagents.Budget]()}); err != nil {
		t.Fatalf("our Update (budget null): %v", err)
	}
	wantJSON(t, e, `{"budget": null}`)
	got, _, _ = agree(t, e, created.ID)
	want.Budget, want.UpdatedAt = "", now
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after removing the budget (-want +got):\n%s", diff)
	}

	// Archive with our client.
	now = e.clock.Advance(time.Second)
	if _, err := e.ours.Sessions.Archive(ctx, created.ID); err != nil {
		t.Fatalf("our Archive: %v", err)
	}
	got, _, _ = agree(t, e, created.ID)
	want.Archived, want.ArchivedAt, want.UpdatedAt, want.Status = true, now, now, "terminated"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after our archive (-want +got):\n%s", diff)
	}
}

// TestOfficialCreateOursReads creates and updates with the official SDK
// (each agent form) and reads with our client, then deletes with the SDK and
// checks our client sees the 404.
func TestOfficialCreateOursReads(t *testing.T) {
	e := newEnv(t)
	seed(e)
	ctx := context.Background()
	agents := []anthropic.BetaSessionNewParamsAgentUnion{
		{OfString: anthropic.String(agentID)},
		{OfBetaManagedAgentsAgents: &anthropic.BetaManagedAgentsAgentParams{ID: agentID, Version: anthropic.Int(1)}},
		{OfBetaManagedAgentsAgentWithOverridess: &anthropic.BetaManagedAgentsAgentWithOverridesParams{
			ID: agentID, Model: anthropic.BetaManagedAgentsModelConfigParams{ID: "claude-opus-4-6"},
		}},
	}
	for _, agent := range agents {
		e.clock.Advance(time.Second)
		s := mustNew(t, e, fullParams(agent))
		_, _, ours := agree(t, e, s.ID)
		if len(ours.Resources) != 3 || ours.Resources[0].URL != repoURL || ours.Resources[1].FileID != s.Resources[1].FileID ||
			ours.Resources[2].MemoryStoreID != storeID || ours.Resources[2].ID != "" {
			t.Errorf("our resources = %+v", ours.Resources)
		}
		if string(ours.Agent.Model.Effort) != s.Agent.Model.Effort.Type || ours.Agent.Model.ID != string(s.Agent.Model.ID) ||
			len(ours.Agent.Tools) != len(s.Agent.Tools) || len(ours.VaultIDs) != 1 {
			t.Errorf("our agent = %+v", ours.Agent)
		}

		e.clock.Advance(time.Second)
		if _, err := e.sdk.Beta.Sessions.Update(ctx, s.ID, anthropic.BetaSessionUpdateParams{
			Title: anthropic.String("renamed by the SDK"), Metadata: map[string]string{"ticket": "REL-300"},
			Budget: budget("9000"),
		}, option.WithJSONSet("metadata.team", nil)); err != nil {
			t.Fatalf("SDK Update: %v", err)
		}
		got, _, _ := agree(t, e, s.ID)
		if got.Title != "renamed by the SDK" || got.Budget != "9000 USD" || !cmp.Equal(got.Metadata, map[string]string{"ticket": "REL-300"}) {
			t.Errorf("after the SDK's update: %+v", got)
		}
	}

	// Both clients list the same sessions in the same order, page by page.
	sdkIDs := func(p anthropic.BetaSessionListParams) []string {
		var out []string
		iter := e.sdk.Beta.Sessions.ListAutoPaging(ctx, p)
		for iter.Next() {
			out = append(out, iter.Current().ID)
		}
		if err := iter.Err(); err != nil {
			t.Fatalf("SDK auto-pager: %v", err)
		}
		return out
	}
	ourIDs := func(p managedagents.SessionListParams) []string {
		var out []string
		for s, err := range e.ours.Sessions.All(ctx, p) {
			if err != nil {
				t.Fatalf("our All: %v", err)
			}
			out = append(out, s.ID)
		}
		return out
	}
	since := e.clock.Now().Add(-3 * time.Second)
	for _, c := range []struct {
		name string
		sdk  anthropic.BetaSessionListParams
		ours managedagents.SessionListParams
	}{
		{"all, one per page", anthropic.BetaSessionListParams{Limit: anthropic.Int(1)}, managedagents.SessionListParams{Limit: 1}},
		{"asc, statuses", anthropic.BetaSessionListParams{Order: anthropic.BetaSessionListParamsOrderAsc, Statuses: []string{"idle", "running"}, Limit: anthropic.Int(2)},
			managedagents.SessionListParams{Order: managedagents.OrderAsc, Statuses: []managedagents.SessionStatus{managedagents.StatusIdle, managedagents.StatusRunning}, Limit: 2}},
		{"agent version and created_at", anthropic.BetaSessionListParams{AgentID: anthropic.String(agentID), AgentVersion: anthropic.Int(2), CreatedAtGte: anthropic.Time(since)},
			managedagents.SessionListParams{AgentID: agentID, AgentVersion: 2, CreatedAtOrAfter: since}},
	} {
		t.Run(c.name, func(t *testing.T) {
			theirs := sdkIDs(c.sdk)
			sdkQuery := e.last(t).Query
			ours := ourIDs(c.ours)
			ourQuery := e.last(t).Query
			if len(theirs) == 0 {
				t.Fatal("the list is empty")
			}
			if diff := cmp.Diff(theirs, ours); diff != "" {
				t.Errorf("listed sessions (-official +ours):\n%s", diff)
			}
			// Both send the same query, apart from how a time is written.
			sdkQuery.Del("page")
			ourQuery.Del("page")
			for _, q := range []map[string][]string{sdkQuery, ourQuery} {
				if v, ok := q["created_at[gte]"]; ok {
					ts, err := time.Parse(time.RFC3339Nano, v[0])
					if err != nil || !ts.Equal(since) {
						t.Errorf("created_at[gte] = %q, want %v", v[0], since)
					}
					delete(q, "created_at[gte]")
				}
			}
			if diff := cmp.Diff(sdkQuery, ourQuery); diff != "" {
				t.Errorf("query (-official +ours):\n%s", diff)
			}
		})
	}

	// Both clients get the same cursors and page back with prev_page.
	ourFirst, err := e.ours.Sessions.List(ctx, managedagents.SessionListParams{Limit: 1})
	if err != nil {
		t.Fatalf("our List: %v", err)
	}
	ourSecond, err := e.ours.Sessions.List(ctx, managedagents.SessionListParams{Limit: 1, Page: ourFirst.NextPage})
	if err != nil {
		t.Fatalf("our List (page 2): %v", err)
	}
	theirFirst, err := e.sdk.Beta.Sessions.List(ctx, anthropic.BetaSessionListParams{Limit: anthropic.Int(1)})
	if err != nil {
		t.Fatalf("SDK List: %v", err)
	}
	theirSecond, err := theirFirst.GetNextPage()
	if err != nil || theirSecond == nil {
		t.Fatalf("SDK GetNextPage: %v", err)
	}
	if ourFirst.PrevPage != "" || ourSecond.NextPage != theirSecond.NextPage || ourSecond.PrevPage != theirSecond.PrevPage || ourSecond.PrevPage == "" {
		t.Errorf("cursors differ: ours next %q prev %q, official next %q prev %q (first page prev %q)",
			ourSecond.NextPage, ourSecond.PrevPage, theirSecond.NextPage, theirSecond.PrevPage, ourFirst.PrevPage)
	}
	back, err := e.ours.Sessions.List(ctx, managedagents.SessionListParams{Limit: 1, Page: ourSecond.PrevPage})
	if err != nil || len(back.Data) != 1 || back.Data[0].ID != theirFirst.Data[0].ID {
		t.Errorf("our List(prev_page) = %v, %v; want %s", back, err, theirFirst.Data[0].ID)
	}

	// Delete with the SDK; our client gets a typed 404.
	victim := e.srv.SessionIDs()[0]
	sdkDel, err := e.sdk.Beta.Sessions.Delete(ctx, victim, anthropic.BetaSessionDeleteParams{})
	if err != nil {
		t.Fatalf("SDK Delete: %v", err)
	}
	_, err = e.ours.Sessions.Get(ctx, victim)
	var apiErr *managedagents.APIError
	if !errors.Is(err, managedagents.ErrNotFound) || !errors.As(err, &apiErr) ||
		apiErr.Type != "not_found_error" || apiErr.RequestID != e.last(t).RequestID {
		t.Errorf("our Get after the SDK's delete: %v", err)
	}
	// And the other way round: our delete, the SDK's 404.
	other := e.srv.SessionIDs()[0]
	del, err := e.ours.Sessions.Delete(ctx, other)
	if err != nil {
		t.Fatalf("our Delete: %v", err)
	}
	if del.ID != other || del.Type != string(sdkDel.Type) || del.Type != managedagents.DeletedSession {
		t.Errorf("our Delete answered %+v; the SDK's answered type %q", *del, sdkDel.Type)
	}
	if r := e.last(t); r.Method != http.MethodDelete || len(r.Body) != 0 {
		t.Errorf("our delete sent %s with body %q", r.Method, r.Body)
	}
	_, err = e.sdk.Beta.Sessions.Get(ctx, other, anthropic.BetaSessionGetParams{})
	checkAPIError(t, e, err, http.StatusNotFound, anthropic.ErrorTypeNotFoundError, "")
}

// TestClientsAgreeOnErrors provokes the same failures through both clients
// and compares what each reports.
func TestClientsAgreeOnErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := mustNew(t, e, simpleParams("archived"))
	if _, err := e.sdk.Beta.Sessions.Archive(ctx, s.ID, anthropic.BetaSessionArchiveParams{}); err != nil {
		t.Fatalf("Archive: %v", err)
	}
	metadata := map[string]string{}
	for _, k := range "abcdefghijklmnopq" {
		metadata[string(k)] = "v"
	}
	cases := []struct {
		name     string
		official func() error
		ours     func() error
		sentinel error
	}{
		{"404", func() error {
			_, err := e.sdk.Beta.Sessions.Get(ctx, "sesn_01Missing", anthropic.BetaSessionGetParams{})
			return err
		}, func() error {
			_, err := e.ours.Sessions.Get(ctx, "sesn_01Missing")
			return err
		}, managedagents.ErrNotFound},
		{"409", func() error {
			_, err := e.sdk.Beta.Sessions.Update(ctx, s.ID, anthropic.BetaSessionUpdateParams{Title: anthropic.String("x")})
			return err
		}, func() error {
			_, err := e.ours.Sessions.Update(ctx, s.ID, managedagents.SessionUpdateParams{Title: managedagents.Set("x")})
			return err
		}, managedagents.ErrConflict},
		{"400 invalid_metadata", func() error {
			p := simpleParams("x")
			p.Metadata = metadata
			_, err := e.sdk.Beta.Sessions.New(ctx, p)
			return err
		}, func() error {
			_, err := e.ours.Sessions.Create(ctx, managedagents.SessionCreateParams{
				Agent: managedagents.AgentByID(managedagentstest.DefaultAgentID), EnvironmentID: managedagentstest.DefaultEnvironmentID,
				Metadata: metadata,
			})
			return err
		}, managedagents.ErrInvalidRequest},
		{"429", func() error {
			e.srv.FailNext(1, http.StatusTooManyRequests)
			_, err := e.sdk.Beta.Sessions.List(ctx, anthropic.BetaSessionListParams{})
			return err
		}, func() error {
			e.srv.FailNext(1, http.StatusTooManyRequests)
			_, err := e.ours.Sessions.List(ctx, managedagents.SessionListParams{})
			return err
		}, managedagents.ErrRateLimited},
		{"529", func() error {
			e.srv.FailNext(1, 529)
			_, err := e.sdk.Beta.Sessions.Get(ctx, s.ID, anthropic.BetaSessionGetParams{})
			return err
		}, func() error {
			e.srv.FailNext(1, 529)
			_, err := e.ours.Sessions.Get(ctx, s.ID)
			return err
		}, managedagents.ErrOverloaded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			theirs := sdkError(t, c.official())
			err := c.ours()
			var ours *managedagents.APIError
			if !errors.As(err, &ours) || !errors.Is(err, c.sentinel) {
				t.Fatalf("our error %v is not an *APIError matching %v", err, c.sentinel)
			}
			type view struct {
				Status          int
				Type, Code, Msg string
			}
			if diff := cmp.Diff(
				view{theirs.StatusCode, string(theirs.Type()), string(theirs.ErrorCode()), theirs.Message},
				view{ours.StatusCode, ours.Type, ours.ErrorCode, ours.Message}); diff != "" {
				t.Errorf("the clients disagree (-official +ours):\n%s", diff)
			}
			if ours.RequestID != e.last(t).RequestID {
				t.Errorf("our RequestID %q, the fake's %q", ours.RequestID, e.last(t).RequestID)
			}
		})
	}
}

// escapedPaths records the escaped path of every request sent through it.
type escapedPaths struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (p *escapedPaths) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.seen = append(p.seen, r.URL.EscapedPath())
	p.mu.Unlock()
	return p.next.RoundTrip(r)
}

func (p *escapedPaths) last() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[len(p.seen)-1]
}

// TestPathEscapingAgrees sends session IDs that need escaping through both
// clients: each must arrive at the fake as the same single path segment.
func TestPathEscapingAgrees(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	theirPaths := &escapedPaths{next: e.httpClient().Transport}
	ourPaths := &escapedPaths{next: e.httpClient().Transport}
	sdk := e.newSDK(apiKey, option.WithHTTPClient(&http.Client{Transport: theirPaths}))
	ours, err := managedagents.NewClient(managedagents.WithBaseURL(e.srv.URL()), managedagents.WithAPIKey(apiKey),
		managedagents.WithoutEnvironment(), managedagents.WithMaxRetries(0),
		managedagents.WithHTTPClient(&http.Client{Transport: ourPaths}))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"sesn_a b", "sesn_a/b", "sesn_a?b#c", "sesn_50%", "sesn_ü", "sesn_a;b", "sesn_(x)*!,'"} {
		t.Run(id, func(t *testing.T) {
			_, err := sdk.Beta.Sessions.Get(ctx, id, anthropic.BetaSessionGetParams{})
			theirs := checkAPIError(t, e, err, http.StatusNotFound, anthropic.ErrorTypeNotFoundError, "")
			theirPath := e.last(t).Path
			_, err = ours.Sessions.Get(ctx, id)
			var our *managedagents.APIError
			if !errors.As(err, &our) || our.StatusCode != http.StatusNotFound {
				t.Fatalf("our Get: %v", err)
			}
			ourPath := e.last(t).Path
			if want := "/v1/sessions/" + id; theirPath != want || ourPath != want {
				t.Errorf("the fake read path %q (official) and %q (ours), want %q", theirPath, ourPath, want)
			}
			if theirs.Message != our.Message {
				t.Errorf("404 messages differ: %q vs %q", theirs.Message, our.Message)
			}
			t.Logf("escaped: official %s, ours %s", theirPaths.last(), ourPaths.last())
		})
	}
}

// TestOverridesAgree sends the same agent_with_overrides through both
// clients: the bodies must be the same JSON and the resolved agents equal.
func TestOverridesAgree(t *testing.T) {
	e := newEnv(t)
	seed(e)
	ctx := context.Background()
	schema := `{"type":"object","properties":{"customer_id":{"type":"string"}},"required":["customer_id"]}`

	theirs := mustNew(t, e, anthropic.BetaSessionNewParams{
		Agent: anthropic.BetaSessionNewParamsAgentUnion{OfBetaManagedAgentsAgentWithOverridess: &anthropic.BetaManagedAgentsAgentWithOverridesParams{
			ID: agentID, Version: anthropic.Int(2),
			Model:  anthropic.BetaManagedAgentsModelConfigParams{ID: "claude-opus-4-6", Effort: anthropic.BetaManagedAgentsModelConfigParamsEffortUnion{OfBetaManagedAgentsEffortMax: &anthropic.BetaManagedAgentsEffortMaxParam{}}, Speed: "fast"},
			System: param.Null[string](),
			Tools: []anthropic.BetaManagedAgentsAgentWithOverridesParamsToolUnion{
				{OfAgentToolset20260401: &anthropic.BetaManagedAgentsAgentToolset20260401Params{
					DefaultConfig: anthropic.BetaManagedAgentsAgentToolsetDefaultConfigParams{Enabled: anthropic.Bool(false)},
					Configs: []anthropic.BetaManagedAgentsAgentToolConfigParamsUnion{
						{OfRead: &anthropic.BetaManagedAgentsReadToolConfigParams{Enabled: anthropic.Bool(true)}},
					},
				}},
				{OfCustom: &anthropic.BetaManagedAgentsCustomToolParams{
					Name: "lookup_customer", Description: "Look up a customer.",
					InputSchema: anthropic.BetaManagedAgentsCustomToolInputSchemaParam{
						Properties: map[string]any{"customer_id": map[string]any{"type": "string"}},
						Required:   []string{"customer_id"},
					},
				}},
			},
			MCPServers: []anthropic.BetaManagedAgentsURLMCPServerParams{},
			Skills:     []anthropic.BetaManagedAgentsSkillParamsUnion{{OfAnthropic: &anthropic.BetaManagedAgentsAnthropicSkillParams{SkillID: "pdf"}}},
		}},
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	theirBody := bodyOf(t, e.last(t))

	ourSession, err := e.ours.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: managedagents.AgentWithOverrides(agentID, 2, managedagents.AgentOverrides{
			Model:  &managedagents.ModelConfig{ID: "claude-opus-4-6", Effort: managedagents.EffortMax, Speed: "fast"},
			System: managedagents.Null[string](),
			Tools: managedagents.Set([]managedagents.Tool{
				{Type: managedagents.ToolTypeAgentToolset, DefaultConfig: &managedagents.ToolDefaults{Enabled: managedagents.Ptr(false)},
					Configs: []managedagents.ToolConfig{{Name: "read", Enabled: managedagents.Ptr(true)}}},
				managedagents.CustomTool("lookup_customer", "Look up a customer.", []byte(schema)),
			}),
			MCPServers: managedagents.Set([]managedagents.MCPServer{}),
			Skills:     managedagents.Set([]managedagents.Skill{{Type: "anthropic", SkillID: "pdf"}}),
		}),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		t.Fatalf("our Create: %v", err)
	}
	ourBody := bodyOf(t, e.last(t))
	if diff := cmp.Diff(theirBody, ourBody); diff != "" {
		t.Errorf("create bodies (-official +ours):\n%s", diff)
	}

	read, err := e.sdk.Beta.Sessions.Get(ctx, ourSession.ID, anthropic.BetaSessionGetParams{})
	if err != nil {
		t.Fatalf("SDK Get: %v", err)
	}
	if diff := cmp.Diff(jsonValue(t, theirs.Agent.RawJSON()), jsonValue(t, read.Agent.RawJSON())); diff != "" {
		t.Errorf("resolved agents (-official +ours):\n%s", diff)
	}
	// An empty (non-nil) slice is sent as [] by both, which clears.
	if theirs.Agent.JSON.MCPServers.Raw() != "[]" || read.Agent.JSON.MCPServers.Raw() != "[]" {
		t.Errorf("mcp_servers not cleared: %s, %s", theirs.Agent.JSON.MCPServers.Raw(), read.Agent.JSON.MCPServers.Raw())
	}
}
