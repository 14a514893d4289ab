package managedagents

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TraceRecorder is a tracer provider of the OpenTelemetry SDK that keeps
// every span in memory, for the tracing tests of both test packages.
type TraceRecorder struct {
	*tracetest.SpanRecorder
	Provider *sdktrace.TracerProvider
}

// NewTraceRecorder returns a recorder that samples every span.
func NewTraceRecorder(t testing.TB) *TraceRecorder {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	return &TraceRecorder{SpanRecorder: rec, Provider: tp}
}

// Named returns the ended spans called name, in the order they ended.
func (r *TraceRecorder) Named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// One returns the one ended span called name, failing the test unless
// there is exactly one.
func (r *TraceRecorder) One(t testing.TB, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := r.Named(name)
	if len(spans) != 1 {
		t.Fatalf("%d spans named %q, want 1; ended: %v", len(spans), name, r.EndedNames())
	}
	return spans[0]
}

// EndedNames lists the names of the ended spans.
func (r *TraceRecorder) EndedNames() []string {
	var names []string
	for _, s := range r.Ended() {
		names = append(names, s.Name())
	}
	return names
}

// CheckAllEnded fails the test if a span was started and not ended.
func (r *TraceRecorder) CheckAllEnded(t testing.TB) {
	t.Helper()
	ended := map[trace.SpanID]bool{}
	for _, s := range r.Ended() {
		ended[s.SpanContext().SpanID()] = true
	}
	for _, s := range r.Started() {
		if !ended[s.SpanContext().SpanID()] {
			t.Errorf("span %q was started and never ended", s.Name())
		}
	}
}

// SpanAttrs returns a span's attributes by key, as strings.
func SpanAttrs(s sdktrace.ReadOnlySpan) map[string]string {
	return attrMap(s.Attributes())
}

// SpanEvents returns the events of a span called name, each as its
// attributes.
func SpanEvents(s sdktrace.ReadOnlySpan, name string) []map[string]string {
	var out []map[string]string
	for _, e := range s.Events() {
		if e.Name == name {
			out = append(out, attrMap(e.Attributes))
		}
	}
	return out
}

