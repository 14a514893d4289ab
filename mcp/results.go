package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

// okResult is a successful result's unstructured content: a short text for
// people, and the structured content's JSON after it, exact, for clients
// that read only text content (as the MCP specification recommends). The
// SDK sets the structured content itself from the tool's typed output,
// after checking it against the output schema.
func okResult(summary string, structured any) (*sdk.CallToolResult, error) {
	raw, err := json.Marshal(structured)
	if err != nil {
		return nil, &toolError{errorInfo{Type: errInternal, Message: "encoding the result: " + err.Error()}}
	}
	return &sdk.CallToolResult{Content: []sdk.Content{
		&sdk.TextContent{Text: summary},
		&sdk.TextContent{Text: string(raw)},
	}}, nil
}

// Error types of this server, in errorInfo.Type. API errors keep the API's
// error.type (invalid_request_error, not_found_error, …).
const (
	errInvalidInput   = "invalid_input"    // arguments the tool cannot use; Fix says what to change
	errOutcomeUnknown = "outcome_unknown"  // a create, send or add that may have been applied
	errTimeout        = "timeout"          // the call's own deadline passed
	errCancelled      = "cancelled"        // the client or the server ended the call
	errDecode         = "decode_error"     // the API sent JSON the library could not read
	errConnection     = "connection_error" // the API could not be reached
	errInternal       = "internal_error"   // a bug in this server
)

// errorInfo is the structured form of a failure, under "error".
type errorInfo struct {
	// Type is error.type of an API error ("not_found_error", …), or one of
	// invalid_input, outcome_unknown, timeout, cancelled, decode_error,
	// connection_error, internal_error.
	Type    string `json:"type"`
	Message string `json:"message"`
	// Fix says how to change or repeat the call.
	Fix string `json:"fix,omitempty"`
	// ErrorCode is error.details.error_code, when the API sent one.
	ErrorCode string `json:"error_code,omitempty"`
	// RequestID is the API's request-id, for support.
	RequestID string `json:"request_id,omitempty"`
	// Status is the HTTP status of an API error.
	Status int `json:"status,omitempty"`
	// OutcomeUnknown marks a create or send that may have been applied.
	OutcomeUnknown bool `json:"outcome_unknown,omitempty"`
}

