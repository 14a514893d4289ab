package managedagents

import (
	"context"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestTriesString pins the form of the attempts summary that ends the
// message of an error after retries.
func TestTriesString(t *testing.T) {
	for _, tt := range []struct {
		tries tries
		want  string
	}{
		{tries{}, ""},
		{tries{attempts: 1, elapsed: time.Second}, ""},
		{tries{attempts: 3, elapsed: 1234567 * time.Microsecond, gaveUp: gaveUpExhausted}, " (3 attempts over 1.235s; gave up: retries exhausted)"},
		{tries{attempts: 2, elapsed: 12 * time.Millisecond, gaveUp: gaveUpNotRetryable}, " (2 attempts over 12ms; gave up: not retryable)"},
		{tries{attempts: 2, elapsed: 1499 * time.Nanosecond, gaveUp: gaveUpContext}, " (2 attempts over 1µs; gave up: context done)"},
		{tries{attempts: 4, elapsed: 2 * time.Second}, " (4 attempts over 2s)"},
		{tries{attempts: 1, elapsed: time.Second, gaveUp: gaveUpContext}, " (1 attempt over 1s; gave up: context done)"},
	} {
		if got := tt.tries.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.tries, got, tt.want)
		}
	}
}

// TestErrorSaysWhatWasTried drives failing calls and checks the whole error
// message: how many attempts, over how long (exact in the synctest bubble
// when the server's hint sets every wait) and why the client gave up.
func TestErrorSaysWhatWasTried(t *testing.T) {
	hint := []string{"retry-after-ms", "100"}
	refused := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		},
	}
	for _, tt := range []struct {
		name    string
		op      string
		steps   []step
		opts    []Option
		timeout time.Duration // of the call's context, when set
		want    string
		// jitter: the waits are computed, not hinted; the elapsed time is
		// checked to be there but not compared.
		jitter bool
	}{
		{name: "retries exhausted", op: "get",
			steps: []step{errorStep(529, hint...), errorStep(529, hint...), errorStep(529, hint...)},
			want:  "managedagents: GET /v1/sessions/sesn_1: 529 overloaded_error: status 529 [request-id req_529_] (3 attempts over 200ms; gave up: retries exhausted)"},
		{name: "stopped by an answer that is not retried", op: "get",
			steps: []step{errorStep(503, hint...), errorStep(404)},
			want:  "managedagents: GET /v1/sessions/sesn_1: 404 not_found_error: status 404 [request-id req_404_] (2 attempts over 100ms; gave up: not retryable)"},
		{name: "a create that may have been applied", op: "create",
			steps: []step{errorStep(529, hint...), errorStep(500)},
			want: "managedagents: outcome unknown, the request may have been applied: " +
				"managedagents: POST /v1/sessions: 500 api_error: status 500 [request-id req_500_] (2 attempts over 100ms; gave up: not retryable)"},
		{name: "one attempt says nothing more", op: "get",
			steps: []step{errorStep(404)},
			want:  "managedagents: GET /v1/sessions/sesn_1: 404 not_found_error: status 404 [request-id req_404_]"},
		{name: "retries off", op: "get", opts: []Option{WithMaxRetries(0)},
			steps: []step{errorStep(529, hint...)},
			want:  "managedagents: GET /v1/sessions/sesn_1: 529 overloaded_error: status 529 [request-id req_529_]"},
		{name: "the context ends during a wait", op: "get", timeout: 150 * time.Millisecond,
			steps: []step{errorStep(529, hint...), errorStep(529, hint...)},
			want:  "managedagents: GET /v1/sessions/sesn_1: context deadline exceeded (2 attempts over 150ms; gave up: context done)"},
		{name: "the context ends before the first retry", op: "get", timeout: 50 * time.Millisecond,
			steps: []step{errorStep(529, hint...)},
			want:  "managedagents: GET /v1/sessions/sesn_1: context deadline exceeded (1 attempt over 50ms; gave up: context done)"},
		{name: "a refused connection is retried", op: "get",
			opts: []Option{WithHTTPClient(&http.Client{Transport: refused}), WithRetryWait(100*time.Millisecond, time.Second)},
			want: `managedagents: GET /v1/sessions/sesn_1: Get "http://127.0.0.1:9/v1/sessions/sesn_1": dial tcp: connection refused ` +
				"(3 attempts over ELAPSED; gave up: retries exhausted)",
			jitter: true},
		{name: "a create whose connection is refused", op: "create",
			opts: []Option{WithHTTPClient(&http.Client{Transport: refused}), WithRetryWait(100*time.Millisecond, time.Second)},
			want: `managedagents: POST /v1/sessions: Post "http://127.0.0.1:9/v1/sessions": dial tcp: connection refused ` +
				"(3 attempts over ELAPSED; gave up: retries exhausted)",
			jitter: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url := "http://127.0.0.1:9"
			if tt.steps != nil {
				url = newScriptServer(t, tt.steps...).URL
			}
			synctest.Test(t, func(t *testing.T) {
				c := newTestClient(t, url, tt.opts...)
				ctx := t.Context()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				err := call(ctx, c, tt.op)
				if err == nil {
					t.Fatal("the call succeeded")
				}
				got := err.Error()
				if tt.jitter {
					// Two waits of 100 ms and 200 ms, each less up to a quarter.
					got = regexp.MustCompile(`over (22[5-9]|2[3-9][0-9])ms;`).ReplaceAllLiteralString(got, "over ELAPSED;")
				}
				if got != tt.want {
					t.Errorf("error:\n got %s\nwant %s", got, tt.want)
				}
				if strings.Contains(got, testAPIKey) || strings.Contains(got, "{") {
					t.Errorf("the error shows the key or a body: %s", got)
				}
			})
		})
	}
}

