package managedagents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

// update rewrites golden files: go test -run TestGolden -update
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// testAPIKey is the credential the test clients send. Tests check that it
// never appears in an error string or a log line.
const testAPIKey = "sk-ant-test-Sup3rSecretKey-0000"

// step answers one request of a scripted server.
type step func(w http.ResponseWriter, r *http.Request)

// recorded is one request a scripted server received.
type recorded struct {
	Method, Path, RawQuery string
	// EscapedPath is the path as sent, before percent-decoding.
	EscapedPath string
	Header      http.Header
	Body        []byte
}

// scriptServer is the root package's one stub server for recorded
// fixtures. It answers the n-th request with the n-th step (or, made with
// newRouteServer, with the step its route picks for the request) and
// records every request, so tests can assert exactly what was sent and how
// often.
type scriptServer struct {
	*httptest.Server
	t     *testing.T
	mu    sync.Mutex
	steps []step
	route func(*http.Request) step
	reqs  []recorded
}

func newScriptServer(t *testing.T, steps ...step) *scriptServer {
	t.Helper()
	s := &scriptServer{t: t, steps: steps}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// newRouteServer is a scriptServer whose route picks the step of each
// request, for answers that depend on the request rather than its order.
func newRouteServer(t *testing.T, route func(*http.Request) step) *scriptServer {
	t.Helper()
	s := newScriptServer(t)
	s.route = route
	return s
}

func (s *scriptServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.reqs)
	s.reqs = append(s.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.URL.EscapedPath(), r.Header.Clone(), body})
	var st step
	switch {
	case s.route != nil:
		st = s.route(r)
	case n < len(s.steps):
		st = s.steps[n]
	}
	s.mu.Unlock()
	if st == nil {
		s.t.Errorf("unexpected request %d: %s %s", n+1, r.Method, r.URL)
		http.Error(w, "unexpected request", http.StatusTeapot)
		return
	}
	st(w, r)
}

// requests returns what the server received so far.
func (s *scriptServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func (s *scriptServer) count() int { return len(s.requests()) }

// errorStep answers status with the API's error envelope and extra headers
// given as name, value pairs.
func errorStep(status int, headers ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		id := fmt.Sprintf("req_%d_%s", status, r.Header.Get("x-test-attempt"))
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("request-id", id)
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"type":"error","error":{"type":%q,"message":"status %d"},"request_id":%q}`,
			typeForStatus(status), status, id)
	}
}

// errorCodeStep answers status with an envelope carrying details.error_code.
func errorCodeStep(status int, code string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("request-id", "req_code")
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"type":"error","error":{"type":%q,"message":"m","details":{"error_code":%q}},"request_id":"req_code"}`,
			typeForStatus(status), code)
	}
}

