package managedagents_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TestTraceStreamReconnect: a stream is one span from its opening to its
// end, the parent of its connections and history reads; after a forced
// drop it tells the drop, the reconnect, the gap fill and how many events
// it delivered.
func TestTraceStreamReconnect(t *testing.T) {
	noLeaks(t)
	rec := managedagents.NewTraceRecorder(t)
	srv, c := newFake(t, managedagents.WithTracerProvider(rec.Provider))
	s := create(t, c, "traced")
	ctx := testContext(t)
	ctx, caller := rec.Provider.Tracer("test").Start(ctx, "caller")

	srv.DropNextStreams(2) // the first connection breaks after 2 events
	st, err := c.Events.Stream(ctx, s.ID, fastReconnect(managedagents.StreamParams{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage("hello")); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st, true)
	st.Close()
	caller.End()
	if st.Reconnects() != 1 {
		t.Fatalf("%d reconnects, want 1 (the fault was not injected)", st.Reconnects())
	}

	rec.CheckAllEnded(t)
	span := rec.One(t, "Events.Stream")
	if span.Parent().SpanID() != caller.SpanContext().SpanID() {
		t.Error("the stream span is not a child of the caller's span")
	}
	attrs := managedagents.SpanAttrs(span)
	want := map[string]string{
		"managedagents.session.id":           s.ID,
		"url.template":                       "/v1/sessions/{session_id}/events/stream",
		"managedagents.stream.resume":        "true",
		"managedagents.stream.events":        strconv.Itoa(len(got)),
		"managedagents.stream.errors":        "0",
		"managedagents.stream.reconnects":    "1",
		"managedagents.stream.history_reads": "2", // the read at open, the gap after the drop
		"managedagents.stream.end":           "consumer_stopped",
	}
	for k, v := range want {
		if attrs[k] != v {
			t.Errorf("%s = %q, want %q", k, attrs[k], v)
		}
	}
	if n, _ := strconv.Atoi(attrs["managedagents.stream.history_events"]); n < 1 || n >= len(got) {
		t.Errorf("history_events = %s of %d events: the gap after the drop must come from the history, the rest live",
			attrs["managedagents.stream.history_events"], len(got))
	}
	if drops := managedagents.SpanEvents(span, "stream.dropped"); len(drops) != 1 || drops[0]["managedagents.reason"] == "" {
		t.Errorf("drop events %v, want one with its reason", drops)
	}
	if rc := managedagents.SpanEvents(span, "stream.reconnect"); len(rc) != 1 || rc[0]["managedagents.attempt"] != "1" || rc[0]["managedagents.wait"] == "" {
		t.Errorf("reconnect events %v, want one, attempt 1, with its wait", rc)
	}
	if fills := managedagents.SpanEvents(span, "stream.history"); len(fills) != 2 || fills[1]["managedagents.phase"] != "fill" {
		t.Errorf("history events %v, want the prefill and one fill", fills)
	}
	if span.Status().Code != codes.Unset {
		t.Errorf("status %v on a stream the consumer ended", span.Status())
	}

	// The connections and history reads are client spans beneath it.
	connects := rec.Named("GET /v1/sessions/{session_id}/events/stream")
	reads := rec.Named("GET /v1/sessions/{session_id}/events")
	if len(connects) != 2 || len(reads) < 3 {
		t.Fatalf("%d connects and %d history reads, want 2 and at least 3; spans %q", len(connects), len(reads), rec.EndedNames())
	}
	for _, child := range append(connects, reads...) {
		if child.Parent().SpanID() != span.SpanContext().SpanID() {
			t.Errorf("%s is not a child of the stream span", child.Name())
		}
	}
	// The send is the caller's, not the stream's.
	send := rec.One(t, "POST /v1/sessions/{session_id}/events")
	if send.Parent().SpanID() != caller.SpanContext().SpanID() {
		t.Error("the send is not a child of the caller's span")
	}
}

// TestTraceStreamClosedEndsSpan: a stream closed without ranging over it
// ends its span too.
func TestTraceStreamClosedEndsSpan(t *testing.T) {
	noLeaks(t)
	rec := managedagents.NewTraceRecorder(t)
	_, c := newFake(t, managedagents.WithTracerProvider(rec.Provider))
	s := create(t, c, "closed")
	st, err := c.Events.Stream(t.Context(), s.ID, managedagents.StreamParams{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st.Close()
	rec.CheckAllEnded(t)
	if got := managedagents.SpanAttrs(rec.One(t, "Events.Stream"))["managedagents.stream.end"]; got != "closed" {
		t.Errorf("end %q, want closed", got)
	}
}

// TestTraceRunnerToolCalls: each handler call of a Runner is an
// execute_tool span beneath the caller's, with the tool's name and
// tool-use ID, and an error status when the handler fails.
func TestTraceRunnerToolCalls(t *testing.T) {
	noLeaks(t)
	rec := managedagents.NewTraceRecorder(t)
	srv, c := newFake(t, managedagents.WithTracerProvider(rec.Provider))
	toolAgent(srv, "agent_t", "add", "fail")
	s := createWith(t, c, "agent_t")
	tools := append(arithmetic()[:1], managedagents.TypedTool("fail", "Fails.", objectSchema,
		func(ctx context.Context, in pair) (string, error) {
			time.Sleep(5 * time.Millisecond)
			return "", errors.New("it broke")
		}))
	ctx := testContext(t)
	ctx, caller := rec.Provider.Tracer("test").Start(ctx, "caller")
	r := &managedagents.Runner{Client: c, Tools: tools}
	if _, err := r.Run(ctx, s.ID, managedagents.UserMessage("call: add {\"a\":2,\"b\":3}\ncall: fail {}")); err != nil {
		t.Fatal(err)
	}
	caller.End()
	rec.CheckAllEnded(t)

	uses := map[string]string{} // tool name → tool-use ID
	for _, ev := range history(t, c, s.ID, managedagents.EventListParams{Types: []string{managedagents.EventAgentCustomToolUse}}) {
		u := ev.(*managedagents.AgentCustomToolUseEvent)
		uses[u.Name] = u.ID
	}
	for _, tc := range []struct {
		tool    string
		failing bool
	}{{"add", false}, {"fail", true}} {
		span := rec.One(t, "execute_tool "+tc.tool)
		attrs := managedagents.SpanAttrs(span)
		want := map[string]string{
			"gen_ai.operation.name":    "execute_tool",
			"gen_ai.tool.name":         tc.tool,
			"gen_ai.tool.call.id":      uses[tc.tool],
			"gen_ai.tool.type":         "function",
			"managedagents.session.id": s.ID,
		}
		for k, v := range want {
			if attrs[k] != v || v == "" {
				t.Errorf("%s: %s = %q, want %q", span.Name(), k, attrs[k], v)
			}
		}
		if span.Parent().SpanID() != caller.SpanContext().SpanID() {
			t.Errorf("%s is not a child of the caller's span", span.Name())
		}
		switch st := span.Status(); {
		case tc.failing && (st.Code != codes.Error || st.Description != "it broke" || attrs["error.type"] != "_OTHER"):
			t.Errorf("%s: status %+v, error.type %q; want the handler's error", span.Name(), st, attrs["error.type"])
		case !tc.failing && st.Code != codes.Unset:
			t.Errorf("%s: status %+v on a success", span.Name(), st)
		}
		if tc.failing && span.EndTime().Sub(span.StartTime()) < 5*time.Millisecond {
			t.Errorf("%s lasted %v, less than its handler", span.Name(), span.EndTime().Sub(span.StartTime()))
		}
	}
}

// TestTraceGlobalProvider: a client made before the program sets the
// global tracer provider traces once it is set. It runs in a process of
// its own, since a global provider, once set, stays.
func TestTraceGlobalProvider(t *testing.T) {
	if os.Getenv("MANAGEDAGENTS_TEST_GLOBAL_TRACER") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTraceGlobalProvider$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MANAGEDAGENTS_TEST_GLOBAL_TRACER=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	rec := managedagents.NewTraceRecorder(t)
	_, c := newFake(t) // no WithTracerProvider: the global provider
	s := create(t, c, "before")
	otel.SetTracerProvider(rec.Provider)
	if _, err := c.Sessions.Get(t.Context(), s.ID); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 || spans[0].Name() != "GET /v1/sessions/{session_id}" {
		t.Fatalf("spans %q, want only the get made after the provider was set", rec.EndedNames())
	}
	if spans[0].SpanKind() != trace.SpanKindClient {
		t.Errorf("kind %v", spans[0].SpanKind())
	}
}

// TestTraceRunnerThreadToolCall: the span of a call made in a child thread
// names the thread.
func TestTraceRunnerThreadToolCall(t *testing.T) {
	noLeaks(t)
	srv, _, s, ctx := coordinatorSession(t, "add")
	rec := managedagents.NewTraceRecorder(t)
	c, err := srv.NewClient(managedagents.WithTracerProvider(rec.Provider))
	if err != nil {
		t.Fatal(err)
	}
	r := &managedagents.Runner{Client: c, Tools: arithmetic()}
	res, err := r.Run(ctx, s.ID, managedagents.UserMessage(`delegate: "Tool user" call: add {"a":2,"b":3}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Threads) != 1 || len(res.Threads[0].ToolUseIDs) != 1 {
		t.Fatalf("threads %+v, want one with one call", res.Threads)
	}
	rec.CheckAllEnded(t)
	attrs := managedagents.SpanAttrs(rec.One(t, "execute_tool add"))
	if attrs["managedagents.thread.id"] != res.Threads[0].ID || attrs["gen_ai.tool.call.id"] != res.Threads[0].ToolUseIDs[0] {
		t.Errorf("attributes %v, want thread %s and call %s", attrs, res.Threads[0].ID, res.Threads[0].ToolUseIDs[0])
	}
}
