package managedagents

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

const sessionJSON = `{"type":"session","id":"sesn_1","status":"idle","title":null,"environment_id":"env_1",
"agent":{"type":"agent","id":"agent_1","version":1,"name":"a","description":null,"system":null,
"model":{"id":"m","effort":{"type":"medium"}},"execution_identity":{"type":"service_account"},
"tools":[],"mcp_servers":[],"skills":[],"multiagent":null},"metadata":{},"resources":[],"vault_ids":[],
"outcome_evaluations":[],"stats":{},"usage":{},"budget":null,"created_at":"2026-11-26T10:14:04.118Z",
"updated_at":"2026-11-26T10:14:04.118Z","archived_at":null}`

var createParams = SessionCreateParams{Agent: AgentByID("agent_1"), EnvironmentID: "env_1"}

// call runs one operation: create or send (not idempotent), or get
// (idempotent).
func call(ctx context.Context, c *Client, op string) error {
	switch op {
	case "create":
		_, err := c.Sessions.Create(ctx, createParams)
		return err
	case "send":
		_, err := c.Events.Send(ctx, "sesn_1", UserMessage("hi"))
		return err
	}
	_, err := c.Sessions.Get(ctx, "sesn_1")
	return err
}

// TestRetryPolicy runs each retry rule against a server that counts what it
// receives, inside a synctest bubble so that waits take no real time and the
// time waited can be asserted exactly.
func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name  string
		op    string
		steps []step
		// wantCount is how many requests the server must receive.
		wantCount int
		// wantStatus is the *APIError status expected (0: success).
		wantStatus int
		// wantUnknown: the error must match ErrOutcomeUnknown.
		wantUnknown bool
		// wantWait, if set, is the exact time spent waiting.
		wantWait time.Duration
	}{
		{name: "create is not re-sent after 500", op: "create",
			steps: []step{errorStep(500), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 500, wantUnknown: true},
		{name: "create is not re-sent after 502", op: "create",
			steps: []step{errorStep(502), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 502, wantUnknown: true},
		{name: "create is not re-sent after 504", op: "create",
			steps: []step{errorStep(504), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 504, wantUnknown: true},
		{name: "create is not re-sent after 408", op: "create",
			steps: []step{errorStep(408), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 408, wantUnknown: true},
		{name: "create is not re-sent after 503 change_outcome_unknown", op: "create",
			steps: []step{errorCodeStep(503, "change_outcome_unknown"), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 503, wantUnknown: true},
		{name: "create is not re-sent after x-should-retry true on 500", op: "create",
			steps: []step{errorStep(500, "x-should-retry", "true"), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 500, wantUnknown: true},
		{name: "create is retried after 429 honouring retry-after", op: "create",
			steps: []step{errorStep(429, "retry-after", "2"), jsonStep(sessionJSON)}, wantCount: 2, wantWait: 2 * time.Second},
		{name: "create is retried after 529", op: "create",
			steps: []step{errorStep(529, "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 2, wantWait: time.Second},
		{name: "create is retried after an overloaded 503", op: "create",
			steps: []step{envelopeStep(503, "overloaded_error", "", "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 2, wantWait: time.Second},
		{name: "create is not re-sent after an api_error 503", op: "create",
			steps: []step{errorStep(503, "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 503, wantUnknown: true},
		{name: "create is not retried after a spend-limit 429", op: "create",
			steps: []step{errorCodeStep(429, "enforced_spend_limit_reached"), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 429},
		{name: "create is not retried after 400", op: "create",
			steps: []step{errorStep(400), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 400},
		{name: "create after x-should-retry false on 429", op: "create",
			steps: []step{errorStep(429, "x-should-retry", "false"), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 429},
		{name: "get is retried after 500", op: "get",
			steps: []step{errorStep(500, "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 2, wantWait: time.Second},
		{name: "get is retried after 502", op: "get",
			steps: []step{errorStep(502, "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 2},
		{name: "get is retried after 503", op: "get",
			steps: []step{errorStep(503, "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 2},
		{name: "get is retried after 504", op: "get",
			steps: []step{errorStep(504, "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 2},
		{name: "get is retried after 529", op: "get",
			steps: []step{errorStep(529, "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 2},
		{name: "get is retried after 408", op: "get",
			steps: []step{errorStep(408, "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 2},
		{name: "get is retried after a reset", op: "get",
			steps: []step{resetStep(), jsonStep(sessionJSON)}, wantCount: 2},
		{name: "get is retried after a body cut mid-read", op: "get",
			steps: []step{cutBodyStep(), jsonStep(sessionJSON)}, wantCount: 2},
		{name: "create is not re-sent after a reset", op: "create",
			steps: []step{resetStep(), jsonStep(sessionJSON)}, wantCount: 1, wantUnknown: true},
		{name: "create is not re-sent after a body cut mid-read", op: "create",
			steps: []step{cutBodyStep(), jsonStep(sessionJSON)}, wantCount: 1, wantUnknown: true},
		{name: "get is not retried after 404", op: "get",
			steps: []step{errorStep(404), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 404},
		{name: "get is not retried after 409", op: "get",
			steps: []step{errorStep(409), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 409},
		{name: "x-should-retry false stops a retry", op: "get",
			steps: []step{errorStep(500, "x-should-retry", "false"), jsonStep(sessionJSON)}, wantCount: 1, wantStatus: 500},
		{name: "x-should-retry true forces a retry", op: "get",
			steps: []step{errorStep(400, "x-should-retry", "true", "retry-after", "1"), jsonStep(sessionJSON)}, wantCount: 2, wantWait: time.Second},
		{name: "retry-after-ms wins over retry-after", op: "get",
			steps: []step{errorStep(503, "retry-after", "7", "retry-after-ms", "1500"), jsonStep(sessionJSON)}, wantCount: 2, wantWait: 1500 * time.Millisecond},
		{name: "a huge retry-after is capped at a minute", op: "get",
			steps: []step{errorStep(429, "retry-after", "86400"), jsonStep(sessionJSON)}, wantCount: 2, wantWait: time.Minute},
		{name: "a retry-after date is honoured", op: "get",
			steps: []step{errorStep(429, "retry-after", "Thu, 01 Jan 2099 00:00:00 GMT"), jsonStep(sessionJSON)}, wantCount: 2, wantWait: time.Minute},
		{name: "the last response's error is returned after the last attempt", op: "get",
			steps:     []step{errorStep(503, "retry-after", "1"), errorStep(503, "retry-after", "1"), errorStep(529, "retry-after", "1")},
			wantCount: 3, wantStatus: 529, wantWait: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, tt.steps...)
			synctest.Test(t, func(t *testing.T) {
				c := newTestClient(t, srv.URL)
				start := time.Now()
				err := call(t.Context(), c, tt.op)
				waited := time.Since(start)

				if got := srv.count(); got != tt.wantCount {
					t.Errorf("server received %d requests, want %d", got, tt.wantCount)
				}
				if tt.wantStatus == 0 && !tt.wantUnknown {
					if err != nil {
						t.Fatalf("err = %v, want success", err)
					}
				} else {
					if err == nil {
						t.Fatal("err = nil, want an error")
					}
					if strings.Contains(err.Error(), "giving up") {
						t.Errorf("err = %q, want the API error, not the retry library's summary", err)
					}
				}
				if tt.wantStatus != 0 {
					var apiErr *APIError
					if !errors.As(err, &apiErr) {
						t.Fatalf("err = %v (%T), want an *APIError", err, err)
					}
					if apiErr.StatusCode != tt.wantStatus {
						t.Errorf("status = %d, want %d", apiErr.StatusCode, tt.wantStatus)
					}
				}
				if got := errors.Is(err, ErrOutcomeUnknown); got != tt.wantUnknown {
					t.Errorf("errors.Is(err, ErrOutcomeUnknown) = %v, want %v (err: %v)", got, tt.wantUnknown, err)
				}
				if tt.wantWait != 0 && waited != tt.wantWait {
					t.Errorf("waited %v, want %v", waited, tt.wantWait)
				}
			})
		})
	}
}

// TestRetry503 runs the 503 rules against a counting server in a synctest
// bubble. A create or a send is re-sent only after a 503 whose body is the
// API's own envelope saying the request was turned away (overloaded_error,
// or "unavailable" in error.type or error_code, but not
// change_outcome_unknown); any other 503, such as a proxy's page, may come
// after the request was applied, so it ends in ErrOutcomeUnknown. A read is
// retried after any 503.
func TestRetry503(t *testing.T) {
	const html = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
	tests := []struct {
		name      string
		first     step // the answer to the first request
		retried   bool // a second request is made, and it succeeds
		onlyIdemp bool // the case is for get only
	}{
		{name: "HTML", first: rawStep(503, "text/html", html)},
		{name: "empty body", first: rawStep(503, "", "")},
		{name: "plain text", first: rawStep(503, "text/plain", "upstream connect error or disconnect/reset before headers")},
		{name: "JSON without the envelope", first: rawStep(503, "application/json", `{"error":{"type":"overloaded_error","message":"m"}}`)},
		{name: "envelope api_error", first: envelopeStep(503, "api_error", "")},
		{name: "envelope api_error with another code", first: envelopeStep(503, "api_error", "upstream_reset")},
		{name: "envelope overloaded_error", first: envelopeStep(503, "overloaded_error", ""), retried: true},
		{name: "envelope error_code authorization_check_unavailable", first: envelopeStep(503, "api_error", "authorization_check_unavailable"), retried: true},
		{name: "envelope type service_unavailable_error", first: envelopeStep(503, "service_unavailable_error", ""), retried: true},
		{name: "envelope overloaded_error with change_outcome_unknown", first: envelopeStep(503, "overloaded_error", "change_outcome_unknown")},
		{name: "envelope unavailable with change_outcome_unknown", first: envelopeStep(503, "service_unavailable_error", "change_outcome_unknown")},
		{name: "HTML with x-should-retry true", first: rawStep(503, "text/html", html, "x-should-retry", "true")},
		{name: "envelope api_error with x-should-retry true", first: envelopeStep(503, "api_error", "", "x-should-retry", "true")},
		{name: "envelope overloaded_error with x-should-retry true", first: envelopeStep(503, "overloaded_error", "", "x-should-retry", "true"), retried: true},
	}
	for _, op := range []string{"create", "send", "get"} {
		for _, tt := range tests {
			idempotent := op == "get"
			// A change_outcome_unknown answer says the read may not have
			// been done either; reads retry it like any 503.
			wantRetry := tt.retried || idempotent
			t.Run(op+"/"+tt.name, func(t *testing.T) {
				srv := newScriptServer(t, tt.first, successStep(t, op))
				synctest.Test(t, func(t *testing.T) {
					c := newTestClient(t, srv.URL)
					err := call(t.Context(), c, op)
					if wantRetry {
						if err != nil || srv.count() != 2 {
							t.Fatalf("err = %v after %d requests; want success after 2", err, srv.count())
						}
						return
					}
					if srv.count() != 1 {
						t.Errorf("server received %d requests, want 1: the %s must not be re-sent", srv.count(), op)
					}
					if !errors.Is(err, ErrOutcomeUnknown) {
						t.Errorf("err = %v, want ErrOutcomeUnknown", err)
					}
					var apiErr *APIError
					if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
						t.Fatalf("err = %v (%T), want it to wrap the 503 *APIError", err, err)
					}
					if !errors.Is(err, ErrUnavailable) {
						t.Errorf("errors.Is(err, ErrUnavailable) = false for %v", err)
					}
				})
			})
		}
	}
}

// TestRetry503XShouldRetryFalse: x-should-retry: false stops even a retry
// that the envelope makes safe, and the outcome is known: nothing was done.
func TestRetry503XShouldRetryFalse(t *testing.T) {
	for _, op := range []string{"create", "send", "get"} {
		t.Run(op, func(t *testing.T) {
			srv := newScriptServer(t, envelopeStep(503, "overloaded_error", "", "x-should-retry", "false"), successStep(t, op))
			synctest.Test(t, func(t *testing.T) {
				c := newTestClient(t, srv.URL)
				err := call(t.Context(), c, op)
				if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrOutcomeUnknown) || srv.count() != 1 {
					t.Fatalf("err = %v after %d requests; want a plain 503 after 1", err, srv.count())
				}
			})
		})
	}
}

// successStep is the 200 answer to op.
func successStep(t *testing.T, op string) step {
	if op == "send" {
		return fileStep(t, "send/message.response.json")
	}
	return jsonStep(sessionJSON)
}

// TestRetryComputedBackoff checks the wait without a server hint: 0.5 s then
// 1 s, each less up to 25 % jitter.
func TestRetryComputedBackoff(t *testing.T) {
	srv := newScriptServer(t, errorStep(500), errorStep(500), jsonStep(sessionJSON))
	synctest.Test(t, func(t *testing.T) {
		c := newTestClient(t, srv.URL)
		start := time.Now()
		if _, err := c.Sessions.Get(t.Context(), "sesn_1"); err != nil {
			t.Fatal(err)
		}
		waited := time.Since(start)
		if lo, hi := 1125*time.Millisecond, 1500*time.Millisecond; waited < lo || waited > hi {
			t.Errorf("waited %v, want between %v and %v", waited, lo, hi)
		}
	})
}

// TestRetryNeverConnected: a dial that fails never reached the server, so
// even a create is retried.
func TestRetryNeverConnected(t *testing.T) {
	srv := newScriptServer(t, jsonStep(sessionJSON))
	var dials atomic.Int32
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	synctest.Test(t, func(t *testing.T) {
		c := newTestClient(t, srv.URL, WithHTTPClient(&http.Client{Transport: tr}))
		if _, err := c.Sessions.Create(t.Context(), createParams); err != nil {
			t.Fatalf("Create: %v", err)
		}
	})
	if dials.Load() != 2 || srv.count() != 1 {
		t.Errorf("dials = %d, requests = %d; want 2 dials and 1 request", dials.Load(), srv.count())
	}
}

// TestRetryNeverConnectedGivesUp: when no attempt connects the error is not
// an unknown outcome: nothing reached the server.
func TestRetryNeverConnectedGivesUp(t *testing.T) {
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		},
	}
	synctest.Test(t, func(t *testing.T) {
		c := newTestClient(t, "http://127.0.0.1:9", WithHTTPClient(&http.Client{Transport: tr}))
		_, err := c.Sessions.Create(t.Context(), createParams)
		if err == nil || errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("err = %v, want a plain connection error", err)
		}
		if !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("err = %q, want the cause", err)
		}
	})
}

// TestRetryTimeout uses real time: a server that never answers and a short
// per-attempt timeout.
func TestRetryTimeout(t *testing.T) {
	for _, tt := range []struct {
		op          string
		wantCount   int
		wantUnknown bool
	}{
		{"create", 1, true},
		{"get", 3, false},
	} {
		t.Run(tt.op, func(t *testing.T) {
			srv := newScriptServer(t, hangStep(), hangStep(), hangStep())
			c := newTestClient(t, srv.URL, WithRequestTimeout(50*time.Millisecond), WithRetryWait(time.Millisecond, time.Millisecond))
			err := call(t.Context(), c, tt.op)
			var netErr net.Error
			if !errors.As(err, &netErr) || !netErr.Timeout() {
				t.Fatalf("err = %v, want a timeout", err)
			}
			if got := errors.Is(err, ErrOutcomeUnknown); got != tt.wantUnknown {
				t.Errorf("ErrOutcomeUnknown = %v, want %v", got, tt.wantUnknown)
			}
			if got := srv.count(); got != tt.wantCount {
				t.Errorf("server received %d requests, want %d", got, tt.wantCount)
			}
		})
	}
}

// TestRetryContextCancelledDuringWait: cancelling stops the wait at once.
func TestRetryContextCancelledDuringWait(t *testing.T) {
	srv := newScriptServer(t, errorStep(429, "retry-after", "30"), jsonStep(sessionJSON))
	synctest.Test(t, func(t *testing.T) {
		c := newTestClient(t, srv.URL)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		err := call(ctx, c, "create")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("a 429 was not acted on; the outcome is known: %v", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("returned after %v, want 1s", waited)
		}
	})
	if srv.count() != 1 {
		t.Errorf("server received %d requests, want 1", srv.count())
	}
}

// TestRetryContextCancelledInFlight: a create cancelled after it was sent
// may have been applied.
func TestRetryContextCancelledInFlight(t *testing.T) {
	srv := newScriptServer(t, hangStep())
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := call(ctx, c, "create")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want DeadlineExceeded and ErrOutcomeUnknown", err)
	}
}

// TestRetryMaxRetriesZero: WithMaxRetries(0) makes one attempt.
func TestRetryMaxRetriesZero(t *testing.T) {
	srv := newScriptServer(t, errorStep(503), jsonStep(sessionJSON))
	c := newTestClient(t, srv.URL, WithMaxRetries(0))
	if err := call(t.Context(), c, "get"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if srv.count() != 1 {
		t.Errorf("server received %d requests, want 1", srv.count())
	}
}

// TestNoSecretsInErrorsOrLogs drives failing calls with debug logging on and
// checks that the key appears in no error string and no log line.
func TestNoSecretsInErrorsOrLogs(t *testing.T) {
	srv := newScriptServer(t, errorStep(500), errorStep(500), errorStep(500), resetStep(), errorStep(401))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, srv.URL, WithLogger(logger), WithRetryWait(time.Millisecond, time.Millisecond))
	var errs []string
	for _, op := range []string{"get", "create", "get"} {
		if err := call(t.Context(), c, op); err != nil {
			errs = append(errs, err.Error())
		}
	}
	errs = append(errs, c.String(), (&APIError{StatusCode: 401, Type: "authentication_error", Message: "invalid x-api-key"}).Error())
	if len(errs) < 3 {
		t.Fatalf("got %d errors, want 3", len(errs))
	}
	for _, s := range append(errs, logs.String()) {
		if strings.Contains(s, testAPIKey) || strings.Contains(s, "Sup3rSecret") {
			t.Errorf("secret leaked in %q", s)
		}
	}
	for _, want := range []string{"managedagents: request", "managedagents: response", "waiting before retry", "status=500"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
	// The server did receive the key: it is sent, just never printed.
	if got := srv.requests()[0].Header.Get("x-api-key"); got != testAPIKey {
		t.Errorf("x-api-key = %q, want the key", got)
	}
}

func TestRetryAfterHint(t *testing.T) {
	tests := []struct {
		headers []string
		want    time.Duration
		ok      bool
	}{
		{nil, 0, false},
		{[]string{"retry-after", "3"}, 3 * time.Second, true},
		{[]string{"retry-after", "0.25"}, 250 * time.Millisecond, true},
		{[]string{"retry-after", "-5"}, 0, true},
		{[]string{"retry-after-ms", "120.5"}, 120500 * time.Microsecond, true},
		{[]string{"retry-after-ms", "50", "retry-after", "9"}, 50 * time.Millisecond, true},
		{[]string{"retry-after-ms", "soon", "retry-after", "9"}, 9 * time.Second, true},
		{[]string{"retry-after", "later"}, 0, false},
		{[]string{"retry-after", "1e400"}, 0, false},
		{[]string{"retry-after-ms", "NaN"}, 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for i := 0; i+1 < len(tt.headers); i += 2 {
			h.Set(tt.headers[i], tt.headers[i+1])
		}
		got, ok := retryAfterHint(h)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfterHint(%v) = %v, %v; want %v, %v", tt.headers, got, ok, tt.want, tt.ok)
		}
	}
}

func TestComputedBackoffBounds(t *testing.T) {
	for n, want := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second} {
		for range 50 {
			got := backoff(500*time.Millisecond, 8*time.Second, n, requestJitter)
			if got > want || got < want*3/4 {
				t.Fatalf("backoff(n=%d, requestJitter) = %v, want within [%v, %v]", n, got, want*3/4, want)
			}
		}
	}
	if got := backoff(0, 0, 3, requestJitter); got != 0 {
		t.Errorf("backoff(0, 0) = %v, want 0", got)
	}
}

// TestReconnectBackoffBounds: stream reconnects wait the same doubling,
// less up to half.
func TestReconnectBackoffBounds(t *testing.T) {
	for n, want := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		for range 50 {
			got := backoff(500*time.Millisecond, 10*time.Second, n, reconnectJitter)
			if got > want || got < want/2 {
				t.Fatalf("backoff(n=%d, reconnectJitter) = %v, want within [%v, %v]", n, got, want/2, want)
			}
		}
	}
	for _, d := range []time.Duration{0, 1} {
		if got := backoff(d, d, 2, reconnectJitter); got != d {
			t.Errorf("backoff(%v, %v) = %v, want %[1]v", d, d, got)
		}
	}
}

// cutErrorStep answers status with headers given as name, value pairs and
// a body that breaks off part-way.
func cutErrorStep(status int, headers ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: 500\r\n", status, http.StatusText(status))
		for i := 0; i+1 < len(headers); i += 2 {
			fmt.Fprintf(buf, "%s: %s\r\n", headers[i], headers[i+1])
		}
		buf.WriteString("\r\n{\"type\":\"err")
		buf.Flush()
		conn.Close()
	}
}

// TestRetryCutErrorBody: an answer whose body breaks off is judged by its
// status and headers first (a 429 is retried even for a create, and
// x-should-retry: false or a 409 stops even a read); when they neither
// stop nor send it again, it is a transport error after an answer.
func TestRetryCutErrorBody(t *testing.T) {
	tests := []struct {
		name        string
		op          string
		first       step
		wantCount   int
		wantUnknown bool
	}{
		{"create after a 429", "create", cutErrorStep(429, "retry-after", "1"), 2, false},
		{"get after a 500 with x-should-retry false", "get", cutErrorStep(500, "x-should-retry", "false"), 1, false},
		{"get after a 409", "get", cutErrorStep(409), 1, false},
		{"get after a 404", "get", cutErrorStep(404), 2, false},
		{"create after a 400", "create", cutErrorStep(400), 1, true},
		{"create after a 500", "create", cutErrorStep(500), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, tt.first, jsonStep(sessionJSON))
			synctest.Test(t, func(t *testing.T) {
				c := newTestClient(t, srv.URL, WithRetryWait(time.Millisecond, time.Millisecond))
				err := call(t.Context(), c, tt.op)
				if got := srv.count(); got != tt.wantCount {
					t.Errorf("server received %d requests, want %d (err: %v)", got, tt.wantCount, err)
				}
				if (err == nil) != (tt.wantCount == 2) {
					t.Errorf("err = %v", err)
				}
				if got := errors.Is(err, ErrOutcomeUnknown); got != tt.wantUnknown {
					t.Errorf("errors.Is(err, ErrOutcomeUnknown) = %v, want %v (err: %v)", got, tt.wantUnknown, err)
				}
			})
		})
	}
}

// TestRetryForgetsTheLastAttempt: what an attempt learnt (here, that it
// connected) does not carry over to the next. A create that got a 429 and
// then could not connect again failed without being applied.
func TestRetryForgetsTheLastAttempt(t *testing.T) {
	srv := newScriptServer(t, errorStep(429, "retry-after", "0"))
	var dials atomic.Int32
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) > 1 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	synctest.Test(t, func(t *testing.T) {
		c := newTestClient(t, srv.URL, WithHTTPClient(&http.Client{Transport: tr}))
		err := call(t.Context(), c, "create")
		if err == nil || errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("err = %v, want a plain connection error", err)
		}
	})
	if dials.Load() != 3 || srv.count() != 1 {
		t.Errorf("dials = %d, requests = %d; want 3 dials and 1 request", dials.Load(), srv.count())
	}
}