// envelopeStep answers status with the API's error envelope of error.type
// typ, with details.error_code code when code is not empty, and extra
// headers given as name, value pairs.
func envelopeStep(status int, typ, code string, headers ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		details := ""
		if code != "" {
			details = fmt.Sprintf(`,"details":{"error_code":%q}`, code)
		}
		w.Header().Set("request-id", "req_env")
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"type":"error","error":{"type":%q,"message":"m"%s},"request_id":"req_env"}`, typ, details)
	}
}

// rawStep answers status with a body that is not the API's envelope (a
// proxy's page, an empty or plain-text body) and extra headers given as
// name, value pairs.
func rawStep(status int, contentType, body string, headers ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if contentType != "" {
			w.Header().Set("content-type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// jsonStep answers 200 with body.
func jsonStep(body string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		w.Header().Set("request-id", "req_ok")
		io.WriteString(w, body)
	}
}

// fileStep answers 200 with a fixture file.
func fileStep(t *testing.T, name string) step {
	return jsonStep(string(readFixture(t, name)))
}

// resetStep closes the connection after the request was read, without
// answering: the server may have acted.
func resetStep() step {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

// cutBodyStep promises a long body and closes the connection part-way.
func cutBodyStep() step {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\"sesn_")
		buf.Flush()
		conn.Close()
	}
}

// hangStep blocks until the client goes away.
func hangStep() step {
	return func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
}

// newTestClient returns a client for url that sends testAPIKey, reads no
// environment and opens a new connection per request (so tests inside a
// synctest bubble leave no idle connection goroutines behind).
func newTestClient(t *testing.T, url string, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithBaseURL(url),
		WithAPIKey(testAPIKey),
		WithoutEnvironment(),
		WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}),
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("invalid JSON %q: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// checkGolden compares got with testdata/name, rewriting it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n got: %s\nwant: %s", name, got, want)
	}
}

// leakOptions is the one goroutine-leak configuration of the tests: it
// ignores the keep-alive connections of HTTP transports (their read and
// write loops, wherever they are blocked); any other goroutine a test
// leaves behind fails it. The external test package uses it through
// LeakOptions.
var leakOptions = []goleak.Option{
	goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
	goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
}

// LeakOptions exports leakOptions to the external test package.
var LeakOptions = leakOptions

// checkLeaks fails the test if goroutines started during it outlive it.
// Call it first, so that its check runs after every other cleanup.
func checkLeaks(t *testing.T) {
	opts := append([]goleak.Option{goleak.IgnoreCurrent()}, leakOptions...)
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}

// sseStep answers with a text/event-stream body, written as is.
func sseStep(body []byte) step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/event-stream")
		w.Header().Set("request-id", "req_stream")
		w.Write(body)
	}
}

// framesStep answers a stream request with these events as frames, then
// ends the body (a drop, for a resuming stream).
func framesStep(events ...string) step {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", typeOf(e), e)
	}
	return sseStep([]byte(b.String()))
}

// pageStep answers a history read with these events and no next page.
func pageStep(events ...string) step {
	return jsonStep(`{"data":[` + strings.Join(events, ",") + `],"next_page":null}`)
}

// emptyStep answers 200 with no body at all.
func emptyStep() step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(http.StatusOK)
	}
}

func typeOf(eventJSON string) string {
	ev, err := DecodeEvent([]byte(eventJSON))
	if err != nil {
		return "broken"
	}
	return ev.EventType()
}

// ev builds a persisted event n seconds after a fixed instant; queued
// client events (processed false) have processed_at null.
func ev(typ string, n int, processed bool) string {
	at := "null"
	if processed {
		at = `"` + time.Date(2026, 11, 26, 10, 0, n, 0, time.UTC).Format(time.RFC3339Nano) + `"`
	}
	extra := ""
	if typ == EventUserMessage {
		extra = `,"content":[{"type":"text","text":"hi"}]`
	}
	return fmt.Sprintf(`{"type":%q,"id":"sevt_%d"%s,"processed_at":%s}`, typ, n, extra, at)
}

// describe renders what a stream yielded, one line per pair.
func describe(ev Event, err error) string {
	if err != nil {
		var de *DecodeError
		var se *StreamError
		switch {
		case errors.As(err, &de):
			return "decode error " + de.EventType
		case errors.As(err, &se):
			return "stream error " + se.Type
		}
		return "error " + err.Error()
	}
	return ev.EventType() + " " + ev.EventID()
}

// testDeadline bounds every test context from testContext: a regression
// that stops a stream, a turn or a runner from ending fails that test in
// seconds instead of hanging the suite until go test's own timeout.
const testDeadline = 10 * time.Second

// testContext is t.Context with testDeadline. Tests that legitimately run
// longer make a context of their own with context.WithTimeout.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	t.Cleanup(cancel)
	return ctx
}

// checkRefusedBeforeSending requires every call to fail with
// ErrInvalidParams without reaching srv, and returns the errors by name for
// checks of their own.
func checkRefusedBeforeSending(t *testing.T, srv *scriptServer, calls map[string]func() error) map[string]error {
	t.Helper()
	errs := make(map[string]error, len(calls))
	for name, call := range calls {
		err := call()
		if !errors.Is(err, ErrInvalidParams) {
			t.Errorf("%s: err = %v, want ErrInvalidParams", name, err)
		}
		errs[name] = err
	}
	if srv.count() != 0 {
		t.Errorf("invalid calls reached the server %d times", srv.count())
	}
	return errs
}

// checkAPIErrors requires every call to return the *APIError of a server
// that answers with each of statuses.
func checkAPIErrors(t *testing.T, calls map[string]func(c *Client) error, statuses ...int) {
	t.Helper()
	for name, call := range calls {
		for _, status := range statuses {
			srv := newScriptServer(t, errorStep(status))
			err := call(newTestClient(t, srv.URL))
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Errorf("%s: err = %v, want a %d *APIError", name, err, status)
			}
		}
	}
}

// checkHTMLIsDecodeError requires every call to return a *DecodeError with
// the body when a 200 carries an HTML page instead of JSON.
func checkHTMLIsDecodeError(t *testing.T, calls map[string]func(c *Client) error) {
	t.Helper()
	for name, call := range calls {
		srv := newScriptServer(t, rawStep(200, "text/html", "<html>gateway</html>"))
		var de *DecodeError
		if err := call(newTestClient(t, srv.URL)); !errors.As(err, &de) || de.StatusCode != 200 || string(de.Raw) != "<html>gateway</html>" {
			t.Errorf("%s: err = %v, want a *DecodeError with the body", name, err)
		}
	}
}

// checkSent requires the request to be method and path (as sent, escapes
// included) with exactly query (nil for none) and a JSON body equal to body
// (nil for none).
func (r recorded) checkSent(t *testing.T, method, path string, query url.Values, body []byte) {
	t.Helper()
	if r.Method != method || r.EscapedPath != path {
		t.Errorf("sent %s %s, want %s %s", r.Method, r.EscapedPath, method, path)
	}
	q, _ := url.ParseQuery(r.RawQuery)
	if query == nil {
		query = url.Values{}
	}
	if diff := cmp.Diff(query, q); diff != "" {
		t.Errorf("query mismatch (-want +got):\n%s", diff)
	}
	switch {
	case body == nil && len(r.Body) != 0:
		t.Errorf("sent a body %s, want none", r.Body)
	case body != nil && !jsonEqual(t, r.Body, body):
		t.Errorf("body = %s\nwant %s", r.Body, body)
	}
}
