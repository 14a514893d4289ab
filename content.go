package managedagents

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Content block types. The set is open: a block of another type decodes
// with its raw JSON kept.
//
// User messages and the messages between agent threads hold text, image,
// document and redacted blocks; agent messages hold text and redacted
// blocks; tool results hold text, image, document and search_result blocks;
// system messages and the text of live previews hold text blocks only.
const (
	// BlockTypeText is a block of text.
	BlockTypeText = "text"
	// BlockTypeImage is an image, from base64 data, a URL or a file.
	BlockTypeImage = "image"
	// BlockTypeDocument is a document: a PDF (base64), plain text, a URL or
	// a file.
	BlockTypeDocument = "document"
	// BlockTypeSearchResult is a search result, allowed in tool results.
	BlockTypeSearchResult = "search_result"
	// BlockTypeRedacted is a placeholder for content that Anthropic's model
	// policy withheld.
	BlockTypeRedacted = "redacted"
)

// Source types of image and document blocks. Images use base64, url and
// file; documents use all four.
const (
	SourceTypeBase64 = "base64"
	SourceTypeURL    = "url"
	SourceTypeFile   = "file"
	SourceTypeText   = "text"
)

// ContentBlock is one block of an event's content: text, an image, a
// document, a search result or a redacted placeholder. It is one flat struct
// for the union on Type; only the fields of its type are encoded.
//
// A block of a type this library does not know keeps its JSON, which
// RawJSON returns and MarshalJSON writes back unchanged.
type ContentBlock struct {
	// Type is one of the BlockType constants, or a newer type.
	Type string
	// Text is the text of a text block.
	Text string
	// Source is where an image's or a document's data comes from.
	Source *BlockSource
	// Title is a document's optional title (nil when absent or null), or a
	// search result's title (required).
	Title *string
	// Context is a document's optional context (nil when absent or null).
	Context *string
	// SourceURL is a search result's source, a URL string (the other blocks'
	// source is an object).
	SourceURL string
	// Content is a search result's text blocks.
	Content []ContentBlock
	// Citations configures citations of a search result; nil leaves it out.
	Citations *Citations

	// titleNull and contextNull remember an explicit JSON null, so that a
	// decoded document re-encodes the way it came.
	titleNull, contextNull bool
	// raw is the JSON of a block of an unknown type.
	raw json.RawMessage
}

// Citations is a search result's citation setting.
type Citations struct {
	// Enabled turns citations of the search result on.
	Enabled bool `json:"enabled"`
}

// BlockSource is the source of an image or document block, a union on Type:
// base64 (MediaType, Data), url (URL), file (FileID) and, for documents, text
// (MediaType "text/plain", Data). A source of an unknown type keeps its JSON.
type BlockSource struct {
	// Type is one of the SourceType constants, or a newer type.
	Type string
	// MediaType is the media type of base64 and text data: image/png,
	// image/jpeg, image/gif or image/webp for images, application/pdf for
	// a base64 document, text/plain for a text one.
	MediaType string
	// Data is the data of a base64 source (base64-encoded) or a text source
	// (the text itself).
	Data string
	// URL is the address of a url source, which the API fetches.
	URL string
	// FileID is the file of a file source, uploaded with the Files API.
	FileID string

	raw json.RawMessage
}

// TextBlock returns a text block.
func TextBlock(text string) ContentBlock { return ContentBlock{Type: BlockTypeText, Text: text} }

// ImageBase64 returns an image block with inline data; mediaType is
// image/png, image/jpeg, image/gif or image/webp, and data is base64.
func ImageBase64(mediaType, data string) ContentBlock {
	return ContentBlock{Type: BlockTypeImage, Source: &BlockSource{Type: SourceTypeBase64, MediaType: mediaType, Data: data}}
}

// ImageURL returns an image block that the API fetches from url.
func ImageURL(url string) ContentBlock {
	return ContentBlock{Type: BlockTypeImage, Source: &BlockSource{Type: SourceTypeURL, URL: url}}
}

// ImageFile returns an image block for a file uploaded with the Files API.
func ImageFile(fileID string) ContentBlock {
	return ContentBlock{Type: BlockTypeImage, Source: &BlockSource{Type: SourceTypeFile, FileID: fileID}}
}

// DocumentPDF returns a document block holding a base64-encoded PDF.
func DocumentPDF(base64Data string) ContentBlock {
	return ContentBlock{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeBase64, MediaType: "application/pdf", Data: base64Data}}
}

// DocumentText returns a plain-text document block.
func DocumentText(text string) ContentBlock {
	return ContentBlock{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeText, MediaType: "text/plain", Data: text}}
}

// DocumentURL returns a document block that the API fetches from url.
func DocumentURL(url string) ContentBlock {
	return ContentBlock{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeURL, URL: url}}
}

// DocumentFile returns a document block for a file uploaded with the Files
// API.
func DocumentFile(fileID string) ContentBlock {
	return ContentBlock{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeFile, FileID: fileID}}
}

