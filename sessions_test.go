package managedagents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixtureCreateParams reproduces the recorded create body,
// testdata/sessions/create.request.json.
var fixtureCreateParams = SessionCreateParams{
	Agent:         AgentVersion("agent_01XQkqncTfqp9zTj6wZhTH2nQD", 7),
	EnvironmentID: "env_01WWFxQ6mQcjP3SHC7xvX5kDji",
	Title:         "Release 4.2 preparation",
	Metadata:      map[string]string{"team": "release", "ticket": "REL-208"},
	Resources: []ResourceParam{
		{
			Type: ResourceGitHubRepository, URL: "https://github.com/example-org/invoice-service",
			AuthorizationToken: "REPLACE_WITH_GITHUB_TOKEN", MountPath: "/mnt/repos/invoice-service",
			Checkout: &Checkout{Type: "branch", Name: "main"},
		},
		FileResource("file_01g13tNF8teD4wrdDfDvyENs9t", "/mnt/session/uploads/release-checklist.md"),
		{Type: ResourceMemoryStore, MemoryStoreID: "memstore_01kbKXj13YxSVm6ZoW45Mg948H", Access: "read_only",
			Instructions: "Consult before drafting release notes."},
	},
	VaultIDs: []string{"vlt_01G38qTb7q4YWsQaf6WaEh2pty"},
	Budget:   Ptr(LimitBudget(USD(2500))),
}

// TestSessionsCalls replays recorded fixtures: for each call it checks the
// method, path, query and body the client sent, then the decoded response
// against a golden file and against the fixture (no field may be dropped).
func TestSessionsCalls(t *testing.T) {
	tests := []struct {
		name      string
		call      func(ctx context.Context, c *Client) (any, error)
		response  string // fixture answered by the server
		method    string
		path      string
		query     url.Values
		reqBody   string // fixture the request body must equal; "" for none
		golden    string
		checkKeys bool // every non-empty fixture field must survive decoding
	}{
		{
			name: "create",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Create(ctx, fixtureCreateParams)
			},
			response: "sessions/session.json", method: "POST", path: "/v1/sessions",
			reqBody: "sessions/create.request.json", golden: "sessions/session.golden", checkKeys: true,
		},
		{
			name: "get",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Get(ctx, "sesn_01uJqyNu7X49rEympmSxudQ5tS")
			},
			response: "sessions/session.json", method: "GET", path: "/v1/sessions/sesn_01uJqyNu7X49rEympmSxudQ5tS",
			golden: "sessions/session.golden", checkKeys: true,
		},
		{
			name: "get multiagent",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Get(ctx, "sesn_010Gc7XQmqmGfRviQ6mEY1hzdM")
			},
			response: "sessions/session_multiagent.json", method: "GET", path: "/v1/sessions/sesn_010Gc7XQmqmGfRviQ6mEY1hzdM",
			golden: "sessions/session_multiagent.golden", checkKeys: true,
		},
		{
			name: "get coordinator",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Get(ctx, "sesn_01PdR4vKs8YwNq2LxT6mHc9bZe")
			},
			response: "sessions/session_coordinator.json", method: "GET", path: "/v1/sessions/sesn_01PdR4vKs8YwNq2LxT6mHc9bZe",
			golden: "sessions/session_coordinator.golden", checkKeys: true,
		},
		{
			name: "update",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Update(ctx, "sesn_01uJqyNu7X49rEympmSxudQ5tS", SessionUpdateParams{
					Title:          Set("Release 4.2 preparation (extended)"),
					Metadata:       map[string]string{"ticket": "REL-214"},
					DeleteMetadata: []string{"team"},
					Budget:         Set(LimitBudget(USD(5000))),
				})
			},
			response: "sessions/session.json", method: "POST", path: "/v1/sessions/sesn_01uJqyNu7X49rEympmSxudQ5tS",
			reqBody: "sessions/update.request.json", golden: "sessions/session.golden",
		},
		{
			name: "archive",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Archive(ctx, "sesn_01uJqyNu7X49rEympmSxudQ5tS")
			},
			response: "sessions/session.json", method: "POST", path: "/v1/sessions/sesn_01uJqyNu7X49rEympmSxudQ5tS/archive",
			golden: "sessions/session.golden",
		},
		{
			name: "delete",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Delete(ctx, "sesn_01uJqyNu7X49rEympmSxudQ5tS")
			},
			response: "sessions/delete.json", method: "DELETE", path: "/v1/sessions/sesn_01uJqyNu7X49rEympmSxudQ5tS",
			golden: "sessions/delete.golden", checkKeys: true,
		},
		{
			name: "list",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.List(ctx, SessionListParams{Limit: 2, Statuses: []SessionStatus{StatusIdle, StatusRunning}})
			},
			response: "sessions/list_page.json", method: "GET", path: "/v1/sessions",
			query:  url.Values{"limit": {"2"}, "statuses[]": {"idle", "running"}},
			golden: "sessions/list_page.golden", checkKeys: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, fileStep(t, tt.response))
			c := newTestClient(t, srv.URL)
			got, err := tt.call(testContext(t), c)
			if err != nil {
				t.Fatal(err)
			}
			var body []byte
			if tt.reqBody != "" {
				body = readFixture(t, tt.reqBody)
			}
			srv.requests()[0].checkSent(t, tt.method, tt.path, tt.query, body)
			if tt.golden == "" {
				return
			}
			out, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, append(out, '\n'))
			if tt.checkKeys {
				if missing := droppedFields(t, readFixture(t, tt.response), out); len(missing) > 0 {
					t.Errorf("fields of the fixture lost in decoding: %v", missing)
				}
			}
		})
	}
}

