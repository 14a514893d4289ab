package managedagents

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreRaw leaves the kept raw JSON out of value comparisons; the tests
// check it on its own.
var ignoreRaw = cmpopts.IgnoreUnexported(SessionThread{}, ThreadAgent{}, Tool{}, ToolInputSchema{}, Resource{})

// fixtureThread is testdata/threads/thread.json, the workflow-started
// thread of the reference, decoded by hand.
func fixtureThread() SessionThread {
	return SessionThread{
		ID: "sthr_01nrKNP0By9ekS49qi15qbDRTX", Type: "session_thread", SessionID: "sesn_010Gc7XQmqmGfRviQ6mEY1hzdM",
		Agent: ThreadAgent{
			Type: ThreadAgentInline, Name: "scanner",
			Description:       Ptr("Lists Go modules and their latest versions."),
			System:            Ptr("Run go list and summarise the results."),
			Model:             ModelConfig{ID: "claude-haiku-4-5", Effort: EffortMedium, Speed: "standard"},
			ExecutionIdentity: &ExecutionIdentity{Type: "service_account"},
			Tools: []Tool{{
				Type:          ToolTypeAgentToolset,
				DefaultConfig: &ToolDefaults{Enabled: Ptr(true), PermissionPolicy: &PermissionPolicy{Type: PolicyAlwaysAllow}},
				Configs:       []ToolConfig{},
			}},
			Skills: []Skill{}, MCPServers: []MCPServer{},
		},
		Status:         ThreadStatusTerminated,
		ParentThreadID: Ptr("sthr_01rHeEuVxdsvhhmjd1gkwnH1BH"),
		WorkflowRunID:  Ptr("wfrun_01Hd8JWznZ71iguFoAKd0dT5Ew"),
		CreatedAt:      time.Date(2026, 11, 26, 11, 5, 1, 0, time.UTC),
		UpdatedAt:      time.Date(2026, 11, 26, 11, 9, 59, 900e6, time.UTC),
		Stats:          &ThreadStats{ActiveSeconds: 268.4, DurationSeconds: 298.9},
		Usage: &SessionUsage{
			InputTokens: 31022, OutputTokens: 1870, CacheReadInputTokens: 20480,
			CacheCreation: CacheCreation{Ephemeral5mInputTokens: 4096},
			ActiveSeconds: 268.4, ListCost: Ptr(USD(9)),
		},
	}
}

