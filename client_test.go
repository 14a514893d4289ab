package managedagents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNewClientOptionErrors(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	t.Setenv("ANTHROPIC_BASE_URL", "")
	key := WithAPIKey("k")
	tests := []struct {
		name    string
		opts    []Option
		wantErr string // substring; "" means success
	}{
		{"defaults with a key", []Option{key}, ""},
		{"no credentials", nil, "no credentials"},
		{"empty key", []Option{WithAPIKey(" ")}, "WithAPIKey: the key is empty"},
		{"key with a newline", []Option{WithAPIKey("a\nb")}, "control character"},
		{"empty token", []Option{WithAuthToken("")}, "WithAuthToken: the token is empty"},
		{"key and token", []Option{key, WithAuthToken("t")}, "both an API key and an auth token"},
		{"token only", []Option{WithAuthToken("t")}, ""},
		{"nil option", []Option{key, nil}, "option 1 is nil"},
		{"nil HTTP client", []Option{key, WithHTTPClient(nil)}, "WithHTTPClient: the client is nil"},
		{"malformed base URL", []Option{key, WithBaseURL("http://[::1")}, "WithBaseURL: malformed URL"},
		{"relative base URL", []Option{key, WithBaseURL("/v1")}, "must start with http"},
		{"base URL without host", []Option{key, WithBaseURL("https://")}, "has no host"},
		{"base URL with credentials", []Option{key, WithBaseURL("https://u:p@example.com")}, "must not contain credentials"},
		{"base URL with query", []Option{key, WithBaseURL("https://example.com/?a=b")}, "query or fragment"},
		{"base URL with path prefix", []Option{key, WithBaseURL("https://proxy.example.com/anthropic/")}, ""},
		{"negative retries", []Option{key, WithMaxRetries(-1)}, "WithMaxRetries: -1 is negative"},
		{"zero retries", []Option{key, WithMaxRetries(0)}, ""},
		{"retry wait min > max", []Option{key, WithRetryWait(2*time.Second, time.Second)}, "greater than max"},
		{"negative retry wait", []Option{key, WithRetryWait(-1, time.Second)}, "negative duration"},
		{"negative timeout", []Option{key, WithRequestTimeout(-time.Second)}, "WithRequestTimeout"},
		{"credential header", []Option{key, WithHeader("X-Api-Key", "x")}, "set credentials with WithAPIKey"},
		{"authorization header", []Option{key, WithHeader("Authorization", "Bearer x")}, "set credentials with WithAPIKey"},
		{"version header", []Option{key, WithHeader("anthropic-version", "x")}, "use WithAPIVersion"},
		{"bad header name", []Option{key, WithHeader("bad name", "x")}, "not a valid header name"},
		{"bad header value", []Option{key, WithHeader("x-a", "a\r\nb")}, "control character"},
		{"workspace header", []Option{key, WithHeader("anthropic-workspace-id", "wrkspc_1")}, ""},
		{"empty version", []Option{key, WithAPIVersion("")}, "WithAPIVersion: the version is empty"},
		{"beta with comma", []Option{key, WithBetas("a,b")}, "not a beta name"},
		{"empty beta", []Option{key, WithBetas("")}, "not a beta name"},
		{"empty user agent", []Option{key, WithUserAgent("")}, "WithUserAgent"},
		{"nil logger", []Option{key, WithLogger(nil)}, "WithLogger: the logger is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.opts...)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("NewClient = %v, %v; want a client", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if c != nil {
				t.Errorf("got a client with an error")
			}
		})
	}
}

