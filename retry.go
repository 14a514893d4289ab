package managedagents

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// go-retryablehttp runs the attempts of a call; the decisions are ours, and
// each lives in one place:
//
//   - which attempts are sent again: callState.decide, which the library
//     reaches through CheckRetry (Client.checkRetry);
//   - how long to wait: backoff, shared by requests (behind the server's
//     hint, in requestWait, the library's Backoff) and stream reconnects;
//   - what the caller gets: callState.result, applied to what the
//     library's Do returns.
//
// An answer's body is read once, by the response handler
// (callState.readBody), which also parses an error body into the *APIError
// that the policy and the caller share.

// maxRetryHint caps how long a server hint (retry-after-ms, retry-after) can
// make the client wait before one retry.
const maxRetryHint = time.Minute

// Jitter of backoff: the part of the computed wait that may be taken off at
// random is 1/jitter of it.
const (
	// requestJitter takes off up to a quarter, as the official SDKs do.
	requestJitter = 4
	// reconnectJitter takes off up to half: after a server-wide drop,
	// thousands of streams spread their reconnects over a wider window.
	reconnectJitter = 2
)

// callState is the state of one API call across its attempts, shared by the
// hooks go-retryablehttp runs. It travels in the request's context, the one
// thing of the request that CheckRetry is given.
type callState struct {
	method, path string
	// idempotent calls are sent again after any transient failure; the
	// others only when the server certainly did not act (see decide).
	idempotent bool
	// stream leaves the body of a 2xx answer unread: it is an event stream.
	stream bool

	// The last attempt; prepareRetry resets it before every retry.
	//
	// connected is set when the attempt obtains a connection. No hook of
	// go-retryablehttp tells whether the request may have been written (a
	// transport error is all CheckRetry sees), so an httptrace GotConn
	// hook in the request's context records it: a create or a send is
	// sent again after a transport error only when it never connected.
	connected atomic.Bool
	// answered says the response handler ran; status, body, readErr and
	// apiErr describe that answer.
	answered bool
	status   int
	body     []byte
	readErr  error
	// apiErr is the answer as an error, for any status other than 2xx;
	// enveloped says its body was the API's error envelope.
	apiErr    *APIError
	enveloped bool

	// What was tried, for the caller's error: when the first attempt
	// started, how many retries followed, whether the policy asked to send
	// the last attempt again (so the retry limit stopped it), and whether
	// the caller's context has ended.
	start     time.Time
	retries   int
	wantRetry bool
	ctxErr    func() error

	// tr is the call's span, nil when it is not traced.
	tr *callSpan
}

type callStateKey struct{}

// attach returns ctx carrying a and the httptrace hook that records
// whether an attempt connected.
func (a *callState) attach(ctx context.Context) context.Context {
	a.start, a.ctxErr = time.Now(), ctx.Err
	ctx = context.WithValue(ctx, callStateKey{}, a)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { a.connected.Store(true) },
	})
}

func callStateFrom(ctx context.Context) *callState {
	a, _ := ctx.Value(callStateKey{}).(*callState)
	return a
}

// readBody is the response handler of every request: it reads the answer's
// body once (capped), except the 2xx of a stream, and builds the *APIError
// of a status other than 2xx.
func (a *callState) readBody(resp *http.Response) error {
	a.answered = true
	a.status = resp.StatusCode
	a.tr.answered(resp)
	success := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if success && a.stream {
		return nil
	}
	limit := int64(maxResponseBody)
	if resp.StatusCode >= 300 {
		limit = maxErrorRead
	}
	a.body, a.readErr = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	resp.Body = http.NoBody
	if !success {
		a.apiErr, a.enveloped = newAPIError(a.method, a.path, resp, a.body)
	}
	return a.readErr
}

// reset forgets the last attempt.
func (a *callState) reset() {
	a.connected.Store(false)
	a.answered, a.status, a.body, a.readErr, a.apiErr, a.enveloped = false, 0, nil, nil, nil, false
}