// TestThreadsCalls replays recorded fixtures: for each call it checks the
// method, escaped path, query and body the client sent, and the decoded
// value.
func TestThreadsCalls(t *testing.T) {
	const sess, thr = "sesn_010Gc7XQmqmGfRviQ6mEY1hzdM", "sthr_01nrKNP0By9ekS49qi15qbDRTX"
	tests := []struct {
		name     string
		call     func(ctx context.Context, c *Client) (any, error)
		response string
		method   string
		path     string // escaped, as sent
		query    url.Values
		check    func(t *testing.T, got any)
	}{
		{
			name:     "get",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.Threads.Get(ctx, sess, thr) },
			response: "threads/thread.json", method: "GET", path: "/v1/sessions/" + sess + "/threads/" + thr,
			check: func(t *testing.T, got any) {
				th := got.(*SessionThread)
				if diff := cmp.Diff(fixtureThread(), *th, ignoreRaw); diff != "" {
					t.Errorf("thread (-want +got):\n%s", diff)
				}
				if !jsonEqual(t, th.RawJSON(), readFixture(t, "threads/thread.json")) {
					t.Errorf("RawJSON is not the fixture")
				}
			},
		},
		{
			name:     "archive",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.Threads.Archive(ctx, sess, thr) },
			response: "threads/thread.json", method: "POST", path: "/v1/sessions/" + sess + "/threads/" + thr + "/archive",
			check: func(t *testing.T, got any) {
				if got.(*SessionThread).ID != thr {
					t.Errorf("archived %+v", got)
				}
			},
		},
		{
			name: "list",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Threads.List(ctx, sess, ThreadListParams{Limit: 3, Page: "cur_1", Statuses: []ThreadStatus{ThreadStatusIdle, ThreadStatusTerminated}})
			},
			response: "threads/list_page.json", method: "GET", path: "/v1/sessions/" + sess + "/threads",
			query: url.Values{"limit": {"3"}, "page": {"cur_1"}, "statuses[]": {"idle", "terminated"}},
			check: func(t *testing.T, got any) {
				p := got.(*ThreadPage)
				if p.NextPage != "cur_threads_2" || len(p.Data) != 3 {
					t.Fatalf("page: next %q, %d threads", p.NextPage, len(p.Data))
				}
				primary, child, advisor := p.Data[0], p.Data[1], p.Data[2]
				if primary.ParentThreadID != nil || primary.Agent.Type != ThreadAgentSaved || primary.Agent.Version != 7 ||
					primary.Agent.ID != "agent_01XQkqncTfqp9zTj6wZhTH2nQD" || primary.Agent.Description != nil || primary.Stats.StartupSeconds != 1.8 {
					t.Errorf("primary thread: %+v", primary)
				}
				if primary.Usage == nil || primary.Usage.ListCost != nil || primary.Usage.InputTokens != 1200 {
					t.Errorf("primary usage: %+v", primary.Usage)
				}
				if diff := cmp.Diff(fixtureThread(), child, ignoreRaw); diff != "" {
					t.Errorf("child thread (-want +got):\n%s", diff)
				}
				wantAdvisor := ThreadAgent{Type: ThreadAgentAdvisor, Model: ModelConfig{ID: "claude-opus-4-6", Effort: EffortMax}}
				if diff := cmp.Diff(wantAdvisor, advisor.Agent, ignoreRaw); diff != "" {
					t.Errorf("advisor agent (-want +got):\n%s", diff)
				}
				at := time.Date(2026, 11, 26, 11, 12, 0, 0, time.UTC)
				if advisor.Stats != nil || advisor.Usage != nil || advisor.ArchivedAt == nil || !advisor.ArchivedAt.Equal(at) {
					t.Errorf("advisor thread: stats %v usage %v archived %v", advisor.Stats, advisor.Usage, advisor.ArchivedAt)
				}
			},
		},
		{
			name: "history",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Threads.ListEvents(ctx, sess, thr, ThreadEventListParams{Limit: 3})
			},
			response: "threads/events_page.json", method: "GET", path: "/v1/sessions/" + sess + "/threads/" + thr + "/events",
			query: url.Values{"limit": {"3"}},
			check: func(t *testing.T, got any) {
				p := got.(*EventPage)
				want := []string{
					"session.thread_status_running sevt_01bX0p9Tyj94YtGNhnSj5xNxmx",
					"agent.message sevt_01scannerReplyN4bXw2Lk",
					"session.thread_status_terminated sevt_01oy6WAnK12Mt3JPQV9FbTemtB",
				}
				var gotEvs []string
				for _, ev := range p.Data {
					gotEvs = append(gotEvs, describe(ev, nil))
				}
				if diff := cmp.Diff(want, gotEvs); diff != "" || p.NextPage != "" {
					t.Errorf("events (-want +got):\n%s\nnext %q", diff, p.NextPage)
				}
				if run, ok := p.Data[0].(*SessionThreadStatusRunningEvent); !ok || run.SessionThreadID != thr || run.AgentName != "scanner" {
					t.Errorf("first event: %#v", p.Data[0])
				}
			},
		},
		{
			name:     "IDs are escaped as one segment",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.Threads.Get(ctx, "sesn/1", "sthr 2?x") },
			response: "threads/thread.json", method: "GET", path: "/v1/sessions/sesn%2F1/threads/sthr%202%3Fx",
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
			srv.requests()[0].checkSent(t, tt.method, tt.path, tt.query, nil)
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// TestThreadAgentUnknownType: a thread agent of a new type decodes, keeps
// its JSON and re-encodes it unchanged.
func TestThreadAgentUnknownType(t *testing.T) {
	body := strings.Replace(string(readFixture(t, "threads/thread.json")), `"type": "inline"`, `"type": "remote_2027", "endpoint": {"url": "https://x"}`, 1)
	var th SessionThread
	if err := json.Unmarshal([]byte(body), &th); err != nil {
		t.Fatal(err)
	}
	if th.Agent.Type != "remote_2027" || th.Agent.Name != "scanner" || th.Agent.RawJSON() == nil {
		t.Fatalf("agent = %+v", th.Agent)
	}
	out, err := json.Marshal(th.Agent)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, out, th.Agent.RawJSON()) || !strings.Contains(string(out), `"endpoint"`) {
		t.Errorf("re-encoded as %s", out)
	}
	var known ThreadAgent
	if err := json.Unmarshal(readFixture(t, "threads/thread.json"), &struct {
		Agent *ThreadAgent `json:"agent"`
	}{&known}); err != nil || known.RawJSON() != nil {
		t.Errorf("a known agent keeps raw JSON %s (err %v)", known.RawJSON(), err)
	}
	if err := json.Unmarshal([]byte(`{"type":"agent","version":"seven"}`), &known); err == nil {
		t.Errorf("a known agent with a bad field decoded without error")
	}
}

func TestThreadsAll(t *testing.T) {
	thread := func(id string) string {
		return strings.Replace(string(readFixture(t, "threads/thread.json")), "sthr_01nrKNP0By9ekS49qi15qbDRTX", id, 1)
	}
	srv := pageServer(t, map[string]string{
		"":   `{"data":[` + thread("t1") + `],"next_page":"c1"}`,
		"c1": `{"data":[],"next_page":"c2"}`,
		"c2": `{"data":[` + thread("t2") + `,` + thread("t3") + `],"next_page":null}`,
	})
	c := newTestClient(t, srv.URL)
	var ids []string
	for th, err := range c.Threads.All(testContext(t), "sesn_1", ThreadListParams{Statuses: []ThreadStatus{ThreadStatusIdle}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, th.ID)
	}
	if diff := cmp.Diff([]string{"t1", "t2", "t3"}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "c1", "c2"}, cursors(srv)); diff != "" {
		t.Errorf("cursors (-want +got):\n%s", diff)
	}
	for _, r := range srv.requests() {
		if q, _ := url.ParseQuery(r.RawQuery); q.Get("statuses[]") != "idle" {
			t.Errorf("filter not kept across pages: %s", r.RawQuery)
		}
	}
}

