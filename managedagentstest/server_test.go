package managedagentstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAuthAndHeaders(t *testing.T) {
	tests := []struct {
		name     string
		keys     []string // WithAPIKeys; nil: any key
		opts     []reqOption
		header   http.Header // extra header lines, added after opts
		status   int
		errType  string
		inMsg    string
		redacted string // expected recorded value of the credential header used
	}{
		{name: "x-api-key", status: 200},
		{name: "bearer", opts: []reqOption{withHeader("x-api-key", ""), withHeader("Authorization", "Bearer "+testKey)}, status: 200},
		{name: "no credential", opts: []reqOption{withHeader("x-api-key", "")}, status: 401, errType: "authentication_error", inMsg: "x-api-key"},
		{name: "both credentials", opts: []reqOption{withHeader("Authorization", "Bearer "+testKey)}, status: 401, errType: "authentication_error", inMsg: "not both"},
		{name: "unknown x-api-key", keys: []string{"sk-other"}, status: 401, errType: "authentication_error", inMsg: "invalid x-api-key"},
		{name: "known x-api-key", keys: []string{"sk-other", testKey}, status: 200},
		{name: "unknown bearer", keys: []string{"sk-other"}, opts: []reqOption{withHeader("x-api-key", ""), withHeader("Authorization", "Bearer "+testKey)}, status: 401, errType: "authentication_error"},
		{name: "known bearer", keys: []string{testKey}, opts: []reqOption{withHeader("x-api-key", ""), withHeader("Authorization", "Bearer "+testKey)}, status: 200},
		{name: "not bearer", opts: []reqOption{withHeader("x-api-key", ""), withHeader("Authorization", "Basic dXNlcjpwYXNz")}, status: 401, errType: "authentication_error"},
		{name: "no keys accepted", keys: []string{}, status: 401, errType: "authentication_error"},
		{name: "beta missing", opts: []reqOption{withHeader("anthropic-beta", "")}, status: 400, errType: "invalid_request_error", inMsg: BetaHeader},
		{name: "beta wrong", opts: []reqOption{withHeader("anthropic-beta", "other-beta-2026-01-01")}, status: 400, errType: "invalid_request_error"},
		{name: "beta comma-joined", opts: []reqOption{withHeader("anthropic-beta", "other-beta-2026-01-01, "+BetaHeader+" ,x")}, status: 200},
		{name: "beta several lines", opts: []reqOption{withHeader("anthropic-beta", "other-beta-2026-01-01")}, header: http.Header{"Anthropic-Beta": {BetaHeader}}, status: 200},
		{name: "version missing", opts: []reqOption{withHeader("anthropic-version", "")}, status: 400, errType: "invalid_request_error", inMsg: "anthropic-version"},
		{name: "version malformed", opts: []reqOption{withHeader("anthropic-version", "yesterday")}, status: 400, errType: "invalid_request_error"},
		{name: "version 2026-10-21", opts: []reqOption{withHeader("anthropic-version", "2026-10-21")}, status: 200},
		{name: "auth checked before beta", opts: []reqOption{withHeader("x-api-key", ""), withHeader("anthropic-beta", "")}, status: 401, errType: "authentication_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.keys != nil {
				opts = append(opts, WithAPIKeys(tt.keys...))
			}
			srv := newTestServer(t, opts...)
			reqOpts := append(tt.opts, func(r *http.Request) {
				for k, vs := range tt.header {
					for _, v := range vs {
						r.Header.Add(k, v)
					}
				}
			})
			r := do(t, srv, "GET", "/v1/sessions", nil, reqOpts...)
			if tt.status == 200 {
				r.ok(t)
				if !requestIDRE.MatchString(r.header.Get("request-id")) {
					t.Errorf("request-id = %q", r.header.Get("request-id"))
				}
				return
			}
			e := r.apiErr(t, tt.status, tt.errType)
			if msg := e["message"].(string); !strings.Contains(msg, tt.inMsg) {
				t.Errorf("message %q does not contain %q", msg, tt.inMsg)
			}
		})
	}
}

