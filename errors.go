package managedagents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. An *APIError matches (with errors.Is) the sentinel of its
// HTTP status and the sentinel of its error.type, so both a 409 carrying
// "invalid_request_error" and an in-stream "overloaded_error" frame (which has
// no HTTP status of its own) are classified.
var (
	// ErrInvalidRequest: 400 invalid_request_error.
	ErrInvalidRequest = errors.New("managedagents: invalid request")
	// ErrAuthentication: 401 authentication_error.
	ErrAuthentication = errors.New("managedagents: authentication failed")
	// ErrBilling: 402 billing_error.
	ErrBilling = errors.New("managedagents: billing error")
	// ErrPermission: 403 permission_error.
	ErrPermission = errors.New("managedagents: permission denied")
	// ErrNotFound: 404 not_found_error, for unknown or deleted objects.
	ErrNotFound = errors.New("managedagents: not found")
	// ErrConflict: 409, a state conflict such as sending to an archived session.
	ErrConflict = errors.New("managedagents: conflict")
	// ErrRequestTooLarge: 413 request_too_large.
	ErrRequestTooLarge = errors.New("managedagents: request too large")
	// ErrRateLimited: 429 rate_limit_error, including spend limits.
	ErrRateLimited = errors.New("managedagents: rate limited")
	// ErrInternal: 500 api_error.
	ErrInternal = errors.New("managedagents: internal server error")
	// ErrUnavailable: 503, service temporarily unavailable.
	ErrUnavailable = errors.New("managedagents: service unavailable")
	// ErrTimeout: 504 timeout_error (and 408).
	ErrTimeout = errors.New("managedagents: upstream timeout")
	// ErrOverloaded: 529 overloaded_error.
	ErrOverloaded = errors.New("managedagents: overloaded")

	// ErrOutcomeUnknown marks a failed call to a non-idempotent endpoint
	// (session create, event send) where the server may nevertheless have
	// acted: a timeout, a reset or a body cut off after the request was
	// written, a 408, or a 5xx that does not prove the request was turned
	// away. Only 529 and a 503 whose body is the API's error envelope with
	// error.type "overloaded_error", or "unavailable" in error.type or
	// error.details.error_code (and an error_code other than
	// "change_outcome_unknown"), prove that; a 503 without that envelope,
	// such as a proxy's HTML page or an empty body, does not, even with
	// x-should-retry: true. The client does not retry such calls; the error
	// wraps the cause (an *APIError for a status), and the caller decides how
	// to reconcile (for example by listing recent sessions or reading the
	// event history).
	ErrOutcomeUnknown = errors.New("managedagents: outcome unknown, the request may have been applied")

	// ErrInvalidParams reports bad input caught before any I/O: an empty ID,
	// a missing required field, a value the API is documented to reject.
	ErrInvalidParams = errors.New("managedagents: invalid parameters")
)

// statusSentinels maps HTTP statuses to sentinels.
var statusSentinels = map[int]error{
	http.StatusBadRequest:            ErrInvalidRequest,
	http.StatusUnauthorized:          ErrAuthentication,
	http.StatusPaymentRequired:       ErrBilling,
	http.StatusForbidden:             ErrPermission,
	http.StatusNotFound:              ErrNotFound,
	http.StatusRequestTimeout:        ErrTimeout,
	http.StatusConflict:              ErrConflict,
	http.StatusRequestEntityTooLarge: ErrRequestTooLarge,
	http.StatusTooManyRequests:       ErrRateLimited,
	http.StatusInternalServerError:   ErrInternal,
	http.StatusServiceUnavailable:    ErrUnavailable,
	http.StatusGatewayTimeout:        ErrTimeout,
	statusOverloaded:                 ErrOverloaded,
}

// typeSentinels maps error.type strings to sentinels.
var typeSentinels = map[string]error{
	"invalid_request_error": ErrInvalidRequest,
	"authentication_error":  ErrAuthentication,
	"billing_error":         ErrBilling,
	"permission_error":      ErrPermission,
	"not_found_error":       ErrNotFound,
	"conflict_error":        ErrConflict,
	"request_too_large":     ErrRequestTooLarge,
	"rate_limit_error":      ErrRateLimited,
	"api_error":             ErrInternal,
	"timeout_error":         ErrTimeout,
	"overloaded_error":      ErrOverloaded,
}

