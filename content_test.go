package managedagents

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestContentBlockConstructors(t *testing.T) {
	tests := []struct {
		name  string
		block ContentBlock
		want  string
	}{
		{"TextBlock", TextBlock("hello"), `{"type":"text","text":"hello"}`},
		{"TextBlock empty", TextBlock(""), `{"type":"text","text":""}`},
		{"ImageBase64", ImageBase64("image/png", "iVBORw0KGgo="),
			`{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}`},
		{"ImageURL", ImageURL("https://example.com/a.png"), `{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}`},
		{"ImageFile", ImageFile("file_1"), `{"type":"image","source":{"type":"file","file_id":"file_1"}}`},
		{"DocumentPDF", DocumentPDF("JVBERi0="),
			`{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}`},
		{"DocumentText", DocumentText("notes"),
			`{"type":"document","source":{"type":"text","media_type":"text/plain","data":"notes"}}`},
		{"DocumentURL", DocumentURL("https://example.com/a.pdf"), `{"type":"document","source":{"type":"url","url":"https://example.com/a.pdf"}}`},
		{"DocumentFile", DocumentFile("file_2"), `{"type":"document","source":{"type":"file","file_id":"file_2"}}`},
		{"SearchResultBlock", SearchResultBlock("https://example.com/r", "Result", "one", "two"),
			`{"type":"search_result","source":"https://example.com/r","title":"Result","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]}`},
		{"SearchResultBlock no text", SearchResultBlock("https://example.com/r", "Result"),
			`{"type":"search_result","source":"https://example.com/r","title":"Result","content":[]}`},
		{"search result without title or content", ContentBlock{Type: BlockTypeSearchResult, SourceURL: "u", Citations: &Citations{}},
			`{"type":"search_result","source":"u","title":"","content":[],"citations":{"enabled":false}}`},
		{"document with title and context", ContentBlock{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeFile, FileID: "f"}, Title: Ptr("T"), Context: Ptr("")},
			`{"type":"document","source":{"type":"file","file_id":"f"},"title":"T","context":""}`},
		{"redacted", ContentBlock{Type: BlockTypeRedacted, Text: "ignored"}, `{"type":"redacted"}`},
		{"text ignores other fields", ContentBlock{Type: BlockTypeText, Text: "x", SourceURL: "u", Title: Ptr("t")}, `{"type":"text","text":"x"}`},
		{"unknown type built in code", ContentBlock{Type: "chart", Text: "x"}, `{"type":"chart","text":"x"}`},
		{"unknown source built in code", ContentBlock{Type: BlockTypeImage, Source: &BlockSource{Type: "s3", URL: "s3://b/k"}},
			`{"type":"image","source":{"type":"s3","url":"s3://b/k"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.block)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestContentBlockRoundTrip decodes blocks and checks that they re-encode to
// equivalent JSON, absent and null optional fields included.
func TestContentBlockRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ContentBlock
	}{
		{"text", `{"type":"text","text":"hi"}`, TextBlock("hi")},
		{"redacted", `{"type":"redacted"}`, ContentBlock{Type: BlockTypeRedacted}},
		{"image base64", `{"type":"image","source":{"type":"base64","media_type":"image/gif","data":"R0lG"}}`, ImageBase64("image/gif", "R0lG")},
		{"document no title", `{"type":"document","source":{"type":"url","url":"https://e.com/d.pdf"}}`, DocumentURL("https://e.com/d.pdf")},
		{"document null title and context", `{"type":"document","source":{"type":"file","file_id":"f"},"title":null,"context":null}`,
			ContentBlock{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeFile, FileID: "f"}, titleNull: true, contextNull: true}},
		{"document values", `{"type":"document","source":{"type":"text","media_type":"text/plain","data":"d"},"title":"T","context":"C"}`,
			ContentBlock{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeText, MediaType: "text/plain", Data: "d"}, Title: Ptr("T"), Context: Ptr("C")}},
		{"search result", `{"type":"search_result","source":"https://e.com","title":"T","content":[{"type":"text","text":"a"}],"citations":{"enabled":false}}`,
			ContentBlock{Type: BlockTypeSearchResult, SourceURL: "https://e.com", Title: Ptr("T"), Content: []ContentBlock{TextBlock("a")}, Citations: &Citations{}}},
		{"unknown block", `{"type":"audio","source":{"type":"base64","data":"AAA"},"seconds":3}`,
			ContentBlock{Type: "audio", raw: json.RawMessage(`{"type":"audio","source":{"type":"base64","data":"AAA"},"seconds":3}`)}},
		{"unknown block with odd known field names", `{"type":"chart","text":{"a":1},"content":"x"}`,
			ContentBlock{Type: "chart", raw: json.RawMessage(`{"type":"chart","text":{"a":1},"content":"x"}`)}},
		{"unknown source", `{"type":"document","source":{"type":"gcs","uri":"gs://b/o"}}`,
			ContentBlock{Type: BlockTypeDocument, Source: &BlockSource{Type: "gcs", raw: json.RawMessage(`{"type":"gcs","uri":"gs://b/o"}`)}}},
		{"text block with a future field", `{"type":"text","text":"hi","citations":[{"type":"x"}]}`, TextBlock("hi")},
	}
	opts := cmp.AllowUnexported(ContentBlock{}, BlockSource{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ContentBlock
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, opts); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
			out, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "text block with a future field" {
				return // known types encode their own fields only
			}
			if diff := jsonDiff(t, []byte(tt.in), out); diff != "" {
				t.Errorf("re-encoded (-in +out):\n%s", diff)
			}
		})
	}
}

func TestContentBlockRawJSON(t *testing.T) {
	var known, unknown ContentBlock
	if err := json.Unmarshal([]byte(`{"type":"text","text":"x"}`), &known); err != nil {
		t.Fatal(err)
	}
	if known.RawJSON() != nil {
		t.Errorf("known block keeps raw JSON: %s", known.RawJSON())
	}
	in := `{"type":"widget","n":1}`
	if err := json.Unmarshal([]byte(in), &unknown); err != nil {
		t.Fatal(err)
	}
	if string(unknown.RawJSON()) != in {
		t.Errorf("RawJSON = %s", unknown.RawJSON())
	}
	var src BlockSource
	if err := json.Unmarshal([]byte(`{"type":"ftp","path":"/x"}`), &src); err != nil || string(src.RawJSON()) != `{"type":"ftp","path":"/x"}` {
		t.Errorf("source RawJSON = %s, %v", src.RawJSON(), err)
	}
}

func TestContentBlockDecodeErrors(t *testing.T) {
	for _, in := range []string{
		`"text"`,
		`{"type":1}`,
		`{"type":"text","text":5}`,
		`{"type":"image","source":"https://e.com/a.png"}`,
		`{"type":"image","source":{"type":"url","url":7}}`,
		`{"type":"document","source":{"type":"file","file_id":"f"},"title":5}`,
		`{"type":"document","source":{"type":"file","file_id":"f"},"context":[]}`,
		`{"type":"search_result","source":{"type":"url"}}`,
		`{"type":"search_result","source":"u","title":1}`,
		`{"type":"search_result","source":"u","title":"t","content":[{"type":"text","text":false}]}`,
	} {
		var b ContentBlock
		if err := json.Unmarshal([]byte(in), &b); err == nil {
			t.Errorf("%s decoded: %+v", in, b)
		}
	}
}

func TestJoinText(t *testing.T) {
	blocks := []ContentBlock{
		TextBlock("The build "),
		{Type: BlockTypeRedacted},
		ImageURL("https://e.com/x.png"),
		TextBlock("passed."),
		{Type: "future", Text: "not text"},
	}
	if got := JoinText(blocks); got != "The build passed." {
		t.Errorf("JoinText = %q", got)
	}
	if got := JoinText(nil); got != "" {
		t.Errorf("JoinText(nil) = %q", got)
	}
}