func TestRoutingAndBody(t *testing.T) {
	srv := newTestServer(t)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		errType            string
	}{
		{"unknown path", "GET", "/v1/nothing", nil, 404, "not_found_error"},
		{"unknown method", "PUT", "/v1/sessions", "{}", 404, "not_found_error"},
		{"too deep", "GET", "/v1/sessions/a/b/c/d", nil, 404, "not_found_error"},
		{"beta query ignored", "GET", "/v1/sessions?beta=true", nil, 200, ""},
		{"empty body", "POST", "/v1/sessions", "", 400, "invalid_request_error"},
		{"invalid JSON", "POST", "/v1/sessions", "{\"agent\":", 400, "invalid_request_error"},
		{"trailing garbage", "POST", "/v1/sessions", "{} {}", 400, "invalid_request_error"},
		{"array body", "POST", "/v1/sessions", "[]", 400, "invalid_request_error"},
		{"string body", "POST", "/v1/sessions", `"x"`, 400, "invalid_request_error"},
		{"update invalid JSON", "POST", "/v1/sessions/sesn_x", "nope", 400, "invalid_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, srv, tt.method, tt.path, tt.body)
			if tt.status == 200 {
				r.ok(t)
				return
			}
			r.apiErr(t, tt.status, tt.errType)
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	// The real limit is 32 MB; a smaller one keeps the test fast.
	srv := newTestServer(t, func(c *config) { c.maxBody = 1 << 10 })
	big := `{"title":"` + strings.Repeat("x", 1<<10) + `"}`
	do(t, srv, "POST", "/v1/sessions", big).apiErr(t, 413, "request_too_large")
}

func TestHandlerWithoutListener(t *testing.T) {
	f := New()
	req := httptest.NewRequest("POST", "/v1/sessions", strings.NewReader(`{"agent":"`+DefaultAgentID+`","environment_id":"`+DefaultEnvironmentID+`"}`))
	req.Header.Set("x-api-key", "k")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("anthropic-beta", BetaHeader)
	rec := httptest.NewRecorder()
	f.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got := f.SessionIDs(); len(got) != 1 {
		t.Fatalf("SessionIDs = %v", got)
	}
	if _, ok := f.Session(f.SessionIDs()[0]); !ok {
		t.Fatal("Session not found")
	}
}

func TestDeterministicIDs(t *testing.T) {
	idRE := regexp.MustCompile(`^sesn_01[0-9A-Za-z]{24}$`)
	run := func(seed int64) []string {
		srv := newTestServer(t, WithIDSeed(seed))
		var ids []string
		for range 3 {
			s := createSession(t, srv, nil)
			ids = append(ids, s["id"].(string))
		}
		return ids
	}
	a, b, c := run(7), run(7), run(8)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different IDs (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, c) {
		t.Errorf("different seeds, same IDs %v", a)
	}
	for i, id := range a {
		if !idRE.MatchString(id) {
			t.Errorf("ID %q does not look like a session ID", id)
		}
		if i > 0 && id <= a[i-1] {
			t.Errorf("IDs not in creation order: %v", a)
		}
	}
}

func TestFailNext(t *testing.T) {
	tests := []struct {
		status     int
		errType    string
		retryAfter string
	}{
		{400, "invalid_request_error", ""},
		{401, "authentication_error", ""},
		{402, "billing_error", ""},
		{403, "permission_error", ""},
		{404, "not_found_error", ""},
		{408, "invalid_request_error", ""},
		{409, "conflict_error", ""},
		{413, "request_too_large", ""},
		{429, "rate_limit_error", ""},
		{500, "api_error", ""},
		{502, "api_error", ""},
		{503, "api_error", ""},
		{504, "timeout_error", ""},
		{529, "overloaded_error", ""},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := newTestServer(t)
			srv.FailNext(1, tt.status)
			r := do(t, srv, "GET", "/v1/sessions", nil)
			r.apiErr(t, tt.status, tt.errType)
			if got := r.header.Get("retry-after"); got != tt.retryAfter {
				t.Errorf("retry-after = %q, want %q", got, tt.retryAfter)
			}
			do(t, srv, "GET", "/v1/sessions", nil).ok(t) // used up
		})
	}

	t.Run("a retry hint when asked for", func(t *testing.T) {
		srv := newTestServer(t)
		for _, tt := range []struct {
			d              time.Duration
			ms, retryAfter string
		}{{0, "0", "0"}, {250 * time.Millisecond, "250", "1"}, {2 * time.Second, "2000", "2"}, {2001 * time.Millisecond, "2001", "3"}} {
			srv.FailNext(1, 529, FailWithRetryAfter(tt.d))
			r := do(t, srv, "GET", "/v1/sessions", nil)
			r.apiErr(t, 529, "overloaded_error")
			if ms, s := r.header.Get("retry-after-ms"), r.header.Get("retry-after"); ms != tt.ms || s != tt.retryAfter {
				t.Errorf("FailWithRetryAfter(%v): retry-after-ms %q, retry-after %q; want %q, %q", tt.d, ms, s, tt.ms, tt.retryAfter)
			}
		}
	})

	t.Run("count, headers and code", func(t *testing.T) {
		srv := newTestServer(t)
		srv.FailNext(2, 429, FailWithHeader("retry-after-ms", "250"), FailWithHeader("x-should-retry", "false"),
			FailWithHeader("retry-after", "7"), FailWithErrorCode("enforced_spend_limit_reached"), FailWithMessage("spent"))
		for range 2 {
			r := do(t, srv, "POST", "/v1/sessions", map[string]any{"agent": DefaultAgentID, "environment_id": DefaultEnvironmentID})
			e := r.apiErr(t, 429, "rate_limit_error")
			if errorCode(e) != "enforced_spend_limit_reached" || e["message"] != "spent" {
				t.Errorf("error = %v", e)
			}
			for k, want := range map[string]string{"retry-after-ms": "250", "x-should-retry": "false", "retry-after": "7"} {
				if got := r.header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		}
		createSession(t, srv, nil)
		if n := srv.Count("POST", "/v1/sessions"); n != 3 {
			t.Errorf("Count = %d, want 3 (failed requests count too)", n)
		}
		if n := len(srv.SessionIDs()); n != 1 {
			t.Errorf("%d sessions, want 1: failed creates must not create", n)
		}
	})

	t.Run("filtered", func(t *testing.T) {
		srv := newTestServer(t)
		srv.FailNext(1, 500, FailOnly("post", "/v1/sessions"))
		do(t, srv, "GET", "/v1/sessions", nil).ok(t) // not matching: passes, not used up
		do(t, srv, "POST", "/v1/sessions", "{}").apiErr(t, 500, "api_error")
		createSession(t, srv, nil)
	})

	t.Run("error type override and raw body", func(t *testing.T) {
		srv := newTestServer(t)
		srv.FailNext(1, 409, FailWithErrorType("invalid_request_error"))
		srv.FailNext(1, 413, FailWithBody("text/html", []byte("<html>too large</html>")))
		do(t, srv, "GET", "/v1/sessions", nil).apiErr(t, 409, "invalid_request_error")
		r := do(t, srv, "GET", "/v1/sessions", nil)
		if r.status != 413 || string(r.body) != "<html>too large</html>" || r.header.Get("Content-Type") != "text/html" {
			t.Errorf("got %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
		}
		if r.header.Get("request-id") == "" {
			t.Error("no request-id on a raw failure")
		}
	})

	t.Run("before auth", func(t *testing.T) {
		srv := newTestServer(t)
		srv.FailNext(1, 503)
		do(t, srv, "GET", "/v1/sessions", nil, withHeader("x-api-key", "")).apiErr(t, 503, "api_error")
	})
}

func TestRequestsAndCount(t *testing.T) {
	srv := newTestServer(t)
	createSession(t, srv, map[string]any{"title": "t1"})
	do(t, srv, "GET", "/v1/sessions?limit=5&statuses%5B%5D=idle", nil,
		withHeader("x-api-key", ""), withHeader("Authorization", "Bearer secret-token"))

	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded, want 2", len(reqs))
	}
	post, get := reqs[0], reqs[1]
	if post.Method != "POST" || post.Path != "/v1/sessions" || !strings.Contains(string(post.Body), `"title":"t1"`) {
		t.Errorf("POST recorded as %+v", post)
	}
	if got := post.Header.Get("x-api-key"); got != "REDACTED" {
		t.Errorf("x-api-key recorded as %q", got)
	}
	if got := get.Header.Get("Authorization"); got != "Bearer REDACTED" {
		t.Errorf("Authorization recorded as %q", got)
	}
	if get.Query.Get("limit") != "5" || get.Query.Get("statuses[]") != "idle" {
		t.Errorf("query recorded as %v", get.Query)
	}
	if !requestIDRE.MatchString(get.RequestID) {
		t.Errorf("RequestID = %q", get.RequestID)
	}
	for _, r := range reqs {
		for k, vs := range r.Header {
			for _, v := range vs {
				if strings.Contains(v, testKey) || strings.Contains(v, "secret-token") {
					t.Errorf("credential leaked in header %s: %q", k, v)
				}
			}
		}
	}
	// The copy is the caller's.
	reqs[0].Header.Set("x-api-key", "changed")
	if srv.Requests()[0].Header.Get("x-api-key") != "REDACTED" {
		t.Error("Requests returned shared state")
	}
	if n := srv.Count("GET", "/v1/sessions"); n != 1 {
		t.Errorf("Count(GET) = %d", n)
	}
	if n := srv.Count("DELETE", "/v1/sessions"); n != 0 {
		t.Errorf("Count(DELETE) = %d", n)
	}
}