// droppedFields lists the paths of fields that hold a non-empty value in
// orig but are absent from decoded: fields the Go types failed to capture.
func droppedFields(t *testing.T, orig, decoded []byte) []string {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(orig, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(decoded, &b); err != nil {
		t.Fatal(err)
	}
	var missing []string
	var walk func(path string, a, b any)
	walk = func(path string, a, b any) {
		switch av := a.(type) {
		case map[string]any:
			bv, _ := b.(map[string]any)
			for k, v := range av {
				if emptyJSON(v) {
					continue
				}
				w, ok := bv[k]
				if !ok {
					missing = append(missing, path+"."+k)
					continue
				}
				walk(path+"."+k, v, w)
			}
		case []any:
			bv, _ := b.([]any)
			for i, v := range av {
				if i >= len(bv) {
					missing = append(missing, fmt.Sprintf("%s[%d]", path, i))
					continue
				}
				walk(fmt.Sprintf("%s[%d]", path, i), v, bv[i])
			}
		case string:
			// Times may be re-encoded with fewer fraction digits.
			ta, errA := time.Parse(time.RFC3339Nano, av)
			tb, errB := time.Parse(time.RFC3339Nano, fmt.Sprint(b))
			if errA == nil && errB == nil && ta.Equal(tb) {
				return
			}
			if av != fmt.Sprint(b) {
				missing = append(missing, fmt.Sprintf("%s (%v became %v)", path, a, b))
			}
		default:
			if fmt.Sprint(a) != fmt.Sprint(b) {
				missing = append(missing, fmt.Sprintf("%s (%v became %v)", path, a, b))
			}
		}
	}
	walk("", a, b)
	return missing
}

func emptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case float64:
		return x == 0
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// TestSessionDecodedValues spells out the values that matter most, so the
// golden file is not the only guard.
func TestSessionDecodedValues(t *testing.T) {
	var s Session
	raw := readFixture(t, "sessions/session.json")
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if string(s.RawJSON()) != strings.TrimSpace(string(raw)) {
		t.Errorf("RawJSON is not the decoded bytes")
	}
	created := time.Date(2026, 11, 26, 10, 14, 4, 118e6, time.UTC)
	checks := []struct {
		name      string
		got, want any
	}{
		{"status", s.Status, StatusIdle},
		{"title", *s.Title, "Release 4.2 preparation"},
		{"created_at", s.CreatedAt, created},
		{"archived_at", s.ArchivedAt, (*time.Time)(nil)},
		{"deployment_id", s.DeploymentID, (*string)(nil)},
		{"agent version", s.Agent.Version, int64(7)},
		{"effort", s.Agent.Model.Effort, EffortHigh},
		{"inference_geo", s.Agent.Model.InferenceGeo, (*string)(nil)},
		{"multiagent", s.Agent.Multiagent, (*MultiagentConfig)(nil)},
		{"bash policy", s.Agent.Tools[0].Configs[0].PermissionPolicy.Type, PolicyAuto},
		{"custom tool", s.Agent.Tools[2].Name, "lookup_customer"},
		{"memory store has no id", s.Resources[2].ID, ""},
		{"memory store access", s.Resources[2].Access, "read_only"},
		{"checkout", *s.Resources[0].Checkout, Checkout{Type: "branch", Name: "main"}},
		{"budget", s.Budget.MaxListCost, USD(2500)},
		{"list cost", *s.Usage.ListCost, USD(412)},
		{"cache 5m", s.Usage.CacheCreation.Ephemeral5mInputTokens, int64(24576)},
		{"web fetches", s.Usage.ServerToolUse.WebFetchRequests, int64(4)},
		{"outcome result", s.OutcomeEvaluations[0].Result, "satisfied"},
		{"active seconds", s.Stats.ActiveSeconds, 611.8},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestSessionTolerance: unknown fields, unknown enum values, a 19-digit
// version and a string model must all decode.
func TestSessionTolerance(t *testing.T) {
	body := strings.Replace(sessionJSON, `"version":1`, `"version":1772585501101368014`, 1)
	body = strings.Replace(body, `"model":{"id":"m","effort":{"type":"medium"}}`, `"model":"claude-x","future_field":{"a":1}`, 1)
	body = strings.Replace(body, `"status":"idle"`, `"status":"hibernating"`, 1)
	body = strings.Replace(body, `"tools":[]`, `"tools":[{"type":"computer_2027","display":{"w":1}}]`, 1)
	var s Session
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if s.Agent.Version != 1772585501101368014 || s.Agent.Model.ID != "claude-x" || s.Status != "hibernating" {
		t.Errorf("got version %d model %q status %q", s.Agent.Version, s.Agent.Model.ID, s.Status)
	}
	tool, _ := json.Marshal(s.Agent.Tools[0])
	if string(tool) != `{"type":"computer_2027","display":{"w":1}}` {
		t.Errorf("unknown tool re-encoded as %s", tool)
	}
}

func TestAgentParamForms(t *testing.T) {
	tests := []struct {
		name  string
		agent AgentParam
		want  string
	}{
		{"by ID", AgentByID("agent_1"), `"agent_1"`},
		{"pinned version", AgentVersion("agent_1", 7), `{"type":"agent","id":"agent_1","version":7}`},
		{"overrides, nothing overridden", AgentWithOverrides("agent_1", 0, AgentOverrides{}), `{"type":"agent_with_overrides","id":"agent_1"}`},
		{"overrides from the fixture", AgentWithOverrides("agent_01XQkqncTfqp9zTj6wZhTH2nQD", 0, AgentOverrides{
			Model:  &ModelConfig{ID: "claude-sonnet-4-6", Effort: EffortMax},
			System: Null[string](),
			Tools: Set([]Tool{{
				Type:          ToolTypeAgentToolset,
				DefaultConfig: &ToolDefaults{Enabled: Ptr(false)},
				Configs:       []ToolConfig{{Name: "read", Enabled: Ptr(true)}, {Name: "grep", Enabled: Ptr(true)}},
			}}),
			Skills: Set[[]Skill](nil),
		}), string(readFixture(t, "sessions/agent_overrides.request.json"))},
		{"overrides with version and MCP servers", AgentWithOverrides("agent_1", 3, AgentOverrides{
			System:     Set("be brief"),
			MCPServers: Set([]MCPServer{{Name: "tracker", URL: "https://mcp.example.com"}}),
		}), `{"type":"agent_with_overrides","id":"agent_1","version":3,"system":"be brief","mcp_servers":[{"type":"url","name":"tracker","url":"https://mcp.example.com"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.agent)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, got, []byte(tt.want)) {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestUpdateParamsJSON(t *testing.T) {
	tests := []struct {
		name   string
		params SessionUpdateParams
		want   string
	}{
		{"nothing", SessionUpdateParams{}, `{}`},
		{"clear title", SessionUpdateParams{Title: Null[string]()}, `{"title":null}`},
		{"remove budget", SessionUpdateParams{Budget: Null[Budget]()}, `{"budget":null}`},
		{"delete one key", SessionUpdateParams{DeleteMetadata: []string{"a"}}, `{"metadata":{"a":null}}`},
		{"replace tools, clear MCP servers", SessionUpdateParams{Agent: &SessionAgentUpdate{
			Tools:      Set([]Tool{CustomTool("t", "d", json.RawMessage(`{"type":"object"}`))}),
			MCPServers: Set([]MCPServer{}),
		}}, `{"agent":{"tools":[{"type":"custom","name":"t","description":"d","input_schema":{"type":"object"}}],"mcp_servers":[]}}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.params)
		if err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(t, got, []byte(tt.want)) {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestSessionsInvalidParams: bad input fails before any I/O.
func TestSessionsInvalidParams(t *testing.T) {
	srv := newScriptServer(t)
	c := newTestClient(t, srv.URL)
	ctx := testContext(t)
	calls := map[string]func() error{
		"create without agent": func() error {
			_, err := c.Sessions.Create(ctx, SessionCreateParams{EnvironmentID: "env_1"})
			return err
		},
		"create without environment": func() error {
			_, err := c.Sessions.Create(ctx, SessionCreateParams{Agent: AgentByID("agent_1")})
			return err
		},
		"create with empty agent ID": func() error {
			_, err := c.Sessions.Create(ctx, SessionCreateParams{Agent: AgentVersion("", 2), EnvironmentID: "env_1"})
			return err
		},
		"create with negative version": func() error {
			_, err := c.Sessions.Create(ctx, SessionCreateParams{Agent: AgentVersion("agent_1", -1), EnvironmentID: "env_1"})
			return err
		},
		"create with untyped resource": func() error {
			_, err := c.Sessions.Create(ctx, SessionCreateParams{Agent: AgentByID("a"), EnvironmentID: "e", Resources: []ResourceParam{{}}})
			return err
		},
		"update with a key set and deleted": func() error {
			_, err := c.Sessions.Update(ctx, "sesn_1", SessionUpdateParams{Metadata: map[string]string{"a": "1"}, DeleteMetadata: []string{"a"}})
			return err
		},
		"update tools to null": func() error {
			_, err := c.Sessions.Update(ctx, "sesn_1", SessionUpdateParams{Agent: &SessionAgentUpdate{Tools: Null[[]Tool]()}})
			return err
		},
		"update with empty ID": func() error {
			_, err := c.Sessions.Update(ctx, "", SessionUpdateParams{})
			return err
		},
		"archive with empty ID": func() error {
			_, err := c.Sessions.Archive(ctx, "")
			return err
		},
		"list with negative limit": func() error {
			_, err := c.Sessions.List(ctx, SessionListParams{Limit: -1})
			return err
		},
		"list with version but no agent": func() error {
			_, err := c.Sessions.List(ctx, SessionListParams{AgentVersion: 3})
			return err
		},
		"list with a bad order": func() error {
			_, err := c.Sessions.List(ctx, SessionListParams{Order: "sideways"})
			return err
		},
		"nil context": func() error {
			//lint:ignore SA1012 testing that a nil context is refused, not a panic
			_, err := c.Sessions.Get(nil, "sesn_1") //nolint:staticcheck
			return err
		},
	}
	checkRefusedBeforeSending(t, srv, calls)
}

// TestSessionsErrorPaths: every method returns the server's *APIError.
func TestSessionsErrorPaths(t *testing.T) {
	ctx := testContext(t)
	calls := map[string]func(c *Client) error{
		"create": func(c *Client) error { _, err := c.Sessions.Create(ctx, createParams); return err },
		"get":    func(c *Client) error { _, err := c.Sessions.Get(ctx, "sesn_x"); return err },
		"update": func(c *Client) error {
			_, err := c.Sessions.Update(ctx, "sesn_x", SessionUpdateParams{Title: Set("t")})
			return err
		},
		"archive": func(c *Client) error { _, err := c.Sessions.Archive(ctx, "sesn_x"); return err },
		"delete":  func(c *Client) error { _, err := c.Sessions.Delete(ctx, "sesn_x"); return err },
		"list":    func(c *Client) error { _, err := c.Sessions.List(ctx, SessionListParams{}); return err },
		"all": func(c *Client) error {
			for _, err := range c.Sessions.All(ctx, SessionListParams{}) {
				return err
			}
			return nil
		},
	}
	checkAPIErrors(t, calls, 404, 409)
}

// pageServer serves session pages keyed by cursor ("" is the first page);
// an unknown cursor gets a 400.
func pageServer(t *testing.T, pages map[string]string) *scriptServer {
	return newRouteServer(t, func(r *http.Request) step {
		body, ok := pages[r.URL.Query().Get("page")]
		if !ok {
			return errorStep(400)
		}
		return jsonStep(body)
	})
}

// cursors returns the page cursor of each request srv received.
func cursors(srv *scriptServer) []string {
	var out []string
	for _, r := range srv.requests() {
		q, _ := url.ParseQuery(r.RawQuery)
		out = append(out, q.Get("page"))
	}
	return out
}

func page(next string, ids ...string) string {
	var data []string
	for _, id := range ids {
		data = append(data, strings.Replace(sessionJSON, `"id":"sesn_1"`, fmt.Sprintf("%q:%q", "id", id), 1))
	}
	n := "null"
	if next != "" {
		n = fmt.Sprintf("%q", next)
	}
	return fmt.Sprintf(`{"data":[%s],"next_page":%s,"prev_page":null}`, strings.Join(data, ","), n)
}

func TestSessionsAll(t *testing.T) {
	pages := map[string]string{
		"":   page("c1", "s1", "s2"),
		"c1": page("c2"), // an empty page with a next cursor: keep going
		"c2": page("", "s3"),
	}
	t.Run("every page, past an empty one", func(t *testing.T) {
		srv := pageServer(t, pages)
		c := newTestClient(t, srv.URL)
		var ids []string
		for s, err := range c.Sessions.All(testContext(t), SessionListParams{Limit: 2, Statuses: []SessionStatus{StatusIdle}}) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
		}
		if diff := cmp.Diff([]string{"s1", "s2", "s3"}, ids); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"", "c1", "c2"}, cursors(srv)); diff != "" {
			t.Errorf("cursors (-want +got):\n%s", diff)
		}
		for _, r := range srv.requests() {
			if q, _ := url.ParseQuery(r.RawQuery); q.Get("limit") != "2" || q.Get("statuses[]") != "idle" {
				t.Errorf("filters not kept across pages: %s", r.RawQuery)
			}
		}
	})
	t.Run("ranging twice starts again from the first page", func(t *testing.T) {
		srv := pageServer(t, pages)
		c := newTestClient(t, srv.URL)
		seq := c.Sessions.All(testContext(t), SessionListParams{})
		for range 2 {
			n := 0
			for _, err := range seq {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if n != 3 {
				t.Errorf("a run yielded %d sessions, want 3", n)
			}
		}
		if diff := cmp.Diff([]string{"", "c1", "c2", "", "c1", "c2"}, cursors(srv)); diff != "" {
			t.Errorf("cursors (-want +got):\n%s", diff)
		}
	})
	t.Run("break stops fetching", func(t *testing.T) {
		srv := pageServer(t, pages)
		c := newTestClient(t, srv.URL)
		for s, err := range c.Sessions.All(testContext(t), SessionListParams{}) {
			if err != nil || s.ID != "s1" {
				t.Fatalf("first = %v, %v", s, err)
			}
			break
		}
		if n := len(cursors(srv)); n != 1 {
			t.Errorf("fetched %d pages, want 1", n)
		}
	})
	t.Run("an error ends the sequence", func(t *testing.T) {
		srv := pageServer(t, map[string]string{"": page("gone", "s1")})
		c := newTestClient(t, srv.URL)
		var n int
		var last error
		for _, err := range c.Sessions.All(testContext(t), SessionListParams{}) {
			n++
			last = err
		}
		if n != 2 || !errors.Is(last, ErrInvalidRequest) {
			t.Errorf("got %d pairs ending in %v; want a session then the 400", n, last)
		}
	})
	t.Run("a repeated cursor is an error, not a loop", func(t *testing.T) {
		srv := pageServer(t, map[string]string{"": page("c1", "s1"), "c1": page("c1", "s2")})
		c := newTestClient(t, srv.URL)
		var last error
		for _, err := range c.Sessions.All(testContext(t), SessionListParams{}) {
			last = err
		}
		if !errors.Is(last, errCursorStuck) {
			t.Errorf("last = %v, want errCursorStuck", last)
		}
	})
}

func TestListQuery(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 123e6, time.FixedZone("CET", 3600))
	p := SessionListParams{
		AgentID: "agent_1", AgentVersion: 3, DeploymentID: "depl_1", MemoryStoreID: "memstore_1",
		CreatedAfter: at, CreatedAtOrAfter: at.Truncate(time.Second), CreatedBefore: at, CreatedAtOrBefore: at,
		IncludeArchived: true, Statuses: []SessionStatus{StatusTerminated}, Limit: 5, Order: OrderAsc, Page: "cur",
	}
	q, err := p.query()
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"agent_id": {"agent_1"}, "agent_version": {"3"}, "deployment_id": {"depl_1"}, "memory_store_id": {"memstore_1"},
		"created_at[gt]": {"2026-10-31T23:00:00.123Z"}, "created_at[gte]": {"2026-10-31T23:00:00Z"},
		"created_at[lt]": {"2026-10-31T23:00:00.123Z"}, "created_at[lte]": {"2026-10-31T23:00:00.123Z"},
		"include_archived": {"true"}, "statuses[]": {"terminated"}, "limit": {"5"}, "order": {"asc"}, "page": {"cur"},
	}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}
