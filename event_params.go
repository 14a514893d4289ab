package managedagents

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on client events, checked before sending.
const (
	// maxEventsPerRequest caps initial_events (documented) and, by the same
	// number, a send (undocumented; the fake server caps at 50 too).
	maxEventsPerRequest = 50
	// maxSystemMessageBlocks caps a system.message's content.
	maxSystemMessageBlocks = 1000
	// maxRubricChars caps a text rubric, in characters.
	maxRubricChars = 262144
	// maxOutcomeIterations caps user.define_outcome's max_iterations.
	maxOutcomeIterations = 20
)

// EventParam is an event the client sends: a UserMessageParam,
// InterruptParam, ToolConfirmationParam, CustomToolResultParam,
// ToolResultParam, DefineOutcomeParam or SystemMessageParam, usually made
// with the builders (UserMessage, AllowTool, …). Each encodes with its
// "type" set. The interface is sealed.
type EventParam interface {
	// EventParamType is the event's type, one of the Event constants.
	EventParamType() string
	json.Marshaler
	validate() error
}

// Rubric types: the Type of a Rubric.
const (
	// RubricTypeText is a rubric given as text, in Rubric.Content.
	RubricTypeText = "text"
	// RubricTypeFile is a rubric held in a file, Rubric.FileID.
	RubricTypeFile = "file"
)

// Rubric is how an outcome is graded: a text (Content) or a file uploaded
// with the Files API (FileID). Build it with TextRubric or FileRubric.
type Rubric struct {
	// Type is "text" or "file".
	Type string `json:"type"`
	// Content is the text of a text rubric, at most 262,144 characters.
	Content string `json:"content,omitempty"`
	// FileID is the file of a file rubric, uploaded with the Files API.
	FileID string `json:"file_id,omitempty"`
}

// TextRubric returns a rubric given as text (at most 262,144 characters).
func TextRubric(content string) Rubric { return Rubric{Type: RubricTypeText, Content: content} }

// FileRubric returns a rubric held in a file.
func FileRubric(fileID string) Rubric { return Rubric{Type: RubricTypeFile, FileID: fileID} }

func (r Rubric) validate() error {
	switch r.Type {
	case RubricTypeText:
		switch {
		case r.Content == "":
			return invalidParams("rubric: a text rubric needs content")
		case r.FileID != "":
			return invalidParams("rubric: a text rubric has no file_id")
		case utf8.RuneCountInString(r.Content) > maxRubricChars:
			return invalidParams("rubric: the text is longer than %d characters", maxRubricChars)
		}
	case RubricTypeFile:
		switch {
		case r.FileID == "":
			return invalidParams("rubric: a file rubric needs a file_id")
		case r.Content != "":
			return invalidParams("rubric: a file rubric has no content")
		}
	default:
		return invalidParams("rubric: type %q is neither text nor file (use TextRubric or FileRubric)", r.Type)
	}
	return nil
}

// UserMessageParam is a user.message: text, image, document or redacted
// blocks, at least one.
type UserMessageParam struct {
	// Content holds the message's blocks.
	Content []ContentBlock `json:"content"`
}

// InterruptParam is a user.interrupt. It stops every thread, or only
// SessionThreadID when set.
type InterruptParam struct {
	// SessionThreadID is the thread to interrupt; empty interrupts every
	// thread that is not archived.
	SessionThreadID string `json:"session_thread_id,omitempty"`
}

// ToolConfirmationParam is a user.tool_confirmation: the answer to a tool
// call held with evaluated_permission "ask".
type ToolConfirmationParam struct {
	// ToolUseID is the ID of the agent.tool_use or agent.mcp_tool_use event.
	ToolUseID string `json:"tool_use_id"`
	// Result is "allow" or "deny" (PermissionAllow, PermissionDeny).
	Result string `json:"result"`
	// DenyMessage, only with "deny", is shown to the model.
	DenyMessage string `json:"deny_message,omitempty"`
}

// CustomToolResultParam is a user.custom_tool_result: the client's answer to
// an agent.custom_tool_use.
type CustomToolResultParam struct {
	// CustomToolUseID is the ID of the agent.custom_tool_use event.
	CustomToolUseID string `json:"custom_tool_use_id"`
	// Content holds text, image, document and search_result blocks; it may
	// be empty.
	Content []ContentBlock `json:"content,omitempty"`
	// IsError marks a failed call. It is sent only when true: an absent
	// is_error means false to the API.
	IsError bool `json:"is_error,omitempty"`
}

// ToolResultParam is a user.tool_result: the result of a built-in tool run
// by the client, for sessions on self-hosted environments only.
type ToolResultParam struct {
	// ToolUseID is the ID of the agent.tool_use event.
	ToolUseID string `json:"tool_use_id"`
	// Content holds text, image, document and search_result blocks.
	Content []ContentBlock `json:"content,omitempty"`
	// IsError is sent only when true.
	IsError bool `json:"is_error,omitempty"`
}