func TestThreadsAllEvents(t *testing.T) {
	srv := pageServer(t, map[string]string{
		"":   `{"data":[` + ev(EventAgentMessage, 1, true) + `],"next_page":"c1"}`,
		"c1": `{"data":[` + ev(EventAgentMessage, 2, true) + `],"next_page":null}`,
	})
	c := newTestClient(t, srv.URL)
	var got []string
	for e, err := range c.Threads.AllEvents(testContext(t), "sesn_1", "sthr_1", ThreadEventListParams{Limit: 1}) {
		got = append(got, describe(e, err))
	}
	if diff := cmp.Diff([]string{"agent.message sevt_1", "agent.message sevt_2"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, r := range srv.requests() {
		if !strings.HasSuffix(r.Path, "/v1/sessions/sesn_1/threads/sthr_1/events") {
			t.Errorf("path %s", r.Path)
		}
	}
}

// TestThreadsInvalidParams: bad input fails before any I/O.
func TestThreadsInvalidParams(t *testing.T) {
	srv := newScriptServer(t)
	c := newTestClient(t, srv.URL)
	ctx := testContext(t)
	calls := map[string]func() error{
		"list without session": func() error { _, err := c.Threads.List(ctx, "", ThreadListParams{}); return err },
		"list negative limit": func() error {
			_, err := c.Threads.List(ctx, "sesn_1", ThreadListParams{Limit: -1})
			return err
		},
		"list empty status": func() error {
			_, err := c.Threads.List(ctx, "sesn_1", ThreadListParams{Statuses: []ThreadStatus{""}})
			return err
		},
		"get without session": func() error { _, err := c.Threads.Get(ctx, "", "sthr_1"); return err },
		"get without thread":  func() error { _, err := c.Threads.Get(ctx, "sesn_1", ""); return err },
		"get dot-dot thread":  func() error { _, err := c.Threads.Get(ctx, "sesn_1", ".."); return err },
		"archive without ID":  func() error { _, err := c.Threads.Archive(ctx, "sesn_1", ""); return err },
		"history without ID":  func() error { _, err := c.Threads.ListEvents(ctx, "sesn_1", "", ThreadEventListParams{}); return err },
		"history bad limit": func() error {
			_, err := c.Threads.ListEvents(ctx, "s", "t", ThreadEventListParams{Limit: -2})
			return err
		},
		"all without session": func() error {
			for _, err := range c.Threads.All(ctx, "", ThreadListParams{}) {
				return err
			}
			return nil
		},
		"all events without thread": func() error {
			for _, err := range c.Threads.AllEvents(ctx, "sesn_1", "", ThreadEventListParams{}) {
				return err
			}
			return nil
		},
	}
	checkRefusedBeforeSending(t, srv, calls)
}

// TestThreadsErrorPaths: every method returns the server's *APIError, and a
// 200 whose body is not JSON is a *DecodeError.
func TestThreadsErrorPaths(t *testing.T) {
	ctx := testContext(t)
	calls := map[string]func(c *Client) error{
		"list":    func(c *Client) error { _, err := c.Threads.List(ctx, "sesn_x", ThreadListParams{}); return err },
		"get":     func(c *Client) error { _, err := c.Threads.Get(ctx, "sesn_x", "sthr_x"); return err },
		"archive": func(c *Client) error { _, err := c.Threads.Archive(ctx, "sesn_x", "sthr_x"); return err },
		"history": func(c *Client) error {
			_, err := c.Threads.ListEvents(ctx, "sesn_x", "sthr_x", ThreadEventListParams{})
			return err
		},
		"all": func(c *Client) error {
			for _, err := range c.Threads.All(ctx, "sesn_x", ThreadListParams{}) {
				return err
			}
			return nil
		},
		"all events": func(c *Client) error {
			for _, err := range c.Threads.AllEvents(ctx, "sesn_x", "sthr_x", ThreadEventListParams{}) {
				return err
			}
			return nil
		},
	}
	checkAPIErrors(t, calls, 400, 404)
	checkHTMLIsDecodeError(t, calls)
}

// TestThreadReadsRetry: reads and archive are idempotent and retried after
// a 500.
func TestThreadReadsRetry(t *testing.T) {
	for name, call := range map[string]func(c *Client) error{
		"get":     func(c *Client) error { _, err := c.Threads.Get(testContext(t), "s", "t"); return err },
		"archive": func(c *Client) error { _, err := c.Threads.Archive(testContext(t), "s", "t"); return err },
	} {
		srv := newScriptServer(t, errorStep(500), fileStep(t, "threads/thread.json"))
		if err := call(newTestClient(t, srv.URL, WithRetryWait(time.Millisecond, time.Millisecond))); err != nil || srv.count() != 2 {
			t.Errorf("%s: err %v after %d requests, want success after 2", name, err, srv.count())
		}
	}
}
