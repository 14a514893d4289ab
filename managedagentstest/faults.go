package managedagentstest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fault is one FailNext injection: it answers the next `remaining` matching
// requests with its status.
type fault struct {
	remaining   int
	status      int
	method      string // "" matches any method
	pathPrefix  string // "" matches any path
	errType     string
	message     string
	code        string
	header      http.Header
	body        []byte // replaces the envelope when non-nil
	contentType string
	afterApply  bool // the request is served first, its answer thrown away
}

// FailOption refines a [Fake.FailNext] injection.
type FailOption func(*fault)

// FailOnly limits the injection to requests with this method ("" for any) and
// a path starting with pathPrefix ("" for any). Requests that do not match
// pass through and do not use up the injection.
func FailOnly(method, pathPrefix string) FailOption {
	return func(ft *fault) {
		ft.method = strings.ToUpper(method)
		ft.pathPrefix = pathPrefix
	}
}

// FailWithHeader adds a response header, e.g. "retry-after-ms" or
// "x-should-retry".
func FailWithHeader(key, value string) FailOption {
	return func(ft *fault) { ft.header.Set(key, value) }
}

// FailWithRetryAfter adds the server's retry hint, as the API sends it with
// a 429 or 529: retry-after-ms with d in milliseconds and retry-after with
// d in whole seconds, rounded up. A client that honours the hint waits d
// before its retry, whatever its own backoff; without this option an
// injected failure carries no hint, so the client waits only its own
// backoff.
func FailWithRetryAfter(d time.Duration) FailOption {
	return func(ft *fault) {
		d = max(d, 0)
		ft.header.Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
		ft.header.Set("retry-after", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	}
}

// FailWithErrorCode sets error.details.error_code in the envelope, e.g.
// "enforced_spend_limit_reached", "change_outcome_unknown", or
// "authorization_check_unavailable" (a 503 that says the request was turned
// away, after which the client sends even a create or a send again).
func FailWithErrorCode(code string) FailOption {
	return func(ft *fault) { ft.code = code }
}

// FailWithErrorType overrides error.type, which otherwise follows the status
// (see [Fake.FailNext]).
func FailWithErrorType(typ string) FailOption {
	return func(ft *fault) { ft.errType = typ }
}

// FailWithMessage overrides error.message.
func FailWithMessage(msg string) FailOption {
	return func(ft *fault) { ft.message = msg }
}

// FailWithBody replaces the JSON envelope with a raw body, for failures that
// do not come from the API itself, such as an edge proxy's HTML 413 page.
func FailWithBody(contentType string, body []byte) FailOption {
	return func(ft *fault) {
		ft.contentType = contentType
		ft.body = slices.Clone(body)
		if ft.body == nil {
			ft.body = []byte{}
		}
	}
}

// FailAfterApplying makes the injection act on the request first, as if
// the server had done the work and its answer was lost on the way back (a
// gateway timeout, a connection cut after the session was created): the
// request takes effect, its answer is thrown away, and the client gets the
// failure. A create or a send that fails this way with a 5xx is what a
// client's ErrOutcomeUnknown reconciliation is for. It is meant for
// requests that answer at once, not for streams.
func FailAfterApplying() FailOption {
	return func(ft *fault) { ft.afterApply = true }
}

// discardResponse is the ResponseWriter of a request served under
// FailAfterApplying: the answer goes nowhere.
type discardResponse struct{ header http.Header }

func (d *discardResponse) Header() http.Header         { return d.header }
func (d *discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardResponse) WriteHeader(int)             {}

// FailNext makes the next n requests (or, with [FailOnly], the next n
// matching ones) fail with status and the API's error envelope, before
// authentication or any other processing (after it, with
// [FailAfterApplying]). The request still counts in
// [Fake.Requests] and [Fake.Count].
//
// error.type follows the status as the API documents it: 400
// invalid_request_error, 401 authentication_error, 402 billing_error, 403
// permission_error, 404 not_found_error, 409 conflict_error, 413
// request_too_large, 429 rate_limit_error, 500 api_error, 504 timeout_error,
// 529 overloaded_error. Statuses without a documented type get api_error when
// ≥ 500 (503 included) and invalid_request_error otherwise.
//
// No failure carries a retry hint unless [FailWithRetryAfter] (or
// [FailWithHeader]) adds one, so that a client retries after its own
// backoff: with the short waits of [Server.NewClient], a test can inject
// hundreds of failures and still run in well under a second.
//
// Injections queue up: each request uses the first pending injection that
// matches it. n ≤ 0 does nothing.
func (f *Fake) FailNext(n int, status int, opts ...FailOption) {
	if n <= 0 {
		return
	}
	ft := &fault{remaining: n, status: status, header: http.Header{}}
	for _, o := range opts {
		o(ft)
	}
	if ft.errType == "" {
		ft.errType = errorType(status)
	}
	if ft.message == "" {
		ft.message = defaultFaultMessage(status)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, ft)
}

func defaultFaultMessage(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "Number of requests per minute has exceeded your rate limit."
	case 529:
		return "Overloaded"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Injected failure"
}

// takeFault returns the injection that applies to r, using up one of its
// requests, or nil.
func (f *Fake) takeFault(r *http.Request) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, ft := range f.faults {
		if (ft.method != "" && ft.method != r.Method) || !strings.HasPrefix(r.URL.Path, ft.pathPrefix) {
			continue
		}
		ft.remaining--
		if ft.remaining == 0 {
			f.faults = slices.Delete(f.faults, i, i+1)
		}
		return ft
	}
	return nil
}

