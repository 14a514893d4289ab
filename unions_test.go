package managedagents

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenUnionsOnePass checks the one-pass decoding of the unions whose
// variants share one struct against the rules of encoding/json: the type
// key matches in any case, the last of duplicate keys wins, null leaves it
// unset, and a known type is strict while an unknown one is lenient.
func TestOpenUnionsOnePass(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    StopReason
		wantErr bool
	}{
		{"known", `{"type":"requires_action","event_ids":["a"]}`, StopReason{Type: StopReasonRequiresAction, EventIDs: []string{"a"}}, false},
		{"spaced", " {\n\t\"type\" : \"end_turn\" } ", StopReason{Type: StopReasonEndTurn}, false},
		{"key in upper case", `{"TYPE":"end_turn"}`, StopReason{Type: StopReasonEndTurn}, false},
		{"escaped key", `{"typ\u0065":"end_turn"}`, StopReason{Type: StopReasonEndTurn}, false},
		{"escaped value", `{"type":"end\u005fturn"}`, StopReason{Type: StopReasonEndTurn}, false},
		{"unknown then known", `{"type":"paused","type":"end_turn"}`, StopReason{Type: StopReasonEndTurn}, false},
		{"known then unknown", `{"type":"end_turn","type":"paused"}`,
			StopReason{Type: "paused", raw: json.RawMessage(`{"type":"end_turn","type":"paused"}`)}, false},
		{"null after a type", `{"type":"end_turn","type":null}`, StopReason{Type: StopReasonEndTurn}, false},
		{"unknown with odd fields", `{"type":"paused","event_ids":"x"}`,
			StopReason{Type: "paused", raw: json.RawMessage(`{"type":"paused","event_ids":"x"}`)}, false},
		{"unknown with an odd field after a known type", `{"type":"requires_action","event_ids":7,"type":"paused"}`,
			StopReason{Type: "paused", raw: json.RawMessage(`{"type":"requires_action","event_ids":7,"type":"paused"}`)}, false},
		{"known with an odd field", `{"type":"requires_action","event_ids":"x"}`, StopReason{}, true},
		{"known with an odd field after an unknown type", `{"type":"paused","event_ids":"x","type":"requires_action"}`, StopReason{}, true},
		{"type not a string", `{"type":1}`, StopReason{}, true},
		{"invalid", `{"type":"paused",}`, StopReason{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got StopReason
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(StopReason{})); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}

	var src BlockSource
	in := `{"type":"s3","url":5}`
	if err := json.Unmarshal([]byte(in), &src); err != nil || src.Type != "s3" || string(src.RawJSON()) != in {
		t.Errorf("unknown source with an odd field: %+v, %v", src, err)
	}
	if err := json.Unmarshal([]byte(`{"type":"url","url":5}`), &src); err == nil {
		t.Errorf("known source with an odd field decoded: %+v", src)
	}
	if err := json.Unmarshal([]byte(`{"Type":"file","FILE_ID":"f"}`), &src); err != nil || src.Type != SourceTypeFile || src.FileID != "f" || src.RawJSON() != nil {
		t.Errorf("keys in other cases: %+v, %v", src, err)
	}
}

