package managedagents

import (
	"bytes"
	"encoding/json"
)

// This file holds what the decoders of the unions on "type" share. Each
// decodes its bytes with one call of encoding/json in the common case,
// rather than reading the type first and the whole object again.

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
