package managedagentstest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"go.uber.org/goleak"
)

const hookSecret = "whsec_c2VjcmV0Cg=="

// hookDelivery is what a test receiver got.
type hookDelivery struct {
	header http.Header
	body   []byte
	valid  bool // the library verified it with hookSecret
}

// hookReceiver is a loopback webhook endpoint that checks signatures with
// the standard-webhooks library, records every request and answers with
// answer (2xx by default).
type hookReceiver struct {
	srv *httptest.Server

	mu     sync.Mutex
	got    []hookDelivery
	answer func(n int, d hookDelivery) int // n counts requests from 1
}

func newHookReceiver(t *testing.T, answer func(n int, d hookDelivery) int) *hookReceiver {
	t.Helper()
	lib, err := standardwebhooks.NewWebhook(hookSecret[len("whsec_"):])
	if err != nil {
		t.Fatal(err)
	}
	r := &hookReceiver{answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		d := hookDelivery{header: req.Header.Clone(), body: body, valid: lib.Verify(body, req.Header) == nil}
		r.mu.Lock()
		r.got = append(r.got, d)
		n := len(r.got)
		r.mu.Unlock()
		status := http.StatusNoContent
		if r.answer != nil {
			status = r.answer(n, d)
		}
		if status >= 300 && status < 400 {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) deliveries() []hookDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// dataType returns data.type of a delivery body.
func dataType(t *testing.T, body []byte) string {
	t.Helper()
	var env struct {
		Data struct {
			Type string `json:"type"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return env.Data.Type
}

// noLeaks checks, when the test ends (after its other cleanups), that it
// left no goroutine behind.
func noLeaks(t *testing.T) {
	opts := []goleak.Option{goleak.IgnoreCurrent(),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop")}
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}

func waitHooks(t *testing.T, f *Fake) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.WaitWebhooks(ctx); err != nil {
		t.Fatalf("WaitWebhooks: %v (stats %+v)", err, f.WebhookStats())
	}
}

func waitSession(t *testing.T, f *Fake, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.WaitIdle(ctx, id); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
}

// TestWebhooksFollowTheSessionLog: a session's life (a turn, an update, an
// archive, a delete) reaches the endpoint as signed deliveries of the
// mapped types, in order, with the wire format of the real sender.
func TestWebhooksFollowTheSessionLog(t *testing.T) {
	noLeaks(t)
	rcv := newHookReceiver(t, nil)
	srv := newTestServer(t)
	if err := srv.AddWebhook(rcv.srv.URL, hookSecret); err != nil {
		t.Fatal(err)
	}
	s := createSession(t, srv, map[string]any{"initial_events": []any{userMessage("hello")}})
	id := s["id"].(string)
	waitSession(t, srv.Fake, id)
	do(t, srv, "POST", "/v1/sessions/"+id, map[string]any{"title": "renamed"}).ok(t)
	do(t, srv, "POST", "/v1/sessions/"+id+"/archive", nil).ok(t)
	do(t, srv, "DELETE", "/v1/sessions/"+id, nil).ok(t)
	waitHooks(t, srv.Fake)

	var types []string
	for _, d := range rcv.deliveries() {
		if !d.valid {
			t.Errorf("delivery not verified by the library: %v", d.header)
		}
		if d.header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", d.header.Get("Content-Type"))
		}
		var env struct {
			ID        string `json:"id"`
			Type      string `json:"type"`
			CreatedAt string `json:"created_at"`
			Data      map[string]string
		}
		if err := json.Unmarshal(d.body, &env); err != nil {
			t.Fatal(err)
		}
		if env.ID == "" || env.ID != d.header.Get("webhook-id") || !strings.HasPrefix(env.ID, "whe_") || env.Type != "event" {
			t.Errorf("envelope %s with webhook-id %q", d.body, d.header.Get("webhook-id"))
		}
		if _, err := time.Parse(time.RFC3339Nano, env.CreatedAt); err != nil {
			t.Errorf("created_at %q", env.CreatedAt)
		}
		if env.Data["id"] != id || env.Data["organization_id"] != WebhookOrganizationID || env.Data["workspace_id"] != WebhookWorkspaceID {
			t.Errorf("data %v", env.Data)
		}
		types = append(types, env.Data["type"])
	}
	want := []string{"session.status_run_started", "session.status_idled", "session.updated", "session.status_terminated", "session.deleted"}
	if !slices.Equal(types, want) {
		t.Errorf("types = %v\n want %v", types, want)
	}
	if st := srv.WebhookStats(); st.Queued != 5 || st.Delivered != 5 || st.Attempts != 5 || st.Pending != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestWebhooksThreadsBudgetAndOutcome: thread transitions carry the thread's
// ID; an idle at the budget also sends session.budget_reached; an outcome
// evaluation's end sends session.outcome_evaluation_ended; an endpoint
// subscribed to some types gets only those.
func TestWebhooksThreadsBudgetAndOutcome(t *testing.T) {
	noLeaks(t)
	all := newHookReceiver(t, nil)
	some := newHookReceiver(t, nil)
	srv := newTestServer(t)
	if err := srv.AddWebhook(all.srv.URL, hookSecret); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddWebhook(some.srv.URL, hookSecret, "session.thread_created", "session.budget_reached"); err != nil {
		t.Fatal(err)
	}
	s := createSession(t, srv, map[string]any{"initial_events": []any{userMessage("delegate: researcher look it up")}})
	id := s["id"].(string)
	waitSession(t, srv.Fake, id)
	waitHooks(t, srv.Fake)

	var types []string
	var threadID string
	for _, d := range all.deliveries() {
		typ := dataType(t, d.body)
		types = append(types, typ)
		if strings.HasPrefix(typ, "session.thread_") {
			var env struct{ Data map[string]string }
			_ = json.Unmarshal(d.body, &env)
			if !strings.HasPrefix(env.Data["session_thread_id"], "sthr_") {
				t.Errorf("%s without a thread ID: %s", typ, d.body)
			}
			threadID = env.Data["session_thread_id"]
		}
	}
	want := []string{"session.status_run_started", "session.thread_created", "session.thread_idled", "session.status_idled"}
	if !slices.Equal(types, want) || threadID == "" {
		t.Errorf("types = %v\n want %v", types, want)
	}
	if got := some.deliveries(); len(got) != 1 || dataType(t, got[0].body) != "session.thread_created" {
		t.Errorf("the filtered endpoint got %d deliveries", len(got))
	}

	budget := NewServer(WithScript(func(ctx context.Context, tn *Turn) error {
		if _, err := tn.Emit("span.outcome_evaluation_end", map[string]any{"outcome_evaluation_start_id": "sevt_x", "result": "satisfied"}); err != nil {
			return err
		}
		_, err := tn.Idle(map[string]any{"type": "budget_reached"}, nil)
		return err
	}))
	defer budget.Close()
	rcv := newHookReceiver(t, nil)
	if err := budget.AddWebhook(rcv.srv.URL, hookSecret); err != nil {
		t.Fatal(err)
	}
	s = createSession(t, budget, map[string]any{"initial_events": []any{userMessage("go")}})
	waitSession(t, budget.Fake, s["id"].(string))
	waitHooks(t, budget.Fake)
	types = nil
	for _, d := range rcv.deliveries() {
		types = append(types, dataType(t, d.body))
	}
	want = []string{"session.status_run_started", "session.outcome_evaluation_ended", "session.status_idled", "session.budget_reached"}
	if !slices.Equal(types, want) {
		t.Errorf("types = %v\n want %v", types, want)
	}
}

// TestWebhooksRetryAndGiveUp: a non-2xx answer is retried with backoff up
// to the attempt limit, each attempt freshly signed; a connection that is
// refused is retried the same way and then given up; a 3xx disables the
// endpoint at once.
func TestWebhooksRetryAndGiveUp(t *testing.T) {
	noLeaks(t)
	rcv := newHookReceiver(t, func(n int, _ hookDelivery) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	srv := newTestServer(t, WithWebhookRetries(3, 30*time.Millisecond, time.Second))
	if err := srv.AddWebhook(rcv.srv.URL, hookSecret, "session.status_run_started"); err != nil {
		t.Fatal(err)
	}
	s := createSession(t, srv, map[string]any{"initial_events": []any{userMessage("hi")}})
	waitSession(t, srv.Fake, s["id"].(string))
	waitHooks(t, srv.Fake)
	got := rcv.deliveries()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3", len(got))
	}
	log := srv.WebhookAttempts()
	for i, a := range log {
		if a.Attempt != i+1 || a.WebhookID != log[0].WebhookID || a.Status != []int{503, 503, 200}[i] {
			t.Errorf("attempt %d: #%d of %s answered %d", i+1, a.Attempt, a.WebhookID, a.Status)
		}
	}
	// The backoff doubles: 30 ms, then 60 ms.
	if gap1, gap2 := log[1].At.Sub(log[0].At), log[2].At.Sub(log[1].At); gap1 < 30*time.Millisecond || gap2 < 60*time.Millisecond {
		t.Errorf("gaps %v, %v", gap1, gap2)
	}
	if st := srv.WebhookStats(); st.Retried != 2 || st.Delivered != 1 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}

	// Nothing listens on a closed listener's port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + ln.Addr().String()
	_ = ln.Close()
	dead := newTestServer(t, WithWebhookRetries(2, time.Millisecond, time.Millisecond))
	if err := dead.AddWebhook(deadURL, hookSecret, "session.status_run_started"); err != nil {
		t.Fatal(err)
	}
	s = createSession(t, dead, map[string]any{"initial_events": []any{userMessage("hi")}})
	waitSession(t, dead.Fake, s["id"].(string))
	waitHooks(t, dead.Fake)
	if st := dead.WebhookStats(); st.Attempts != 2 || st.Failed != 1 || st.Delivered != 0 {
		t.Errorf("dead endpoint stats %+v", st)
	}
	if a := dead.WebhookAttempts(); len(a) != 2 || a[0].Status != 0 || a[0].Err == "" {
		t.Errorf("dead endpoint: %d attempts", len(a))
	}

	redirect := newHookReceiver(t, func(int, hookDelivery) int { return http.StatusFound })
	moved := newTestServer(t)
	if err := moved.AddWebhook(redirect.srv.URL, hookSecret); err != nil {
		t.Fatal(err)
	}
	s = createSession(t, moved, map[string]any{"initial_events": []any{userMessage("hi")}})
	waitSession(t, moved.Fake, s["id"].(string))
	waitHooks(t, moved.Fake)
	if n := len(redirect.deliveries()); n != 1 {
		t.Errorf("a redirecting endpoint got %d requests, want 1", n)
	}
	if why := moved.DisabledWebhook(redirect.srv.URL); why != "auto-disabled: endpoint URL returned a redirect (3xx)" {
		t.Errorf("disabled = %q", why)
	}
}

// TestWebhooksNeverBlockTheFake: a receiver that hangs does not slow the
// session down; deliveries beyond the queue bound are dropped and counted;
// Close returns promptly, ends the hanging attempt and leaves no goroutine.
func TestWebhooksNeverBlockTheFake(t *testing.T) {
	noLeaks(t)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	srv := NewServer(WithWebhookQueue(2), WithWebhookTimeout(time.Minute))
	if err := srv.AddWebhook(hang.URL, hookSecret); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 3 {
		s := createSession(t, srv, map[string]any{"initial_events": []any{userMessage("hi")}})
		waitSession(t, srv.Fake, s["id"].(string))
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("three turns took %v with a hanging receiver", d)
	}
	st := srv.WebhookStats()
	// Six deliveries: one in flight and one waiting fill the bound of 2.
	if st.Queued != 2 || st.Dropped != 4 || st.Pending != 2 {
		t.Errorf("stats %+v", st)
	}
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on a hanging receiver")
	}
	if st := srv.WebhookStats(); st.Dropped != 6 || st.Pending != 0 {
		t.Errorf("after Close: %+v", st)
	}
	if err := srv.AddWebhook(hang.URL, hookSecret); err == nil {
		t.Error("AddWebhook after Close succeeded")
	}
}

// TestAddWebhookErrors: bad URLs, secrets and types are errors that do not
// quote the secret.
func TestAddWebhookErrors(t *testing.T) {
	f := New()
	defer f.Close()
	for _, c := range []struct{ url, secret, typ, want string }{
		{"ftp://x", hookSecret, "", `managedagentstest: AddWebhook: "ftp://x" is not an http or https URL`},
		{"/relative", hookSecret, "", `managedagentstest: AddWebhook: "/relative" is not an http or https URL`},
		{"http://127.0.0.1:1", "", "", "managedagentstest: AddWebhook: the secret is empty"},
		{"http://127.0.0.1:1", "whsec_c2VjcmV0Cg", "", `managedagentstest: AddWebhook: the secret is not "whsec_" followed by standard, padded base64`},
		{"http://127.0.0.1:1", hookSecret, "vault.created", `managedagentstest: AddWebhook: the fake does not send "vault.created"`},
	} {
		var types []string
		if c.typ != "" {
			types = []string{c.typ}
		}
		err := f.AddWebhook(c.url, c.secret, types...)
		if err == nil || err.Error() != c.want {
			t.Errorf("AddWebhook(%q, %q, %q) = %v\n want %s", c.url, c.secret, c.typ, err, c.want)
		}
	}
}

// TestWebhooksConcurrency: with WithWebhookConcurrency(2), two deliveries
// are in flight at once; with the default, never.
func TestWebhooksConcurrency(t *testing.T) {
	noLeaks(t)
	for _, c := range []struct {
		opts []Option
		want int
	}{{nil, 1}, {[]Option{WithWebhookConcurrency(2)}, 2}} {
		var mu sync.Mutex
		inFlight, most := 0, 0
		rcv := newHookReceiver(t, func(int, hookDelivery) int {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
			mu.Lock()
			inFlight--
			mu.Unlock()
			return http.StatusNoContent
		})
		srv := newTestServer(t, c.opts...)
		if err := srv.AddWebhook(rcv.srv.URL, hookSecret); err != nil {
			t.Fatal(err)
		}
		s := createSession(t, srv, map[string]any{"initial_events": []any{userMessage("hi")}})
		waitSession(t, srv.Fake, s["id"].(string))
		waitHooks(t, srv.Fake)
		mu.Lock()
		if most != c.want {
			t.Errorf("%d options: at most %d in flight, want %d", len(c.opts), most, c.want)
		}
		mu.Unlock()
	}
}

// TestWebhooksReorderBatchTimesOut: a reorder batch that does not fill is
// sent reversed after its hold.
func TestWebhooksReorderBatchTimesOut(t *testing.T) {
	noLeaks(t)
	rcv := newHookReceiver(t, nil)
	srv := newTestServer(t)
	if err := srv.AddWebhook(rcv.srv.URL, hookSecret); err != nil {
		t.Fatal(err)
	}
	srv.ReorderNextWebhooks(5) // a turn makes only two
	start := time.Now()
	s := createSession(t, srv, map[string]any{"initial_events": []any{userMessage("hi")}})
	waitSession(t, srv.Fake, s["id"].(string))
	waitHooks(t, srv.Fake)
	if d := time.Since(start); d < reorderHold {
		t.Errorf("sent after %v, before the hold of %v", d, reorderHold)
	}
	var types []string
	for _, d := range rcv.deliveries() {
		types = append(types, dataType(t, d.body))
	}
	if !slices.Equal(types, []string{"session.status_idled", "session.status_run_started"}) {
		t.Errorf("types %v", types)
	}
	// The next turn is not held any more.
	do(t, srv, "POST", "/v1/sessions/"+s["id"].(string)+"/events", map[string]any{"events": []any{userMessage("again")}}).ok(t)
	waitSession(t, srv.Fake, s["id"].(string))
	waitHooks(t, srv.Fake)
	if got := rcv.deliveries(); len(got) != 4 || dataType(t, got[2].body) != "session.status_run_started" {
		t.Errorf("%d deliveries after the batch", len(got))
	}
}
