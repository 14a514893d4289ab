package managedagentstest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "sk-test-key"

// newTestServer starts a fake for one test.
func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// stepClock returns a clock that starts at start and advances by step on
// every reading, so each request sees a later time.
func stepClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	next := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := next
		next = next.Add(step)
		return t
	}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// reqOption adjusts a request before it is sent.
type reqOption func(*http.Request)

// withHeader sets a request header ("" value deletes it).
func withHeader(k, v string) reqOption {
	return func(r *http.Request) {
		if v == "" {
			r.Header.Del(k)
			return
		}
		r.Header.Set(k, v)
	}
}

// do sends a request with valid default headers. body is sent as is when it
// is a string or []byte and as JSON otherwise; nil sends no body.
func do(t *testing.T, srv *Server, method, path string, body any, opts ...reqOption) response {
	t.Helper()
	r, err := send(srv, method, path, body, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is do without a *testing.T, for use from goroutines.
func send(srv *Server, method, path string, body any, opts ...reqOption) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("x-api-key", testKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("anthropic-beta", BetaHeader)
	if rd != nil {
		req.Header.Set("content-type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// obj decodes the body as a JSON object, keeping numbers exact.
func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("status %d, body is not a JSON object: %v\n%s", r.status, err, r.body)
	}
	return m
}

// ok checks for 200 and decodes the body.
func (r response) ok(t *testing.T) map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body: %s", r.status, r.body)
	}
	return r.obj(t)
}

var requestIDRE = regexp.MustCompile(`^req_01[0-9A-Za-z]{24}$`)

// apiErr checks that r is an error envelope with this status and
// error.type, whose request_id equals the request-id header, and returns
// the error member.
func (r response) apiErr(t *testing.T, status int, typ string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content-type = %q", ct)
	}
	m := r.obj(t)
	if m["type"] != "error" {
		t.Errorf("type = %v, want error", m["type"])
	}
	hid := r.header.Get("request-id")
	if !requestIDRE.MatchString(hid) {
		t.Errorf("request-id header = %q", hid)
	}
	if m["request_id"] != hid {
		t.Errorf("request_id = %v, header request-id = %q", m["request_id"], hid)
	}
	e, _ := m["error"].(map[string]any)
	if e == nil {
		t.Fatalf("no error member: %s", r.body)
	}
	if e["type"] != typ {
		t.Errorf("error.type = %v, want %s (message %v)", e["type"], typ, e["message"])
	}
	if msg, _ := e["message"].(string); msg == "" {
		t.Errorf("empty error.message")
	}
	return e
}

// errorCode returns error.details.error_code or "".
func errorCode(e map[string]any) string {
	d, _ := e["details"].(map[string]any)
	c, _ := d["error_code"].(string)
	return c
}

// createSession creates a session and returns it.
func createSession(t *testing.T, srv *Server, body map[string]any) map[string]any {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if _, ok := body["agent"]; !ok {
		body["agent"] = DefaultAgentID
	}
	if _, ok := body["environment_id"]; !ok {
		body["environment_id"] = DefaultEnvironmentID
	}
	return do(t, srv, "POST", "/v1/sessions", body).ok(t)
}

// userMessage is an initial_events entry.
func userMessage(text string) map[string]any {
	return map[string]any{"type": "user.message", "content": []any{map[string]any{"type": "text", "text": text}}}
}

// keys returns the sorted keys of m.
func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// dig walks nested objects and arrays by keys and indexes.
func dig(v any, steps ...any) any {
	for _, s := range steps {
		switch k := s.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// compactJSON re-encodes a value as compact JSON for comparisons.
func compactJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
