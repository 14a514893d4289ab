package managedagents

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestEventParamBuilders(t *testing.T) {
	withIterations := DefineOutcome("Ship it", TextRubric("All tests pass."))
	withIterations.MaxIterations = 7
	tests := []struct {
		name  string
		param EventParam
		typ   string
		want  string
	}{
		{"UserMessage", UserMessage("How many Go test files are in the repository?"), EventUserMessage,
			`{"type":"user.message","content":[{"type":"text","text":"How many Go test files are in the repository?"}]}`},
		{"UserMessageBlocks", UserMessageBlocks(TextBlock("Look:"), ImageFile("file_1")), EventUserMessage,
			`{"type":"user.message","content":[{"type":"text","text":"Look:"},{"type":"image","source":{"type":"file","file_id":"file_1"}}]}`},
		{"Interrupt", Interrupt(), EventUserInterrupt, `{"type":"user.interrupt"}`},
		{"InterruptThread", InterruptThread("sthr_1"), EventUserInterrupt, `{"type":"user.interrupt","session_thread_id":"sthr_1"}`},
		{"AllowTool", AllowTool("sevt_A"), EventUserToolConfirmation, `{"type":"user.tool_confirmation","tool_use_id":"sevt_A","result":"allow"}`},
		{"DenyTool", DenyTool("sevt_01DmixGaZGx35iVwH20Ns8iGAq", "Force-pushing to main is not allowed. Open a pull request instead."), EventUserToolConfirmation,
			`{"type":"user.tool_confirmation","tool_use_id":"sevt_01DmixGaZGx35iVwH20Ns8iGAq","result":"deny","deny_message":"Force-pushing to main is not allowed. Open a pull request instead."}`},
		{"DenyTool without message", DenyTool("sevt_A", ""), EventUserToolConfirmation, `{"type":"user.tool_confirmation","tool_use_id":"sevt_A","result":"deny"}`},
		{"CustomToolResult", CustomToolResult("sevt_C", TextBlock(`{"plan":"enterprise"}`)), EventUserCustomToolResult,
			`{"type":"user.custom_tool_result","custom_tool_use_id":"sevt_C","content":[{"type":"text","text":"{\"plan\":\"enterprise\"}"}]}`},
		{"CustomToolResult empty", CustomToolResult("sevt_C"), EventUserCustomToolResult, `{"type":"user.custom_tool_result","custom_tool_use_id":"sevt_C"}`},
		{"CustomToolError", CustomToolError("sevt_C", "customer not found"), EventUserCustomToolResult,
			`{"type":"user.custom_tool_result","custom_tool_use_id":"sevt_C","content":[{"type":"text","text":"customer not found"}],"is_error":true}`},
		{"ToolResult", ToolResult("sevt_T", TextBlock("ok\n"), SearchResultBlock("https://e.com", "E", "x")), EventUserToolResult,
			`{"type":"user.tool_result","tool_use_id":"sevt_T","content":[{"type":"text","text":"ok\n"},{"type":"search_result","source":"https://e.com","title":"E","content":[{"type":"text","text":"x"}]}]}`},
		{"ToolResult error", ToolResultParam{ToolUseID: "sevt_T", IsError: true}, EventUserToolResult, `{"type":"user.tool_result","tool_use_id":"sevt_T","is_error":true}`},
		{"DefineOutcome text", DefineOutcome("A changelog for 4.2", TextRubric("Lists every merged PR.")), EventUserDefineOutcome,
			`{"type":"user.define_outcome","description":"A changelog for 4.2","rubric":{"type":"text","content":"Lists every merged PR."}}`},
		{"DefineOutcome file", DefineOutcome("Release notes", FileRubric("file_R")), EventUserDefineOutcome,
			`{"type":"user.define_outcome","description":"Release notes","rubric":{"type":"file","file_id":"file_R"}}`},
		{"DefineOutcome max_iterations", withIterations, EventUserDefineOutcome,
			`{"type":"user.define_outcome","description":"Ship it","rubric":{"type":"text","content":"All tests pass."},"max_iterations":7}`},
		{"SystemMessage", SystemMessage("Answer in one sentence."), EventSystemMessage,
			`{"type":"system.message","content":[{"type":"text","text":"Answer in one sentence."}]}`},
		{"zero UserMessageParam still has its type", UserMessageParam{}, EventUserMessage, `{"type":"user.message","content":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.param.EventParamType(); got != tt.typ {
				t.Errorf("EventParamType() = %q, want %q", got, tt.typ)
			}
			got, err := json.Marshal(tt.param)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			// Pointers encode the same way.
			if b, err := json.Marshal(&tt.param); err != nil || string(b) != tt.want {
				t.Errorf("via pointer: %s, %v", b, err)
			}
		})
	}
}

// TestSendBodyFixture encodes a send body of a user.message followed by the
// system.message that accompanies it: the same body as
// testdata/send/message.request.json.
func TestSendBodyFixture(t *testing.T) {
	events := []EventParam{UserMessage("How many Go test files are in the repository?"), SystemMessage("Answer in one sentence.")}
	if err := validateEvents(events, false); err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(struct {
		Events []EventParam `json:"events"`
	}{events})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"events":[{"type":"user.message","content":[{"type":"text","text":"How many Go test files are in the repository?"}]},{"type":"system.message","content":[{"type":"text","text":"Answer in one sentence."}]}]}`
	if diff := jsonDiff(t, []byte(want), got); diff != "" {
		t.Error(diff)
	}
}

func TestEventParamValidate(t *testing.T) {
	long := strings.Repeat("é", maxRubricChars) // 262,144 characters, twice as many bytes
	blocks := func(n int) []ContentBlock {
		out := make([]ContentBlock, n)
		for i := range out {
			out[i] = TextBlock("x")
		}
		return out
	}
	outcome := func(f func(*DefineOutcomeParam)) DefineOutcomeParam {
		p := DefineOutcome("Ship it", TextRubric("All tests pass."))
		f(&p)
		return p
	}
	tests := []struct {
		name    string
		param   EventParam
		wantErr string // "" for valid
	}{
		// user.message
		{"message text", UserMessage("hi"), ""},
		{"message all allowed blocks", UserMessageBlocks(TextBlock("a"), ImageBase64("image/png", "AA=="), ImageURL("u"), ImageFile("f"),
			DocumentPDF("JV=="), DocumentText("t"), DocumentURL("u"), DocumentFile("f"), ContentBlock{Type: BlockTypeRedacted}), ""},
		{"message unknown source type left to the API", UserMessageBlocks(ContentBlock{Type: BlockTypeImage, Source: &BlockSource{Type: "s3", URL: "s3://b/k"}}), ""},
		{"message empty content", UserMessageBlocks(), "content is empty"},
		{"message empty text", UserMessage(""), "empty text"},
		{"message search_result not allowed", UserMessageBlocks(SearchResultBlock("u", "t", "x")), `"search_result" block is not allowed`},
		{"message unknown block", UserMessageBlocks(ContentBlock{Type: "audio"}), `"audio" block is not allowed`},
		{"message block without type", UserMessageBlocks(ContentBlock{Text: "x"}), `"" block is not allowed`},
		{"image without source", UserMessageBlocks(ContentBlock{Type: BlockTypeImage}), "image without a source"},
		{"image source without type", UserMessageBlocks(ContentBlock{Type: BlockTypeImage, Source: &BlockSource{URL: "u"}}), "source without a type"},
		{"image base64 without media type", UserMessageBlocks(ImageBase64("", "AA==")), "needs media_type and data"},
		{"image base64 without data", UserMessageBlocks(ImageBase64("image/png", "")), "needs media_type and data"},
		{"image text source", UserMessageBlocks(ContentBlock{Type: BlockTypeImage, Source: &BlockSource{Type: SourceTypeText, MediaType: "text/plain", Data: "x"}}), "image cannot have a text source"},
		{"image url empty", UserMessageBlocks(ImageURL("")), "needs a url"},
		{"document file empty", UserMessageBlocks(DocumentFile("")), "needs a file_id"},
		{"document text empty", UserMessageBlocks(DocumentText("")), "text source needs data"},

		// user.interrupt
		{"interrupt", Interrupt(), ""},
		{"interrupt thread", InterruptThread("sthr_1"), ""},

		// user.tool_confirmation
		{"allow", AllowTool("sevt_A"), ""},
		{"deny with message", DenyTool("sevt_A", "no"), ""},
		{"confirmation without id", AllowTool(""), "tool_use_id is empty"},
		{"confirmation bad result", ToolConfirmationParam{ToolUseID: "sevt_A", Result: "maybe"}, `"maybe" is neither allow nor deny`},
		{"confirmation no result", ToolConfirmationParam{ToolUseID: "sevt_A"}, "neither allow nor deny"},
		{"deny_message with allow", ToolConfirmationParam{ToolUseID: "sevt_A", Result: PermissionAllow, DenyMessage: "x"}, "only allowed with deny"},

		// user.custom_tool_result and user.tool_result
		{"custom result", CustomToolResult("sevt_C", TextBlock("ok"), SearchResultBlock("u", "t", "x"), DocumentPDF("JV=="), ImageURL("u")), ""},
		{"custom result no content", CustomToolResult("sevt_C"), ""},
		{"custom result empty text", CustomToolResult("sevt_C", TextBlock("")), ""},
		{"custom error", CustomToolError("sevt_C", "boom"), ""},
		{"custom result without id", CustomToolResult("", TextBlock("ok")), "custom_tool_use_id is empty"},
		{"custom result redacted", CustomToolResult("sevt_C", ContentBlock{Type: BlockTypeRedacted}), `"redacted" block is not allowed`},
		{"custom result bad search result", CustomToolResult("sevt_C", ContentBlock{Type: BlockTypeSearchResult, Title: Ptr("t"), Content: []ContentBlock{TextBlock("x")}}), "without a source URL"},
		{"search result without title", ToolResult("sevt_T", ContentBlock{Type: BlockTypeSearchResult, SourceURL: "u", Content: []ContentBlock{TextBlock("x")}}), "without a title"},
		{"search result without content", ToolResult("sevt_T", SearchResultBlock("u", "t")), "without content"},
		{"search result with an image", ToolResult("sevt_T", ContentBlock{Type: BlockTypeSearchResult, SourceURL: "u", Title: Ptr("t"), Content: []ContentBlock{ImageURL("u")}}), "is not a text block"},
		{"tool result", ToolResult("sevt_T", TextBlock("ok")), ""},
		{"tool result without id", ToolResult("", TextBlock("ok")), "tool_use_id is empty"},

		// user.define_outcome
		{"outcome", DefineOutcome("Ship it", TextRubric("All tests pass.")), ""},
		{"outcome file rubric", DefineOutcome("Ship it", FileRubric("file_R")), ""},
		{"outcome longest rubric", DefineOutcome("Ship it", TextRubric(long)), ""},
		{"outcome rubric too long", DefineOutcome("Ship it", TextRubric(long+"x")), "longer than 262144 characters"},
		{"outcome without description", DefineOutcome("", TextRubric("r")), "description is empty"},
		{"outcome empty text rubric", DefineOutcome("d", TextRubric("")), "needs content"},
		{"outcome empty file rubric", DefineOutcome("d", FileRubric("")), "needs a file_id"},
		{"outcome text rubric with file", DefineOutcome("d", Rubric{Type: RubricTypeText, Content: "c", FileID: "f"}), "has no file_id"},
		{"outcome file rubric with text", DefineOutcome("d", Rubric{Type: RubricTypeFile, Content: "c", FileID: "f"}), "has no content"},
		{"outcome zero rubric", DefineOutcome("d", Rubric{}), "neither text nor file"},
		{"outcome max_iterations 1", outcome(func(p *DefineOutcomeParam) { p.MaxIterations = 1 }), ""},
		{"outcome max_iterations 20", outcome(func(p *DefineOutcomeParam) { p.MaxIterations = 20 }), ""},
		{"outcome max_iterations 21", outcome(func(p *DefineOutcomeParam) { p.MaxIterations = 21 }), "max_iterations 21"},
		{"outcome max_iterations -1", outcome(func(p *DefineOutcomeParam) { p.MaxIterations = -1 }), "max_iterations -1"},

		// system.message
		{"system", SystemMessage("Be brief."), ""},
		{"system 1000 blocks", SystemMessageParam{Content: blocks(1000)}, ""},
		{"system 1001 blocks", SystemMessageParam{Content: blocks(1001)}, "1001 blocks, more than 1000"},
		{"system empty", SystemMessageParam{}, "content is empty"},
		{"system empty text", SystemMessage(""), "empty text"},
		{"system image", SystemMessageParam{Content: []ContentBlock{ImageURL("u")}}, `"image" block is not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.param.validate()
			checkValidation(t, err, tt.wantErr)
			// The same rule applies inside a batch (initial_events only
			// allows two types, so use a send).
			batch := []EventParam{tt.param}
			if tt.param.EventParamType() == EventSystemMessage {
				batch = []EventParam{UserMessage("hi"), tt.param}
			}
			checkValidation(t, validateEvents(batch, false), tt.wantErr)
		})
	}
}

func checkValidation(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	if !errors.Is(err, ErrInvalidParams) {
		t.Errorf("error does not match ErrInvalidParams: %v", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

func TestValidateEvents(t *testing.T) {
	many := func(n int) []EventParam {
		out := make([]EventParam, n)
		for i := range out {
			out[i] = UserMessage("hi")
		}
		return out
	}
	var nilMessage *UserMessageParam
	outcome := DefineOutcome("Ship it", TextRubric("All tests pass."))
	tests := []struct {
		name    string
		events  []EventParam
		initial bool
		wantErr string
	}{
		{"one message", []EventParam{UserMessage("hi")}, false, ""},
		{"pointer param", []EventParam{&UserMessageParam{Content: []ContentBlock{TextBlock("hi")}}}, false, ""},
		{"50 events", many(50), false, ""},
		{"51 events", many(51), false, "51 events, more than 50"},
		{"51 initial events", many(51), true, "51 events, more than 50"},
		{"nil slice", nil, false, "no events"},
		{"empty slice", []EventParam{}, true, "no events"},
		{"nil element", []EventParam{UserMessage("hi"), nil}, false, "events[1] is nil"},
		{"nil pointer element", []EventParam{nilMessage}, false, "events[0] is nil"},
		{"invalid element is located", []EventParam{UserMessage("hi"), AllowTool("")}, false, "events[1]: user.tool_confirmation: tool_use_id is empty"},
		{"mixed send", []EventParam{AllowTool("sevt_A"), CustomToolResult("sevt_C", TextBlock("ok")), Interrupt(), outcome, UserMessage("next")}, false, ""},

		// system.message placement
		{"system after message", []EventParam{UserMessage("hi"), SystemMessage("s")}, false, ""},
		{"system after tool result", []EventParam{ToolResult("sevt_T", TextBlock("ok")), SystemMessage("s")}, false, ""},
		{"system after custom tool result", []EventParam{CustomToolResult("sevt_C"), SystemMessage("s")}, false, ""},
		{"system alone", []EventParam{SystemMessage("s")}, false, "must directly follow"},
		{"system after confirmation", []EventParam{AllowTool("sevt_A"), SystemMessage("s")}, false, "must directly follow"},
		{"system after interrupt", []EventParam{UserMessage("hi"), Interrupt(), SystemMessage("s")}, false, "must directly follow"},
		{"system not last", []EventParam{UserMessage("hi"), SystemMessage("s"), UserMessage("again")}, false, "events[1]: system.message must be the last event"},
		{"two systems", []EventParam{UserMessage("hi"), SystemMessage("a"), SystemMessage("b")}, false, "only one"},
		{"invalid system", []EventParam{UserMessage("hi"), SystemMessageParam{}}, false, "events[1]: system.message: content is empty"},

		// initial_events
		{"initial message", []EventParam{UserMessage("hi")}, true, ""},
		{"initial outcome and message", []EventParam{outcome, UserMessage("hi")}, true, ""},
		{"initial interrupt", []EventParam{Interrupt()}, true, "user.interrupt cannot be an initial event"},
		{"initial system", []EventParam{UserMessage("hi"), SystemMessage("s")}, true, "system.message cannot be an initial event"},
		{"initial confirmation", []EventParam{AllowTool("sevt_A")}, true, "cannot be an initial event"},
		{"initial custom result", []EventParam{CustomToolResult("sevt_C")}, true, "cannot be an initial event"},
		{"initial tool result", []EventParam{ToolResult("sevt_T")}, true, "cannot be an initial event"},
		{"initial invalid message", []EventParam{UserMessageBlocks()}, true, "content is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkValidation(t, validateEvents(tt.events, tt.initial), tt.wantErr)
		})
	}
}

// TestEventParamErrorMessage checks that the position and the reason read
// well, with the library prefix once.
func TestEventParamErrorMessage(t *testing.T) {
	err := validateEvents([]EventParam{UserMessage("hi"), DenyTool("", "x")}, false)
	want := "managedagents: invalid parameters: events[1]: user.tool_confirmation: tool_use_id is empty"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
