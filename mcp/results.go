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

// okResult is a successful result: a short text for people, and the
// structured content with its JSON text after it, for clients that read
// only text content (as the MCP specification recommends).
func okResult(summary string, structured any) *sdk.CallToolResult {
	raw, err := json.Marshal(structured)
	if err != nil {
		return errorResult(errorInfo{Type: "internal_error", Message: "encoding the result: " + err.Error()})
	}
	return &sdk.CallToolResult{
		Content: []sdk.Content{
			&sdk.TextContent{Text: summary},
			&sdk.TextContent{Text: string(raw)},
		},
		StructuredContent: json.RawMessage(raw),
	}
}

// errorInfo is the structured form of a failure, under "error".
type errorInfo struct {
	// Type is error.type of an API error ("not_found_error", …), or one of
	// invalid_input, invalid_params, outcome_unknown, timeout, cancelled,
	// stream_error, decode_error, connection_error, internal_error.
	Type    string `json:"type"`
	Message string `json:"message"`
	// ErrorCode is error.details.error_code, when the API sent one.
	ErrorCode string `json:"error_code"`
	// RequestID is the API's request-id, for support.
	RequestID string `json:"request_id"`
	// Status is the HTTP status of an API error, 0 otherwise.
	Status int `json:"status"`
	// OutcomeUnknown marks a create or send that may have been applied.
	OutcomeUnknown bool `json:"outcome_unknown"`
}

// text renders the error on one line, like
// "not_found_error: Session sesn_x not found. (request-id req_1)".
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
	return b.String()
}

// errorResult is a failed tool result: isError, the error as text and as
// structured content.
func errorResult(e errorInfo) *sdk.CallToolResult {
	raw, _ := json.Marshal(struct {
		Error errorInfo `json:"error"`
	}{e})
	return &sdk.CallToolResult{
		IsError:           true,
		Content:           []sdk.Content{&sdk.TextContent{Text: e.text()}},
		StructuredContent: json.RawMessage(raw),
	}
}

// inputError is a failed result for arguments the tool cannot use.
func inputError(format string, args ...any) *sdk.CallToolResult {
	return errorResult(errorInfo{Type: "invalid_input", Message: fmt.Sprintf(format, args...)})
}

// failure converts an error of the client library into a failed result.
func failure(err error) *sdk.CallToolResult {
	return errorResult(describeError(err))
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
			RequestID: apiErr.RequestID, Status: apiErr.StatusCode}
	case errors.As(err, &streamErr):
		info = errorInfo{Type: streamErr.Type, Message: streamErr.Message, ErrorCode: streamErr.ErrorCode,
			RequestID: streamErr.RequestID}
	case errors.Is(err, managedagents.ErrInvalidParams):
		info = errorInfo{Type: "invalid_params", Message: trimLibraryPrefix(err.Error(), managedagents.ErrInvalidParams)}
	case errors.As(err, &decodeErr):
		info = errorInfo{Type: "decode_error", Message: trimLibraryPrefix(err.Error(), nil)}
	case errors.Is(err, context.DeadlineExceeded):
		info = errorInfo{Type: "timeout", Message: "the call timed out"}
	case errors.Is(err, context.Canceled):
		info = errorInfo{Type: "cancelled", Message: "the call was cancelled"}
	default:
		info = errorInfo{Type: "connection_error", Message: trimLibraryPrefix(err.Error(), nil)}
	}
	if errors.Is(err, managedagents.ErrOutcomeUnknown) {
		info.OutcomeUnknown = true
		if apiErr == nil {
			info.Type = "outcome_unknown"
			info.Message = trimLibraryPrefix(err.Error(), managedagents.ErrOutcomeUnknown)
		}
	}
	return info
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
	Data     []json.RawMessage `json:"data"`
	NextPage string            `json:"next_page,omitempty"`
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
