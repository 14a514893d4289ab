package managedagents

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maxRetryHint caps how long a server hint (retry-after-ms, retry-after) can
// make the client wait before one retry.
const maxRetryHint = time.Minute

// attempt is the per-request state the retry policy needs. It travels in the
// request's context, because go-retryablehttp's hooks only see the request.
type attempt struct {
	// idempotent calls retry on any transient failure; the others only when
	// the server certainly did not act (see decideRetry).
	idempotent bool
	// maybeApplied says whether the current attempt may have reached the
	// server without a definitive answer: set when a connection is obtained,
	// cleared by an answer that proves nothing was done (a 4xx, 429, 529, a
	// 503 carrying the API's overloaded or unavailable envelope), and reset
	// before every attempt.
	maybeApplied atomic.Bool
	// body is the body of the final response, read by the response
	// handler (bodyRead) or, when retries ran out, by Client.do.
	body     []byte
	bodyRead bool
}

type attemptKey struct{}

// withAttempt attaches the attempt state and an httptrace hook that records
// whether a connection was obtained.
func withAttempt(ctx context.Context, a *attempt) context.Context {
	ctx = context.WithValue(ctx, attemptKey{}, a)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { a.maybeApplied.Store(true) },
	})
}

func attemptFrom(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	return a
}

// retryPolicy is the CheckRetry function given to go-retryablehttp.
// It returns (false, nil) to hand a response (or error) back to the caller.
func (c *Client) retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	a := attemptFrom(ctx)
	if a == nil { // not one of ours; be conservative
		return false, nil
	}
	retry, why := decideRetry(a, resp, err)
	if retry {
		c.logDebug("managedagents: will retry", "reason", why)
	}
	return retry, nil
}

// decideRetry decides whether to send a request again, and says why.
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
func decideRetry(a *attempt, resp *http.Response, err error) (bool, string) {
	if err != nil {
		if permanentTransportError(err) {
			return false, ""
		}
		if resp != nil {
			// The body broke off part-way: the server answered, so it
			// may well have acted.
			a.maybeApplied.Store(true)
		}
		if a.idempotent {
			return true, "transport error"
		}
		if !a.maybeApplied.Load() {
			return true, "no connection was made"
		}
		// Connected, then a timeout, reset or truncated body: it may have
		// been applied, so it is not sent again.
		return false, ""
	}
	if resp == nil {
		return false, ""
	}
	status := resp.StatusCode
	a.maybeApplied.Store(ambiguousStatus(resp))
	if status < 400 {
		return false, ""
	}
	shouldRetry := strings.ToLower(strings.TrimSpace(resp.Header.Get("x-should-retry")))
	switch {
	case shouldRetry == "false":
		return false, ""
	case status == http.StatusTooManyRequests && isSpendLimit(peekErrorCode(resp)):
		return false, "" // waiting does not lift a spend limit
	case status == http.StatusConflict:
		return false, "" // a state conflict; retrying changes nothing
	case !a.idempotent:
		if safeForNonIdempotent(resp) {
			return true, "status " + strconv.Itoa(status)
		}
		return false, ""
	case shouldRetry == "true":
		return true, "x-should-retry: true"
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		return true, "status " + strconv.Itoa(status)
	}
	return false, ""
}

// ambiguousStatus reports statuses after which a non-idempotent request may
// or may not have been applied: 408 and 5xx, except the answers that prove
// the request was turned away (see safeForNonIdempotent).
func ambiguousStatus(resp *http.Response) bool {
	s := resp.StatusCode
	return (s == http.StatusRequestTimeout || s >= 500) && !safeForNonIdempotent(resp)
}

// safeForNonIdempotent reports answers that prove the server did not act,
// so that a create or a send may be sent again: 429 (rate limiting), 529
// (overload), and a 503 that turnedAway accepts. Any other 503 (a proxy's
// page, an empty or plain-text body, an api_error envelope) may come from
// behind a server that already acted.
func safeForNonIdempotent(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusTooManyRequests, statusOverloaded:
		return true
	case http.StatusServiceUnavailable:
		return turnedAway(peekEnvelope(resp))
	}
	return false
}

// turnedAway reports whether a 503's body is the API's own error envelope
// saying the request was refused before any processing: error.type
// "overloaded_error", or "unavailable" in error.type or in
// error.details.error_code (such as "authorization_check_unavailable"),
// and an error_code other than "change_outcome_unknown", which says the
// change may or may not have been made.
func turnedAway(env envelopeInfo) bool {
	if !env.ok || env.code == "change_outcome_unknown" {
		return false
	}
	return env.typ == "overloaded_error" ||
		strings.Contains(env.typ, "unavailable") || strings.Contains(env.code, "unavailable")
}

// envelopeInfo is what the retry policy reads from an error body.
type envelopeInfo struct {
	ok   bool   // the body is the API's envelope: {"type":"error","error":{"type":…}}
	typ  string // error.type
	code string // error.details.error_code
}

// peekEnvelope reads the error envelope of an error response without
// consuming it. A body that cannot be read whole, or that is not the API's
// envelope (its top-level type must be "error" and error.type set), gives ok
// false.
func peekEnvelope(resp *http.Response) envelopeInfo {
	body, ok := peekBody(resp)
	if !ok {
		return envelopeInfo{}
	}
	var e APIError
	if !e.parseEnvelope(body, true) {
		return envelopeInfo{}
	}
	return envelopeInfo{ok: true, typ: e.Type, code: e.ErrorCode}
}

// peekErrorCode reads error.details.error_code from an error response
// without consuming it.
func peekErrorCode(resp *http.Response) string {
	return peekEnvelope(resp).code
}

// peekBody reads a response body without consuming it: the body is read
// (capped) and replaced by an in-memory copy. ok is false when there is no
// body or it could not be read.
func peekBody(resp *http.Response) ([]byte, bool) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return body, err == nil
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

// retryWait is the wait before retry n of a request: the server's hint
// when it gave a usable one (capped at maxRetryHint), else backoff with a
// quarter's jitter.
func retryWait(lo, hi time.Duration, n int, resp *http.Response) time.Duration {
	if resp != nil {
		if hint, ok := retryAfterHint(resp.Header); ok {
			return min(hint, maxRetryHint)
		}
	}
	return backoff(lo, hi, n, requestJitter)
}

// Jitter of backoff: the part of the computed wait that may be taken off at
// random is 1/jitter of it.
const (
	// requestJitter takes off up to a quarter, as the official SDKs do.
	requestJitter = 4
	// reconnectJitter takes off up to half: after a server-wide drop,
	// thousands of streams spread their reconnects over a wider window.
	reconnectJitter = 2
)

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

// logDebug logs at debug level when a logger is configured.
func (c *Client) logDebug(msg string, args ...any) {
	if c.logger != nil {
		c.logger.Debug(msg, args...)
	}
}