// text renders the error on one line, like
// "not_found_error: Session sesn_x not found. (request-id req_1) Fix: …".
func (e errorInfo) text() string {
	var b strings.Builder
	if e.OutcomeUnknown {
		b.WriteString("Outcome unknown: the request may have been applied. Do not retry it blindly; " +
			"first check whether it took effect (list the sessions, the session's events or its resources). Cause: ")
	}
	b.WriteString(e.Type)
	if e.ErrorCode != "" {
		fmt.Fprintf(&b, " (%s)", e.ErrorCode)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request-id %s)", e.RequestID)
	}
	if e.Fix != "" {
		b.WriteString(" Fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// toolError carries a failure out of a tool handler to errorResult.
type toolError struct{ info errorInfo }

func (e *toolError) Error() string { return e.info.text() }

// errorResult is a failed tool result: isError, the error as text and its
// JSON ({"error": {…}}) as a second text. It has no structured content:
// clients check structured content against the tool's output schema even
// on errors, and the output schema describes the successful result.
func errorResult(e errorInfo) *sdk.CallToolResult {
	raw, _ := json.Marshal(struct {
		Error errorInfo `json:"error"`
	}{e})
	return &sdk.CallToolResult{
		IsError: true,
		Content: []sdk.Content{&sdk.TextContent{Text: e.text()}, &sdk.TextContent{Text: string(raw)}},
	}
}

// inputError is the error for arguments the tool cannot use; fix says how
// to change them.
func inputError(fix, format string, args ...any) error {
	return &toolError{errorInfo{Type: errInvalidInput, Message: fmt.Sprintf(format, args...), Fix: fix}}
}

// failure converts an error of the client library into a tool error.
func failure(err error) error {
	return &toolError{describeError(err)}
}

// describeError classifies err. It never includes credentials: the
// library's errors do not carry them.
func describeError(err error) errorInfo {
	var (
		info      errorInfo
		apiErr    *managedagents.APIError
		streamErr *managedagents.StreamError
		decodeErr *managedagents.DecodeError
	)
	switch {
	case errors.As(err, &apiErr):
		info = errorInfo{Type: apiErr.Type, Message: apiErr.Message, ErrorCode: apiErr.ErrorCode,
			RequestID: apiErr.RequestID, Status: apiErr.StatusCode, Fix: apiFix(apiErr.Type, apiErr.StatusCode)}
	case errors.As(err, &streamErr):
		info = errorInfo{Type: streamErr.Type, Message: streamErr.Message, ErrorCode: streamErr.ErrorCode,
			RequestID: streamErr.RequestID, Fix: apiFix(streamErr.Type, 0)}
	case errors.Is(err, managedagents.ErrInvalidParams):
		info = errorInfo{Type: errInvalidInput, Message: trimLibraryPrefix(err.Error(), managedagents.ErrInvalidParams),
			Fix: "change the argument the message names; the tool's input schema lists the allowed values"}
	case errors.As(err, &decodeErr):
		info = errorInfo{Type: errDecode, Message: trimLibraryPrefix(err.Error(), nil),
			Fix: "the API's answer could not be read; read the object again with the get or list tool"}
	case errors.Is(err, context.DeadlineExceeded):
		info = errorInfo{Type: errTimeout, Message: "the call timed out", Fix: "repeat the call"}
	case errors.Is(err, context.Canceled):
		info = errorInfo{Type: errCancelled, Message: "the call was cancelled", Fix: "repeat the call if it is still wanted"}
	default:
		info = errorInfo{Type: errConnection, Message: trimLibraryPrefix(err.Error(), nil),
			Fix: "the API could not be reached; repeat the call in a moment"}
	}
	if errors.Is(err, managedagents.ErrOutcomeUnknown) {
		info.OutcomeUnknown = true
		info.Fix = "before repeating the call, check whether it took effect: list the sessions (newest first), " +
			"the session's events or its resources"
		if apiErr == nil {
			info.Type = errOutcomeUnknown
			info.Message = trimLibraryPrefix(err.Error(), managedagents.ErrOutcomeUnknown)
		}
	}
	return info
}

// apiFix says what to do about an API error of this type.
func apiFix(typ string, status int) string {
	switch {
	case typ == "not_found_error" || status == 404:
		return "check the ID: list the sessions (or the session's threads or resources) to find the right one"
	case typ == "invalid_request_error" || status == 400 || status == 422:
		return "the API refused the arguments: change what the message names and call again"
	case typ == "authentication_error" || typ == "permission_error" || status == 401 || status == 403:
		return "the server's API key is missing, wrong or lacks access: the server's operator must fix it"
	case typ == "rate_limit_error" || status == 429:
		return "wait a little, then repeat the call"
	case typ == "conflict_error" || status == 409:
		return "the session is busy (running, or archived): wait for its turn to end, or interrupt it, then call again"
	case typ == "overloaded_error" || typ == "api_error" || status >= 500:
		return "a temporary failure of the API: repeat the call in a moment"
	}
	return ""
}

// trimLibraryPrefix drops the "managedagents: " prefix and the text of a
// leading sentinel from an error string.
func trimLibraryPrefix(s string, sentinel error) string {
	if sentinel != nil {
		s = strings.TrimPrefix(s, sentinel.Error()+": ")
	}
	return strings.TrimPrefix(s, "managedagents: ")
}

// sessionJSON returns the session as the API sent it.
func sessionJSON(s *managedagents.Session) json.RawMessage {
	if raw := s.RawJSON(); raw != nil {
		return raw
	}
	raw, _ := json.Marshal(s)
	return raw
}

// eventJSON returns the event as the API sent it.
func eventJSON(ev managedagents.Event) json.RawMessage {
	if raw := ev.RawJSON(); raw != nil {
		return raw
	}
	raw, _ := json.Marshal(ev)
	return raw
}

func eventsJSON(evs []managedagents.Event) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(evs))
	for _, ev := range evs {
		out = append(out, eventJSON(ev))
	}
	return out
}