func TestNewClientEnvironment(t *testing.T) {
	t.Run("key and base URL from the environment", func(t *testing.T) {
		srv := newScriptServer(t, jsonStep(sessionJSON))
		t.Setenv("ANTHROPIC_API_KEY", "env-key")
		t.Setenv("ANTHROPIC_BASE_URL", srv.URL+"/")
		c, err := NewClient()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Sessions.Get(t.Context(), "sesn_1"); err != nil {
			t.Fatal(err)
		}
		if got := srv.requests()[0].Header.Get("x-api-key"); got != "env-key" {
			t.Errorf("x-api-key = %q, want env-key", got)
		}
	})
	t.Run("options win over the environment", func(t *testing.T) {
		srv := newScriptServer(t, jsonStep(sessionJSON))
		t.Setenv("ANTHROPIC_API_KEY", "env-key")
		t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
		c, err := NewClient(WithAuthToken("tok"), WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Sessions.Get(t.Context(), "sesn_1"); err != nil {
			t.Fatal(err)
		}
		h := srv.requests()[0].Header
		if h.Get("authorization") != "Bearer tok" || h.Get("x-api-key") != "" {
			t.Errorf("credentials sent: authorization=%q x-api-key=%q; want only the bearer token", h.Get("authorization"), h.Get("x-api-key"))
		}
	})
	t.Run("WithoutEnvironment ignores it", func(t *testing.T) {
		t.Setenv("ANTHROPIC_API_KEY", "env-key")
		if _, err := NewClient(WithoutEnvironment()); err == nil || !strings.Contains(err.Error(), "no credentials") {
			t.Fatalf("err = %v, want no credentials", err)
		}
	})
	t.Run("a bad ANTHROPIC_BASE_URL is an error", func(t *testing.T) {
		t.Setenv("ANTHROPIC_BASE_URL", "ftp://x")
		if _, err := NewClient(WithAPIKey("k")); err == nil || !strings.Contains(err.Error(), "ANTHROPIC_BASE_URL") {
			t.Fatalf("err = %v, want an ANTHROPIC_BASE_URL error", err)
		}
	})
	t.Run("empty ANTHROPIC_BASE_URL counts as unset", func(t *testing.T) {
		t.Setenv("ANTHROPIC_BASE_URL", "")
		c, err := NewClient(WithAPIKey("k"))
		if err != nil || c.baseURL != DefaultBaseURL {
			t.Fatalf("NewClient = %v, %v; want the default base URL", c, err)
		}
	})
}

func TestRequestHeaders(t *testing.T) {
	srv := newScriptServer(t, jsonStep(sessionJSON), jsonStep(sessionJSON))
	c := newTestClient(t, srv.URL+"/prefix",
		WithBetas("files-api-2025-04-14", BetaManagedAgents),
		WithHeader("anthropic-workspace-id", "wrkspc_1"),
		WithAPIVersion("2026-10-21"),
		WithUserAgent("myapp/1.2"))
	if _, err := c.Sessions.Get(t.Context(), "sesn_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sessions.Create(t.Context(), createParams); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	get, create := reqs[0], reqs[1]
	if get.Path != "/prefix/v1/sessions/sesn_1" {
		t.Errorf("path = %q, want the prefix kept", get.Path)
	}
	want := map[string]string{
		"x-api-key":              testAPIKey,
		"anthropic-version":      "2026-10-21",
		"anthropic-beta":         "files-api-2025-04-14,managed-agents-2026-04-01",
		"anthropic-workspace-id": "wrkspc_1",
		"accept":                 "application/json",
		"authorization":          "",
		"content-type":           "",
	}
	for k, v := range want {
		if got := get.Header.Get(k); got != v {
			t.Errorf("GET header %s = %q, want %q", k, got, v)
		}
	}
	if got := get.Header.Values("anthropic-beta"); len(got) != 1 {
		t.Errorf("anthropic-beta sent as %d lines, want one comma-joined line", len(got))
	}
	if ua := get.Header.Get("user-agent"); !strings.HasPrefix(ua, "myapp/1.2 managedagents-go/"+Version) {
		t.Errorf("user-agent = %q", ua)
	}
	if got := create.Header.Get("content-type"); got != "application/json" {
		t.Errorf("POST content-type = %q", got)
	}
	if strings.Contains(create.RawQuery, "beta") {
		t.Errorf("query %q: the client must not append ?beta=true", create.RawQuery)
	}
}

func TestIDValidationAndEscaping(t *testing.T) {
	srv := newScriptServer(t, jsonStep(sessionJSON))
	c := newTestClient(t, srv.URL)
	for _, id := range []string{"", ".", "..", ";x"} {
		_, err := c.Sessions.Get(t.Context(), id)
		if !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Get(%q) = %v, want ErrInvalidParams", id, err)
		}
		if _, err := c.Sessions.Delete(t.Context(), id); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidParams", id, err)
		}
	}
	if srv.count() != 0 {
		t.Fatalf("invalid IDs reached the server")
	}
	if _, err := c.Sessions.Get(t.Context(), "a/b?c#d"); err != nil {
		t.Fatal(err)
	}
	if got := srv.requests()[0].EscapedPath; got != "/v1/sessions/a%2Fb%3Fc%23d" {
		t.Errorf("path = %q, want the ID escaped as one segment", got)
	}
}