// TestAPIErrorAttemptFields checks the fields that carry the summary.
func TestAPIErrorAttemptFields(t *testing.T) {
	srv := newScriptServer(t, errorStep(529, "retry-after-ms", "100"), errorStep(529, "retry-after-ms", "100"))
	synctest.Test(t, func(t *testing.T) {
		c := newTestClient(t, srv.URL, WithMaxRetries(1))
		_, err := c.Sessions.Get(t.Context(), "sesn_1")
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("err = %v, want an *APIError", err)
		}
		if apiErr.Attempts != 2 || apiErr.Elapsed != 100*time.Millisecond || apiErr.GaveUp != "retries exhausted" {
			t.Errorf("Attempts, Elapsed, GaveUp = %d, %v, %q; want 2, 100ms, retries exhausted", apiErr.Attempts, apiErr.Elapsed, apiErr.GaveUp)
		}
	})
}

// TestBaseURLHints checks that a base URL without a scheme, or with the
// /v1 the client adds itself, is refused with the URL to use instead.
func TestBaseURLHints(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	for _, tt := range []struct {
		url  string
		want string
	}{
		{"127.0.0.1:8080", `managedagents: WithBaseURL: URL "127.0.0.1:8080" has no scheme; add one, as in "http://127.0.0.1:8080"`},
		{"localhost:8080", `managedagents: WithBaseURL: URL "localhost:8080" has no scheme; add one, as in "http://localhost:8080"`},
		{"[::1]:8080", `managedagents: WithBaseURL: URL "[::1]:8080" has no scheme; add one, as in "http://[::1]:8080"`},
		{"api.example.com", `managedagents: WithBaseURL: URL "api.example.com" has no scheme; add one, as in "https://api.example.com"`},
		{"proxy.example.com/anthropic", `managedagents: WithBaseURL: URL "proxy.example.com/anthropic" has no scheme; add one, as in "https://proxy.example.com/anthropic"`},
		{"http://127.0.0.1:8080/v1", `managedagents: WithBaseURL: URL "http://127.0.0.1:8080/v1" ends in /v1, which the client adds to every path; drop it, as in "http://127.0.0.1:8080"`},
		{"https://proxy.example.com/anthropic/v1/", `managedagents: WithBaseURL: URL "https://proxy.example.com/anthropic/v1/" ends in /v1, which the client adds to every path; drop it, as in "https://proxy.example.com/anthropic"`},
		{"/v1", `managedagents: WithBaseURL: URL "/v1" must start with http:// or https://`},
		{"ftp://example.com", `managedagents: WithBaseURL: URL "ftp://example.com" must start with http:// or https://`},
	} {
		_, err := NewClient(WithAPIKey("k"), WithBaseURL(tt.url))
		if err == nil || err.Error() != tt.want {
			t.Errorf("WithBaseURL(%q):\n got %v\nwant %s", tt.url, err, tt.want)
		}
	}
	for _, ok := range []string{"http://127.0.0.1:8080", "https://proxy.example.com/v1beta", "https://proxy.example.com/v1/anthropic"} {
		if _, err := NewClient(WithAPIKey("k"), WithBaseURL(ok)); err != nil {
			t.Errorf("WithBaseURL(%q): %v", ok, err)
		}
	}
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:8080/v1")
	want := `managedagents: ANTHROPIC_BASE_URL: URL "http://127.0.0.1:8080/v1" ends in /v1, which the client adds to every path; drop it, as in "http://127.0.0.1:8080"`
	if _, err := NewClient(WithAPIKey("k")); err == nil || err.Error() != want {
		t.Errorf("ANTHROPIC_BASE_URL with /v1:\n got %v\nwant %s", err, want)
	}
}

// TestStreamOpenErrorsNameTheStream checks that every way opening a stream
// fails names the stream that was asked for: the history read before the
// connection, and the connection itself.
func TestStreamOpenErrorsNameTheStream(t *testing.T) {
	notFound := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("request-id", "req_1")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"type":"error","error":{"type":"not_found_error","message":"no such session"},"request_id":"req_1"}`))
	}
	srv := newRouteServer(t, func(*http.Request) step { return notFound })
	c := newTestClient(t, srv.URL)
	for _, tt := range []struct {
		name string
		open func(context.Context) (*Stream, error)
		want string
	}{
		{"session, resuming", func(ctx context.Context) (*Stream, error) {
			return c.Events.Stream(ctx, "sesn_x", StreamParams{})
		}, "managedagents: GET /v1/sessions/sesn_x/events/stream: reading the history first: " +
			"GET /v1/sessions/sesn_x/events: 404 not_found_error: no such session [request-id req_1]"},
		{"session, no resume", func(ctx context.Context) (*Stream, error) {
			return c.Events.Stream(ctx, "sesn_x", StreamParams{NoResume: true})
		}, "managedagents: GET /v1/sessions/sesn_x/events/stream: 404 not_found_error: no such session [request-id req_1]"},
		{"thread, resuming", func(ctx context.Context) (*Stream, error) {
			return c.Threads.Stream(ctx, "sesn_x", "sthr_y", StreamParams{})
		}, "managedagents: GET /v1/sessions/sesn_x/threads/sthr_y/stream: reading the history first: " +
			"GET /v1/sessions/sesn_x/threads/sthr_y/events: 404 not_found_error: no such session [request-id req_1]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			st, err := tt.open(ctx)
			if err == nil {
				st.Close()
				t.Fatal("the stream opened")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("errors.Is(err, ErrNotFound) = false for %v", err)
			}
		})
	}
}