// decide decides whether to send the request again after an attempt that
// ended with resp and err, and says why.
//
// Never after x-should-retry: false, a spend-limit 429, a 409 (a state
// conflict) or a certificate, scheme or redirect failure.
//
// Idempotent calls retry after any other transport error, 408, 429, 5xx and
// 529, and after x-should-retry: true whatever the status.
//
// Non-idempotent calls (create, send) retry only what provably was not
// done: a connection that was never made, 429, 529, and a 503 whose body is
// the API's envelope with error.type "overloaded_error" or "unavailable" in
// error.type or error_code, except error_code "change_outcome_unknown".
// x-should-retry: true does not widen this: a 503 without that envelope (a
// proxy's page, an empty body) is not retried even with it. After a timeout,
// a reset or a body cut off once the request was written, 408 or any other
// 5xx, the request may have been applied and is not sent again.
//
// An answer is judged by its status and headers first; when they neither
// stop nor send it again and its body broke off, it is a transport error
// after an answer.
func (a *callState) decide(resp *http.Response, err error) (bool, string) {
	if err != nil && permanentTransportError(err) {
		return false, ""
	}
	if resp == nil {
		switch {
		case err == nil:
			return false, ""
		case a.idempotent:
			return true, "transport error"
		case !a.connected.Load():
			return true, "no connection was made"
		}
		// Connected, then a timeout or a reset: it may have been
		// applied, so it is not sent again.
		return false, ""
	}
	if a.never(resp) {
		return false, ""
	}
	if retry, why := a.decideStatus(resp); retry {
		return true, why
	}
	if err != nil && a.idempotent {
		return true, "the answer broke off"
	}
	return false, ""
}

// never reports error answers that are not sent again, whatever else
// happened: x-should-retry: false, a spend-limit 429 (waiting does not
// lift it) and a 409 (a state conflict, which retrying does not change).
func (a *callState) never(resp *http.Response) bool {
	switch status := resp.StatusCode; {
	case status < 400:
		return false
	case shouldRetryHeader(resp) == "false", status == http.StatusConflict:
		return true
	case status == http.StatusTooManyRequests:
		return isSpendLimit(a.errorCode())
	}
	return false
}

// decideStatus applies the rules on statuses and hints to an answer that
// never lets through.
func (a *callState) decideStatus(resp *http.Response) (bool, string) {
	status := resp.StatusCode
	switch {
	case status < 400:
		return false, ""
	case !a.idempotent:
		if a.turnedAwayStatus(status) {
			return true, "status " + strconv.Itoa(status)
		}
		return false, ""
	case shouldRetryHeader(resp) == "true":
		return true, "x-should-retry: true"
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		return true, "status " + strconv.Itoa(status)
	}
	return false, ""
}

// shouldRetryHeader is the server's x-should-retry, "true" or "false" when
// sent.
func shouldRetryHeader(resp *http.Response) string {
	return strings.ToLower(strings.TrimSpace(resp.Header.Get("x-should-retry")))
}

// errorCode is error.details.error_code of the last answer's envelope.
func (a *callState) errorCode() string {
	if !a.enveloped {
		return ""
	}
	return a.apiErr.ErrorCode
}

// turnedAwayStatus reports answers that prove the server did not act, so
// that a create or a send may be sent again: 429 (rate limiting), 529
// (overload), and a 503 whose envelope turnedAway accepts. Any other 503 (a
// proxy's page, an empty or plain-text body, an api_error envelope) may
// come from behind a server that already acted.
func (a *callState) turnedAwayStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, statusOverloaded:
		return true
	case http.StatusServiceUnavailable:
		return a.enveloped && turnedAway(a.apiErr.Type, a.apiErr.ErrorCode)
	}
	return false
}

