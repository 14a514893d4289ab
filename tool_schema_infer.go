package managedagents

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
)

// InputSchemaFor returns the JSON Schema of In as the input_schema of a
// custom tool: an object with a property per field, in field order, named
// as encoding/json names it. A field's jsonschema tag is its description; a
// field is required unless its json tag has omitempty or omitzero; fields
// the input cannot carry (channels, functions, json:"-") are left out, and
// properties the struct does not have are refused ("additionalProperties":
// false). TypedTool calls it when given no schema.
//
//	type lookupInput struct {
//		CustomerID string `json:"customer_id" jsonschema:"the CRM's customer ID"`
//		Fields     []string `json:"fields,omitempty" jsonschema:"fields to return; all when empty"`
//	}
//
// The schema is what the API documents for a custom tool's input_schema, a
// JSON Schema object whose type is "object"
// (https://platform.claude.com/docs/en/managed-agents/tools): In must be a
// struct, a pointer to one, or a map with string keys. Types are kept simple
// for the model: a pointer or a slice, for which encoding/json reads an
// absent member and null alike, has its element's type without a "null"
// alternative; time.Time is a date-time string, []byte a base64 string, and
// json.RawMessage or an interface any JSON value. A recursive type has no
// such schema and is an error.
func InputSchemaFor[In any]() (json.RawMessage, error) {
	return inputSchemaFor(reflect.TypeFor[In](), "")
}

// toolSchemaFor is InputSchemaFor for TypedTool: its error names the tool.
func toolSchemaFor[In any](tool string) (json.RawMessage, error) {
	return inputSchemaFor(reflect.TypeFor[In](), fmt.Sprintf("tool %q: ", tool))
}

// inputSchemaFor is InputSchemaFor for the type t; prefix starts its error
// messages.
func inputSchemaFor(t reflect.Type, prefix string) (json.RawMessage, error) {
	s, err := jsonschema.ForType(t, &jsonschema.ForOptions{
		IgnoreInvalidTypes: true,
		TypeSchemas:        inputTypeSchemas,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %sno input schema for %v: %w", ErrInvalidParams, prefix, t, err)
	}
	simplifySchema(s)
	if s == nil || s.Type != "object" { // nil: a type jsonschema-go ignores, such as a map with int keys
		return nil, invalidParams("%sno input schema for %v: a tool's input is a JSON object, so it must be a struct or a map with string keys", prefix, t)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %sno input schema for %v: %w", ErrInvalidParams, prefix, t, err)
	}
	return b, nil
}

// anyJSONDescription describes a property that takes any JSON value. It is
// there because jsonschema-go renders an empty schema as the boolean schema
// true, which says the same but is not an object.
const anyJSONDescription = "any JSON value"

// inputTypeSchemas are the types whose JSON form is not what their Go kind
// suggests.
var inputTypeSchemas = map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[time.Time]():       {Type: "string", Format: "date-time"},
	reflect.TypeFor[[]byte]():          {Type: "string", Description: "base64-encoded bytes"},
	reflect.TypeFor[json.RawMessage](): {Description: anyJSONDescription},
	reflect.TypeFor[any]():             {Description: anyJSONDescription},
}

// simplifySchema rewrites, in place, what jsonschema-go infers into the
// plainer form a tool's input needs: a "null" alternative in a list of
// types is dropped, and a schema that takes anything is an object with a
// description rather than the boolean schema true.
func simplifySchema(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if slices.Contains(s.Types, "null") {
		// A pointer or a slice: ["null", T], or ["null"] alone for a
		// pointer to a type that takes any value.
		types := slices.DeleteFunc(slices.Clone(s.Types), func(t string) bool { return t == "null" })
		s.Types = nil
		switch len(types) {
		case 0:
		case 1:
			s.Type = types[0]
		default:
			s.Types = types
		}
	}
	if isTrueSchema(s) {
		s.Description = anyJSONDescription
		return
	}
	for _, p := range s.Properties {
		simplifySchema(p)
	}
	simplifySchema(s.Items)
	if s.AdditionalProperties != nil && s.AdditionalProperties.Not == nil { // not the schema false
		simplifySchema(s.AdditionalProperties)
	}
}

// isTrueSchema reports whether s is the empty schema, which accepts
// anything: such as the schema of an interface other than any.
func isTrueSchema(s *jsonschema.Schema) bool {
	b, err := json.Marshal(s)
	return err == nil && string(b) == "true"
}