// SearchResultBlock returns a search result (allowed in tool results) whose
// content is one text block per text.
func SearchResultBlock(sourceURL, title string, text ...string) ContentBlock {
	content := make([]ContentBlock, len(text))
	for i, t := range text {
		content[i] = TextBlock(t)
	}
	return ContentBlock{Type: BlockTypeSearchResult, SourceURL: sourceURL, Title: &title, Content: content}
}

// JoinText concatenates the text of the text blocks, in order, skipping the
// other blocks.
func JoinText(blocks []ContentBlock) string {
	var b strings.Builder
	for _, c := range blocks {
		if c.Type == BlockTypeText {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

// RawJSON returns the JSON of a block of an unknown type; nil for the known
// types, whose fields say everything.
func (b ContentBlock) RawJSON() json.RawMessage { return b.raw }

func knownBlockType(t string) bool {
	switch t {
	case BlockTypeText, BlockTypeImage, BlockTypeDocument, BlockTypeSearchResult, BlockTypeRedacted:
		return true
	}
	return false
}

// optString is an optional, nullable string on the wire; with omitzero it is
// left out when absent.
type optString struct {
	s    *string
	null bool
}

// IsZero reports an absent value, which omitzero leaves out.
func (o optString) IsZero() bool { return o.s == nil && !o.null }

// MarshalJSON encodes the string, or null.
func (o optString) MarshalJSON() ([]byte, error) {
	if o.s == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*o.s)
}

// MarshalJSON encodes exactly the fields of the block's type; a block of an
// unknown type decoded from JSON is written back unchanged.
func (b ContentBlock) MarshalJSON() ([]byte, error) {
	switch b.Type {
	case BlockTypeText:
		return json.Marshal(struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}{b.Type, b.Text})
	case BlockTypeImage:
		return json.Marshal(struct {
			Type   string       `json:"type"`
			Source *BlockSource `json:"source"`
		}{b.Type, b.Source})
	case BlockTypeDocument:
		return json.Marshal(struct {
			Type    string       `json:"type"`
			Source  *BlockSource `json:"source"`
			Title   optString    `json:"title,omitzero"`
			Context optString    `json:"context,omitzero"`
		}{b.Type, b.Source, optString{b.Title, b.titleNull}, optString{b.Context, b.contextNull}})
	case BlockTypeSearchResult:
		title := optString{b.Title, b.titleNull}
		if title.IsZero() {
			title.s = new(string) // required: "" rather than absent
		}
		content := b.Content
		if content == nil {
			content = []ContentBlock{}
		}
		return json.Marshal(struct {
			Type      string         `json:"type"`
			Source    string         `json:"source"`
			Title     optString      `json:"title"`
			Content   []ContentBlock `json:"content"`
			Citations *Citations     `json:"citations,omitempty"`
		}{b.Type, b.SourceURL, title, content, b.Citations})
	case BlockTypeRedacted:
		return json.Marshal(struct {
			Type string `json:"type"`
		}{b.Type})
	}
	if b.raw != nil {
		return b.raw, nil
	}
	// An unknown type built in code: send what is set.
	return json.Marshal(struct {
		Type    string         `json:"type"`
		Text    string         `json:"text,omitempty"`
		Source  *BlockSource   `json:"source,omitempty"`
		Title   *string        `json:"title,omitempty"`
		Context *string        `json:"context,omitempty"`
		Content []ContentBlock `json:"content,omitempty"`
	}{b.Type, b.Text, b.Source, b.Title, b.Context, b.Content})
}

// UnmarshalJSON decodes a block of any type. Known types are decoded
// strictly; an unknown type keeps its raw JSON and only its Type is read.
//
// The variants disagree on the JSON type of source (an object, or a search
// result's string) and a text block may carry fields that another type
// defines differently, so there is no one struct for all of them: the type
// is guessed with a cheap scan and the block decoded once as that type.
func (b *ContentBlock) UnmarshalJSON(data []byte) error {
	if t, ok := peekType(data); ok {
		if typ, known := knownBlockTypeOf(t); known {
			if out, err := decodeBlock(typ, data); err == nil && out.Type == typ {
				*b = out
				return nil
			}
		}
	}
	// No guess, a wrong one, or an error.
	out, err := decodeBlockTwoPass(data)
	if err != nil {
		return err
	}
	*b = out
	return nil
}

// decodeBlockTwoPass reads the type alone, then the block of that type: the
// slow path of UnmarshalJSON, whose results the fast path must equal.
func decodeBlockTwoPass(data []byte) (ContentBlock, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return ContentBlock{}, err
	}
	if !knownBlockType(head.Type) {
		return ContentBlock{Type: head.Type, raw: bytes.Clone(data)}, nil
	}
	out, err := decodeBlock(head.Type, data)
	out.Type = head.Type
	return out, err
}

