package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/managedagents/managedagents-go"
)

// clientEventTypes are the event types a client may send, from the
// client library's catalog.
var clientEventTypes = func() []string {
	var out []string
	for _, t := range managedagents.EventTypes() {
		if t.Sendable {
			out = append(out, t.Type)
		}
	}
	return out
}()

// isClientEvent reports whether t is a client-sent event type.
func isClientEvent(t string) bool {
	for _, c := range clientEventTypes {
		if c == t {
			return true
		}
	}
	return false
}

// eventParamsDescription documents the event objects the tools accept.
const eventParamsDescription = `Client event objects, as on the wire ({"type": …, …}). One of:
user.message {"type":"user.message","content":[{"type":"text","text":"…"}]} (content blocks: text, image, document; a plain string is taken as one text block);
user.interrupt {"type":"user.interrupt"} (optional session_thread_id);
user.tool_confirmation {"type":"user.tool_confirmation","tool_use_id":"sevt_…","result":"allow"|"deny","deny_message":"…"};
user.custom_tool_result {"type":"user.custom_tool_result","custom_tool_use_id":"sevt_…","content":[…],"is_error":false};
user.tool_result {"type":"user.tool_result","tool_use_id":"sevt_…","content":[…],"is_error":false} (self-hosted environments);
user.define_outcome {"type":"user.define_outcome","description":"…","rubric":{"type":"text","content":"…"}|{"type":"file","file_id":"…"},"max_iterations":3};
system.message {"type":"system.message","content":[{"type":"text","text":"…"}]} (at most one, last, right after a user.message or tool result).
At most 50 events.`

// wireBlocks decodes content blocks with the library's ContentBlock
// decoding; a plain string stands for one text block.
type wireBlocks []managedagents.ContentBlock

func (b *wireBlocks) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*b = wireBlocks{managedagents.TextBlock(s)}
		return nil
	}
	return json.Unmarshal(data, (*[]managedagents.ContentBlock)(b))
}

// wireRubric is a rubric object, or a plain string for a text rubric.
type wireRubric managedagents.Rubric

func (r *wireRubric) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*r = wireRubric(managedagents.TextRubric(s))
		return nil
	}
	var w struct {
		Type    string `json:"type"`
		Content string `json:"content"`
		FileID  string `json:"file_id"`
	}
	if err := strictUnmarshal(data, &w); err != nil {
		return fmt.Errorf("rubric: %w", err)
	}
	*r = wireRubric{Type: w.Type, Content: w.Content, FileID: w.FileID}
	return nil
}

// decodeEventParams converts wire event objects into the library's params.
// The library checks them further (required fields, ordering) when they are
// sent.
func decodeEventParams(events []map[string]any) ([]managedagents.EventParam, error) {
	out := make([]managedagents.EventParam, 0, len(events))
	for i, obj := range events {
		raw, err := json.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		p, err := decodeEventParam(raw)
		if err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// errUnknownEventType reports an event type a client cannot send.
var errUnknownEventType = errors.New("unknown client event type")

// decodeEventParam converts one wire event object into an EventParam. The
// object's fields are checked strictly: a field the event type does not have
// is an error rather than silently dropped.
func decodeEventParam(raw []byte) (managedagents.EventParam, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("not an event object: %w", err)
	}
	typ := head.Type
	fail := func(err error) (managedagents.EventParam, error) {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	switch typ {
	case "":
		return nil, errors.New(`missing "type" (one of ` + strings.Join(clientEventTypes, ", ") + `)`)
	case managedagents.EventUserMessage:
		var w struct {
			Type    string     `json:"type"`
			Content wireBlocks `json:"content"`
		}
		if err := strictUnmarshal(raw, &w); err != nil {
			return fail(err)
		}
		return managedagents.UserMessageBlocks(w.Content...), nil
	case managedagents.EventUserInterrupt:
		var w struct {
			Type            string `json:"type"`
			SessionThreadID string `json:"session_thread_id"`
		}
		if err := strictUnmarshal(raw, &w); err != nil {
			return fail(err)
		}
		return managedagents.InterruptParam{SessionThreadID: w.SessionThreadID}, nil
	case managedagents.EventUserToolConfirmation:
		var w struct {
			Type        string `json:"type"`
			ToolUseID   string `json:"tool_use_id"`
			Result      string `json:"result"`
			DenyMessage string `json:"deny_message"`
		}
		if err := strictUnmarshal(raw, &w); err != nil {
			return fail(err)
		}
		return managedagents.ToolConfirmationParam{ToolUseID: w.ToolUseID, Result: w.Result, DenyMessage: w.DenyMessage}, nil
	case managedagents.EventUserCustomToolResult:
		var w struct {
			Type            string     `json:"type"`
			CustomToolUseID string     `json:"custom_tool_use_id"`
			Content         wireBlocks `json:"content"`
			IsError         bool       `json:"is_error"`
		}
		if err := strictUnmarshal(raw, &w); err != nil {
			return fail(err)
		}
		return managedagents.CustomToolResultParam{CustomToolUseID: w.CustomToolUseID, Content: w.Content, IsError: w.IsError}, nil
	case managedagents.EventUserToolResult:
		var w struct {
			Type      string     `json:"type"`
			ToolUseID string     `json:"tool_use_id"`
			Content   wireBlocks `json:"content"`
			IsError   bool       `json:"is_error"`
		}
		if err := strictUnmarshal(raw, &w); err != nil {
			return fail(err)
		}
		return managedagents.ToolResultParam{ToolUseID: w.ToolUseID, Content: w.Content, IsError: w.IsError}, nil
	case managedagents.EventUserDefineOutcome:
		var w struct {
			Type          string     `json:"type"`
			Description   string     `json:"description"`
			Rubric        wireRubric `json:"rubric"`
			MaxIterations int        `json:"max_iterations"`
		}
		if err := strictUnmarshal(raw, &w); err != nil {
			return fail(err)
		}
		return managedagents.DefineOutcomeParam{Description: w.Description, Rubric: managedagents.Rubric(w.Rubric), MaxIterations: w.MaxIterations}, nil
	case managedagents.EventSystemMessage:
		var w struct {
			Type    string     `json:"type"`
			Content wireBlocks `json:"content"`
		}
		if err := strictUnmarshal(raw, &w); err != nil {
			return fail(err)
		}
		return managedagents.SystemMessageParam{Content: w.Content}, nil
	}
	return nil, fmt.Errorf("%w %q (a client can send %s)", errUnknownEventType, typ, strings.Join(clientEventTypes, ", "))
}

// strictUnmarshal decodes data into v, refusing unknown fields and trailing
// data.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the object")
	}
	return nil
}
