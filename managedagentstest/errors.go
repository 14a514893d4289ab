package managedagentstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error answer: the HTTP status and the contents of the error
// envelope. Handlers return it; writeError renders it.
type apiError struct {
	status  int
	typ     string // error.type
	message string
	code    string // error.details.error_code; "" for none
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.typ, e.message) }

// errorType maps an HTTP status to the error.type the API uses for it. 503
// has no documented type; the fake uses api_error, the generic server-side
// class. Undocumented 4xx statuses (408 included) use invalid_request_error,
// which the API also uses for the 4xx statuses it does not list.
func errorType(status int) string {
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
	case 529:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, typ: errorType(status), message: fmt.Sprintf(format, args...), code: code}
}

// errInvalid is a 400 invalid_request_error.
func errInvalid(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "", format, args...)
}

// errInvalidCode is a 400 invalid_request_error with an error_code.
func errInvalidCode(code, format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, code, format, args...)
}

func errAuth(format string, args ...any) *apiError {
	return newError(http.StatusUnauthorized, "", format, args...)
}

func errNotFound(format string, args ...any) *apiError {
	return newError(http.StatusNotFound, "", format, args...)
}

// errConflict is a 409. One Managed Agents guide reports
// invalid_request_error on these; the fake follows the API errors page and
// uses conflict_error.
func errConflict(format string, args ...any) *apiError {
	return newError(http.StatusConflict, "", format, args...)
}

func errSessionNotFound(id string) *apiError {
	return errNotFound("Session %s not found.", id)
}

// envelope is the error body: {"type": "error", "error": {"type", "message",
// "details"?: {"error_code", …}}, "request_id"}.
type envelope struct {
	Type      string        `json:"type"`
	Error     envelopeError `json:"error"`
	RequestID string        `json:"request_id"`
}

type envelopeError struct {
	Type    string           `json:"type"`
	Message string           `json:"message"`
	Details *envelopeDetails `json:"details,omitempty"`
}

type envelopeDetails struct {
	ErrorCode string `json:"error_code"`
}

func (e *apiError) envelope(reqID string) envelope {
	env := envelope{Type: "error", RequestID: reqID,
		Error: envelopeError{Type: e.typ, Message: e.message}}
	if e.code != "" {
		env.Error.Details = &envelopeDetails{ErrorCode: e.code}
	}
	return env
}

// writeError writes e as the JSON error envelope carrying reqID, the same ID
// as the request-id header.
func writeError(w http.ResponseWriter, reqID string, e *apiError) {
	writeJSON(w, e.status, e.envelope(reqID))
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		// Only reachable through a bug in the fake: every rendered value is
		// built from types that marshal.
		status = http.StatusInternalServerError
		b = []byte(`{"type":"error","error":{"type":"api_error","message":"fake server: cannot encode the response"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// jsonFunc is an endpoint that answers 200 with a JSON value or an error.
type jsonFunc func(r *http.Request) (any, error)

// jsonHandler adapts a jsonFunc to an http.HandlerFunc. Errors that are not
// *apiError become 500 api_error.
func (f *Fake) jsonHandler(h jsonFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			ae, ok := err.(*apiError)
			if !ok {
				ae = newError(http.StatusInternalServerError, "", "internal error: %v", err)
			}
			writeError(w, requestID(r), ae)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// marshal is json.Marshal without HTML escaping, so text such as "<" comes
// back as sent.
func marshal(v any) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