// knownBlockTypeOf returns the known block type spelt t.
func knownBlockTypeOf(t []byte) (string, bool) {
	switch string(t) {
	case BlockTypeText:
		return BlockTypeText, true
	case BlockTypeImage:
		return BlockTypeImage, true
	case BlockTypeDocument:
		return BlockTypeDocument, true
	case BlockTypeSearchResult:
		return BlockTypeSearchResult, true
	case BlockTypeRedacted:
		return BlockTypeRedacted, true
	}
	return "", false
}

// decodeBlock decodes data as a block of the known type typ, with one
// json.Unmarshal into a struct of that type's fields and the type, which
// the result's Type is.
func decodeBlock(typ string, data []byte) (ContentBlock, error) {
	var out ContentBlock
	var err error
	switch typ {
	case BlockTypeText:
		var w struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		err = json.Unmarshal(data, &w)
		out = ContentBlock{Type: w.Type, Text: w.Text}
	case BlockTypeImage:
		var w struct {
			Type   string       `json:"type"`
			Source *BlockSource `json:"source"`
		}
		err = json.Unmarshal(data, &w)
		out = ContentBlock{Type: w.Type, Source: w.Source}
	case BlockTypeDocument:
		var w struct {
			Type    string       `json:"type"`
			Source  *BlockSource `json:"source"`
			Title   optString    `json:"title"`
			Context optString    `json:"context"`
		}
		err = json.Unmarshal(data, &w)
		out = ContentBlock{Type: w.Type, Source: w.Source, Title: w.Title.s, titleNull: w.Title.null,
			Context: w.Context.s, contextNull: w.Context.null}
	case BlockTypeSearchResult:
		var w struct {
			Type      string         `json:"type"`
			Source    string         `json:"source"`
			Title     optString      `json:"title"`
			Content   []ContentBlock `json:"content"`
			Citations *Citations     `json:"citations"`
		}
		err = json.Unmarshal(data, &w)
		out = ContentBlock{Type: w.Type, SourceURL: w.Source, Title: w.Title.s, titleNull: w.Title.null,
			Content: w.Content, Citations: w.Citations}
	default: // redacted
		var w struct {
			Type string `json:"type"`
		}
		err = json.Unmarshal(data, &w)
		out = ContentBlock{Type: w.Type}
	}
	return out, err
}

// UnmarshalJSON decodes null, which it tells apart from absence, or a
// string.
func (o *optString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = optString{null: true}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*o = optString{s: &s}
	return nil
}

// RawJSON returns the JSON of a source of an unknown type; nil for the known
// types.
func (s BlockSource) RawJSON() json.RawMessage { return s.raw }

// MarshalJSON encodes exactly the fields of the source's type; a source of
// an unknown type decoded from JSON is written back unchanged.
func (s BlockSource) MarshalJSON() ([]byte, error) {
	switch s.Type {
	case SourceTypeBase64, SourceTypeText:
		return json.Marshal(struct {
			Type      string `json:"type"`
			MediaType string `json:"media_type"`
			Data      string `json:"data"`
		}{s.Type, s.MediaType, s.Data})
	case SourceTypeURL:
		return json.Marshal(struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		}{s.Type, s.URL})
	case SourceTypeFile:
		return json.Marshal(struct {
			Type   string `json:"type"`
			FileID string `json:"file_id"`
		}{s.Type, s.FileID})
	}
	if s.raw != nil {
		return s.raw, nil
	}
	return json.Marshal(struct {
		Type      string `json:"type"`
		MediaType string `json:"media_type,omitempty"`
		Data      string `json:"data,omitempty"`
		URL       string `json:"url,omitempty"`
		FileID    string `json:"file_id,omitempty"`
	}{s.Type, s.MediaType, s.Data, s.URL, s.FileID})
}

// UnmarshalJSON decodes a source of any type, keeping the JSON of unknown
// types. The fields of all the known types fit one struct, decoded in one
// pass with the type.
func (s *BlockSource) UnmarshalJSON(data []byte) error {
	type wire = struct { // an alias keeps the errors' struct name empty
		Type      string `json:"type"`
		MediaType string `json:"media_type"`
		Data      string `json:"data"`
		URL       string `json:"url"`
		FileID    string `json:"file_id"`
	}
	var w wire
	typ, raw, err := decodeOpen(data, &w, func(w *wire) string { return w.Type }, knownSourceType)
	if err != nil {
		return err
	}
	if raw != nil {
		*s = BlockSource{Type: typ, raw: raw}
		return nil
	}
	*s = BlockSource{Type: typ, MediaType: w.MediaType, Data: w.Data, URL: w.URL, FileID: w.FileID}
	return nil
}

func knownSourceType(t string) bool {
	switch t {
	case SourceTypeBase64, SourceTypeText, SourceTypeURL, SourceTypeFile:
		return true
	}
	return false
}
