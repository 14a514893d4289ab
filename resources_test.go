package managedagents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixtureResources are testdata/resources/list_page.json (the resources of
// the recorded session), decoded by hand.
var fixtureResources = []Resource{
	{
		Type: ResourceGitHubRepository, ID: "sesrsc_01hifdoMRgbJXagV6tn7xjjzsd",
		URL: "https://github.com/example-org/invoice-service", MountPath: "/mnt/repos/invoice-service",
		Checkout:  &Checkout{Type: "branch", Name: "main"},
		CreatedAt: time.Date(2026, 11, 26, 10, 14, 5, 220e6, time.UTC), UpdatedAt: time.Date(2026, 11, 26, 10, 14, 5, 220e6, time.UTC),
	},
	{
		Type: ResourceFile, ID: "sesrsc_01pyDVWzETNvXSTp6MVMkGQ9mY", FileID: "file_01g0Hx98cGuB7ky180PttFfM1B",
		MountPath: "/mnt/session/uploads/release-checklist.md",
		CreatedAt: time.Date(2026, 11, 26, 10, 14, 5, 390e6, time.UTC), UpdatedAt: time.Date(2026, 11, 26, 10, 14, 5, 390e6, time.UTC),
	},
	{
		Type: ResourceMemoryStore, MemoryStoreID: "memstore_01kbKXj13YxSVm6ZoW45Mg948H", Access: "read_only",
		Name: "release-notes", Description: "Notes from previous releases.",
		Instructions: "Consult before drafting release notes.", MountPath: "/mnt/memory/release-notes",
	},
}

// fixtureFile is testdata/resources/file.json.
var fixtureFile = Resource{
	Type: ResourceFile, ID: "sesrsc_01Vq8bWm3KcRxE2nTy7uJd4hZp", FileID: "file_01Nc2mQ8ytRkW7aLpE5vJs3dXb",
	MountPath: "/mnt/session/uploads/audit.csv",
	CreatedAt: time.Date(2026, 11, 26, 11, 20, 0, 412e6, time.UTC), UpdatedAt: time.Date(2026, 11, 26, 11, 20, 0, 412e6, time.UTC),
}

// testToken is the token the update tests rotate in; it must never appear in
// an error string or a log line.
const testToken = "ghp_T0pSecretRotatedToken0000"

// TestResourcesCalls replays recorded fixtures: for each call it checks the
// method, escaped path, query and body the client sent, and the decoded
// value.
func TestResourcesCalls(t *testing.T) {
	const sess = "sesn_01uJqyNu7X49rEympmSxudQ5tS"
	tests := []struct {
		name     string
		call     func(ctx context.Context, c *Client) (any, error)
		response string
		method   string
		path     string // escaped, as sent
		query    url.Values
		reqBody  string // the JSON the body must equal; "" for none
		want     any
	}{
		{
			name: "list, no limit means all",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Resources.List(ctx, sess, ResourceListParams{})
			},
			response: "resources/list_page.json", method: "GET", path: "/v1/sessions/" + sess + "/resources",
			want: &ResourcePage{Data: fixtureResources},
		},
		{
			name: "list a page",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Resources.List(ctx, sess, ResourceListParams{Limit: 2, Page: "cur"})
			},
			response: "resources/list_page.json", method: "GET", path: "/v1/sessions/" + sess + "/resources",
			query: url.Values{"limit": {"2"}, "page": {"cur"}},
			want:  &ResourcePage{Data: fixtureResources},
		},
		{
			name: "add",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Resources.Add(ctx, sess, AddFileResourceParams{FileID: "file_011CNha8iCJcU1wXNR6q4V8w", MountPath: "/mnt/session/uploads/audit.csv"})
			},
			response: "resources/file.json", method: "POST", path: "/v1/sessions/" + sess + "/resources",
			reqBody: string(readFixture(t, "resources/add.request.json")), want: &fixtureFile,
		},
		{
			name: "add with the default mount path",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Resources.Add(ctx, sess, AddFileResourceParams{FileID: "file_1"})
			},
			response: "resources/file.json", method: "POST", path: "/v1/sessions/" + sess + "/resources",
			reqBody: `{"type":"file","file_id":"file_1"}`, want: &fixtureFile,
		},
		{
			name: "get",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Resources.Get(ctx, sess, "sesrsc_01hifdoMRgbJXagV6tn7xjjzsd")
			},
			response: "resources/github_repository.json", method: "GET", path: "/v1/sessions/" + sess + "/resources/sesrsc_01hifdoMRgbJXagV6tn7xjjzsd",
			want: &fixtureResources[0],
		},
		{
			name: "update",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Resources.Update(ctx, sess, "sesrsc_01hifdoMRgbJXagV6tn7xjjzsd", ResourceUpdateParams{AuthorizationToken: testToken})
			},
			response: "resources/github_repository.json", method: "POST", path: "/v1/sessions/" + sess + "/resources/sesrsc_01hifdoMRgbJXagV6tn7xjjzsd",
			reqBody: `{"authorization_token":"` + testToken + `"}`, want: &fixtureResources[0],
		},
		{
			name: "delete",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Resources.Delete(ctx, sess, "sesrsc_01Vq8bWm3KcRxE2nTy7uJd4hZp")
			},
			response: "resources/delete.json", method: "DELETE", path: "/v1/sessions/" + sess + "/resources/sesrsc_01Vq8bWm3KcRxE2nTy7uJd4hZp",
			want: &Deleted{ID: "sesrsc_01Vq8bWm3KcRxE2nTy7uJd4hZp", Type: "session_resource_deleted"},
		},
		{
			name:     "IDs are escaped as one segment",
			call:     func(ctx context.Context, c *Client) (any, error) { return c.Resources.Get(ctx, "sesn/1", "sesrsc 2#x") },
			response: "resources/file.json", method: "GET", path: "/v1/sessions/sesn%2F1/resources/sesrsc%202%23x",
			want: &fixtureFile,
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
				body = []byte(tt.reqBody)
			}
			srv.requests()[0].checkSent(t, tt.method, tt.path, tt.query, body)
			if diff := cmp.Diff(tt.want, got, ignoreRaw); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResourceUnknownType: a resource of a new type decodes, keeps its JSON