func TestPeekType(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for no guess
	}{
		{`{"type":"text","text":"a"}`, "text"},
		{" \n{ \"type\"\t:\r\"text\" }", "text"},
		{`{"text":"a","type":"text"}`, "text"},
		{`{"source":{"type":"url","url":"u"},"type":"image"}`, "image"},
		{`{"content":[{"type":"text"},[{"type":"x"}]],"n":-1.5e3,"ok":true,"no":null,"type":"search_result"}`, "search_result"},
		{`{"text":"a\"type\":\"image","type":"text"}`, "text"},
		{`{"text":"a\\","type":"text"}`, "text"},
		{`{"text":"}]{[","type":"text"}`, "text"},
		{`{"type":"text","type":"image"}`, "text"}, // a guess: the decode has the last word
		{`{"typ\u0065":"text"}`, ""},
		{`{"type":"te\u0078t"}`, ""},
		{`{"Type":"text"}`, ""},
		{`{"type":null,"type":"text"}`, ""},
		{`{"type":5}`, ""},
		{`{"id":"x"}`, ""},
		{`{}`, ""},
		{`[{"type":"text"}]`, ""},
		{`"type"`, ""},
		{``, ""},
		{`{"type"`, ""},
		{`{"type":"text`, ""},
		{`{"a":{"type":"text"`, ""},
		{`{"a":"b\"`, ""},
		{`{"a" "type":"text"}`, ""},
		{`{"a":1 "type":"text"}`, ""},
		{`{"a":,"type":"text"}`, "text"}, // not JSON, which the decode will say
	}
	for _, tt := range tests {
		got, ok := peekType([]byte(tt.in))
		if string(got) != tt.want || ok != (tt.want != "") {
			t.Errorf("peekType(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// TestContentBlockTypeRules checks that blocks take their type by the rules
// of encoding/json, whatever the guess of the fast path.
func TestContentBlockTypeRules(t *testing.T) {
	src := &BlockSource{Type: SourceTypeFile, FileID: "f"}
	tests := []struct {
		name string
		in   string
		want ContentBlock
	}{
		{"spaced", " {\n\t\"type\" : \"text\" ,\r\n \"text\" : \"a\" } ", TextBlock("a")},
		{"type last", `{"text":"a","type":"text"}`, TextBlock("a")},
		{"escaped key", `{"typ\u0065":"text","text":"a"}`, TextBlock("a")},
		{"escaped value", `{"type":"te\u0078t","text":"a"}`, TextBlock("a")},
		{"key in upper case", `{"TYPE":"text","text":"a"}`, TextBlock("a")},
		{"nested type first", `{"source":{"type":"file","file_id":"f"},"type":"image"}`, ContentBlock{Type: BlockTypeImage, Source: src}},
		{"nested blocks first", `{"content":[{"type":"text","text":"x"}],"type":"search_result","source":"u","title":"t"}`,
			ContentBlock{Type: BlockTypeSearchResult, SourceURL: "u", Title: Ptr("t"), Content: []ContentBlock{TextBlock("x")}}},
		{"quoted type in a string first", `{"text":"\"type\":\"image\"","type":"text"}`, TextBlock(`"type":"image"`)},
		{"duplicate: last wins", `{"type":"text","type":"image","source":{"type":"file","file_id":"f"}}`, ContentBlock{Type: BlockTypeImage, Source: src}},
		{"duplicate: last wins over an escaped first", `{"typ\u0065":"image","type":"text","text":"a"}`, TextBlock("a")},
		{"duplicate: known then unknown", `{"type":"text","type":"widget"}`,
			ContentBlock{Type: "widget", raw: json.RawMessage(`{"type":"text","type":"widget"}`)}},
		{"duplicate: unknown then known", `{"type":"widget","type":"text","text":"a"}`, TextBlock("a")},
		{"duplicate: a known type's odd field before an unknown type", `{"type":"text","text":5,"type":"widget"}`,
			ContentBlock{Type: "widget", raw: json.RawMessage(`{"type":"text","text":5,"type":"widget"}`)}},
		{"null does not unset", `{"type":"text","type":null,"text":"a"}`, TextBlock("a")},
		{"null first", `{"type":null,"type":"text","text":"a"}`, TextBlock("a")},
		{"no type", `{"text":"a"}`, ContentBlock{raw: json.RawMessage(`{"text":"a"}`)}},
		{"null", `null`, ContentBlock{raw: json.RawMessage(`null`)}},
	}
	opts := cmp.AllowUnexported(ContentBlock{}, BlockSource{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ContentBlock
			if err := got.UnmarshalJSON([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, opts); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
	for _, in := range []string{
		`{"type":"text","text":"a"}x`,
		`{"type":"text","text":"a",}`,
		`{"type":"widget",}`,
		`{"type":"widget","type":1}`,
		`{"type":"text","type":"image","source":"u"}`,
		`{"type":"widget","type":"text","text":5}`,
	} {
		var b ContentBlock
		if err := b.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("%s decoded: %+v", in, b)
		}
	}
}

// FuzzContentBlock checks that the one-pass decoding of a block gives what
// reading its type first and then the block gives, error or not.
func FuzzContentBlock(f *testing.F) {
	for _, s := range []string{
		`{"type":"text","text":"a"}`, `{"text":"a","type":"text"}`, `{"type":"text","type":"image","source":{"type":"url","url":"u"}}`,
		`{"typ\u0065":"redacted"}`, `{"type":"document","source":{"type":"text","media_type":"text/plain","data":"d"},"title":null,"context":"c"}`,
		`{"type":"search_result","source":"u","title":"t","content":[{"type":"text","text":"x"}],"citations":{"enabled":true}}`,
		`{"type":"widget","type":"text","text":5}`, `{"TYPE":"image","source":null}`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	opts := cmp.AllowUnexported(ContentBlock{}, BlockSource{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var got ContentBlock
		err := got.UnmarshalJSON(data)
		want, werr := decodeBlockTwoPass(data)
		if (err != nil) != (werr != nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("%q: error %v, two passes give %v", data, err, werr)
		}
		if err == nil {
			if diff := cmp.Diff(want, got, opts); diff != "" {
				t.Fatalf("%q (-two passes +one):\n%s", data, diff)
			}
		}
	})
}

// TestDecodeEventTypeRules checks that events take their type by the rules
// of encoding/json, whatever the guess of the fast path or the hint.
func TestDecodeEventTypeRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		hint string
		want string // the event's type; "" for an error
	}{
		{"type last, after nested types", `{"id":"e","content":[{"type":"text","text":"a"}],"type":"agent.message"}`, "", EventAgentMessage},
		{"spaced", " {\n\t\"type\" : \"agent.thinking\" } ", "", EventAgentThinking},
		{"escaped key", `{"typ\u0065":"agent.thinking"}`, "", EventAgentThinking},
		{"escaped value", `{"type":"agent.thinkin\u0067"}`, "", EventAgentThinking},
		{"key in upper case", `{"TYPE":"agent.thinking"}`, "", EventAgentThinking},
		{"duplicate: known then known", `{"type":"agent.thinking","type":"session.deleted"}`, "", EventSessionDeleted},
		{"duplicate: unknown then known", `{"type":"x.y","type":"agent.thinking"}`, "", EventAgentThinking},
		{"duplicate: known then unknown", `{"type":"agent.thinking","type":"x.y","id":5}`, "", "x.y"},
		{"duplicate: a known type's odd field before an unknown type", `{"type":"agent.message","content":7,"type":"x.y"}`, "", "x.y"},
		{"duplicate: empty last", `{"type":"agent.thinking","type":""}`, "", ""},
		{"duplicate: empty first", `{"type":"","type":"agent.thinking"}`, "", EventAgentThinking},
		{"null does not unset", `{"type":"agent.thinking","type":null}`, "", EventAgentThinking},
		{"hint of another type", `{"type":"agent.thinking"}`, EventSessionDeleted, EventAgentThinking},
		{"hint of an unknown type", `{"type":"agent.thinking"}`, "x.y", EventAgentThinking},
		{"hint, duplicate keys", `{"type":"agent.thinking","type":"session.deleted"}`, EventAgentThinking, EventSessionDeleted},
		{"empty type", `{"type":""}`, "", ""},
		{"a known type's odd field", `{"type":"agent.message","content":7}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := decodeEvent([]byte(tt.in), tt.hint)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("decoded: %#v", ev)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.EventType() != tt.want {
				t.Errorf("type %q, want %q", ev.EventType(), tt.want)
			}
			if _, unknown := ev.(*UnknownEvent); unknown == (eventTypes[tt.want] != nil) {
				t.Errorf("%T for type %q", ev, tt.want)
			}
			if string(ev.RawJSON()) != tt.in {
				t.Errorf("RawJSON = %s", ev.RawJSON())
			}
		})
	}
}

// TestStringOrObject checks the values that are a string or an object.
func TestStringOrObject(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Effort
		err  bool
	}{
		{`"high"`, EffortHigh, false},
		{" \"max\" ", EffortMax, false},
		{`{"type":"low"}`, EffortLow, false},
		{`null`, "", false},
		{`5`, "", true},
		{`"high`, "", true},
		{`["high"]`, "", true},
	} {
		e := EffortMedium
		err := e.UnmarshalJSON([]byte(tt.in))
		if (err != nil) != tt.err || err == nil && e != tt.want {
			t.Errorf("Effort %s: %q, %v", tt.in, e, err)
		}
	}
	for _, tt := range []struct {
		in   string
		want ModelConfig
		err  bool
	}{
		{`"claude-sonnet-4-6"`, ModelConfig{ID: "claude-sonnet-4-6"}, false},
		{`{"id":"m","speed":"fast","effort":"high"}`, ModelConfig{ID: "m", Speed: "fast", Effort: EffortHigh}, false},
		{`null`, ModelConfig{}, false},
		{`5`, ModelConfig{}, true},
		{`{"id":5}`, ModelConfig{}, true},
		{`"m`, ModelConfig{}, true},
	} {
		m := ModelConfig{ID: "old", Speed: "standard"}
		err := m.UnmarshalJSON([]byte(tt.in))
		if (err != nil) != tt.err || err == nil && !cmp.Equal(m, tt.want) {
			t.Errorf("ModelConfig %s: %+v, %v", tt.in, m, err)
		}
	}
}

// TestDecodeBlockKeepsType checks what the fast path of blocks relies on:
// the struct of each known type decodes the type too. Without it, every
// block would silently take the slow path.
func TestDecodeBlockKeepsType(t *testing.T) {
	for _, typ := range []string{BlockTypeText, BlockTypeImage, BlockTypeDocument, BlockTypeSearchResult, BlockTypeRedacted} {
		got, ok := knownBlockTypeOf([]byte(typ))
		if !ok || got != typ {
			t.Errorf("knownBlockTypeOf(%q) = %q, %v", typ, got, ok)
		}
		out, err := decodeBlock(typ, []byte(`{"type":"`+typ+`"}`))
		if err != nil || out.Type != typ {
			t.Errorf("decodeBlock(%q): Type %q, %v", typ, out.Type, err)
		}
	}
}