// turnedAway reports whether a 503's envelope says the request was refused
// before any processing: error.type "overloaded_error", or "unavailable" in
// error.type or in error.details.error_code (such as
// "authorization_check_unavailable"), and an error_code other than
// "change_outcome_unknown", which says the change may or may not have been
// made.
func turnedAway(typ, code string) bool {
	if code == "change_outcome_unknown" {
		return false
	}
	return typ == "overloaded_error" || strings.Contains(typ, "unavailable") || strings.Contains(code, "unavailable")
}

// mayHaveActed reports whether the last attempt may have been applied: it
// connected, and its answer, if any, is a success, broke off, or is a 408
// or 5xx that does not prove the request was turned away.
func (a *callState) mayHaveActed() bool {
	if !a.answered {
		return a.connected.Load()
	}
	switch s := a.status; {
	case a.readErr != nil, s >= 200 && s <= 299:
		return true
	case s == http.StatusRequestTimeout, s >= 500:
		return !a.turnedAwayStatus(s)
	}
	return false
}

// result turns what go-retryablehttp's Do returned into what the caller
// gets: a 2xx response; else the last answer's *APIError, or the transport
// error (named by method and path). Either is wrapped in ErrOutcomeUnknown
// when a non-idempotent call may nevertheless have been applied.
func (a *callState) result(resp *http.Response, err error) (*http.Response, error) {
	switch {
	case err != nil:
		if resp != nil {
			resp.Body.Close()
		}
		err = &requestError{method: a.method, path: a.path, tries: a.tried(), err: err}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Retries ran out, or the policy stopped: the response handler
		// read this answer and built its error.
		resp.Body.Close()
		if a.apiErr == nil { // not read by readBody; never expected
			a.apiErr, _ = newAPIError(a.method, a.path, resp, nil)
		}
		t := a.tried()
		a.apiErr.Attempts, a.apiErr.Elapsed, a.apiErr.GaveUp = t.attempts, t.elapsed, t.gaveUp
		err = a.apiErr
	default:
		return resp, nil
	}
	if !a.idempotent && a.mayHaveActed() {
		return nil, fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
	}
	return nil, err
}

// tried sums up the attempts of a call that failed. Why it gave up is
// said when it was sent more than once, or when the context ended while
// it waited to send it again: the context ended, the policy still wanted a
// retry (the limit stopped it), or the last answer is one the policy does
// not retry.
func (a *callState) tried() tries {
	t := tries{attempts: a.retries + 1, elapsed: time.Since(a.start)}
	ctxDone := a.ctxErr != nil && a.ctxErr() != nil
	switch {
	case ctxDone && (t.attempts > 1 || a.wantRetry):
		t.gaveUp = gaveUpContext
	case t.attempts == 1:
	case a.wantRetry:
		t.gaveUp = gaveUpExhausted
	default:
		t.gaveUp = gaveUpNotRetryable
	}
	return t
}

// checkRetry is go-retryablehttp's CheckRetry. It returns (false, nil) to
// hand a response (or error) back to the caller.
//
// The library asks first before the body is read and runs the response
// handler only when told not to retry; then it asks again with the
// handler's error. The policy needs the error envelope of some answers (a
// spend-limit 429, a turned-away 503), so to the first question about an
// answer it says "not yet": the handler reads the body, and the policy
// decides once, on the second.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	a := callStateFrom(ctx)
	if a == nil { // not one of ours; be conservative
		return false, nil
	}
	if resp != nil && err == nil && !a.answered {
		return false, nil
	}
	retry, why := a.decide(resp, err)
	a.wantRetry = retry
	if retry {
		a.tr.willRetry(why)
		c.logDebug("managedagents: will retry", "reason", why)
	}
	return retry, nil
}

// prepareRetry is go-retryablehttp's PrepareRetry: it forgets the attempt
// that is being retried.
func (c *Client) prepareRetry(req *http.Request) error {
	if a := callStateFrom(req.Context()); a != nil {
		a.tr.retrying()
		a.reset()
		a.retries++
	}
	return nil
}