// threadJSON returns the thread as the API sent it.
func threadJSON(t *managedagents.SessionThread) json.RawMessage {
	if raw := t.RawJSON(); raw != nil {
		return raw
	}
	raw, _ := json.Marshal(t)
	return raw
}

// resourceJSON returns the resource: an unknown type as the API sent it, a
// known one as the library decoded it (repository tokens are never sent
// back, so none can appear).
func resourceJSON(r *managedagents.Resource) json.RawMessage {
	raw, _ := json.Marshal(r)
	return raw
}

// threadLine summarises a thread on one line, like
// "sthr_2 (idle) inline agent \"researcher\", child of sthr_1".
func threadLine(t *managedagents.SessionThread) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", t.ID, t.Status)
	if t.ArchivedAt != nil {
		b.WriteString(", archived")
	}
	fmt.Fprintf(&b, ") %s agent", t.Agent.Type)
	if t.Agent.Name != "" {
		fmt.Fprintf(&b, " %q", t.Agent.Name)
	}
	if t.ParentThreadID == nil {
		b.WriteString(", primary")
	} else {
		fmt.Fprintf(&b, ", child of %s", *t.ParentThreadID)
	}
	return b.String()
}

// resourceLine summarises a resource on one line, like
// "sesrsc_1 (file at /mnt/session/uploads/a.csv)".
func resourceLine(r *managedagents.Resource) string {
	id := r.ID
	if id == "" {
		id = r.MemoryStoreID
	}
	if r.MountPath != "" {
		return fmt.Sprintf("%s (%s at %s)", id, r.Type, r.MountPath)
	}
	return fmt.Sprintf("%s (%s)", id, r.Type)
}

// sessionLine summarises a session on one line.
func sessionLine(s *managedagents.Session) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", s.ID, s.Status)
	if s.ArchivedAt != nil {
		b.WriteString(", archived")
	}
	b.WriteString(")")
	if s.Title != nil && *s.Title != "" {
		fmt.Fprintf(&b, " %q", *s.Title)
	}
	return b.String()
}

// plural returns "1 session" or "2 sessions".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// pageOutput is the structured result of a tool that returns events or one
// page of a list: the items as the API sent them, and the cursor of the
// next page, if any.
type pageOutput struct {
	Data     []apiObject `json:"data" jsonschema:"The items, exactly as the API sent them."`
	NextPage string      `json:"next_page" jsonschema:"The cursor of the next page (pass it as page), empty on the last page."`
}

// listed renders the items of a list page: each one's JSON for the
// structured result, and a summary that counts them (as noun, in where)
// and names each with line.
func listed[T any](items []T, noun, where string, toJSON func(*T) json.RawMessage, line func(*T) string) ([]json.RawMessage, string) {
	data := make([]json.RawMessage, 0, len(items))
	lines := make([]string, 0, len(items))
	for i := range items {
		data = append(data, toJSON(&items[i]))
		lines = append(lines, line(&items[i]))
	}
	summary := plural(len(items), noun)
	if where != "" {
		summary += " in " + where
	}
	if len(lines) > 0 {
		summary += ": " + strings.Join(lines, ", ")
	}
	return data, summary
}

// eventsSummary counts a page of events (in where) and names the first and
// last types.
func eventsSummary(evs []managedagents.Event, where string) string {
	summary := fmt.Sprintf("%s in %s", plural(len(evs), "event"), where)
	if n := len(evs); n > 0 {
		summary += fmt.Sprintf(", %s … %s", evs[0].EventType(), evs[n-1].EventType())
	}
	return summary
}

// withNextPage tells how to read the next page, when there is one.
func withNextPage(summary, next string) string {
	if next != "" {
		summary += fmt.Sprintf(". More: pass page=%q", next)
	}
	return summary
}