// and re-encodes it unchanged; the known types keep none.
func TestResourceUnknownType(t *testing.T) {
	body := `{"type":"s3_bucket","id":"sesrsc_9","bucket":{"name":"b"},"mount_path":"/mnt/b"}`
	var r Resource
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	if r.Type != "s3_bucket" || r.ID != "sesrsc_9" || r.MountPath != "/mnt/b" || string(r.RawJSON()) != body {
		t.Errorf("resource = %+v, raw %s", r, r.RawJSON())
	}
	if out, _ := json.Marshal(r); string(out) != body {
		t.Errorf("re-encoded as %s", out)
	}
	var known Resource
	if err := json.Unmarshal(readFixture(t, "resources/file.json"), &known); err != nil || known.RawJSON() != nil {
		t.Errorf("a file resource keeps raw JSON %s (err %v)", known.RawJSON(), err)
	}
	if err := json.Unmarshal([]byte(`{"type":"file","created_at":"yesterday"}`), &known); err == nil {
		t.Error("a file resource with a bad time decoded without error")
	}
}

func TestResourcesAll(t *testing.T) {
	one := func(id string) string {
		return strings.Replace(string(readFixture(t, "resources/file.json")), "sesrsc_01Vq8bWm3KcRxE2nTy7uJd4hZp", id, 1)
	}
	srv := pageServer(t, map[string]string{
		"":   `{"data":[` + one("r1") + `],"next_page":"c1"}`,
		"c1": `{"data":[],"next_page":"c2"}`,
		"c2": `{"data":[` + one("r2") + `],"next_page":""}`,
	})
	c := newTestClient(t, srv.URL)
	var ids []string
	for r, err := range c.Resources.All(testContext(t), "sesn_1", ResourceListParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"r1", "r2"}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "c1", "c2"}, cursors(srv)); diff != "" {
		t.Errorf("cursors (-want +got):\n%s", diff)
	}
}