// statusOverloaded is Anthropic's non-standard "overloaded" status.
const statusOverloaded = 529

// maxErrorBody caps how much of an error response is kept in APIError.Body.
const maxErrorBody = 64 << 10

// APIError is a non-2xx answer from the API. Its fields come from the error
// envelope {"type":"error","error":{"type","message","details"},"request_id"}
// when the body has one, and from the status line otherwise (a proxy's HTML
// page, a plain-text or empty body): then Type follows the status and
// Message is the status text, such as "Service Unavailable".
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Type is error.type, such as "not_found_error". It is an open set; when
	// the body carried none it is derived from the status.
	Type string
	// Message is the envelope's error.message, for humans; never branch on
	// its wording. Without an envelope it is the HTTP status text; it is
	// never taken from any other part of the body.
	Message string
	// ErrorCode is error.details.error_code when present, such as
	// "invalid_metadata" or "enforced_spend_limit_reached".
	ErrorCode string
	// Details is the raw error.details object, if any.
	Details json.RawMessage
	// RequestID is the request-id header, or else the body's request_id.
	RequestID string
	// RetryAfter is the server's retry hint (retry-after-ms or retry-after),
	// zero when absent. It is the hint as sent, not capped.
	RetryAfter time.Duration
	// Method and Path name the request that failed (no host, no query).
	Method, Path string
	// Header holds the response headers.
	Header http.Header
	// Body is the raw response body, truncated to 64 KiB. It may contain
	// anything the server sent, such as a proxy echoing the request with its
	// credential: it is never part of Error, and should not be logged
	// unexamined.
	Body []byte
	// Attempts is how many times the client sent the request, retries
	// included; this answer is the last one's.
	Attempts int
	// Elapsed is the time from the first attempt to the end of the last,
	// waits between them included.
	Elapsed time.Duration
	// GaveUp says why the client stopped sending the request when it sent
	// it more than once: "retries exhausted" (the answer was retryable, but
	// WithMaxRetries allows no more) or "not retryable" (this answer is one
	// the client does not send again). It is empty after a single attempt.
	// (When the caller's context ends first, the error is the context's,
	// and its message ends "gave up: context done".)
	GaveUp string
}

// Error returns a one-line description: method, path, status, type, error
// code, message and request ID, then, when the request was sent more than
// once, the attempts, the time they took and why the client gave up, as in
// "(3 attempts over 1.2s; gave up: retries exhausted)". It never includes
// the body, headers or credentials.
func (e *APIError) Error() string {
	prefix := "managedagents: "
	if e.Method != "" {
		prefix += e.Method + " " + e.Path + ": "
	}
	if e.StatusCode != 0 {
		prefix += fmt.Sprint(e.StatusCode, " ")
	}
	t := tries{attempts: e.Attempts, elapsed: e.Elapsed, gaveUp: e.GaveUp}
	return describeError(prefix, e.Type, e.ErrorCode, e.Message, e.RequestID) + t.String()
}

// Why a call that was sent more than once gave up; see APIError.GaveUp.
const (
	gaveUpExhausted    = "retries exhausted"
	gaveUpNotRetryable = "not retryable"
	gaveUpContext      = "context done"
)

// tries is what the client tried before a call failed.
type tries struct {
	attempts int
	elapsed  time.Duration
	gaveUp   string
}

// String renders the attempts as the end of an error message, such as
// " (3 attempts over 1.2s; gave up: retries exhausted)"; it is empty for a
// single attempt that needs no comment (one not cut short by the context
// while it waited to retry).
func (t tries) String() string {
	if t.attempts < 2 && t.gaveUp == "" {
		return ""
	}
	noun := "attempts"
	if t.attempts == 1 {
		noun = "attempt"
	}
	s := fmt.Sprintf(" (%d %s over %v", t.attempts, noun, roundElapsed(t.elapsed))
	if t.gaveUp != "" {
		s += "; gave up: " + t.gaveUp
	}
	return s + ")"
}

