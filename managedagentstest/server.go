package managedagentstest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// BetaHeader is the anthropic-beta value every request must carry.
const BetaHeader = "managed-agents-2026-04-01"

// maxBodyBytes is the request body limit of standard Anthropic endpoints;
// larger bodies are answered with 413 request_too_large.
const maxBodyBytes = 32 << 20

// maxPageSize is the largest accepted list limit.
const maxPageSize = 1000

// config holds what the options set.
type config struct {
	apiKeys  map[string]bool // nil: any non-empty credential is accepted
	clock    func() time.Time
	idSeed   int64
	pageSize int
	maxBody  int64 // request body limit; only tests lower it
	// script and stepDelay drive the scripted agent (see script.go).
	script    Script
	stepDelay time.Duration
	// stream holds the SSE stream options (see stream.go).
	stream streamConfig
	// requestLog is how many requests to keep (see request_log.go).
	requestLog int
	// webhook holds the webhook delivery options (see webhooks.go).
	webhook webhookConfig
}

// Option configures a fake built by [New] or [NewServer].
type Option func(*config)

// WithAPIKeys restricts the accepted credentials to keys, sent either as
// x-api-key or as Authorization: Bearer. Without this option any non-empty
// credential is accepted. Calling it with no keys rejects every request.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) {
		c.apiKeys = make(map[string]bool, len(keys))
		for _, k := range keys {
			c.apiKeys[k] = true
		}
	}
}

// WithClock sets the clock used for every timestamp (created_at, updated_at,
// processed_at, …). The default is [time.Now]. Timestamps are kept with
// millisecond precision, as the real API reports them.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithIDSeed seeds the ID generators. IDs are deterministic for a given seed
// and sequence of calls; the default seed is 1.
func WithIDSeed(seed int64) Option {
	return func(c *config) { c.idSeed = seed }
}

// WithDefaultPageSize sets the page size of list endpoints when the request
// has no limit (default 20). Values outside 1..1000 are clamped into it.
func WithDefaultPageSize(n int) Option {
	return func(c *config) { c.pageSize = min(max(n, 1), maxPageSize) }
}

// Fake is the in-memory Sessions API: its state, its seeding and observation
// methods, and an [http.Handler] serving the API. It is safe for concurrent
// use. Create one with [New], or with [NewServer] for one that listens.
type Fake struct {
	cfg     config
	mux     *http.ServeMux
	handler http.Handler

	// mu guards everything below. Handlers hold it for the whole of their
	// state access and render their responses under it, so no response ever
	// shows a half-applied change.
	mu        sync.Mutex
	ids       *idGen             // object IDs
	reqIDs    *idGen             // request IDs; separate so failures do not shift object IDs
	agents    map[string][]Agent // versions in ascending order
	envs      map[string]bool    // environment ID -> self-hosted
	files     map[string]bool
	vaults    map[string]bool
	memStores map[string]memoryStore
	sessions  map[string]*session
	faults    []*fault
	requests  requestLog
	latency   time.Duration
	proc      processor      // the scripted agent's workers (see worker.go)
	streams   streamState    // stream counters and injected stream faults (see stream_faults.go)
	webhooks  *webhookSender // webhook endpoints and deliveries, under their own mutex (see webhooks_sender.go)
}

// Server is a [Fake] listening on a loopback address. All methods of Fake are
// available on it.
type Server struct {
	*Fake
	ts *httptest.Server
}

// New builds a fake without a listener; serve it with [Fake.Handler]. The fake
// starts with the default agent and environment seeded.
func New(opts ...Option) *Fake {
	cfg := config{clock: time.Now, idSeed: 1, pageSize: 20, maxBody: maxBodyBytes, requestLog: DefaultRequestLogSize,
		webhook: defaultWebhookConfig}
	for _, o := range opts {
		o(&cfg)
	}
	f := &Fake{
		cfg:       cfg,
		ids:       newIDGen(cfg.idSeed),
		reqIDs:    newIDGen(cfg.idSeed ^ 0x5eed),
		agents:    map[string][]Agent{},
		envs:      map[string]bool{},
		files:     map[string]bool{},
		vaults:    map[string]bool{},
		memStores: map[string]memoryStore{},
		sessions:  map[string]*session{},
		requests:  requestLog{size: cfg.requestLog},
		webhooks:  newWebhookSender(cfg.webhook, cfg.idSeed),
	}
	f.mux = http.NewServeMux()
	f.routes()
	f.handler = http.HandlerFunc(f.serve)
	f.seedDefaults()
	return f
}

