package managedagents

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// The spans follow the HTTP client semantic conventions
// (https://opentelemetry.io/docs/specs/semconv/http/http-spans/) for calls
// and the GenAI execute_tool conventions
// (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-agent-spans/)
// for tool calls; WithTracerProvider documents them. The hooks are nil-safe
// methods of *callSpan, *streamSpan and *toolSpan, which are nil when
// nothing is traced, so that the request path and the stream loop do no
// work for tracing that is off.

// tracerName is the instrumentation scope of the client's spans.
const tracerName = "github.com/managedagents/managedagents-go"

// Attribute keys: the semantic conventions' where they have one, else the
// library's, under "managedagents.".
const (
	attrHTTPMethod      = attribute.Key("http.request.method")
	attrHTTPStatus      = attribute.Key("http.response.status_code")
	attrHTTPResendCount = attribute.Key("http.request.resend_count")
	attrServerAddress   = attribute.Key("server.address")
	attrServerPort      = attribute.Key("server.port")
	attrURLFull         = attribute.Key("url.full")
	attrURLTemplate     = attribute.Key("url.template")
	attrErrorType       = attribute.Key("error.type")

	attrGenAIOperation = attribute.Key("gen_ai.operation.name")
	attrGenAIToolName  = attribute.Key("gen_ai.tool.name")
	attrGenAIToolID    = attribute.Key("gen_ai.tool.call.id")
	attrGenAIToolType  = attribute.Key("gen_ai.tool.type")

	// The library's: the IDs a span concerns, and what a call or a stream
	// did.
	attrSessionID           = attribute.Key("managedagents.session.id")
	attrThreadID            = attribute.Key("managedagents.thread.id")
	attrRequestID           = attribute.Key("managedagents.request.id")
	attrAttempts            = attribute.Key("managedagents.request.attempts")
	attrOutcome             = attribute.Key("managedagents.request.outcome")
	attrStreamEvents        = attribute.Key("managedagents.stream.events")
	attrStreamErrors        = attribute.Key("managedagents.stream.errors")
	attrStreamReconnects    = attribute.Key("managedagents.stream.reconnects")
	attrStreamHistoryReads  = attribute.Key("managedagents.stream.history_reads")
	attrStreamHistoryEvents = attribute.Key("managedagents.stream.history_events")
	attrStreamEnd           = attribute.Key("managedagents.stream.end")
	attrStreamResume        = attribute.Key("managedagents.stream.resume")

	// Of span events.
	attrAttempt = attribute.Key("managedagents.attempt")
	attrReason  = attribute.Key("managedagents.reason")
	attrWait    = attribute.Key("managedagents.wait")
	attrEvents  = attribute.Key("managedagents.events")
	attrPhase   = attribute.Key("managedagents.phase")
	attrResult  = attribute.Key("managedagents.result")
)

// Span event names.
const (
	eventRetry           = "retry"                   // a call is sent again
	eventDropped         = "stream.dropped"          // a connection dropped or went silent
	eventReconnect       = "stream.reconnect"        // the wait before a reconnect attempt
	eventReconnectFailed = "stream.reconnect_failed" // an attempt failed; the stream tries again
	eventHistory         = "stream.history"          // a history read that fills a gap
)

