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
	// the server certainly did not act (DESIGN.md, "Retries").
	idempotent bool
	// maybeApplied says whether the current attempt may have reached the
	// server without a definitive answer: set when a connection is obtained,
	// cleared by an answer that proves nothing was done (a 4xx, 429, 529,
	// most 503s), and reset before every attempt.
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

// decideRetry applies the rules of reference §6.6 and says why it retries.
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
// or may not have been applied: 408 and 5xx, except the overload and
// rate-limit answers that mean the request was turned away.
func ambiguousStatus(resp *http.Response) bool {
	s := resp.StatusCode
	return (s == http.StatusRequestTimeout || s >= 500) && !safeForNonIdempotent(resp)
}

// safeForNonIdempotent reports statuses that mean the server did not act:
// rate limiting, overload, and 503 other than change_outcome_unknown.
func safeForNonIdempotent(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusTooManyRequests, statusOverloaded:
		return true
	case http.StatusServiceUnavailable:
		return peekErrorCode(resp) != "change_outcome_unknown"
	}
	return false
}

// peekErrorCode reads error.details.error_code from an error response without
// consuming it: the body is read (capped) and replaced by an in-memory copy.
func peekErrorCode(resp *http.Response) string {
	if resp.Body == nil || resp.Body == http.NoBody {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	var e APIError
	e.parseEnvelope(body)
	return e.ErrorCode
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

// backoff is go-retryablehttp's Backoff: the server's hint when it gave a
// usable one (capped at maxRetryHint), else min·2^n capped at max, less up
// to 25 % jitter.
func backoff(lo, hi time.Duration, n int, resp *http.Response) time.Duration {
	if resp != nil {
		if hint, ok := retryAfterHint(resp.Header); ok {
			return min(hint, maxRetryHint)
		}
	}
	return computedBackoff(lo, hi, n)
}

// computedBackoff is lo·2^n capped at hi, less a random 0–25 %.
func computedBackoff(lo, hi time.Duration, n int) time.Duration {
	d := lo
	for i := 0; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
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