// NewServer builds a fake with [New] and starts it on 127.0.0.1. Call
// [Server.Close] when done.
func NewServer(opts ...Option) *Server {
	f := New(opts...)
	return &Server{Fake: f, ts: httptest.NewServer(f.Handler())}
}

// URL returns the base URL of the server, e.g. "http://127.0.0.1:41234",
// suitable as the client's base URL.
func (s *Server) URL() string { return s.ts.URL }

// Client returns an HTTP client configured for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close stops the scripted agent ([Fake.Close]), then shuts the server
// down and waits for outstanding requests.
func (s *Server) Close() {
	s.Fake.Close()
	s.ts.Close()
}

// Handler returns the HTTP handler serving the API. It answers on the real
// paths (/v1/sessions, …), so mount it at the root of a server or strip any
// prefix first.
func (f *Fake) Handler() http.Handler { return f.handler }

// routes registers every endpoint. Later endpoints (events, streams, threads,
// resources) are registered here too. Anything unmatched falls through to the
// 404 handler, which answers with the error envelope.
func (f *Fake) routes() {
	f.mux.HandleFunc("POST /v1/sessions", f.jsonHandler(f.createSession))
	f.mux.HandleFunc("GET /v1/sessions", f.jsonHandler(f.listSessions))
	f.mux.HandleFunc("GET /v1/sessions/{session_id}", f.jsonHandler(f.getSession))
	f.mux.HandleFunc("POST /v1/sessions/{session_id}", f.jsonHandler(f.updateSession))
	f.mux.HandleFunc("DELETE /v1/sessions/{session_id}", f.jsonHandler(f.deleteSession))
	f.mux.HandleFunc("POST /v1/sessions/{session_id}/archive", f.jsonHandler(f.archiveSession))
	f.mux.HandleFunc("POST /v1/sessions/{session_id}/events", f.sendEventsHTTP)
	f.mux.HandleFunc("GET /v1/sessions/{session_id}/events", f.jsonHandler(f.listEvents))
	f.mux.HandleFunc("GET /v1/sessions/{session_id}/events/stream", f.streamEvents)
	f.mux.HandleFunc("GET /v1/sessions/{session_id}/stream", f.streamEvents)
	f.mux.HandleFunc("GET /v1/sessions/{session_id}/threads", f.jsonHandler(f.listThreads))
	f.mux.HandleFunc("GET /v1/sessions/{session_id}/threads/{thread_id}", f.jsonHandler(f.getThread))
	f.mux.HandleFunc("POST /v1/sessions/{session_id}/threads/{thread_id}/archive", f.jsonHandler(f.archiveThread))
	f.mux.HandleFunc("GET /v1/sessions/{session_id}/threads/{thread_id}/events", f.jsonHandler(f.listThreadEvents))
	f.mux.HandleFunc("GET /v1/sessions/{session_id}/threads/{thread_id}/stream", f.streamThread)
	f.mux.HandleFunc("GET /v1/sessions/{session_id}/resources", f.jsonHandler(f.listResources))
	f.mux.HandleFunc("POST /v1/sessions/{session_id}/resources", f.jsonHandler(f.addResource))
	f.mux.HandleFunc("GET /v1/sessions/{session_id}/resources/{resource_id}", f.jsonHandler(f.getResource))
	f.mux.HandleFunc("POST /v1/sessions/{session_id}/resources/{resource_id}", f.jsonHandler(f.updateResource))
	f.mux.HandleFunc("DELETE /v1/sessions/{session_id}/resources/{resource_id}", f.jsonHandler(f.deleteResource))
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, requestID(r), errNotFound("Not found: %s %s", r.Method, r.URL.Path))
	})
}