// WithTracerProvider sets the OpenTelemetry tracer provider of the
// client's spans. Without it the client uses the global provider
// (otel.GetTracerProvider): one the program sets with otel.SetTracerProvider
// after NewClient is used too, and until then nothing is traced. A no-op
// provider (go.opentelemetry.io/otel/trace/noop) turns tracing off.
//
// The spans, their attributes and events:
//
//   - An API call: a client span "<METHOD> <route>", such as "GET
//     /v1/sessions/{session_id}", with http.request.method, server.address,
//     server.port, url.full, url.template, http.response.status_code,
//     http.request.resend_count and error.type (the status code, or
//     "timeout", "canceled", "_OTHER", …) as the HTTP client conventions
//     define them, and managedagents.session.id, managedagents.thread.id,
//     managedagents.request.id (the last answer's request-id),
//     managedagents.request.attempts and managedagents.request.outcome
//     ("success", "api_error", "outcome_unknown" for an error matching
//     ErrOutcomeUnknown, "transport_error", "canceled", "decode_error",
//     "invalid_params"). Each retry is a "retry" event at the time it was
//     decided, with managedagents.attempt (the attempt that failed, from
//     1), managedagents.reason, managedagents.wait (seconds) and the failed
//     attempt's status and request ID. A failed call has the error status,
//     with the error's message, which never contains a credential.
//   - A stream: an internal span "Events.Stream" or "Threads.Stream" from
//     the call that opens it to its end (Close, the end of the loop, or a
//     failure to open), the parent of its connections and history reads.
//     Its events: "stream.dropped" (managedagents.reason),
//     "stream.reconnect" (managedagents.attempt, managedagents.wait),
//     "stream.reconnect_failed" and "stream.history" (a gap fill:
//     managedagents.phase, managedagents.events delivered,
//     managedagents.result). At its end: managedagents.stream.events,
//     .errors, .reconnects, .history_reads, .history_events and .end
//     ("session_ended", "consumer_stopped", "closed", "error"). A stream
//     that is neither ranged over nor closed never ends its span.
//   - A Runner tool call: an internal span "execute_tool <name>" with
//     gen_ai.operation.name "execute_tool", gen_ai.tool.name,
//     gen_ai.tool.call.id (the tool-use event's ID), gen_ai.tool.type
//     "function", managedagents.session.id and, for a call from a child
//     thread, managedagents.thread.id, lasting as long as the handler, with
//     the error status when it fails.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) error {
		if tp == nil {
			return errors.New("WithTracerProvider: the provider is nil")
		}
		c.tracerProvider = tp
		return nil
	}
}

// unsetGlobalProvider is what otel.GetTracerProvider returns until a
// program sets a provider: a provider that delegates to the one set later
// and starts non-recording spans until then, at a cost of a few
// allocations per span. The client starts no span at all while the global
// provider is still this one. It is found by its package, once, so that a
// provider already set when this package is initialised is never taken for
// it; if the otel package ever moves it, every span is started (correct,
// just not free). The eBPF auto-instrumentation, which makes that provider
// record without a provider being set, therefore sees no span of this
// client until one is set.
var unsetGlobalProvider = func() trace.TracerProvider {
	tp := otel.GetTracerProvider()
	if t := reflect.TypeOf(tp); t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "go.opentelemetry.io/otel/internal/global" {
		return tp
	}
	return nil
}()

// tracing is a client's tracer and what its spans say about the server.
type tracing struct {
	tracer trace.Tracer
	// followsGlobal: the provider is the global one, not set yet when the
	// client was made; each span checks whether it has been set since.
	followsGlobal bool
	// off: the provider is a no-op.
	off     bool
	baseURL string
	host    string
	port    int
}

// newTracing returns the tracing of a client of baseURL; tp nil means the
// global provider.
func newTracing(tp trace.TracerProvider, baseURL string) *tracing {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	t := &tracing{baseURL: baseURL}
	if _, ok := tp.(noop.TracerProvider); ok {
		t.off = true
		return t
	}
	t.followsGlobal = unsetGlobalProvider != nil && tp == unsetGlobalProvider
	t.tracer = tp.Tracer(tracerName, trace.WithInstrumentationVersion(Version))
	if u, err := url.Parse(baseURL); err == nil {
		t.host = u.Hostname()
		t.port, _ = strconv.Atoi(u.Port())
		if t.port == 0 {
			t.port = 443
			if u.Scheme == "http" {
				t.port = 80
			}
		}
	}
	return t
}

// active returns the tracer when spans are to be started.
func (t *tracing) active() (trace.Tracer, bool) {
	switch {
	case t == nil || t.off:
		return nil, false
	case t.followsGlobal && otel.GetTracerProvider() == unsetGlobalProvider:
		return nil, false
	}
	return t.tracer, true
}

// inject writes ctx's trace context into h with the global propagator,
// which writes nothing unless the program has set one.
func (t *tracing) inject(ctx context.Context, h http.Header) {
	if t != nil {
		otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(h))
	}
}

// route is an API path as a low-cardinality template, with the IDs it
// names.
type route struct {
	template            string
	sessionID, threadID string
}

// idSegments names the path segment that follows each collection.
var idSegments = map[string]string{
	"sessions":  "session_id",
	"threads":   "thread_id",
	"resources": "resource_id",
}

