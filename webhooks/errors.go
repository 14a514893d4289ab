package webhooks

import (
	"errors"
	"net/http"
)

// The errors of a rejected delivery. Every error that [Verifier.Verify],
// [Verifier.ReadRequest] and [DecodeEvent] return matches one of them with
// [errors.Is]; the error's own message says exactly what was wrong. No
// message ever contains the signing secret or the body.
var (
	// ErrMissingHeader: the webhook-id, webhook-timestamp or
	// webhook-signature header is absent or empty.
	ErrMissingHeader = errors.New("webhooks: missing header")
	// ErrInvalidTimestamp: webhook-timestamp is not an integer number of
	// Unix seconds.
	ErrInvalidTimestamp = errors.New("webhooks: invalid webhook-timestamp")
	// ErrTimestampOutOfRange: webhook-timestamp is further from the
	// verifier's clock than its tolerance ([WithTolerance]), in either
	// direction; a replayed or a badly delayed delivery.
	ErrTimestampOutOfRange = errors.New("webhooks: webhook-timestamp outside the tolerance")
	// ErrSignatureMismatch: no v1 entry of webhook-signature is the
	// signature of the delivery under any configured secret.
	ErrSignatureMismatch = errors.New("webhooks: signature mismatch")
	// ErrBodyTooLarge: the body is larger than the limit
	// ([WithMaxBodyBytes]).
	ErrBodyTooLarge = errors.New("webhooks: body too large")
	// ErrReadBody: the body could not be read (the sender went away).
	ErrReadBody = errors.New("webhooks: reading the body failed")
	// ErrMalformedPayload: the body is authentic but is not a webhook
	// event: not JSON, not an object, a "type" other than "event", no
	// "id", no data.type, or fields of the wrong JSON type.
	ErrMalformedPayload = errors.New("webhooks: malformed payload")
)

// rejection is a delivery error: a precise message and the sentinel it
// matches. The message is built from fixed text, header names and times,
// never from the body or the secret.
type rejection struct {
	kind error
	msg  string
}

func (e *rejection) Error() string { return e.msg }
func (e *rejection) Unwrap() error { return e.kind }

func reject(kind error, msg string) error { return &rejection{kind: kind, msg: msg} }

// statusOf is the HTTP status the Handler answers a rejected delivery with:
// 413 for an oversized body, 401 when the delivery is not authentic or is
// stale, 400 otherwise. None is a 3xx, which the sender would treat as a
// reason to disable the endpoint.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrSignatureMismatch), errors.Is(err, ErrTimestampOutOfRange):
		return http.StatusUnauthorized
	default:
		return http.StatusBadRequest
	}
}
