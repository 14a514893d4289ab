package mcp

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/managedagents/managedagents-go"
)

// Schemas are inferred from the Go input and output types, then tightened
// for clients that build arguments from them (form builders such as the MCP
// Inspector read schema.type): no "null" in a type list where leaving the
// field out serves, enums for closed sets, bounds on numbers and formats on
// times.

// apiObject is a JSON object passed through as the API sent it: its schema
// is any object, so fields and event types this server does not know pass
// validation unchanged.
type apiObject = json.RawMessage

// schemaOptions maps the pass-through type to an open object schema.
var schemaOptions = &jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[json.RawMessage](): {Type: "object"},
}}

// schemaFor infers T's schema, removes "null" from every type list, and
// lets tighten add constraints. Inference of the fixed types here cannot
// fail at run time but for a bug, which NewServer reports.
func schemaFor[T any](tighten func(s *jsonschema.Schema)) *jsonschema.Schema {
	s, err := jsonschema.For[T](schemaOptions)
	if err != nil {
		panic(fmt.Sprintf("inferring the schema of %T: %v", *new(T), err))
	}
	dropNull(s)
	if tighten != nil {
		tighten(s)
	}
	return s
}

// dropNull replaces every type list of "null" and one other type by that
// type, throughout s.
func dropNull(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if len(s.Types) > 0 {
		var kept []string
		for _, t := range s.Types {
			if t != "null" {
				kept = append(kept, t)
			}
		}
		if len(kept) == 1 {
			s.Type, s.Types = kept[0], nil
		} else {
			s.Types = kept
		}
	}
	dropNull(s.Items)
	dropNull(s.AdditionalProperties)
	for _, p := range s.Properties {
		dropNull(p)
	}
	for _, list := range [][]*jsonschema.Schema{s.AnyOf, s.OneOf, s.AllOf} {
		for _, sub := range list {
			dropNull(sub)
		}
	}
}

// prop returns the schema of the property at path (through array items),
// or panics: the paths are fixed, so a wrong one is a bug that the tests
// and NewServer catch.
func prop(s *jsonschema.Schema, path ...string) *jsonschema.Schema {
	for _, name := range path {
		for s.Items != nil && s.Properties == nil {
			s = s.Items
		}
		p := s.Properties[name]
		if p == nil {
			panic(fmt.Sprintf("schema has no property %q", name))
		}
		s = p
	}
	return s
}

// enumOf returns vs as enum values.
func enumOf[T ~string](vs ...T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// Closed sets of the API that inputs take.
var (
	sessionStatuses = enumOf(managedagents.StatusIdle, managedagents.StatusRunning,
		managedagents.StatusRescheduling, managedagents.StatusTerminated)
	threadStatuses = enumOf(managedagents.ThreadStatusIdle, managedagents.ThreadStatusRunning,
		managedagents.ThreadStatusRescheduling, managedagents.ThreadStatusTerminated)
	orders = enumOf(managedagents.OrderAsc, managedagents.OrderDesc)
)

// setEnum constrains s (or, for an array, its items) to values.
func setEnum(s *jsonschema.Schema, values []any) {
	if s.Items != nil {
		s = s.Items
	}
	s.Enum = values
}

// setRange bounds a number.
func setRange(s *jsonschema.Schema, lo, hi float64) {
	s.Minimum, s.Maximum = &lo, &hi
}

// setLimit bounds a page size to what the API accepts.
func setLimit(s *jsonschema.Schema) { setRange(s, 1, 1000) }

// setDateTime marks a time bound.
func setDateTime(s *jsonschema.Schema) { s.Format = "date-time" }

// eventItems describes the items of an events array: objects whose type is
// one a client may send, from the library's catalog.
func eventItems(s *jsonschema.Schema) {
	s.Items = &jsonschema.Schema{
		Type:     "object",
		Required: []string{"type"},
		Properties: map[string]*jsonschema.Schema{
			"type": {Type: "string", Enum: enumOf(clientEventTypes...), Description: "The event type."},
		},
		Description: "A client event, as on the wire.",
	}
	s.MinItems, s.MaxItems = ptr(1), ptr(maxEventsPerCall)
}

// maxEventsPerCall is the most events one request may carry, as the API
// documents for sends and initial events.
const maxEventsPerCall = 50

// shapeOf renders an object schema's properties on one line, like
// {"session_id": string (required), "events": [object] (required)}.
func shapeOf(s *jsonschema.Schema) string {
	var b strings.Builder
	b.WriteString("{")
	names := s.PropertyOrder
	if len(names) == 0 {
		names = slices.Sorted(maps.Keys(s.Properties))
	}
	for i, name := range names {
		p := s.Properties[name]
		if p == nil {
			continue
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %s", name, schemaTypeName(p))
		if slices.Contains(s.Required, name) {
			b.WriteString(" (required)")
		}
	}
	b.WriteString("}")
	return b.String()
}

// schemaTypeName names a schema's type briefly: string, integer, [object], one of
// a|b.
func schemaTypeName(s *jsonschema.Schema) string {
	switch {
	case len(s.Enum) > 0 && len(s.Enum) <= 8:
		var vs []string
		for _, v := range s.Enum {
			vs = append(vs, fmt.Sprint(v))
		}
		return "one of " + strings.Join(vs, "|")
	case s.Type == "array" && s.Items != nil:
		return "[" + schemaTypeName(s.Items) + "]"
	case s.Type != "":
		return s.Type
	case len(s.Types) > 0:
		return strings.Join(s.Types, "|")
	}
	return "any"
}