// routeOf turns an escaped API path such as /v1/sessions/sesn_1/events
// into /v1/sessions/{session_id}/events and the IDs in it (unescaped).
func routeOf(path string) route {
	var r route
	var b strings.Builder
	b.Grow(len(path) + 16)
	rest := strings.TrimPrefix(path, "/")
	idName := ""
	for rest != "" {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		b.WriteByte('/')
		if idName == "" {
			b.WriteString(seg)
			idName = idSegments[seg]
			continue
		}
		b.WriteString("{" + idName + "}")
		id, err := url.PathUnescape(seg)
		if err != nil {
			id = seg
		}
		switch idName {
		case "session_id":
			r.sessionID = id
		case "thread_id":
			r.threadID = id
		}
		idName = ""
	}
	r.template = b.String()
	return r
}

// idAttrs appends the session and thread IDs of r that are set.
func (r route) idAttrs(attrs []attribute.KeyValue) []attribute.KeyValue {
	if r.sessionID != "" {
		attrs = append(attrs, attrSessionID.String(r.sessionID))
	}
	if r.threadID != "" {
		attrs = append(attrs, attrThreadID.String(r.threadID))
	}
	return attrs
}

// callSpan is the span of one API call. It is nil when the call is not
// traced; its methods run on the goroutine of the call, one at a time
// (go-retryablehttp's hooks run in order).
type callSpan struct {
	span trace.Span
	// a is the call's state: its retries so far, its last answer's status.
	a *callState
	// requestID is the last answer's request-id.
	requestID string
	// retryReason and retryDecided: the policy's reason to send the call
	// again and when it decided, for the retry event.
	retryReason  string
	retryDecided time.Time
}

// startCall starts the span of the call a (with query), returning the
// context it carries. When nothing is traced it returns ctx and nil,
// having done no work.
func (t *tracing) startCall(ctx context.Context, a *callState, query url.Values) (context.Context, *callSpan) {
	tracer, ok := t.active()
	if !ok {
		return ctx, nil
	}
	method := a.method
	r := routeOf(a.path)
	full := t.baseURL + a.path
	if len(query) > 0 {
		full += "?" + query.Encode()
	}
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs,
		attrHTTPMethod.String(method),
		attrServerAddress.String(t.host),
		attrServerPort.Int(t.port),
		attrURLFull.String(full),
		attrURLTemplate.String(r.template),
	)
	attrs = r.idAttrs(attrs)
	ctx, span := tracer.Start(ctx, method+" "+r.template,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, &callSpan{span: span, a: a}
}

// answered records an attempt's answer.
func (s *callSpan) answered(resp *http.Response) {
	if s != nil {
		s.requestID = resp.Header.Get("request-id")
	}
}

// willRetry records the policy's decision to send the call again.
func (s *callSpan) willRetry(reason string) {
	if s == nil {
		return
	}
	s.retryReason, s.retryDecided = reason, time.Now()
}

// retrying adds the retry event of the attempt that failed, once the wait
// is over and the next attempt is about to be sent (before the call's
// state forgets that attempt).
func (s *callSpan) retrying() {
	if s == nil {
		return
	}
	if s.span.IsRecording() {
		attrs := []attribute.KeyValue{
			attrAttempt.Int(s.a.retries + 1),
			attrReason.String(s.retryReason),
			attrWait.Float64(time.Since(s.retryDecided).Seconds()),
		}
		if s.a.status != 0 {
			attrs = append(attrs, attrHTTPStatus.Int(s.a.status))
		}
		if s.requestID != "" {
			attrs = append(attrs, attrRequestID.String(s.requestID))
		}
		s.span.AddEvent(eventRetry, trace.WithTimestamp(s.retryDecided), trace.WithAttributes(attrs...))
	}
	s.requestID, s.retryReason = "", ""
}

// end ends the span with the call's result.
func (s *callSpan) end(err error) {
	if s == nil {
		return
	}
	if s.span.IsRecording() {
		outcome, errType := callOutcome(err)
		attrs := []attribute.KeyValue{attrAttempts.Int(s.a.retries + 1), attrOutcome.String(outcome)}
		if s.a.retries > 0 {
			attrs = append(attrs, attrHTTPResendCount.Int(s.a.retries))
		}
		if s.a.status != 0 {
			attrs = append(attrs, attrHTTPStatus.Int(s.a.status))
		}
		if s.requestID != "" {
			attrs = append(attrs, attrRequestID.String(s.requestID))
		}
		if err != nil {
			attrs = append(attrs, attrErrorType.String(errType))
			s.span.SetStatus(codes.Error, err.Error())
		}
		s.span.SetAttributes(attrs...)
	}
	s.span.End()
}