func TestAPIErrorFromFixtures(t *testing.T) {
	tests := []struct {
		fixture  string
		status   int
		headers  []string
		sentinel error
		want     APIError
	}{
		{"400.json", 400, []string{"x-should-retry", "false"}, ErrInvalidRequest, APIError{StatusCode: 400, Type: "invalid_request_error",
			Message: "metadata has 17 keys; the limit is 16.", ErrorCode: "invalid_metadata", RequestID: "req_01NAQKpMseg5z39Arh3m5HWkVZ"}},
		{"401.json", 401, nil, ErrAuthentication, APIError{StatusCode: 401, Type: "authentication_error", Message: "invalid x-api-key",
			RequestID: "req_01gWTHDra7PV7JmmfZbkK2ESg3"}},
		{"404.json", 404, nil, ErrNotFound, APIError{StatusCode: 404, Type: "not_found_error",
			Message: "Session sesn_01hEj4ivXnKjT7822KZ76Fzc8R not found.", RequestID: "req_010DKDs8rGJM70ZqVB8RcoEadw"}},
		{"409.json", 409, nil, ErrConflict, APIError{StatusCode: 409, Type: "conflict_error",
			Message: "Session sesn_01uJqyNu7X49rEympmSxudQ5tS is archived and cannot accept new events.", RequestID: "req_01kuP4Syq2V1X4yMeVeSoiTJ7S"}},
		{"429.json", 429, []string{"retry-after", "7", "retry-after-ms", "6850"}, ErrRateLimited, APIError{StatusCode: 429, Type: "rate_limit_error",
			Message: "Number of requests per minute has exceeded your rate limit.", RequestID: "req_011MAuhXwnQ5Vx6FVfSb5SyKqN", RetryAfter: 6850 * time.Millisecond}},
		{"429_spend_limit.json", 429, nil, ErrRateLimited, APIError{StatusCode: 429, Type: "rate_limit_error",
			Message: "Your organization has reached its enforced spend limit.", ErrorCode: "enforced_spend_limit_reached", RequestID: "req_01ENsA4ai7baCsPPpvjv9F69GC"}},
		{"529.json", 529, []string{"retry-after", "2"}, ErrOverloaded, APIError{StatusCode: 529, Type: "overloaded_error", Message: "Overloaded",
			RequestID: "req_01Bg9rrj4BsiZXrerfWmzejihM", RetryAfter: 2 * time.Second}},
	}
	var golden strings.Builder
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			body := readFixture(t, "errors/"+tt.fixture)
			srv := newScriptServer(t, func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i+1 < len(tt.headers); i += 2 {
					w.Header().Set(tt.headers[i], tt.headers[i+1])
				}
				w.WriteHeader(tt.status)
				w.Write(body)
			})
			c := newTestClient(t, srv.URL, WithMaxRetries(0))
			_, err := c.Sessions.Get(t.Context(), "sesn_1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tt.sentinel)
			}
			if !jsonEqual(t, apiErr.Body, body) {
				t.Errorf("Body = %s, want the raw body", apiErr.Body)
			}
			want := tt.want
			want.Method, want.Path = "GET", "/v1/sessions/sesn_1"
			if diff := cmp.Diff(want, *apiErr, cmp.FilterPath(func(p cmp.Path) bool {
				f := p.Last().String()
				return f == ".Header" || f == ".Body" || f == ".Details"
			}, cmp.Ignore())); diff != "" {
				t.Errorf("APIError mismatch (-want +got):\n%s", diff)
			}
			fmt.Fprintf(&golden, "%s\t%s\n", tt.fixture, err)
		})
	}
	checkGolden(t, "errors/error_strings.golden", []byte(golden.String()))
}

