package webhooks_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go/webhooks"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// receiver is a Handler served on loopback, with its log and its calls.
type receiver struct {
	srv   *httptest.Server
	log   *syncBuffer
	calls atomic.Int32
}

// newReceiver serves a Handler whose function is fn (counted), logging at
// Debug into a buffer.
func newReceiver(t *testing.T, fn webhooks.HandlerFunc, opts ...webhooks.Option) *receiver {
	t.Helper()
	r := &receiver{log: &syncBuffer{}}
	logger := slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := webhooks.NewHandler(testSecret, func(ctx context.Context, d webhooks.Delivery) error {
		r.calls.Add(1)
		return fn(ctx, d)
	}, append([]webhooks.Option{webhooks.WithLogger(logger), webhooks.WithClock(atExample)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(h)
	t.Cleanup(r.srv.Close)
	return r
}

// post sends a delivery and returns the status, within a deadline.
func (r *receiver) post(t *testing.T, method string, body []byte, h http.Header) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, r.srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func ok(context.Context, webhooks.Delivery) error { return nil }

// TestHandlerHandlesOnceAndDropsDuplicates: the first delivery is handled
// (204) and passed on with its typed payload, its repeats are answered 200
// without a call.
func TestHandlerHandlesOnceAndDropsDuplicates(t *testing.T) {
	var got webhooks.Delivery
	r := newReceiver(t, func(_ context.Context, d webhooks.Delivery) error { got = d; return nil })
	body := []byte(exampleBody)
	h := sign(t, testSecret, exampleID, exampleTime, body)
	for i, want := range []int{204, 200, 200} {
		if status := r.post(t, http.MethodPost, body, h); status != want {
			t.Errorf("delivery %d: status %d, want %d", i+1, status, want)
		}
	}
	if n := r.calls.Load(); n != 1 {
		t.Errorf("function called %d times, want 1", n)
	}
	if _, ok := got.Event.Data.(*webhooks.SessionStatusIdled); !ok || got.ID != exampleID {
		t.Errorf("delivery = %q with %T", got.ID, got.Event.Data)
	}
	if !strings.Contains(r.log.String(), "duplicate delivery dropped") {
		t.Errorf("no debug line for the duplicate:\n%s", r.log)
	}
}

// TestHandlerRefusals: every refused request gets its 4xx and a Warn line
// with the reason, the function is never called, and neither the log nor
// the answer holds the secret or the body.
func TestHandlerRefusals(t *testing.T) {
	body := []byte(exampleBody)
	good := sign(t, testSecret, exampleID, exampleTime, body)
	with := func(k, v string) http.Header { h := good.Clone(); h.Set(k, v); return h }
	bad := []byte(`{"type":"event","id":"whe_x","data":"nope"}`)
	cases := []struct {
		name   string
		method string
		body   []byte
		header http.Header
		status int
		reason string
	}{
		{"GET", http.MethodGet, nil, good, 405, "webhooks: method GET is not POST"},
		{"PUT", http.MethodPut, body, good, 405, "webhooks: method PUT is not POST"},
		{"bad signature", http.MethodPost, body, sign(t, otherSecret, exampleID, exampleTime, body), 401, "webhooks: no v1 signature in webhook-signature matches the signing secret"},
		{"stale", http.MethodPost, body, sign(t, testSecret, exampleID, exampleTime.Add(-time.Hour), body), 401, "webhooks: webhook-timestamp is 1h0m0s before the clock, beyond the tolerance of 5m0s"},
		{"oversized", http.MethodPost, append(bytes.Repeat([]byte(" "), 1<<16), body...), good, 413, "webhooks: body is larger than the limit of 65536 bytes"},
		{"missing header", http.MethodPost, body, with("webhook-signature", ""), 400, "webhooks: missing webhook-signature header"},
		{"bad timestamp", http.MethodPost, body, with("webhook-timestamp", "soon"), 400, "webhooks: webhook-timestamp is not an integer number of Unix seconds"},
		{"malformed", http.MethodPost, bad, sign(t, testSecret, "whe_x", exampleTime, bad), 400, `webhooks: malformed payload: \"data\" is not an object`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newReceiver(t, ok)
			if status := r.post(t, c.method, c.body, c.header); status != c.status {
				t.Errorf("status %d, want %d", status, c.status)
			}
			if n := r.calls.Load(); n != 0 {
				t.Errorf("function called %d times", n)
			}
			log := r.log.String()
			if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "delivery refused") || !strings.Contains(log, c.reason) {
				t.Errorf("log lacks the refusal %q:\n%s", c.reason, log)
			}
			if strings.Contains(log, "c2VjcmV0") || strings.Contains(log, "wrkspc_011CZ") || strings.Contains(log, `"data":"nope"`) {
				t.Errorf("log holds the secret or the body:\n%s", log)
			}
		})
	}
	// 405 says what is allowed.
	r := newReceiver(t, ok)
	resp, err := r.srv.Client().Get(r.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestHandlerFailureLeavesTheDeliveryUnseen: a failing or panicking
// function gets 500 and does not mark the ID, so the retry is handled;
// after the success, repeats are duplicates.
func TestHandlerFailureLeavesTheDeliveryUnseen(t *testing.T) {
	var n atomic.Int32
	r := newReceiver(t, func(context.Context, webhooks.Delivery) error {
		switch n.Add(1) {
		case 1:
			return errors.New("database unavailable")
		case 2:
			panic("handler bug")
		}
		return nil
	})
	body := []byte(exampleBody)
	h := sign(t, testSecret, exampleID, exampleTime, body)
	for i, want := range []int{500, 500, 204, 200} {
		if status := r.post(t, http.MethodPost, body, h); status != want {
			t.Errorf("attempt %d: status %d, want %d", i+1, status, want)
		}
	}
	if c := r.calls.Load(); c != 3 {
		t.Errorf("function called %d times, want 3", c)
	}
	log := r.log.String()
	for _, want := range []string{"database unavailable", "the HandlerFunc panicked: handler bug", "level=ERROR"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// flakyStore fails its methods on demand.
type flakyStore struct {
	*webhooks.MemoryStore
	failSeen, failMark atomic.Bool
}

func (s *flakyStore) Seen(ctx context.Context, id string) (bool, error) {
	if s.failSeen.Load() {
		return false, errors.New("store down")
	}
	return s.MemoryStore.Seen(ctx, id)
}

func (s *flakyStore) MarkSeen(ctx context.Context, id string) error {
	if s.failMark.Load() {
		return errors.New("store read-only")
	}
	return s.MemoryStore.MarkSeen(ctx, id)
}

// TestHandlerStoreFailures: a store that cannot answer Seen makes the
// delivery a 500 without a call; one that cannot record a handled delivery
// still gets a 2xx (the work is done) and an Error line.
func TestHandlerStoreFailures(t *testing.T) {
	st := &flakyStore{MemoryStore: mustStore(t, 10)}
	r := newReceiver(t, ok, webhooks.WithStore(st))
	body := []byte(exampleBody)
	h := sign(t, testSecret, exampleID, exampleTime, body)
	st.failSeen.Store(true)
	if status := r.post(t, http.MethodPost, body, h); status != 500 || r.calls.Load() != 0 {
		t.Errorf("Seen failing: status %d, %d calls", status, r.calls.Load())
	}
	st.failSeen.Store(false)
	st.failMark.Store(true)
	if status := r.post(t, http.MethodPost, body, h); status != 204 || r.calls.Load() != 1 {
		t.Errorf("MarkSeen failing: status %d, %d calls", status, r.calls.Load())
	}
	log := r.log.String()
	if !strings.Contains(log, "store down") || !strings.Contains(log, "could not record it") {
		t.Errorf("log:\n%s", log)
	}
}

// TestHandlerSharedStore: two handlers (two processes of a fleet) sharing
// one store drop each other's duplicates.
func TestHandlerSharedStore(t *testing.T) {
	st := mustStore(t, 10)
	a := newReceiver(t, ok, webhooks.WithStore(st))
	b := newReceiver(t, ok, webhooks.WithStore(st))
	body := []byte(exampleBody)
	h := sign(t, testSecret, exampleID, exampleTime, body)
	if sa, sb := a.post(t, http.MethodPost, body, h), b.post(t, http.MethodPost, body, h); sa != 204 || sb != 200 {
		t.Errorf("statuses %d, %d", sa, sb)
	}
	if a.calls.Load()+b.calls.Load() != 1 {
		t.Errorf("calls %d + %d", a.calls.Load(), b.calls.Load())
	}
}

// TestHandlerTwinsWaitForEachOther: a second delivery of an ID that is
// being handled waits, and is then a duplicate; the function never runs
// twice at once for one ID.
func TestHandlerTwinsWaitForEachOther(t *testing.T) {
	entered := make(chan struct{}, 2)
	release := make(chan struct{})
	r := newReceiver(t, func(ctx context.Context, _ webhooks.Delivery) error {
		entered <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	body := []byte(exampleBody)
	h := sign(t, testSecret, exampleID, exampleTime, body)
	statuses := make(chan int, 2)
	go func() { statuses <- r.post(t, http.MethodPost, body, h) }()
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("first delivery never reached the function")
	}
	go func() { statuses <- r.post(t, http.MethodPost, body, h) }()
	select {
	case <-entered:
		t.Fatal("the twin ran while the first was handled")
	case s := <-statuses:
		t.Fatalf("the twin was answered %d before the first finished", s)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	got := map[int]int{}
	for range 2 {
		select {
		case s := <-statuses:
			got[s]++
		case <-time.After(5 * time.Second):
			t.Fatal("no answer")
		}
	}
	if got[204] != 1 || got[200] != 1 || r.calls.Load() != 1 {
		t.Errorf("statuses %v, %d calls", got, r.calls.Load())
	}
}

// TestMemoryStoreForgetsTheOldest: a full store forgets its oldest ID.
func TestMemoryStoreForgetsTheOldest(t *testing.T) {
	ctx := context.Background()
	st := mustStore(t, 2)
	for _, id := range []string{"a", "b", "a", "c"} {
		if err := st.MarkSeen(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]bool{"a": false, "b": true, "c": true, "d": false} {
		if seen, _ := st.Seen(ctx, id); seen != want {
			t.Errorf("Seen(%s) = %v, want %v", id, seen, want)
		}
	}
	if st.Len() != 2 {
		t.Errorf("Len = %d", st.Len())
	}
}
