package managedagentstest

import (
	"encoding/json"
	"slices"
	"strings"
)

// Content blocks of client events: text, image, document, search_result and
// redacted, each allowed in some events only. Blocks are validated
// member by member and kept as sent (compacted).

var (
	// userContentTypes are the blocks of user.message content.
	userContentTypes = []string{"text", "image", "document", "redacted"}
	// toolResultContentTypes are the blocks of user.custom_tool_result and
	// user.tool_result content.
	toolResultContentTypes = []string{"text", "image", "document", "search_result"}
	// systemContentTypes are the blocks of system.message content.
	systemContentTypes = []string{"text"}

	knownBlockTypes  = []string{"text", "image", "document", "search_result", "redacted"}
	imageMediaTypes  = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}
	imageSourceTypes = []string{"base64", "url", "file"}
	docSourceTypes   = []string{"base64", "text", "url", "file"}
)

// parseContent reads the content member of o: an array of blocks of the
// allowed types with at least minLen and (when maxLen > 0) at most maxLen
// entries. A missing or null content is an error when minLen > 0 and
// returns nil otherwise.
func parseContent(o object, p string, allowed []string, minLen, maxLen int) (json.RawMessage, *apiError) {
	cp := at(p, "content")
	raw, ok := o["content"]
	if !ok || isNull(raw) {
		if minLen > 0 {
			return nil, errInvalid("%s: field is required", cp)
		}
		return nil, nil
	}
	blocks, err := parseArray(raw, cp)
	if err != nil {
		return nil, err
	}
	if len(blocks) < minLen {
		return nil, errInvalid("%s: must not be empty", cp)
	}
	if maxLen > 0 && len(blocks) > maxLen {
		return nil, errInvalid("%s: %d blocks; the limit is %d", cp, len(blocks), maxLen)
	}
	for i, b := range blocks {
		if err := checkBlock(b, index(cp, i), allowed); err != nil {
			return nil, err
		}
	}
	return compact(raw), nil
}

// checkBlock validates one content block whose type must be among allowed.
func checkBlock(raw json.RawMessage, p string, allowed []string) *apiError {
	o, err := parseObject(raw, p)
	if err != nil {
		return err
	}
	typ, err := o.requiredString("type", p)
	if err != nil {
		return err
	}
	if !slices.Contains(allowed, typ) {
		if slices.Contains(knownBlockTypes, typ) {
			return errInvalid("%s.type: %s blocks are not allowed here; expected %s", p, typ, strings.Join(allowed, ", "))
		}
		return errInvalid("%s.type: unknown content block type %q", p, typ)
	}
	switch typ {
	case "text":
		if err := o.only(p, "type", "text"); err != nil {
			return err
		}
		if _, ok := o["text"]; !ok {
			return errInvalid("%s.text: field is required", p)
		}
		_, err := parseString(o["text"], at(p, "text"))
		return err
	case "image":
		if err := o.only(p, "type", "source"); err != nil {
			return err
		}
		return checkSource(o, p, imageSourceTypes, imageMediaTypes, nil)
	case "document":
		if err := o.only(p, "type", "source", "title", "context"); err != nil {
			return err
		}
		for _, k := range []string{"title", "context"} {
			if _, err := o.optionalString(k, p); err != nil {
				return err
			}
		}
		return checkSource(o, p, docSourceTypes, []string{"application/pdf"}, []string{"text/plain"})
	case "search_result":
		if err := o.only(p, "type", "source", "title", "content", "citations"); err != nil {
			return err
		}
		if _, err := o.requiredString("source", p); err != nil {
			return err
		}
		if _, err := o.requiredString("title", p); err != nil {
			return err
		}
		if _, err := parseContent(o, p, []string{"text"}, 1, 0); err != nil {
			return err
		}
		if raw, ok := o["citations"]; ok && !isNull(raw) {
			cp := at(p, "citations")
			c, err := parseObject(raw, cp)
			if err != nil {
				return err
			}
			if err := c.only(cp, "enabled"); err != nil {
				return err
			}
			if v, ok := c["enabled"]; ok {
				if _, err := parseBool(v, at(cp, "enabled")); err != nil {
					return err
				}
			}
		}
	case "redacted":
		return o.only(p, "type")
	}
	return nil
}

// checkSource validates the source member of an image or document block.
// base64 sources take a media type from base64Media, text sources (documents
// only) one from textMedia.
func checkSource(o object, p string, types, base64Media, textMedia []string) *apiError {
	sp := at(p, "source")
	raw, ok := o["source"]
	if !ok || isNull(raw) {
		return errInvalid("%s: field is required", sp)
	}
	src, err := parseObject(raw, sp)
	if err != nil {
		return err
	}
	typ, err := src.requiredString("type", sp)
	if err != nil {
		return err
	}
	if !slices.Contains(types, typ) {
		return errInvalid("%s.type: unknown source type %q; expected %s", sp, typ, strings.Join(types, ", "))
	}
	switch typ {
	case "base64", "text":
		if err := src.only(sp, "type", "media_type", "data"); err != nil {
			return err
		}
		media := base64Media
		if typ == "text" {
			media = textMedia
		}
		mt, err := src.requiredString("media_type", sp)
		if err != nil {
			return err
		}
		if !slices.Contains(media, mt) {
			return errInvalid("%s.media_type: unsupported media type %q for a %s source; expected %s", sp, mt, typ, strings.Join(media, ", "))
		}
		_, err = src.requiredString("data", sp)
		return err
	case "url":
		if err := src.only(sp, "type", "url"); err != nil {
			return err
		}
		_, err := src.requiredString("url", sp)
		return err
	case "file":
		if err := src.only(sp, "type", "file_id"); err != nil {
			return err
		}
		_, err := src.requiredString("file_id", sp)
		return err
	}
	return nil
}