// TestResourcesInvalidParams: bad input fails before any I/O.
func TestResourcesInvalidParams(t *testing.T) {
	srv := newScriptServer(t)
	c := newTestClient(t, srv.URL)
	ctx := testContext(t)
	calls := map[string]func() error{
		"list without session": func() error { _, err := c.Resources.List(ctx, "", ResourceListParams{}); return err },
		"list negative limit": func() error {
			_, err := c.Resources.List(ctx, "sesn_1", ResourceListParams{Limit: -1})
			return err
		},
		"add without session": func() error {
			_, err := c.Resources.Add(ctx, "", AddFileResourceParams{FileID: "file_1"})
			return err
		},
		"add without file": func() error { _, err := c.Resources.Add(ctx, "sesn_1", AddFileResourceParams{}); return err },
		"add relative mount path": func() error {
			_, err := c.Resources.Add(ctx, "sesn_1", AddFileResourceParams{FileID: "file_1", MountPath: "uploads/x"})
			return err
		},
		"get without resource": func() error { _, err := c.Resources.Get(ctx, "sesn_1", ""); return err },
		"get ;resource":        func() error { _, err := c.Resources.Get(ctx, "sesn_1", ";x"); return err },
		"update without token": func() error {
			_, err := c.Resources.Update(ctx, "sesn_1", "sesrsc_1", ResourceUpdateParams{})
			return err
		},
		"update without resource": func() error {
			_, err := c.Resources.Update(ctx, "sesn_1", "", ResourceUpdateParams{AuthorizationToken: testToken})
			return err
		},
		"delete without session": func() error { _, err := c.Resources.Delete(ctx, "", "sesrsc_1"); return err },
		"all without session": func() error {
			for _, err := range c.Resources.All(ctx, "", ResourceListParams{}) {
				return err
			}
			return nil
		},
	}
	for name, err := range checkRefusedBeforeSending(t, srv, calls) {
		if err != nil && strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: the error shows the token: %v", name, err)
		}
	}
}

// TestResourcesErrorPaths: every method returns the server's *APIError, and
// a 200 whose body is not JSON is a *DecodeError.
func TestResourcesErrorPaths(t *testing.T) {
	ctx := testContext(t)
	calls := map[string]func(c *Client) error{
		"list": func(c *Client) error { _, err := c.Resources.List(ctx, "sesn_x", ResourceListParams{}); return err },
		"add": func(c *Client) error {
			_, err := c.Resources.Add(ctx, "sesn_x", AddFileResourceParams{FileID: "file_x"})
			return err
		},
		"get": func(c *Client) error { _, err := c.Resources.Get(ctx, "sesn_x", "sesrsc_x"); return err },
		"update": func(c *Client) error {
			_, err := c.Resources.Update(ctx, "sesn_x", "sesrsc_x", ResourceUpdateParams{AuthorizationToken: testToken})
			return err
		},
		"delete": func(c *Client) error { _, err := c.Resources.Delete(ctx, "sesn_x", "sesrsc_x"); return err },
		"all": func(c *Client) error {
			for _, err := range c.Resources.All(ctx, "sesn_x", ResourceListParams{}) {
				return err
			}
			return nil
		},
	}
	checkAPIErrors(t, calls, 400, 404)
	checkHTMLIsDecodeError(t, calls)
}

// TestResourceDeleteEmptyBody: a 2xx delete without a body is a success.
func TestResourceDeleteEmptyBody(t *testing.T) {
	for _, st := range []step{emptyStep(), rawStep(http.StatusNoContent, "", "")} {
		srv := newScriptServer(t, st)
		got, err := newTestClient(t, srv.URL).Resources.Delete(testContext(t), "sesn_1", "sesrsc_1")
		if err != nil || *got != (Deleted{ID: "sesrsc_1", Type: "session_resource_deleted"}) {
			t.Errorf("got %+v, %v", got, err)
		}
	}
}