// callOutcome classifies a call's error: its outcome and its error.type,
// which is the status code for an error answer, as the HTTP conventions
// ask.
func callOutcome(err error) (outcome, errType string) {
	var apiErr *APIError
	var de *DecodeError
	hasAPIErr := errors.As(err, &apiErr)
	switch {
	case err == nil:
		return "success", ""
	case errors.Is(err, ErrOutcomeUnknown):
		outcome = "outcome_unknown"
	case hasAPIErr:
		outcome = "api_error"
	case errors.As(err, &de):
		return "decode_error", "decode_error"
	case errors.Is(err, ErrInvalidParams):
		return "invalid_params", "invalid_params"
	case errors.Is(err, context.Canceled):
		return "canceled", "canceled"
	default:
		outcome = "transport_error"
	}
	var netErr net.Error
	switch {
	case hasAPIErr && apiErr.StatusCode != 0:
		errType = strconv.Itoa(apiErr.StatusCode)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		errType = "timeout"
	case errors.Is(err, context.Canceled):
		errType = "canceled"
	default:
		errType = "_OTHER"
	}
	return outcome, errType
}

// streamSpan is the span of a Stream, from its opening to its end. The
// goroutine that ranges over the stream counts; Close, from any
// goroutine, ends the span.
type streamSpan struct {
	span trace.Span
	st   *Stream

	events, errs, historyReads, historyEvents atomic.Int64

	mu      sync.Mutex
	endWhy  string // set by the loop when it knows why the stream ends
	lastErr error
	ended   bool
}

// startStream starts the span of st, which is about to open, and makes it
// the parent of the stream's requests. Untraced, it does nothing.
func (t *tracing) startStream(st *Stream) {
	tracer, ok := t.active()
	if !ok {
		return
	}
	r := routeOf(st.path)
	name := "Events.Stream"
	if r.threadID != "" {
		name = "Threads.Stream"
	}
	attrs := r.idAttrs([]attribute.KeyValue{
		attrURLTemplate.String(r.template),
		attrStreamResume.Bool(!st.params.NoResume),
	})
	ctx, span := tracer.Start(st.parent, name, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	s := &streamSpan{span: span, st: st}
	st.parent, st.span = ctx, s
}

// failed ends the span of a stream that did not open.
func (s *streamSpan) failed(err error) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.endWhy, s.lastErr = "error", err
	s.mu.Unlock()
	s.end()
}

// wrap returns yield, counting what goes through it and noting why the
// stream ends.
func (s *streamSpan) wrap(yield func(Event, error) bool) func(Event, error) bool {
	if s == nil {
		return yield
	}
	return func(ev Event, err error) bool {
		if err != nil {
			s.errs.Add(1)
		} else {
			s.events.Add(1)
		}
		more := yield(ev, err)
		switch {
		case !more:
			s.setEnd("consumer_stopped", nil)
		case err != nil && !isDecodeError(err):
			// Any error other than an event that did not decode is the
			// stream's last.
			s.setEnd("error", err)
		case ev != nil && endsStream(ev):
			s.setEnd("session_ended", nil)
		}
		return more
	}
}

// isDecodeError reports an event that did not decode, after which a
// stream goes on. (Apart from wrap, so that its error target is allocated
// only when there is an error.)
func isDecodeError(err error) bool {
	var de *DecodeError
	return errors.As(err, &de)
}

func (s *streamSpan) setEnd(why string, err error) {
	s.mu.Lock()
	if s.endWhy == "" {
		s.endWhy, s.lastErr = why, err
	}
	s.mu.Unlock()
}

// dropped records a connection that dropped, and why.
func (s *streamSpan) dropped(err error) {
	if s == nil || !s.span.IsRecording() {
		return
	}
	reason := "the connection ended"
	if err != nil {
		reason = err.Error()
	}
	s.span.AddEvent(eventDropped, trace.WithAttributes(attrReason.String(reason)))
}

