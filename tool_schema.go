package managedagents

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
)

// ToolInputSchema is a custom tool's input_schema: a JSON Schema object
// whose "type" is "object". Type, Properties and Required are the members
// the API models; a schema decoded from JSON, or made by InputSchemaJSON,
// also keeps its bytes, so that keywords this type does not model (such as
// "additionalProperties" or "$defs") survive and an unchanged schema is
// re-encoded byte for byte.
//
// https://platform.claude.com/docs/en/managed-agents/tools
type ToolInputSchema struct {
	// Type is "object"; left empty it is sent as "object".
	Type string `json:"type"`
	// Properties maps each input member to its JSON Schema, as JSON.
	Properties map[string]json.RawMessage `json:"properties,omitempty"`
	// Required lists the members the input must have.
	Required []string `json:"required,omitempty"`

	raw json.RawMessage
}

// plainSchema is ToolInputSchema without its methods, for encoding/json.
type plainSchema ToolInputSchema

// InputSchemaJSON returns the schema in raw, which is sent as given. What of
// it fits the typed fields fills them; raw that is not a JSON object leaves
// them empty and is still sent as given, for the API to judge.
func InputSchemaJSON(raw json.RawMessage) ToolInputSchema {
	if raw == nil {
		return ToolInputSchema{}
	}
	var s ToolInputSchema
	_ = s.UnmarshalJSON(raw) // keeps raw in any case
	return s
}

// RawJSON returns the bytes the schema was decoded from or built with; nil
// for a schema built from its fields.
func (s ToolInputSchema) RawJSON() json.RawMessage { return s.raw }

// IsZero reports whether the schema is unset, so that an absent
// input_schema stays absent.
func (s ToolInputSchema) IsZero() bool {
	return s.raw == nil && s.Type == "" && s.Properties == nil && s.Required == nil
}

// UnmarshalJSON decodes the schema and keeps its bytes. A schema whose
// members do not fit the typed fields is not an error: the bytes are kept
// and the fields hold what decoded. JSON null leaves the schema unset.
func (s *ToolInputSchema) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*s = ToolInputSchema{}
		return nil
	}
	var p plainSchema
	_ = json.Unmarshal(b, &p) // best effort: raw holds the truth
	*s = ToolInputSchema(p)
	s.raw = bytes.Clone(b)
	return nil
}

// MarshalJSON writes the kept bytes when the typed fields still say what
// they said; after an edit of the fields it writes the kept members with the
// edited ones replaced, so that nothing else is lost. A schema built from
// its fields gets "type": "object" by default.
func (s ToolInputSchema) MarshalJSON() ([]byte, error) {
	if s.raw == nil {
		p := plainSchema(s)
		if p.Type == "" {
			p.Type = "object"
		}
		return json.Marshal(p)
	}
	var orig plainSchema
	var members map[string]json.RawMessage
	if json.Unmarshal(s.raw, &orig) != nil || json.Unmarshal(s.raw, &members) != nil || members == nil {
		return s.raw, nil // not an object: sent as given
	}
	if orig.Type == s.Type && reflect.DeepEqual(orig.Properties, s.Properties) && slices.Equal(orig.Required, s.Required) {
		return s.raw, nil
	}
	set := func(key string, v any, empty bool) error {
		if empty {
			delete(members, key)
			return nil
		}
		b, err := json.Marshal(v)
		members[key] = b
		return err
	}
	if err := set("type", s.Type, s.Type == ""); err != nil {
		return nil, err
	}
	if err := set("properties", s.Properties, s.Properties == nil); err != nil {
		return nil, err
	}
	if err := set("required", s.Required, s.Required == nil); err != nil {
		return nil, err
	}
	return json.Marshal(members) // keys sorted
}