// now returns the current time from the configured clock, in UTC and
// truncated to milliseconds so that what is stored equals what is reported.
func (f *Fake) now() time.Time {
	return f.cfg.clock().UTC().Truncate(time.Millisecond)
}

type ctxKey struct{}

// requestID returns the request ID that serve assigned to r.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxKey{}).(string)
	return id
}

// serve is the front of every request: it assigns the request ID, records the
// request, applies latency and injected faults, checks credentials and the
// required headers, then routes.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	reqID := f.reqIDs.next("req_")
	latency := f.latency
	f.mu.Unlock()
	w.Header().Set("request-id", reqID)

	var body []byte
	var readErr error
	if r.Body != nil {
		body, readErr = io.ReadAll(http.MaxBytesReader(w, r.Body, f.cfg.maxBody))
	}
	f.record(r, body, reqID)

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	ft := f.takeFault(r)
	if ft != nil && !ft.afterApply {
		ft.write(w, reqID)
		return
	}
	if readErr != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(readErr, &tooLarge) {
			writeError(w, reqID, &apiError{status: http.StatusRequestEntityTooLarge,
				typ: "request_too_large", message: "Request body exceeds the 32 MB limit."})
			return
		}
		writeError(w, reqID, errInvalid("could not read the request body: %v", readErr))
		return
	}
	if err := f.checkHeaders(r); err != nil {
		writeError(w, reqID, err)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, reqID))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if ft != nil {
		f.mux.ServeHTTP(&discardResponse{header: http.Header{}}, r)
		ft.write(w, reqID)
		return
	}
	f.mux.ServeHTTP(w, r)
}

// checkHeaders checks the credential, anthropic-version and anthropic-beta.
func (f *Fake) checkHeaders(r *http.Request) *apiError {
	if err := f.authenticate(r); err != nil {
		return err
	}
	// The fake accepts any well-formed version. A missing
	// header is answered with 400, and "well-formed" is read as a YYYY-MM-DD
	// date, which both 2023-06-01 and 2026-10-21 are.
	v := r.Header.Get("anthropic-version")
	if v == "" {
		return errInvalid("anthropic-version: header is required")
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return errInvalid("anthropic-version: %q is not a valid version", v)
	}
	if !hasBeta(r.Header.Values("anthropic-beta")) {
		return errInvalid("anthropic-beta: the Managed Agents API requires the beta header %q", BetaHeader)
	}
	return nil
}

// hasBeta reports whether the beta header lines, each possibly comma-joined,
// contain BetaHeader.
func hasBeta(lines []string) bool {
	for _, line := range lines {
		for b := range strings.SplitSeq(line, ",") {
			if strings.TrimSpace(b) == BetaHeader {
				return true
			}
		}
	}
	return false
}

// authenticate accepts exactly one credential: x-api-key or Authorization:
// Bearer. The API rejects a request with both, but does not document which
// status it answers; the fake answers 401 authentication_error.
func (f *Fake) authenticate(r *http.Request) *apiError {
	key := r.Header.Get("x-api-key")
	auth := r.Header.Get("Authorization")
	switch {
	case key != "" && auth != "":
		return errAuth("send either x-api-key or Authorization, not both")
	case key == "" && auth == "":
		return errAuth("x-api-key header is required")
	case key != "":
		if f.cfg.apiKeys != nil && !f.cfg.apiKeys[key] {
			return errAuth("invalid x-api-key")
		}
	default:
		scheme, token, ok := strings.Cut(auth, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return errAuth("Authorization header must be of the form \"Bearer <token>\"")
		}
		if f.cfg.apiKeys != nil && !f.cfg.apiKeys[token] {
			return errAuth("invalid bearer token")
		}
	}
	return nil
}

// SetLatency delays every following request by d before it is handled (and
// before injected faults apply). Zero turns latency off.
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}