// TestResourceAddRetrySafety: Add is not idempotent. After a 500 or a reset
// it sends nothing more and reports ErrOutcomeUnknown; when the server
// certainly did not act (529) it retries.
func TestResourceAddRetrySafety(t *testing.T) {
	add := func(c *Client) (*Resource, error) {
		return c.Resources.Add(testContext(t), "sesn_1", AddFileResourceParams{FileID: "file_1"})
	}
	for name, st := range map[string]step{"500": errorStep(500), "reset": resetStep()} {
		srv := newScriptServer(t, st, fileStep(t, "resources/file.json"))
		_, err := add(newTestClient(t, srv.URL, WithRetryWait(time.Millisecond, time.Millisecond)))
		if !errors.Is(err, ErrOutcomeUnknown) || srv.count() != 1 {
			t.Errorf("%s: err %v after %d requests, want ErrOutcomeUnknown after 1", name, err, srv.count())
		}
	}
	srv := newScriptServer(t, errorStep(529), fileStep(t, "resources/file.json"))
	if _, err := add(newTestClient(t, srv.URL, WithRetryWait(time.Millisecond, time.Millisecond))); err != nil || srv.count() != 2 {
		t.Errorf("529: err %v after %d requests, want success after 2", err, srv.count())
	}
	// Update is idempotent: a 500 is retried.
	srv = newScriptServer(t, errorStep(500), fileStep(t, "resources/github_repository.json"))
	c := newTestClient(t, srv.URL, WithRetryWait(time.Millisecond, time.Millisecond))
	if _, err := c.Resources.Update(testContext(t), "sesn_1", "sesrsc_1", ResourceUpdateParams{AuthorizationToken: testToken}); err != nil || srv.count() != 2 {
		t.Errorf("update: err %v after %d requests, want success after 2", err, srv.count())
	}
}

// TestResourceUpdateTokenNeverShown: the token reaches the server but no
// error string, log line or printed form of the params.
func TestResourceUpdateTokenNeverShown(t *testing.T) {
	srv := newScriptServer(t, errorStep(500), errorStep(500), errorStep(500), errorStep(400), resetStep(), resetStep(), resetStep())
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, srv.URL, WithLogger(logger), WithRetryWait(time.Millisecond, time.Millisecond))
	params := ResourceUpdateParams{AuthorizationToken: testToken}
	var shown []string
	for range 3 {
		_, err := c.Resources.Update(testContext(t), "sesn_1", "sesrsc_1", params)
		if err == nil {
			t.Fatal("err = nil, want an error")
		}
		shown = append(shown, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err))
	}
	var jsonLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("params", "params", params, "token", params.AuthorizationToken)
	slog.New(slog.NewTextHandler(&jsonLog, nil)).Info("params", "params", params, "ptr", &params)
	marshalled, _ := json.Marshal(params)
	shown = append(shown, logs.String(), jsonLog.String(), string(marshalled),
		fmt.Sprintf("%v %+v %#v %s %q %x", params, params, params, params.AuthorizationToken, params.AuthorizationToken, params.AuthorizationToken),
		fmt.Sprintf("%v %+v %#v", &params, &params, struct{ P ResourceUpdateParams }{params}))
	for _, s := range shown {
		if strings.Contains(s, testToken) || strings.Contains(s, "T0pSecret") {
			t.Errorf("the token leaked in %q", s)
		}
	}
	if !strings.Contains(logs.String(), "managedagents: request") {
		t.Errorf("nothing was logged:\n%s", logs.String())
	}
	if got := string(srv.requests()[0].Body); got != `{"authorization_token":"`+testToken+`"}` {
		t.Errorf("sent %s, want the token in the body", got)
	}
}

func TestSecretForms(t *testing.T) {
	var empty Secret
	if s := fmt.Sprintf("%v|%s|%#v|%q", empty, empty, empty, empty); s != `||""|""` {
		t.Errorf("empty secret prints %s", s)
	}
	s := Secret("x")
	if got := fmt.Sprintf("%v|%d|%#v|%q", s, s, s, s); got != `[redacted]|[redacted]|"[redacted]"|"[redacted]"` {
		t.Errorf("secret prints %s", got)
	}
	if s.reveal() != "x" {
		t.Error("reveal lost the value")
	}
}