func (ft *fault) write(w http.ResponseWriter, reqID string) {
	for k, vs := range ft.header {
		w.Header()[k] = slices.Clone(vs)
	}
	if ft.body != nil {
		if ft.contentType != "" {
			w.Header().Set("Content-Type", ft.contentType)
		}
		w.WriteHeader(ft.status)
		_, _ = w.Write(ft.body)
		return
	}
	writeError(w, reqID, &apiError{status: ft.status, typ: ft.errType, message: ft.message, code: ft.code})
}

// RecordedRequest is a request as the fake received it.
type RecordedRequest struct {
	// RequestID is the request-id the fake answered with.
	RequestID string
	// Method is the HTTP method.
	Method string
	// Path is the URL path, without the query.
	Path string
	// Query is the parsed query.
	Query url.Values
	// Header is a copy of the request headers, with the values of x-api-key
	// and Authorization replaced by "REDACTED" ("Bearer REDACTED" for a
	// bearer credential), so tests can see which form was sent but never the
	// secret.
	Header http.Header
	// Body is the request body as sent, except that the value of every
	// authorization_token member (a repository token) reads "REDACTED".
	Body []byte
}

// record adds r to the request log.
func (f *Fake) record(r *http.Request, body []byte, reqID string) {
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for i, v := range h.Values("x-api-key") {
		h[http.CanonicalHeaderKey("x-api-key")][i] = redact(v)
	}
	for i, v := range h.Values("Authorization") {
		h["Authorization"][i] = redact(v)
	}
	rec := RecordedRequest{
		RequestID: reqID,
		Method:    r.Method,
		Path:      r.URL.Path,
		Query:     r.URL.Query(),
		Header:    h,
		Body:      slices.Clone(redactBody(body)),
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests.add(rec)
}

func redact(v string) string {
	if scheme, _, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return scheme + " REDACTED"
	}
	return "REDACTED"
}

// Requests returns the requests received so far, in arrival order,
// including those that failed: all of them, or the most recent ones when
// more arrived than the request log keeps (see [WithRequestLog]).
func (f *Fake) Requests() []RecordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]RecordedRequest, 0, len(f.requests.items))
	f.requests.all(func(r RecordedRequest) {
		r.Query = cloneValues(r.Query)
		r.Header = r.Header.Clone()
		r.Body = slices.Clone(r.Body)
		out = append(out, r)
	})
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Count returns how many requests with this method and exact path (without
// query) were received, including those that failed — for example to check
// that a create was not sent twice. It counts within the request log (see
// [WithRequestLog]).
func (f *Fake) Count(method, path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	f.requests.all(func(r RecordedRequest) {
		if r.Method == method && r.Path == path {
			n++
		}
	})
	return n
}
