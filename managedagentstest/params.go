package managedagentstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file holds the strict JSON reading used by every request body: the
// fake decodes bodies member by member so that it can tell an omitted field
// from an explicit null, reject unknown fields by name, and say exactly which
// field is wrong, the way the API's validation errors do.

// object is a JSON object with its members still raw.
type object map[string]json.RawMessage

// field is one member of an orderedObject.
type field struct {
	key   string
	value any
}

// orderedObject marshals as a JSON object with its members in the given
// order. Responses use it where the API's order is worth keeping
// (events start with type and id, for instance), which plain maps would sort.
type orderedObject []field

// MarshalJSON implements json.Marshaler.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshal(f.key)
		if err != nil {
			return nil, err
		}
		v, err := marshal(f.value)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// readBody reads a request body that must be a JSON object.
func readBody(r *http.Request) (object, *apiError) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, errInvalid("could not read the request body: %v", err)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errInvalid("request body is empty; expected a JSON object")
	}
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v)
		return nil, errInvalid("request body is not valid JSON: %v", err)
	}
	return parseObject(b, "request body")
}

// kind returns the first byte of a JSON value, which identifies its kind:
// '{', '[', '"', 'n' (null), 't'/'f' (booleans) or a number's first byte.
func kind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func isNull(raw json.RawMessage) bool { return kind(raw) == 'n' }

// at joins a path and a member name for error messages.
func at(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index joins a path and an array index for error messages.
func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func parseObject(raw json.RawMessage, path string) (object, *apiError) {
	if kind(raw) != '{' {
		return nil, errInvalid("%s: expected an object", path)
	}
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, errInvalid("%s: %v", path, err)
	}
	return o, nil
}

// only rejects members other than allowed, naming the first unknown one in
// sorted order so the message is stable.
func (o object) only(path string, allowed ...string) *apiError {
	var unknown []string
	for k := range o {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	if path == "" {
		return errInvalid("unknown field %q", unknown[0])
	}
	return errInvalid("%s: unknown field %q", path, unknown[0])
}

// has reports whether the member is present (even as null).
func (o object) has(key string) bool {
	_, ok := o[key]
	return ok
}

func parseArray(raw json.RawMessage, path string) ([]json.RawMessage, *apiError) {
	if kind(raw) != '[' {
		return nil, errInvalid("%s: expected an array", path)
	}
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, errInvalid("%s: %v", path, err)
	}
	return a, nil
}

func parseString(raw json.RawMessage, path string) (string, *apiError) {
	if kind(raw) != '"' {
		return "", errInvalid("%s: expected a string", path)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errInvalid("%s: %v", path, err)
	}
	return s, nil
}

// requiredString reads a member that must be a non-empty string.
func (o object) requiredString(key, path string) (string, *apiError) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return "", errInvalid("%s: field is required", at(path, key))
	}
	s, err := parseString(raw, at(path, key))
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", errInvalid("%s: must not be empty", at(path, key))
	}
	return s, nil
}

// optionalString reads a member that may be absent or null (nil result) or a
// string.
func (o object) optionalString(key, path string) (*string, *apiError) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return nil, nil
	}
	s, err := parseString(raw, at(path, key))
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func parseBool(raw json.RawMessage, path string) (bool, *apiError) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errInvalid("%s: expected a boolean", path)
}

// parseInt reads an integer exactly, as int64; fractions, exponents and
// out-of-range values are rejected rather than rounded.
func parseInt(raw json.RawMessage, path string) (int64, *apiError) {
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return 0, errInvalid("%s: expected an integer", path)
	}
	return n, nil
}

// compact returns raw without insignificant white space.
func compact(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	return buf.Bytes()
}

// runes counts characters, which is how the API states its length limits.
func runes(s string) int { return utf8.RuneCountInString(s) }

// timestamp marshals as the API's date-time form: RFC 3339 in UTC with
// millisecond fractions, e.g. "2026-11-26T10:15:02.114Z".
type timestamp time.Time

const timeLayout = "2006-01-02T15:04:05.000Z"

// MarshalJSON implements json.Marshaler.
func (t timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(timeLayout) + `"`), nil
}

// optTime returns a *timestamp for an optional time, nil for nil.
func optTime(t *time.Time) *timestamp {
	if t == nil {
		return nil
	}
	ts := timestamp(*t)
	return &ts
}