// reconnecting records the wait before reconnect attempt n (from 1).
func (s *streamSpan) reconnecting(n int, wait time.Duration) {
	if s == nil || !s.span.IsRecording() {
		return
	}
	s.span.AddEvent(eventReconnect, trace.WithAttributes(attrAttempt.Int(n), attrWait.Float64(wait.Seconds())))
}

// reconnectFailed records a reconnect attempt that failed and is tried
// again.
func (s *streamSpan) reconnectFailed(err error) {
	if s == nil || !s.span.IsRecording() {
		return
	}
	s.span.AddEvent(eventReconnectFailed, trace.WithAttributes(attrReason.String(err.Error())))
}

// end ends the span, once, with what the stream did.
func (s *streamSpan) end() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.ended = true
	why := s.endWhy
	if why == "" {
		why = "closed"
	}
	if s.span.IsRecording() {
		s.span.SetAttributes(
			attrStreamEvents.Int64(s.events.Load()),
			attrStreamErrors.Int64(s.errs.Load()),
			attrStreamReconnects.Int64(s.st.reconnects.Load()),
			attrStreamHistoryReads.Int64(s.historyReads.Load()),
			attrStreamHistoryEvents.Int64(s.historyEvents.Load()),
			attrStreamEnd.String(why),
		)
		if s.lastErr != nil {
			_, errType := callOutcome(s.lastErr)
			s.span.SetAttributes(attrErrorType.String(errType))
			s.span.SetStatus(codes.Error, s.lastErr.Error())
		}
	}
	s.span.End()
}

// delivered is how many events the stream has delivered so far; filled
// takes it to count the events of a history read.
func (s *streamSpan) delivered() int64 {
	if s == nil {
		return 0
	}
	return s.events.Load()
}

// prefilled records the history read of an opening stream, when it
// delivers the events it read (st.pending) first.
func (s *streamSpan) prefilled(st *Stream) {
	if s != nil && st.prefilled {
		s.historyRead(int64(len(st.pending)), "prefill", goOn)
	}
}

// filled records a gap fill that ended with out, begun when the stream had
// delivered before events.
func (s *streamSpan) filled(before int64, out outcome) {
	if s != nil {
		s.historyRead(s.events.Load()-before, "fill", out)
	}
}

// historyRead records one history read that delivered n events.
func (s *streamSpan) historyRead(n int64, phase string, out outcome) {
	s.historyReads.Add(1)
	s.historyEvents.Add(n)
	if !s.span.IsRecording() {
		return
	}
	result := "filled"
	switch out {
	case stopStream:
		result = "stream_ended"
	case connLost:
		result = "failed"
	}
	s.span.AddEvent(eventHistory, trace.WithAttributes(
		attrPhase.String(phase),
		attrEvents.Int64(n),
		attrResult.String(result),
	))
}

// toolSpan is the span of one Runner call of a tool handler.
type toolSpan struct{ span trace.Span }

// startTool starts the span of the handler call that answers the tool use
// e of sessionID; the handler runs with the context it returns.
func (t *tracing) startTool(ctx context.Context, e *AgentCustomToolUseEvent, sessionID string) (context.Context, *toolSpan) {
	tracer, ok := t.active()
	if !ok {
		return ctx, nil
	}
	attrs := []attribute.KeyValue{
		attrGenAIOperation.String("execute_tool"),
		attrGenAIToolName.String(e.Name),
		attrGenAIToolID.String(e.ID),
		attrGenAIToolType.String("function"),
		attrSessionID.String(sessionID),
	}
	if e.SessionThreadID != "" {
		attrs = append(attrs, attrThreadID.String(e.SessionThreadID))
	}
	ctx, span := tracer.Start(ctx, "execute_tool "+e.Name, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	return ctx, &toolSpan{span: span}
}

// end ends a tool call's span; ctx is the handler's, whose deadline tells
// a timeout.
func (s *toolSpan) end(ctx context.Context, err error) {
	if s == nil {
		return
	}
	if err != nil && s.span.IsRecording() {
		errType := "_OTHER"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			errType = "timeout"
		}
		s.span.SetAttributes(attrErrorType.String(errType))
		s.span.SetStatus(codes.Error, err.Error())
	}
	s.span.End()
}