func TestAPIErrorWithoutEnvelope(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		sentinel error
		wantType string
		wantMsg  string
	}{
		{"proxy HTML 413", 413, "<html><body><h1>413 Request Entity Too Large</h1></body></html>", ErrRequestTooLarge, "request_too_large", "Request Entity Too Large"},
		{"empty 502", 502, "", ErrInternal, "api_error", "Bad Gateway"},
		{"plain text 503", 503, "upstream connect error\nor disconnect", ErrUnavailable, "api_error", "Service Unavailable"},
		{"plain text echo of the request", 400, "GET /v1/sessions/sesn_1\nx-api-key: " + testAPIKey, ErrInvalidRequest, "invalid_request_error", "Bad Request"},
		{"JSON with a message but no envelope", 500, `{"message":"boom ` + testAPIKey + `"}`, ErrInternal, "api_error", "Internal Server Error"},
		{"error object without type error", 401, `{"error":{"type":"authentication_error","message":"bad key ` + testAPIKey + `"}}`, ErrAuthentication, "authentication_error", "Unauthorized"},
		{"unknown status", 599, "echo", nil, "api_error", ""},
		{"JSON that is not an envelope", 500, `{"message":"boom"}`, ErrInternal, "api_error", "Internal Server Error"},
		{"unknown 4xx", 418, "", nil, "invalid_request_error", "I'm a teapot"},
		{"new error type", 400, `{"type":"error","error":{"type":"shiny_new_error","message":"new"}}`, ErrInvalidRequest, "shiny_new_error", "new"},
		{"409 with invalid_request_error", 409, `{"type":"error","error":{"type":"invalid_request_error","message":"archived"}}`, ErrConflict, "invalid_request_error", "archived"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("request-id", "req_hdr")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c := newTestClient(t, srv.URL, WithMaxRetries(0))
			_, err := c.Sessions.Get(t.Context(), "sesn_1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tt.sentinel)
			}
			if apiErr.Type != tt.wantType || apiErr.Message != tt.wantMsg || apiErr.RequestID != "req_hdr" {
				t.Errorf("got type %q message %q request-id %q; want %q, %q, req_hdr", apiErr.Type, apiErr.Message, apiErr.RequestID, tt.wantType, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "<html>") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error string %q dumps the body", err)
			}
			if strings.Contains(err.Error(), testAPIKey) {
				t.Errorf("error string %q shows the key the body echoed", err)
			}
			if string(apiErr.Body) != tt.body {
				t.Errorf("Body = %q, want the raw body %q", apiErr.Body, tt.body)
			}
		})
	}
}

func TestAPIErrorIsAndTemporary(t *testing.T) {
	inStream := &APIError{Type: "overloaded_error"}
	if !errors.Is(inStream, ErrOverloaded) || errors.Is(inStream, ErrNotFound) || !inStream.Temporary() {
		t.Errorf("an in-stream overloaded_error must match ErrOverloaded and be temporary")
	}
	spend := &APIError{StatusCode: 429, Type: "rate_limit_error", ErrorCode: "enforced_spend_limit_reached"}
	if spend.Temporary() {
		t.Errorf("a spend limit is not temporary")
	}
	if (&APIError{StatusCode: 404}).Temporary() || !(&APIError{StatusCode: 503}).Temporary() {
		t.Errorf("Temporary: 404 must be false, 503 true")
	}
}

func TestResponseDecodeError(t *testing.T) {
	srv := newScriptServer(t, jsonStep(`{"id": 12}`), jsonStep(`not json`))
	c := newTestClient(t, srv.URL)
	for range 2 {
		_, err := c.Sessions.Get(t.Context(), "sesn_1")
		var de *DecodeError
		if !errors.As(err, &de) || de.What != "Session" || len(de.Raw) == 0 {
			t.Fatalf("err = %v, want a *DecodeError for Session with the raw body", err)
		}
	}
}

func TestLoggerRedactsAndCountsAttempts(t *testing.T) {
	srv := newScriptServer(t, errorStep(503, "retry-after", "0"), jsonStep(sessionJSON))
	var logs strings.Builder
	c := newTestClient(t, srv.URL, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if _, err := c.Sessions.Get(t.Context(), "sesn_1"); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{"attempt=1", "attempt=2", "status=503", "status=200", "path=/v1/sessions/sesn_1"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, testAPIKey) {
		t.Errorf("log leaks the key")
	}
}

func TestClientStringHidesKey(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1")
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, testAPIKey) {
			t.Errorf("%q leaks the key", s)
		}
	}
}