// DefineOutcomeParam is a user.define_outcome: a goal the agent works
// towards until a grader is satisfied.
type DefineOutcomeParam struct {
	// Description is the outcome the agent works towards.
	Description string `json:"description"`
	// Rubric is what the grader checks the work against.
	Rubric Rubric `json:"rubric"`
	// MaxIterations is 1 to 20; 0 leaves it out (the API's default is 3).
	MaxIterations int `json:"max_iterations,omitempty"`
}

// SystemMessageParam is a system.message: 1 to 1000 text blocks. At most
// one per request, last, right after the user.message, user.tool_result or
// user.custom_tool_result it accompanies; only some models accept it.
type SystemMessageParam struct {
	// Content holds the message's text blocks.
	Content []ContentBlock `json:"content"`
}

// UserMessage returns a user.message holding one text block.
func UserMessage(text string) UserMessageParam {
	return UserMessageParam{Content: []ContentBlock{TextBlock(text)}}
}

// UserMessageBlocks returns a user.message holding blocks.
func UserMessageBlocks(blocks ...ContentBlock) UserMessageParam {
	return UserMessageParam{Content: blocks}
}

// Interrupt returns a user.interrupt that stops every thread.
func Interrupt() InterruptParam { return InterruptParam{} }

// InterruptThread returns a user.interrupt that stops one thread.
func InterruptThread(threadID string) InterruptParam {
	return InterruptParam{SessionThreadID: threadID}
}

// AllowTool returns a confirmation that lets the held call run.
func AllowTool(toolUseID string) ToolConfirmationParam {
	return ToolConfirmationParam{ToolUseID: toolUseID, Result: PermissionAllow}
}

// DenyTool returns a confirmation that refuses the held call; message (may
// be empty) tells the model why.
func DenyTool(toolUseID, message string) ToolConfirmationParam {
	return ToolConfirmationParam{ToolUseID: toolUseID, Result: PermissionDeny, DenyMessage: message}
}

// CustomToolResult returns the successful result of a custom tool call.
func CustomToolResult(customToolUseID string, blocks ...ContentBlock) CustomToolResultParam {
	return CustomToolResultParam{CustomToolUseID: customToolUseID, Content: blocks}
}

// CustomToolError returns the failed result of a custom tool call, with
// message as its text.
func CustomToolError(customToolUseID, message string) CustomToolResultParam {
	return CustomToolResultParam{CustomToolUseID: customToolUseID, Content: []ContentBlock{TextBlock(message)}, IsError: true}
}

// ToolResult returns the result of a built-in tool call run by the client
// (self-hosted environments).
func ToolResult(toolUseID string, blocks ...ContentBlock) ToolResultParam {
	return ToolResultParam{ToolUseID: toolUseID, Content: blocks}
}

// DefineOutcome returns a user.define_outcome with the default number of
// iterations; set MaxIterations on the result to change it.
func DefineOutcome(description string, rubric Rubric) DefineOutcomeParam {
	return DefineOutcomeParam{Description: description, Rubric: rubric}
}

// SystemMessage returns a system.message holding one text block.
func SystemMessage(text string) SystemMessageParam {
	return SystemMessageParam{Content: []ContentBlock{TextBlock(text)}}
}

// The block types each client event may hold: user messages hold text,
// image, document and redacted blocks, tool results text, image, document
// and search_result blocks, and system messages text blocks only.
var (
	messageBlocks    = []string{BlockTypeText, BlockTypeImage, BlockTypeDocument, BlockTypeRedacted}
	toolResultBlocks = []string{BlockTypeText, BlockTypeImage, BlockTypeDocument, BlockTypeSearchResult}
	textOnly         = []string{BlockTypeText}
)

func (p UserMessageParam) validate() error {
	if len(p.Content) == 0 {
		return invalidParams("user.message: content is empty")
	}
	return validateBlocks("user.message", p.Content, messageBlocks, true)
}

func (p InterruptParam) validate() error { return nil }

func (p ToolConfirmationParam) validate() error {
	switch {
	case p.ToolUseID == "":
		return invalidParams("user.tool_confirmation: tool_use_id is empty")
	case p.Result != PermissionAllow && p.Result != PermissionDeny:
		return invalidParams("user.tool_confirmation: result %q is neither allow nor deny", p.Result)
	case p.DenyMessage != "" && p.Result != PermissionDeny:
		return invalidParams("user.tool_confirmation: deny_message is only allowed with deny")
	}
	return nil
}

func (p CustomToolResultParam) validate() error {
	if p.CustomToolUseID == "" {
		return invalidParams("user.custom_tool_result: custom_tool_use_id is empty")
	}
	return validateBlocks("user.custom_tool_result", p.Content, toolResultBlocks, false)
}

func (p ToolResultParam) validate() error {
	if p.ToolUseID == "" {
		return invalidParams("user.tool_result: tool_use_id is empty")
	}
	return validateBlocks("user.tool_result", p.Content, toolResultBlocks, false)
}

