package managedagents

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Field is a request field with three states, for the places where the API
// gives JSON null a meaning (clearing a title, removing a budget, clearing an
// agent override):
//
//   - the zero Field is unset, and the field is omitted from the request;
//   - Set(v) sends v;
//   - Null[T]() sends null.
//
// Set of a nil slice sends [], which the API reads as "clear the list".
type Field[T any] struct {
	value T
	state fieldState
}

type fieldState uint8

const (
	fieldUnset fieldState = iota
	fieldNull
	fieldValue
)

// Set returns a Field that sends v.
func Set[T any](v T) Field[T] { return Field[T]{value: v, state: fieldValue} }

// Null returns a Field that sends JSON null.
func Null[T any]() Field[T] { return Field[T]{state: fieldNull} }

// Get returns the value and whether one was set.
func (f Field[T]) Get() (T, bool) { return f.value, f.state == fieldValue }

// IsNull reports whether the field sends null.
func (f Field[T]) IsNull() bool { return f.state == fieldNull }

// IsZero reports whether the field is unset; with the omitzero tag option it
// makes encoding/json omit the field.
func (f Field[T]) IsZero() bool { return f.state == fieldUnset }

// MarshalJSON encodes null or the value. An unset field encodes as null too,
// but struct fields of type Field carry omitzero, so it is never sent.
func (f Field[T]) MarshalJSON() ([]byte, error) {
	if f.state != fieldValue {
		return []byte("null"), nil
	}
	if v := reflect.ValueOf(f.value); v.Kind() == reflect.Slice && v.IsNil() {
		return []byte("[]"), nil
	}
	return json.Marshal(f.value)
}

// UnmarshalJSON decodes null as Null and anything else as Set.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*f = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Set(v)
	return nil
}