// roundElapsed rounds d for humans: to the millisecond from one up, to the
// microsecond below.
func roundElapsed(d time.Duration) time.Duration {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// requestError is a call that got no answer it could use: the connection
// failed, timed out or broke off, or the context ended. It names the
// request and says what was tried; it unwraps to the cause.
type requestError struct {
	method, path string
	tries        tries
	err          error
}

// Error names the request, the cause and what was tried.
func (e *requestError) Error() string {
	return "managedagents: " + e.method + " " + e.path + ": " + e.err.Error() + e.tries.String()
}

// Unwrap returns the cause.
func (e *requestError) Unwrap() error { return e.err }

// streamOpenError is a failure to open a stream that happened before its
// connection: the history read that marks where the stream starts. It names
// the stream the caller asked for, then the request that failed.
type streamOpenError struct {
	path string // the stream's
	err  error
}

// Error names the stream, then the request that failed.
func (e *streamOpenError) Error() string {
	return "managedagents: GET " + e.path + ": reading the history first: " +
		strings.TrimPrefix(e.err.Error(), "managedagents: ")
}

// Unwrap returns the history read's error.
func (e *streamOpenError) Unwrap() error { return e.err }

// describeError renders an error envelope on one line: type, code, message
// (collapsed and truncated) and request ID.
func describeError(prefix, typ, code, message, requestID string) string {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString(typ)
	if code != "" {
		fmt.Fprintf(&b, " (%s)", code)
	}
	if message != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(message, 300))
	}
	if requestID != "" {
		fmt.Fprintf(&b, " [request-id %s]", requestID)
	}
	return b.String()
}

// Is reports whether target is the sentinel of e's status or of e's type.
func (e *APIError) Is(target error) bool {
	if s, ok := statusSentinels[e.StatusCode]; ok && s == target {
		return true
	}
	if s, ok := typeSentinels[e.Type]; ok && s == target {
		return true
	}
	return false
}

// Temporary reports whether the same request may succeed later: 408, 429
// (other than a spend limit), 5xx and overload.
func (e *APIError) Temporary() bool {
	switch {
	case e.StatusCode == http.StatusTooManyRequests:
		return !isSpendLimit(e.ErrorCode)
	case e.StatusCode == http.StatusRequestTimeout, e.StatusCode >= 500:
		return true
	case e.StatusCode == 0: // in-stream error frame
		return e.Type == "overloaded_error" || e.Type == "api_error"
	}
	return false
}