func (p DefineOutcomeParam) validate() error {
	if p.Description == "" {
		return invalidParams("user.define_outcome: description is empty")
	}
	if p.MaxIterations < 0 || p.MaxIterations > maxOutcomeIterations {
		return invalidParams("user.define_outcome: max_iterations %d is not within 1..%d (0 for the default)", p.MaxIterations, maxOutcomeIterations)
	}
	if err := p.Rubric.validate(); err != nil {
		return invalidParams("user.define_outcome: %s", reason(err))
	}
	return nil
}

func (p SystemMessageParam) validate() error {
	if len(p.Content) == 0 {
		return invalidParams("system.message: content is empty")
	}
	if len(p.Content) > maxSystemMessageBlocks {
		return invalidParams("system.message: %d blocks, more than %d", len(p.Content), maxSystemMessageBlocks)
	}
	return validateBlocks("system.message", p.Content, textOnly, true)
}

// validateBlocks checks that each block is allowed where it is sent and
// carries its required fields. Messages (nonEmptyText) may not hold empty
// text blocks; tool results may, since a command can print nothing.
func validateBlocks(where string, blocks []ContentBlock, allowed []string, nonEmptyText bool) error {
	for i, b := range blocks {
		if !slices.Contains(allowed, b.Type) {
			return invalidParams("%s: content[%d]: a %q block is not allowed here (allowed: %s)", where, i, b.Type, strings.Join(allowed, ", "))
		}
		if msg := blockProblem(b, nonEmptyText); msg != "" {
			return invalidParams("%s: content[%d]: %s", where, i, msg)
		}
	}
	return nil
}

// blockProblem describes what a block of a known type lacks, or returns "".
func blockProblem(b ContentBlock, nonEmptyText bool) string {
	switch b.Type {
	case BlockTypeText:
		if nonEmptyText && b.Text == "" {
			return "empty text"
		}
	case BlockTypeImage, BlockTypeDocument:
		return sourceProblem(b.Type, b.Source)
	case BlockTypeSearchResult:
		switch {
		case b.SourceURL == "":
			return "search_result without a source URL"
		case b.Title == nil || *b.Title == "":
			return "search_result without a title"
		case len(b.Content) == 0:
			return "search_result without content"
		}
		for j, c := range b.Content {
			if c.Type != BlockTypeText {
				return "search_result content[" + strconv.Itoa(j) + "] is not a text block"
			}
		}
	}
	return ""
}

// sourceProblem checks an image's or document's source. Source types this
// library does not know are left to the API to judge.
func sourceProblem(block string, s *BlockSource) string {
	if s == nil {
		return block + " without a source"
	}
	switch s.Type {
	case "":
		return block + " source without a type"
	case SourceTypeBase64:
		if s.MediaType == "" || s.Data == "" {
			return block + " base64 source needs media_type and data"
		}
	case SourceTypeText:
		if block == BlockTypeImage {
			return "an image cannot have a text source"
		}
		if s.Data == "" {
			return "document text source needs data"
		}
	case SourceTypeURL:
		if s.URL == "" {
			return block + " url source needs a url"
		}
	case SourceTypeFile:
		if s.FileID == "" {
			return block + " file source needs a file_id"
		}
	}
	return ""
}

// validateEvents checks a batch before it is sent: a send (initial false) or
// a create's initial_events (initial true, where only user.message and
// user.define_outcome are allowed).
func validateEvents(events []EventParam, initial bool) error {
	if len(events) == 0 {
		return invalidParams("no events to send")
	}
	if len(events) > maxEventsPerRequest {
		return invalidParams("%d events, more than %d per request", len(events), maxEventsPerRequest)
	}
	for i, e := range events {
		if isNilParam(e) {
			return invalidParams("events[%d] is nil", i)
		}
		t := e.EventParamType()
		if initial && t != EventUserMessage && t != EventUserDefineOutcome {
			return invalidParams("events[%d]: %s cannot be an initial event (only user.message and user.define_outcome)", i, t)
		}
		if err := e.validate(); err != nil {
			return invalidParams("events[%d]: %s", i, reason(err))
		}
		if t != EventSystemMessage {
			continue
		}
		if i != len(events)-1 {
			return invalidParams("events[%d]: system.message must be the last event, and there may be only one", i)
		}
		prev := ""
		if i > 0 {
			prev = events[i-1].EventParamType()
		}
		if prev != EventUserMessage && prev != EventUserToolResult && prev != EventUserCustomToolResult {
			return invalidParams("events[%d]: system.message must directly follow a user.message, user.tool_result or user.custom_tool_result", i)
		}
	}
	return nil
}

// isNilParam reports a nil interface or a nil pointer to a param, either of
// which would panic when used.
func isNilParam(e EventParam) bool {
	if e == nil {
		return true
	}
	v := reflect.ValueOf(e)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// reason strips the ErrInvalidParams prefix from a validation error, so that
// it can be wrapped again with more context.
func reason(err error) string {
	return strings.TrimPrefix(err.Error(), ErrInvalidParams.Error()+": ")
}