func attrMap(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// CheckNoSecret fails the test if secret appears in a span's name, status,
// attributes or events.
func CheckNoSecret(t testing.TB, spans []sdktrace.ReadOnlySpan, secret string) {
	t.Helper()
	for _, s := range spans {
		texts := []string{s.Name(), s.Status().Description}
		for _, kv := range s.Attributes() {
			texts = append(texts, kv.Value.String())
		}
		for _, e := range s.Events() {
			for _, kv := range e.Attributes {
				texts = append(texts, kv.Value.String())
			}
		}
		for _, text := range texts {
			if strings.Contains(text, secret) {
				t.Errorf("span %q shows the secret: %q", s.Name(), text)
			}
		}
	}
}

func TestRouteOf(t *testing.T) {
	tests := []struct {
		path string
		want route
	}{
		{"/v1/sessions", route{template: "/v1/sessions"}},
		{"/v1/sessions/sesn_1", route{template: "/v1/sessions/{session_id}", sessionID: "sesn_1"}},
		{"/v1/sessions/sesn_1/events", route{template: "/v1/sessions/{session_id}/events", sessionID: "sesn_1"}},
		{"/v1/sessions/sesn_1/events/stream", route{template: "/v1/sessions/{session_id}/events/stream", sessionID: "sesn_1"}},
		{"/v1/sessions/sesn_1/archive", route{template: "/v1/sessions/{session_id}/archive", sessionID: "sesn_1"}},
		{"/v1/sessions/a%2Fb/threads/th_2/stream", route{template: "/v1/sessions/{session_id}/threads/{thread_id}/stream", sessionID: "a/b", threadID: "th_2"}},
		{"/v1/sessions/sesn_1/resources/file_3", route{template: "/v1/sessions/{session_id}/resources/{resource_id}", sessionID: "sesn_1"}},
		// An ID that is also a collection's name is still an ID.
		{"/v1/sessions/threads/threads", route{template: "/v1/sessions/{session_id}/threads", sessionID: "threads"}},
	}
	for _, tt := range tests {
		if got := routeOf(tt.path); got != tt.want {
			t.Errorf("routeOf(%q) = %+v, want %+v", tt.path, got, tt.want)
		}
	}
}

func TestWithTracerProviderNil(t *testing.T) {
	_, err := NewClient(WithAPIKey("k"), WithoutEnvironment(), WithTracerProvider(nil))
	if err == nil || !strings.Contains(err.Error(), "WithTracerProvider") {
		t.Fatalf("NewClient with a nil provider: %v, want an error naming WithTracerProvider", err)
	}
}

// TestTraceCallSpan: one client span per call, whatever the number of
// attempts, with the HTTP conventions' attributes and the library's, a
// retry event per retry, and an error status whose message does not show
// the API key.
func TestTraceCallSpan(t *testing.T) {
	tests := []struct {
		name     string
		op       string // as in call ("get", "create", "send"), or "thread"
		steps    []step
		wantName string
		// want are attributes the span must have, absent those it must
		// not.
		want   map[string]string
		absent []string
		// wantRetries are the retry events' attributes, wait aside.
		wantRetries []map[string]string
		wantError   bool
	}{
		{name: "a get", op: "get", steps: []step{jsonStep(sessionJSON)},
			wantName: "GET /v1/sessions/{session_id}",
			want: map[string]string{
				"http.request.method": "GET", "server.address": "127.0.0.1",
				"url.template": "/v1/sessions/{session_id}", "managedagents.session.id": "sesn_1",
				"http.response.status_code": "200", "managedagents.request.id": "req_ok",
				"managedagents.request.attempts": "1", "managedagents.request.outcome": "success",
			},
			absent: []string{"error.type", "http.request.resend_count", "managedagents.thread.id"}},
		{name: "a send retried twice", op: "send",
			steps:    []step{errorStep(529, "retry-after-ms", "1"), errorStep(429, "retry-after-ms", "1"), fileStep(t, "send/message.response.json")},
			wantName: "POST /v1/sessions/{session_id}/events",
			want: map[string]string{
				"http.request.method": "POST", "http.response.status_code": "200",
				"managedagents.request.attempts": "3", "http.request.resend_count": "2",
				"managedagents.request.outcome": "success",
			},
			wantRetries: []map[string]string{
				{"managedagents.attempt": "1", "managedagents.reason": "status 529", "http.response.status_code": "529", "managedagents.request.id": "req_529_"},
				{"managedagents.attempt": "2", "managedagents.reason": "status 429", "http.response.status_code": "429", "managedagents.request.id": "req_429_"},
			}},
		{name: "a send that may have been applied", op: "send", steps: []step{errorStep(500)},
			wantName: "POST /v1/sessions/{session_id}/events",
			want: map[string]string{
				"managedagents.request.outcome": "outcome_unknown", "error.type": "500",
				"http.response.status_code": "500", "managedagents.request.attempts": "1",
			},
			wantError: true},
		{name: "a create cut off", op: "create", steps: []step{resetStep()},
			wantName:  "POST /v1/sessions",
			want:      map[string]string{"managedagents.request.outcome": "outcome_unknown", "error.type": "_OTHER"},
			absent:    []string{"http.response.status_code", "managedagents.session.id"},
			wantError: true},
		{name: "a thread", op: "thread", steps: []step{fileStep(t, "threads/thread.json")},
			wantName: "GET /v1/sessions/{session_id}/threads/{thread_id}",
			want: map[string]string{
				"managedagents.session.id": "sesn_1", "managedagents.thread.id": "sthr_1",
				"managedagents.request.outcome": "success",
			}},
		{name: "an unknown session", op: "get", steps: []step{errorStep(404)},
			wantName: "GET /v1/sessions/{session_id}",
			want: map[string]string{
				"managedagents.request.outcome": "api_error", "error.type": "404",
				"managedagents.request.id": "req_404_",
			},
			wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := NewTraceRecorder(t)
			srv := newScriptServer(t, tt.steps...)
			c := newTestClient(t, srv.URL, WithTracerProvider(rec.Provider), WithRetryWait(time.Millisecond, time.Millisecond))
			ctx := testContext(t)
			var err error
			if tt.op == "thread" {
				_, err = c.Threads.Get(ctx, "sesn_1", "sthr_1")
			} else {
				err = call(ctx, c, tt.op)
			}
			if (err != nil) != tt.wantError {
				t.Fatalf("call: %v, want an error: %v", err, tt.wantError)
			}
			rec.CheckAllEnded(t)
			if names := rec.EndedNames(); len(names) != 1 {
				t.Fatalf("spans %q, want one", names)
			}
			span := rec.One(t, tt.wantName)
			if span.SpanKind() != trace.SpanKindClient {
				t.Errorf("kind %v, want client", span.SpanKind())
			}
			attrs := SpanAttrs(span)
			for k, v := range tt.want {
				if attrs[k] != v {
					t.Errorf("%s = %q, want %q", k, attrs[k], v)
				}
			}
			for _, k := range tt.absent {
				if v, ok := attrs[k]; ok {
					t.Errorf("%s = %q, want none", k, v)
				}
			}
			if _, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":"); attrs["server.port"] != port {
				t.Errorf("server.port = %q, want %s", attrs["server.port"], port)
			}
			if !strings.HasPrefix(attrs["url.full"], srv.URL+"/v1/sessions") {
				t.Errorf("url.full = %q", attrs["url.full"])
			}
			retries := SpanEvents(span, eventRetry)
			for _, r := range retries {
				if r["managedagents.wait"] == "" {
					t.Errorf("a retry event without its wait: %v", r)
				}
				delete(r, "managedagents.wait")
			}
			if diff := cmp.Diff(tt.wantRetries, retries); diff != "" {
				t.Errorf("retry events (-want +got):\n%s", diff)
			}
			switch st := span.Status(); {
			case !tt.wantError && st.Code != codes.Unset:
				t.Errorf("status %v on a success", st)
			case tt.wantError && (st.Code != codes.Error || st.Description != err.Error()):
				t.Errorf("status %+v, want an error with %q", st, err)
			}
			CheckNoSecret(t, rec.Ended(), testAPIKey)
		})
	}
}