// errorEnvelope is the wire shape of an error body.
type errorEnvelope struct {
	Type  string `json:"type"`
	Error struct {
		Type    string          `json:"type"`
		Message string          `json:"message"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// parseEnvelope fills e from the API's JSON error envelope; it reports
// whether the body was one: a JSON object whose error.type is set and, when
// strict, whose type is "error". HTTP error bodies are parsed strictly, as
// anything between the client and the API may answer with JSON of its own;
// stream error frames, which only the API sends, leniently.
func (e *APIError) parseEnvelope(body []byte, strict bool) bool {
	var env errorEnvelope
	if json.Unmarshal(body, &env) != nil || env.Error.Type == "" || strict && env.Type != "error" {
		return false
	}
	e.Type = env.Error.Type
	e.Message = env.Error.Message
	if len(env.Error.Details) > 0 && string(env.Error.Details) != "null" {
		e.Details = env.Error.Details
		var d struct {
			ErrorCode string `json:"error_code"`
		}
		if json.Unmarshal(env.Error.Details, &d) == nil {
			e.ErrorCode = d.ErrorCode
		}
	}
	if e.RequestID == "" {
		e.RequestID = env.RequestID
	}
	return true
}

// newAPIError builds an APIError from a response whose body was already
// read. enveloped reports whether the body was the API's error envelope;
// the retry policy reads the envelope's type and error code only then.
func newAPIError(method, path string, resp *http.Response, body []byte) (e *APIError, enveloped bool) {
	e = &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		Path:       path,
		Header:     resp.Header.Clone(),
		RequestID:  resp.Header.Get("request-id"),
	}
	e.RetryAfter, _ = retryAfterHint(resp.Header)
	if len(body) > maxErrorBody {
		e.Body = append([]byte(nil), body[:maxErrorBody]...)
	} else {
		e.Body = append([]byte(nil), body...)
	}
	enveloped = e.parseEnvelope(body, true)
	if !enveloped {
		// Not an envelope: a proxy page, plain text or an empty body.
		// Derive the type from the status; the message is the status text,
		// never the body, which may echo anything (the request's headers,
		// credentials included).
		e.Type = typeForStatus(resp.StatusCode)
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e, enveloped
}

// typeForStatus gives the error.type the API uses for a status: the
// documented one, else api_error from 500 up and invalid_request_error
// below.
func typeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusPaymentRequired:
		return "billing_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusConflict:
		return "conflict_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusGatewayTimeout:
		return "timeout_error"
	case statusOverloaded:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

// isSpendLimit reports error codes of 429s that waiting will not fix.
func isSpendLimit(code string) bool {
	switch code {
	case "enforced_spend_limit_reached", "contract_spend_limit_reached", "ramp_limit_exceeded":
		return true
	}
	return false
}

// oneLine collapses whitespace and truncates s to at most n bytes, so that
// error strings stay on one line whatever a server sends.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// DecodeError reports a body or event that is not the JSON the API
// documents. A 2xx answer to a call that returns a value is a DecodeError
// when its body is empty, blank, markup, cut-off JSON or JSON that is not an
// object: such an answer is never taken for a success. The raw bytes are
// kept so nothing is lost.
type DecodeError struct {
	// EventType is the event type (the SSE event name or the JSON "type"),
	// empty when a response body failed to decode.
	EventType string
	// What names the value that failed, such as "Session" or "event list".
	What string
	// StatusCode is the HTTP status of the response whose body failed to
	// decode, such as 200. It is 0 for an event frame of a stream and for
	// DecodeEvent, which have no status of their own.
	StatusCode int
	// Raw holds the bytes that failed to decode.
	Raw []byte
	// Err is the underlying error from encoding/json.
	Err error
}

// Error names what failed to decode, the status of the response it came in
// (when there is one) and why; it never includes the bytes.
func (e *DecodeError) Error() string {
	what := e.What
	if e.EventType != "" {
		what = fmt.Sprintf("event %q", e.EventType)
	}
	if e.StatusCode != 0 {
		what = fmt.Sprintf("%s in a %d response", what, e.StatusCode)
	}
	return fmt.Sprintf("managedagents: decoding %s: %v", what, e.Err)
}

// Unwrap returns the encoding/json error.
func (e *DecodeError) Unwrap() error { return e.Err }

// invalidParams returns an error wrapping ErrInvalidParams.
func invalidParams(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidParams, fmt.Sprintf(format, args...))
}

// StreamError is a fatal "event: error" frame received on an event stream:
// the server ended the stream with an error envelope. It
// matches the sentinels of its type with errors.Is (ErrOverloaded for
// "overloaded_error", …). Agent-level problems are not StreamErrors: they
// arrive as *SessionErrorEvent values and do not end the stream.
type StreamError struct {
	// Type is error.type, such as "overloaded_error".
	Type string
	// Message is error.message.
	Message string
	// ErrorCode is error.details.error_code, when present.
	ErrorCode string
	// RequestID is the frame's request_id, or else the stream's request-id
	// header.
	RequestID string
	// Raw is the frame's data.
	Raw []byte
}

// Error returns a one-line description: type, code, message and request ID.
func (e *StreamError) Error() string {
	return describeError("managedagents: stream error: ", e.Type, e.ErrorCode, e.Message, e.RequestID)
}

// Is reports whether target is the sentinel of e's type.
func (e *StreamError) Is(target error) bool {
	s, ok := typeSentinels[e.Type]
	return ok && s == target
}

// Temporary reports whether reconnecting may help: the server was
// overloaded or failed internally.
func (e *StreamError) Temporary() bool {
	return e.Type == "overloaded_error" || e.Type == "api_error"
}

// newStreamError parses an error frame's data; data that is not an envelope
// still gives an error, of type "api_error".
func newStreamError(data []byte, requestID string) *StreamError {
	var a APIError
	if !a.parseEnvelope(data, false) {
		return &StreamError{Type: "api_error", Message: "malformed error frame", RequestID: requestID, Raw: bytes.Clone(data)}
	}
	if a.RequestID == "" {
		a.RequestID = requestID
	}
	return &StreamError{Type: a.Type, Message: a.Message, ErrorCode: a.ErrorCode, RequestID: a.RequestID, Raw: bytes.Clone(data)}
}