// TestClientFormattingHidesCredentials prints a Client, by value and by
// pointer, alone and inside structs that hold it in exported and unexported
// fields, with every common verb, through slog and encoding/json, and
// checks that the API key or auth token never shows.
func TestClientFormattingHidesCredentials(t *testing.T) {
	const secret = "sk-ant-test-SECRET-123"
	creds := []struct {
		name string
		opt  Option
	}{
		{"api key", WithAPIKey(secret)},
		{"auth token", WithAuthToken(secret)},
	}
	for _, cred := range creds {
		t.Run(cred.name, func(t *testing.T) {
			c, err := NewClient(WithoutEnvironment(), WithBaseURL("http://127.0.0.1:1"), cred.opt)
			if err != nil {
				t.Fatal(err)
			}
			type byValue struct{ C Client }
			type byPointer struct{ C *Client }
			type hiddenValue struct{ c Client }
			type hiddenPointer struct{ c *Client }
			forms := map[string]any{
				"Client":                     *c,
				"*Client":                    c,
				"struct with Client":         byValue{*c},
				"struct with *Client":        byPointer{c},
				"struct with hidden Client":  hiddenValue{*c},
				"struct with hidden *Client": hiddenPointer{c},
				"pointer to struct":          &hiddenValue{*c},
				"slice of Client":            []Client{*c},
				"map of *Client":             map[string]*Client{"c": c},
				"credential":                 c.cred,
				"*SessionsService":           c.Sessions,
				"*EventsService":             c.Events,
			}
			verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10.3v"}
			for name, v := range forms {
				for _, verb := range verbs {
					if got := fmt.Sprintf(verb, v); strings.Contains(got, secret) || strings.Contains(got, fmt.Sprintf("%x", secret)) {
						t.Errorf("Sprintf(%q, %s) = %q shows the credential", verb, name, got)
					}
				}
				for _, got := range []string{fmt.Sprint(v), fmt.Sprintln(v)} {
					if strings.Contains(got, secret) {
						t.Errorf("Sprint(%s) = %q shows the credential", name, got)
					}
				}
				var logs bytes.Buffer
				slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "v", v)
				slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "v", v)
				if j, err := json.Marshal(v); err == nil {
					logs.Write(j)
				}
				if strings.Contains(logs.String(), secret) {
					t.Errorf("logging or marshalling %s shows the credential: %s", name, logs.String())
				}
			}
			if s := c.String(); !strings.Contains(s, "redacted") || !strings.Contains(s, "127.0.0.1:1") {
				t.Errorf("String() = %q, want the base URL and a redacted credential", s)
			}
			if got, want := fmt.Sprintf("%v", *c), c.String(); got != want {
				t.Errorf("a Client value prints as %q, want String() %q", got, want)
			}
		})
	}
}

// TestConfigFormattingHidesCredentials: the options' config, which holds the
// credential until NewClient copies it, prints without it too.
func TestConfigFormattingHidesCredentials(t *testing.T) {
	const secret = "sk-ant-test-SECRET-123"
	for _, opt := range []Option{WithAPIKey(secret), WithAuthToken(secret)} {
		cfg := defaultConfig()
		if err := opt(cfg); err != nil {
			t.Fatal(err)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			for _, v := range []any{cfg, *cfg} {
				if got := fmt.Sprintf(verb, v); strings.Contains(got, secret) {
					t.Errorf("Sprintf(%q, config) = %q shows the credential", verb, got)
				}
			}
		}
	}
}