func TestSetLatency(t *testing.T) {
	srv := newTestServer(t)
	srv.SetLatency(60 * time.Millisecond)
	start := time.Now()
	do(t, srv, "GET", "/v1/sessions", nil).ok(t)
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("request took %v, want at least 60ms", d)
	}
	srv.SetLatency(0)
}

// TestConcurrentUse exercises the fake from many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	srv := newTestServer(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 5 {
				r, err := send(srv, "POST", "/v1/sessions", map[string]any{
					"agent": DefaultAgentID, "environment_id": DefaultEnvironmentID, "metadata": map[string]any{"n": "x"}})
				if err != nil || r.status != 200 {
					t.Errorf("create: %v %d %s", err, r.status, r.body)
					return
				}
				var s struct{ ID string }
				if err := json.Unmarshal(r.body, &s); err != nil {
					t.Error(err)
					return
				}
				steps := []struct{ method, path, body string }{
					{"POST", "/v1/sessions/" + s.ID, `{"title":"t"}`},
					{"GET", "/v1/sessions?limit=3", ""},
					{"POST", "/v1/sessions/" + s.ID + "/archive", ""},
				}
				if i%2 == 1 {
					steps[2] = struct{ method, path, body string }{"DELETE", "/v1/sessions/" + s.ID, ""}
				}
				for _, st := range steps {
					var body any
					if st.body != "" {
						body = st.body
					}
					if r, err := send(srv, st.method, st.path, body); err != nil || r.status != 200 {
						t.Errorf("%s %s: %v %d %s", st.method, st.path, err, r.status, r.body)
					}
				}
				_ = srv.Requests()
				_, _ = srv.Session(s.ID)
			}
		})
	}
	wg.Wait()
	if n := srv.Count("POST", "/v1/sessions"); n != 40 {
		t.Errorf("Count = %d, want 40", n)
	}
}
