package managedagentstest

import (
	"bytes"
	"encoding/json"
)

// redactedToken replaces secrets in recorded request bodies.
const redactedToken = `"REDACTED"`

// redactBody returns body with the string value of every
// "authorization_token" member, at any depth (repository tokens at session
// creation and on resource updates), replaced by "REDACTED"; every other
// byte is kept as it was. A body that is not JSON, or has no such member,
// comes back unchanged (the same slice).
func redactBody(body []byte) []byte {
	if len(body) == 0 || !json.Valid(body) {
		return body
	}
	type span struct{ start, end int }
	var spans []span
	// stack holds, for each open container, whether it is an object whose
	// next string token is a member name.
	type level struct{ object, wantKey bool }
	var stack []level
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	secretNext := false // the previous token was the name "authorization_token"
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			break // io.EOF at the end: the body is valid JSON
		}
		after := int(dec.InputOffset())
		inObject := len(stack) > 0 && stack[len(stack)-1].object
		if d, ok := tok.(json.Delim); ok {
			secretNext = false
			switch d {
			case '{', '[':
				stack = append(stack, level{object: d == '{', wantKey: d == '{'})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
			}
			continue
		}
		if inObject && stack[len(stack)-1].wantKey {
			stack[len(stack)-1].wantKey = false
			secretNext = tok == "authorization_token"
			continue
		}
		if _, isString := tok.(string); isString && secretNext {
			if q := bytes.IndexByte(body[before:after], '"'); q >= 0 {
				spans = append(spans, span{before + q, after})
			}
		}
		secretNext = false
		if inObject {
			stack[len(stack)-1].wantKey = true
		}
	}
	if len(spans) == 0 {
		return body
	}
	out := make([]byte, 0, len(body))
	prev := 0
	for _, sp := range spans {
		out = append(out, body[prev:sp.start]...)
		out = append(out, redactedToken...)
		prev = sp.end
	}
	return append(out, body[prev:]...)
}