// TestEmptySuccessBody: a 204, an empty 200 and the documented deletion
// object are all a success, and each gives the deletion object.
func TestEmptySuccessBody(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
	}{
		{"204", http.StatusNoContent, ""},
		{"empty 200", http.StatusOK, ""},
		{"deletion object", http.StatusOK, `{"id":"sesn_1","type":"session_deleted"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c := newTestClient(t, srv.URL)
			got, err := c.Sessions.Delete(t.Context(), "sesn_1")
			if err != nil || *got != (Deleted{ID: "sesn_1", Type: DeletedSession}) {
				t.Fatalf("Delete with %s = %+v, %v; want the deletion object", tt.name, got, err)
			}
		})
	}
}

// bodyCalls are the calls whose answer must be a JSON object, by name.
var bodyCalls = []struct {
	name string
	what string // DecodeError.What
	call func(ctx context.Context, c *Client) error
}{
	{"Sessions.Get", "Session", func(ctx context.Context, c *Client) error {
		_, err := c.Sessions.Get(ctx, "sesn_1")
		return err
	}},
	{"Sessions.Create", "Session", func(ctx context.Context, c *Client) error {
		_, err := c.Sessions.Create(ctx, createParams)
		return err
	}},
	{"Sessions.Update", "Session", func(ctx context.Context, c *Client) error {
		_, err := c.Sessions.Update(ctx, "sesn_1", SessionUpdateParams{Title: Set("t")})
		return err
	}},
	{"Sessions.Archive", "Session", func(ctx context.Context, c *Client) error {
		_, err := c.Sessions.Archive(ctx, "sesn_1")
		return err
	}},
	{"Sessions.List", "session list", func(ctx context.Context, c *Client) error {
		_, err := c.Sessions.List(ctx, SessionListParams{})
		return err
	}},
	{"Events.List", "event list", func(ctx context.Context, c *Client) error {
		_, err := c.Events.List(ctx, "sesn_1", EventListParams{})
		return err
	}},
	{"Events.Send", "sent events", func(ctx context.Context, c *Client) error {
		_, err := c.Events.Send(ctx, "sesn_1", UserMessage("hi"))
		return err
	}},
}

// TestSuccessBodyMustBeJSON: a 2xx answer to a call that returns a value is
// a success only when its body is a JSON object; anything else is a
// *DecodeError carrying the status and the bytes.
func TestSuccessBodyMustBeJSON(t *testing.T) {
	bodies := []struct {
		name   string
		status int
		body   string
	}{
		{"empty 200", 200, ""},
		{"whitespace 200", 200, " \r\n\t "},
		{"HTML 200", 200, "<html><body>Welcome to the proxy</body></html>"},
		{"truncated JSON 200", 200, `{"type":"session","id":"sesn_1","status":`},
		{"JSON null 200", 200, "null"},
		{"empty 201", 201, ""},
		{"no content 204", 204, ""},
	}
	for _, call := range bodyCalls {
		for _, b := range bodies {
			t.Run(call.name+"/"+b.name, func(t *testing.T) {
				srv := newScriptServer(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("content-type", "application/json")
					w.WriteHeader(b.status)
					io.WriteString(w, b.body)
				})
				c := newTestClient(t, srv.URL)
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				err := call.call(ctx, c)
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("err = %v (%T), want a *DecodeError", err, err)
				}
				if de.StatusCode != b.status {
					t.Errorf("StatusCode = %d, want %d", de.StatusCode, b.status)
				}
				if !bytes.Equal(de.Raw, []byte(b.body)) {
					t.Errorf("Raw = %q, want the body %q", de.Raw, b.body)
				}
				if de.What != call.what {
					t.Errorf("What = %q, want %q", de.What, call.what)
				}
				if de.EventType != "" {
					t.Errorf("EventType = %q, want none for a response body", de.EventType)
				}
				if b.body != "" && strings.TrimSpace(b.body) != "" && strings.Contains(err.Error(), strings.TrimSpace(b.body)) {
					t.Errorf("error string %q shows the body", err)
				}
				if srv.count() != 1 {
					t.Errorf("server received %d requests, want 1: a decode failure is not retried", srv.count())
				}
			})
		}
	}
}

// TestSuccessBodyCutMidRead: a 2xx body the server cuts off before its end
// is an error, never a success, even when the bytes that did arrive are
// valid JSON.
func TestSuccessBodyCutMidRead(t *testing.T) {
	cuts := []struct {
		name string
		head string // status line, headers and the bytes sent before closing
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n" +
			`{"data":[],"next_page":null}`},
		{"chunked", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"1c\r\n" + `{"data":[],"next_page":null}` + "\r\n"},
	}
	for _, call := range bodyCalls {
		for _, cut := range cuts {
			t.Run(call.name+"/"+cut.name, func(t *testing.T) {
				cutStep := func(w http.ResponseWriter, r *http.Request) {
					conn, buf, err := http.NewResponseController(w).Hijack()
					if err != nil {
						return
					}
					buf.WriteString(cut.head)
					buf.Flush()
					conn.Close()
				}
				srv := newScriptServer(t, cutStep, cutStep, cutStep)
				c := newTestClient(t, srv.URL, WithRetryWait(time.Millisecond, time.Millisecond))
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				err := call.call(ctx, c)
				if err == nil {
					t.Fatalf("err = nil after %d requests, want an error for a body cut mid-read", srv.count())
				}
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("err = %v, want it to wrap io.ErrUnexpectedEOF", err)
				}
			})
		}
	}
}