// TestTraceParentAndPropagation: a call's span is a child of the span in
// the caller's context, and its trace context goes out in traceparent only
// when a propagator is set.
func TestTraceParentAndPropagation(t *testing.T) {
	rec := NewTraceRecorder(t)
	srv := newScriptServer(t, jsonStep(sessionJSON), jsonStep(sessionJSON))
	c := newTestClient(t, srv.URL, WithTracerProvider(rec.Provider))
	ctx, parent := rec.Provider.Tracer("test").Start(t.Context(), "caller")
	if _, err := c.Sessions.Get(ctx, "sesn_1"); err != nil {
		t.Fatal(err)
	}

	otel.SetTextMapPropagator(propagation.TraceContext{})
	// The default propagator cannot be set back (otel refuses it); an
	// empty composite, which writes nothing either, stands for it.
	t.Cleanup(func() { otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator()) })
	if _, err := c.Sessions.Get(ctx, "sesn_1"); err != nil {
		t.Fatal(err)
	}
	parent.End()

	spans := rec.Named("GET /v1/sessions/{session_id}")
	if len(spans) != 2 {
		t.Fatalf("spans %q", rec.EndedNames())
	}
	for _, s := range spans {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("the call's parent is %v, want the caller's span %v", s.Parent().SpanID(), parent.SpanContext().SpanID())
		}
	}
	reqs := srv.requests()
	if got := reqs[0].Header.Get("traceparent"); got != "" {
		t.Errorf("traceparent %q sent with no propagator set", got)
	}
	sc := spans[1].SpanContext()
	want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
	if got := reqs[1].Header.Get("traceparent"); got != want {
		t.Errorf("traceparent %q, want %q (the call's span)", got, want)
	}
}

// TestTraceOffStartsNothing: with a no-op provider, or the global one
// while no program has set it, no span is started: not even a
// non-recording one, whose context costs allocations.
func TestTraceOffStartsNothing(t *testing.T) {
	if otel.GetTracerProvider() != unsetGlobalProvider || unsetGlobalProvider == nil {
		t.Skip("the global tracer provider is set in this process")
	}
	for _, opts := range [][]Option{nil, {WithTracerProvider(noop.NewTracerProvider())}} {
		c := newTestClient(t, "http://127.0.0.1:1", opts...)
		if _, ok := c.tracing.active(); ok {
			t.Errorf("tracing is active with options %v", opts)
		}
	}
	rec := NewTraceRecorder(t)
	c := newTestClient(t, "http://127.0.0.1:1", WithTracerProvider(rec.Provider))
	if _, ok := c.tracing.active(); !ok {
		t.Error("tracing is off with an SDK provider")
	}
}

// memJSONTransport answers every request with a JSON body, without a
// network.
type memJSONTransport struct{ body string }

func (t memJSONTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req_mem"}},
		Body:       io.NopCloser(strings.NewReader(t.body)),
		Request:    r,
	}, nil
}