// requestWait is go-retryablehttp's Backoff: the server's hint when it gave
// a usable one (capped at maxRetryHint), else backoff with a quarter's
// jitter.
func (c *Client) requestWait(lo, hi time.Duration, n int, resp *http.Response) time.Duration {
	var d time.Duration
	hinted := false
	if resp != nil {
		d, hinted = retryAfterHint(resp.Header)
		d = min(d, maxRetryHint)
	}
	if !hinted {
		d = backoff(lo, hi, n, requestJitter)
	}
	if c.logger != nil {
		c.logger.Debug("managedagents: waiting before retry", "retry", n+1, "wait", d)
	}
	return d
}

// backoff is the wait before retry n (from 0): lo·2^n capped at hi, less a
// random amount of at most 1/jitter of it. Requests use requestJitter,
// stream reconnects reconnectJitter.
func backoff(lo, hi time.Duration, n int, jitter int64) time.Duration {
	d := lo
	for i := 0; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d)/jitter+1))
}

// permanentTransportError reports errors no retry can fix: a bad URL scheme,
// an untrusted certificate, too many redirects.
func permanentTransportError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var certInvalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknownAuthority) || errors.As(err, &certInvalid) ||
		errors.As(err, &hostname) || errors.As(err, &verify) {
		return true
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		msg := uerr.Err.Error()
		if strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "stopped after") {
			return true
		}
	}
	return false
}

// retryAfterHint reads retry-after-ms, else retry-after (seconds, decimal
// allowed, or an HTTP date). Negative values count as zero.
func retryAfterHint(h http.Header) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && !isNaNOrInf(ms) {
			return clampDuration(ms * float64(time.Millisecond)), true
		}
	}
	if v := strings.TrimSpace(h.Get("retry-after")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && !isNaNOrInf(s) {
			return clampDuration(s * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return clampDuration(float64(time.Until(t))), true
		}
	}
	return 0, false
}

func isNaNOrInf(f float64) bool { return f != f || f > 1e300 || f < -1e300 }

// clampDuration converts nanoseconds to a Duration without overflow.
func clampDuration(ns float64) time.Duration {
	switch {
	case ns <= 0:
		return 0
	case ns >= float64(1<<62):
		return time.Duration(1 << 62)
	}
	return time.Duration(ns)
}

// newRetryClient wires go-retryablehttp to the policy, the wait and, when a
// logger is set, the logging hooks.
func (c *Client) newRetryClient(hc *http.Client, cfg *config) *retryablehttp.Client {
	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // the library's own logger is off; ours logs in the hooks
		RetryWaitMin: cfg.retryWaitMin,
		RetryWaitMax: cfg.retryWaitMax,
		RetryMax:     cfg.maxRetries,
		CheckRetry:   c.checkRetry,
		Backoff:      c.requestWait,
		PrepareRetry: c.prepareRetry,
		// The last response comes back as it is, and callState.result
		// builds the caller's typed error, not "giving up after 3
		// attempts". An ErrorHandler of our own could not do it: it is
		// given no context, so no callState, and Do does not call it
		// when the context ends during a wait.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if c.logger != nil {
		rc.RequestLogHook = c.logRequest
		rc.ResponseLogHook = c.logResponse
	}
	return rc
}

// logRequest logs every attempt.
func (c *Client) logRequest(_ retryablehttp.Logger, req *http.Request, retry int) {
	c.logger.Debug("managedagents: request", "method", req.Method, "path", req.URL.Path, "attempt", retry+1)
}

// logResponse logs every answer, including those that will be retried.
func (c *Client) logResponse(_ retryablehttp.Logger, resp *http.Response) {
	c.logger.Debug("managedagents: response", "method", resp.Request.Method, "path", resp.Request.URL.Path,
		"status", resp.StatusCode, "request_id", resp.Header.Get("request-id"))
}

// logDebug logs at debug level when a logger is configured.
func (c *Client) logDebug(msg string, args ...any) {
	if c.logger != nil {
		c.logger.Debug(msg, args...)
	}
}
