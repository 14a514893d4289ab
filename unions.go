package managedagents

import (
	"bytes"
	"encoding/json"
)

// This file holds what the decoders of the unions on "type" share. Each
// decodes its bytes with one call of encoding/json in the common case,
// rather than reading the type first and the whole object again:
//
//   - the unions whose variants all fit one struct (stop reasons, errors,
//     evaluations, workflow results, block sources) decode into it, its own
//     Type field reading the discriminator (decodeOpen);
//   - the unions whose variants disagree on a field's JSON type (content
//     blocks, whose source is an object or a string, and events) guess the
//     type with peekType, decode into that variant's struct, and keep the
//     result when the decoded Type is the guess.
//
// The guess is only a guess: encoding/json has the last word on what the
// type is, with its own rules (keys matched case-insensitively and after
// unescaping, the last of duplicate keys winning, null leaving a string
// unset). When the decoded type is not the guess, or the decode fails, the
// decoder falls back to reading the type alone and then the variant, which
// is what it did before, so that every input gives the result and the
// error it always gave.

// peekType returns the bytes of the first top-level "type" member of the
// JSON object in data, when its key is spelt exactly "type" and its value
// is a string without escapes. It reports false when it finds no such
// member or data does not look like an object; it does not validate data.
func peekType(data []byte) ([]byte, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return nil, false // '}', or not an object
		}
		end, ok := skipString(data, i)
		if !ok {
			return nil, false
		}
		isType := string(data[i+1:end-1]) == "type"
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}
		i = skipSpace(data, i+1)
		if isType {
			if i >= len(data) || data[i] != '"' {
				return nil, false // null, or not a string: let encoding/json judge
			}
			end, ok := skipString(data, i)
			if !ok {
				return nil, false
			}
			v := data[i+1 : end-1]
			if bytes.IndexByte(v, '\\') >= 0 {
				return nil, false
			}
			return v, true
		}
		if i, ok = skipValue(data, i); !ok {
			return nil, false
		}
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != ',' {
			return nil, false // '}': no type, or not JSON
		}
		i++
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string that starts with the
// quote at data[i].
func skipString(data []byte, i int) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, false
		}
		q := j + k
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for p := q - 1; p > i && data[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, true
		}
		j = q + 1
	}
}

// skipValue returns the index just past the JSON value that starts at
// data[i]. It matches brackets by depth without checking their kind, which
// suffices to step over valid JSON; invalid JSON may give any index.
func skipValue(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return 0, false
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				end, ok := skipString(data, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	}
	// A number, true, false or null runs to the next delimiter.
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i, true
		}
		i++
	}
	return i, true
}

// isJSONString reports whether the JSON value in data starts as a string.
// The decoders of the values that are either a string or an object use it
// to decode once; a string that does not parse still falls through to the
// object form and its error, as when the string form was always tried
// first.
func isJSONString(data []byte) bool {
	i := skipSpace(data, 0)
	return i < len(data) && data[i] == '"'
}

// decodeOpen decodes an object of an open union on "type" into v, a fresh
// pointer to a method-less struct whose Type field typeOf returns. One pass
// decodes the fields and the type together; a known type is thus decoded
// strictly, and an unknown one yields a copy of b to be written back, since
// its fields are not all known. When that pass fails, only the type is read
// again: a known type returns the error, and an unknown one keeps what the
// failed pass could decode (best effort: raw holds the truth).
func decodeOpen[T any](b []byte, v *T, typeOf func(*T) string, known func(string) bool) (typ string, raw json.RawMessage, err error) {
	err = json.Unmarshal(b, v)
	if err == nil {
		typ = typeOf(v)
		if !known(typ) {
			raw = bytes.Clone(b)
		}
		return typ, raw, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if herr := json.Unmarshal(b, &head); herr != nil {
		return "", nil, herr
	}
	if known(head.Type) {
		return head.Type, nil, err
	}
	return head.Type, bytes.Clone(b), nil
}

// marshalOpen encodes p, the method-less copy of an open union's value of
// type typ, or writes raw back unchanged for a type that known rejects.
func marshalOpen[P any](p P, typ string, raw json.RawMessage, known func(string) bool) ([]byte, error) {
	if raw != nil && !known(typ) {
		return raw, nil
	}
	return json.Marshal(p)
}

// unmarshalOpen decodes b with decodeOpen into a fresh P, the method-less
// copy of an open union's type, whose Type field typeField points to. It
// returns the value with its Type set and the raw JSON to keep.
func unmarshalOpen[P any](b []byte, typeField func(*P) *string, known func(string) bool) (P, json.RawMessage, error) {
	var p P
	typ, raw, err := decodeOpen(b, &p, func(p *P) string { return *typeField(p) }, known)
	if err != nil {
		return p, nil, err
	}
	*typeField(&p) = typ
	return p, raw, nil
}