// tracingOffClients returns two clients answered by rt: one with the
// default (global, unset) tracer provider, and the baseline, whose tracing
// hooks are removed, as before tracing existed.
func tracingOffClients(t testing.TB, rt http.RoundTripper) (deflt, baseline *Client) {
	t.Helper()
	mk := func() *Client {
		c, err := NewClient(WithAPIKey("k"), WithoutEnvironment(), WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	deflt, baseline = mk(), mk()
	baseline.tracing = nil
	return deflt, baseline
}

// TestTracingOffAllocs: with tracing off (the default provider), a call
// and a streamed event allocate exactly as much as without the tracing
// hooks, counted in the same run.
func TestTracingOffAllocs(t *testing.T) {
	if otel.GetTracerProvider() != unsetGlobalProvider || unsetGlobalProvider == nil {
		t.Skip("the global tracer provider is set in this process")
	}
	ctx := t.Context()
	deflt, baseline := tracingOffClients(t, memJSONTransport{sessionJSON})
	get := func(c *Client) func() {
		return func() {
			if _, err := c.Sessions.Get(ctx, "sesn_1"); err != nil {
				t.Fatal(err)
			}
		}
	}
	base, ours := leastAllocs(200, get(baseline)), leastAllocs(200, get(deflt))
	if ours > base {
		t.Errorf("Sessions.Get: %.1f allocs with the default provider, %.1f without tracing hooks", ours, base)
	}

	transcript := readFixture(t, mixedTranscriptFile)
	sdeflt, sbaseline := tracingOffClients(t, memTransport{transcript})
	stream := func(c *Client) func() {
		return func() {
			st, err := c.Events.Stream(ctx, "sesn_1", StreamParams{NoResume: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range st.Events() {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// The counts are steady to the allocation; the margin is for the
	// runtime's own (goroutines, timers). Starting a non-recording span
	// per stream would add about 20, and anything per event thousands.
	base, ours = leastAllocs(2, stream(sbaseline)), leastAllocs(2, stream(sdeflt))
	if ours > base+5 {
		t.Errorf("a stream of %d events: %.0f allocs with the default provider, %.0f without tracing hooks", mixedTranscriptEvents, ours, base)
	}
}

// leastAllocs is the least of three testing.AllocsPerRun(runs, f): it
// counts the whole process, so a goroutine an earlier test left behind
// can add to one count, hardly to all three.
func leastAllocs(runs int, f func()) float64 {
	least := testing.AllocsPerRun(runs, f)
	for range 2 {
		least = min(least, testing.AllocsPerRun(runs, f))
	}
	return least
}

// BenchmarkTracingOff measures the cost of tracing when it is off: a call
// (Sessions.Get) and a stream of the 2,000-event mixed transcript, each
// with the default tracer provider (the global one, not set) and, in the
// same run, with the tracing hooks removed (Baseline). Both are answered
// in memory, without a network. allocs/op must be equal. SDK shows, for
// comparison, the cost with tracing on: an SDK provider that samples
// every span and exports none.
//
//	go test -run XXX -bench BenchmarkTracingOff -benchmem -count 5 .
func BenchmarkTracingOff(b *testing.B) {
	if otel.GetTracerProvider() != unsetGlobalProvider || unsetGlobalProvider == nil {
		b.Skip("the global tracer provider is set in this process")
	}
	ctx := b.Context()
	sdk := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	withSDK := func(c *Client) *Client {
		traced := *c
		traced.tracing = newTracing(sdk, c.baseURL)
		traced.Events = &EventsService{client: &traced}
		traced.Sessions = &SessionsService{client: &traced}
		return &traced
	}
	deflt, baseline := tracingOffClients(b, memJSONTransport{sessionJSON})
	// One call each first, so that neither side pays for what the first
	// call of the process sets up.
	for _, c := range []*Client{baseline, deflt} {
		if _, err := c.Sessions.Get(ctx, "sesn_1"); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		c    *Client
	}{{"Get/Baseline", baseline}, {"Get/DefaultProvider", deflt}, {"Get/SDK", withSDK(deflt)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.c.Sessions.Get(ctx, "sesn_1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	transcript := readFixture(b, mixedTranscriptFile)
	sdeflt, sbaseline := tracingOffClients(b, memTransport{transcript})
	streamDecode(b, sbaseline)
	streamDecode(b, sdeflt)
	for _, bc := range []struct {
		name string
		c    *Client
	}{{"Stream/Baseline", sbaseline}, {"Stream/DefaultProvider", sdeflt}, {"Stream/SDK", withSDK(sdeflt)}} {
		b.Run(bc.name, func(b *testing.B) {
			reportPerEvent(b, mixedTranscriptEvents, func() int { return streamDecode(b, bc.c) })
		})
	}
}

// TestTraceStreamSpanOpenFailure: a stream that does not open ends its
// span with the error.
func TestTraceStreamSpanOpenFailure(t *testing.T) {
	rec := NewTraceRecorder(t)
	srv := newScriptServer(t, errorStep(404))
	c := newTestClient(t, srv.URL, WithTracerProvider(rec.Provider))
	_, err := c.Events.Stream(t.Context(), "sesn_nope", StreamParams{NoResume: true})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Stream: %v, want not found", err)
	}
	rec.CheckAllEnded(t)
	span := rec.One(t, "Events.Stream")
	if st := span.Status(); st.Code != codes.Error || st.Description != err.Error() {
		t.Errorf("status %+v, want the open error", st)
	}
	if got := SpanAttrs(span)["managedagents.stream.end"]; got != "error" {
		t.Errorf("end %q, want error", got)
	}
	connect := rec.One(t, "GET /v1/sessions/{session_id}/events/stream")
	if connect.Parent().SpanID() != span.SpanContext().SpanID() {
		t.Error("the connect span is not a child of the stream span")
	}
}

// TestTraceStreamEndsWithError: a stream that ends with an error (a drop,
// with NoResume) ends its span with the error status, after counting what
// it delivered; an event that does not decode is counted, not taken for
// the end.
func TestTraceStreamEndsWithError(t *testing.T) {
	checkLeaks(t)
	rec := NewTraceRecorder(t)
	srv := newScriptServer(t, sseStep([]byte("event: session.status_running\ndata: "+ev(EventSessionStatusRunning, 1, true)+
		"\n\nevent: agent.message\ndata: {\"type\":\"agent.message\",\"id\":\"sevt_2\",\"content\":7}\n\n"+
		"event: session.status_idle\ndata: "+ev(EventSessionStatusIdle, 3, true)+"\n\n")))
	c := newTestClient(t, srv.URL, WithTracerProvider(rec.Provider))
	ctx := testContext(t)
	st, err := c.Events.Stream(ctx, "sesn_1", StreamParams{NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for _, err := range st.Events() {
		last = err
	}
	if last == nil {
		t.Fatal("the stream ended without the drop's error")
	}
	rec.CheckAllEnded(t)
	span := rec.One(t, "Events.Stream")
	attrs := SpanAttrs(span)
	want := map[string]string{
		"managedagents.stream.events": "2", "managedagents.stream.errors": "2",
		"managedagents.stream.end": "error", "managedagents.stream.resume": "false",
		"managedagents.stream.history_reads": "0",
	}
	for k, v := range want {
		if attrs[k] != v {
			t.Errorf("%s = %q, want %q", k, attrs[k], v)
		}
	}
	if st := span.Status(); st.Code != codes.Error || st.Description != last.Error() {
		t.Errorf("status %+v, want the error %q", st, last)
	}
}

// TestTraceSampledOut: spans a sampler drops (non-recording) still end,
// and the calls and the stream behave as without tracing.
func TestTraceSampledOut(t *testing.T) {
	checkLeaks(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.NeverSample()))
	srv := newScriptServer(t, errorStep(529, "retry-after-ms", "1"), fileStep(t, "send/message.response.json"),
		framesStep(ev(EventSessionStatusRunning, 1, true)))
	c := newTestClient(t, srv.URL, WithTracerProvider(tp))
	ctx := testContext(t)
	if err := call(ctx, c, "send"); err != nil {
		t.Fatal(err)
	}
	st, err := c.Events.Stream(ctx, "sesn_1", StreamParams{NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for ev, err := range st.Events() {
		got = append(got, describe(ev, err))
	}
	if len(got) != 2 || !strings.HasPrefix(got[1], "error ") {
		t.Errorf("the stream yielded %q, want an event and the drop", got)
	}
	if n := len(rec.Started()); n != 0 {
		t.Errorf("%d spans recorded by a sampler that drops every span", n)
	}
	if srv.count() != 3 {
		t.Errorf("%d requests, want 3", srv.count())
	}
}

// TestTraceThreadStreamSpan: a thread stream's span is named for
// Threads.Stream and carries the thread's ID.
func TestTraceThreadStreamSpan(t *testing.T) {
	checkLeaks(t)
	rec := NewTraceRecorder(t)
	srv := newScriptServer(t, framesStep(ev(EventSessionStatusRunning, 1, true)))
	c := newTestClient(t, srv.URL, WithTracerProvider(rec.Provider))
	ctx := testContext(t)
	st, err := c.Threads.Stream(ctx, "sesn_1", "sthr_1", StreamParams{NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	for range st.Events() {
	}
	rec.CheckAllEnded(t)
	attrs := SpanAttrs(rec.One(t, "Threads.Stream"))
	if attrs["managedagents.thread.id"] != "sthr_1" || attrs["managedagents.session.id"] != "sesn_1" ||
		attrs["url.template"] != "/v1/sessions/{session_id}/threads/{thread_id}/stream" {
		t.Errorf("attributes %v", attrs)
	}
}
