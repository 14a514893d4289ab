package managedagents

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Input shapes for TestInputSchemaFor.
type (
	schemaFlat struct {
		Name     string `json:"name" jsonschema:"who to greet"`
		Times    int    `json:"times,omitempty" jsonschema:"how often; once when absent"`
		Loud     bool   `json:"loud,omitzero"`
		Internal string `json:"-"`
		Untagged float64
	}
	schemaAddress struct {
		City string `json:"city"`
	}
	schemaNested struct {
		Home   schemaAddress   `json:"home" jsonschema:"where they live"`
		Work   *schemaAddress  `json:"work,omitempty"`
		Others []schemaAddress `json:"others,omitempty"`
		Labels map[string]int  `json:"labels,omitempty"`
	}
	schemaNumbers struct {
		Small  int8     `json:"small"`
		Count  uint     `json:"count"`
		Ratio  float32  `json:"ratio"`
		Tags   []string `json:"tags"`
		Matrix [2]int   `json:"matrix"`
	}
	schemaSpecial struct {
		When    time.Time       `json:"when"`
		Blob    []byte          `json:"blob,omitempty"`
		Extra   json.RawMessage `json:"extra,omitempty"`
		Value   any             `json:"value,omitempty"`
		MaybeAt *time.Time      `json:"maybe_at,omitempty"`
		Opaque  *any            `json:"opaque,omitempty"`
		Stringy fmtStringer     `json:"stringy,omitempty"`
	}
	fmtStringer interface{ String() string }
	schemaBase  struct {
		ID string `json:"id"`
	}
	schemaEmbedded struct {
		schemaBase
		Note string `json:"note,omitempty"`
	}
	schemaUnsupported struct {
		Query string         `json:"query"`
		Done  chan struct{}  `json:"done"`
		Call  func()         `json:"call"`
		ByInt map[int]string `json:"by_int"`
	}
	schemaTree struct {
		Value    string       `json:"value"`
		Children []schemaTree `json:"children,omitempty"`
	}
)

// TestInputSchemaFor checks the schema inferred for several struct shapes,
// byte for byte (properties keep the field order), and that each one is
// what the API takes as a custom tool's input_schema: an object whose type
// is "object", with no boolean subschemas and no "null" type alternatives.
func TestInputSchemaFor(t *testing.T) {
	for _, tt := range []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"flat, with descriptions and optional fields", reflect.TypeFor[schemaFlat](),
			`{"type":"object","properties":{"name":{"type":"string","description":"who to greet"},` +
				`"times":{"type":"integer","description":"how often; once when absent"},"loud":{"type":"boolean"},` +
				`"Untagged":{"type":"number"}},"required":["name","Untagged"],"additionalProperties":false}`},
		{"nested structs, pointers, slices and maps", reflect.TypeFor[schemaNested](),
			`{"type":"object","properties":{"home":{"type":"object","properties":{"city":{"type":"string"}},"description":"where they live","required":["city"],"additionalProperties":false},` +
				`"work":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false},` +
				`"others":{"type":"array","items":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}},` +
				`"labels":{"type":"object","additionalProperties":{"type":"integer"}}},"required":["home"],"additionalProperties":false}`},
		{"numbers and arrays", reflect.TypeFor[schemaNumbers](),
			`{"type":"object","properties":{"small":{"type":"integer","minimum":-128,"maximum":127},"count":{"type":"integer","minimum":0},` +
				`"ratio":{"type":"number"},"tags":{"type":"array","items":{"type":"string"}},"matrix":{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":2}},` +
				`"required":["small","count","ratio","tags","matrix"],"additionalProperties":false}`},
		{"types whose JSON is not their kind", reflect.TypeFor[schemaSpecial](),
			`{"type":"object","properties":{"when":{"type":"string","format":"date-time"},"blob":{"type":"string","description":"base64-encoded bytes"},` +
				`"extra":{"description":"any JSON value"},"value":{"description":"any JSON value"},"maybe_at":{"type":"string","format":"date-time"},` +
				`"opaque":{"description":"any JSON value"},"stringy":{"description":"any JSON value"}},"required":["when"],"additionalProperties":false}`},
		{"an embedded struct", reflect.TypeFor[schemaEmbedded](),
			`{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"required":["id"],"additionalProperties":false}`},
		{"fields JSON cannot carry are left out", reflect.TypeFor[schemaUnsupported](),
			`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"],"additionalProperties":false}`},
		{"a pointer to a struct", reflect.TypeFor[*schemaAddress](),
			`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`},
		{"a map", reflect.TypeFor[map[string]string](),
			`{"type":"object","additionalProperties":{"type":"string"}}`},
		{"an empty struct", reflect.TypeFor[struct{}](),
			`{"type":"object","additionalProperties":false}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inputSchemaFor(tt.typ, "")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("schema:\n got %s\nwant %s", got, tt.want)
			}
			checkToolSchema(t, got)
		})
	}
}

// checkToolSchema checks that schema is what a custom tool's input_schema
// must be, and that nothing in it is a form the API might refuse: a
// boolean schema where an object is expected, a list of types, $schema.
func checkToolSchema(t *testing.T, schema json.RawMessage) {
	t.Helper()
	var top map[string]any
	if err := json.Unmarshal(schema, &top); err != nil || top["type"] != "object" {
		t.Fatalf("schema %s is not an object of type object (%v)", schema, err)
	}
	var walk func(path string, node any)
	walk = func(path string, node any) {
		obj, ok := node.(map[string]any)
		if !ok {
			t.Errorf("%s is %v, not a schema object", path, node)
			return
		}
		if _, ok := obj["$schema"]; ok {
			t.Errorf("%s has $schema", path)
		}
		if typ, ok := obj["type"]; ok {
			if _, isString := typ.(string); !isString {
				t.Errorf("%s.type is %v, not one type", path, typ)
			}
		}
		if props, ok := obj["properties"].(map[string]any); ok {
			for name, p := range props {
				walk(path+".properties."+name, p)
			}
		}
		if items, ok := obj["items"]; ok {
			walk(path+".items", items)
		}
		if ap, ok := obj["additionalProperties"]; ok && ap != false {
			walk(path+".additionalProperties", ap)
		}
	}
	walk("input_schema", top)
}

func TestInputSchemaForErrors(t *testing.T) {
	for _, tt := range []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[string](), "managedagents: invalid parameters: no input schema for string: a tool's input is a JSON object, so it must be a struct or a map with string keys"},
		{reflect.TypeFor[[]schemaAddress](), "managedagents: invalid parameters: no input schema for []managedagents.schemaAddress: a tool's input is a JSON object, so it must be a struct or a map with string keys"},
		{reflect.TypeFor[map[int]string](), "managedagents: invalid parameters: no input schema for map[int]string: a tool's input is a JSON object, so it must be a struct or a map with string keys"},
		{reflect.TypeFor[schemaTree](), "managedagents: invalid parameters: no input schema for managedagents.schemaTree: ForType(managedagents.schemaTree): computing element schema: cycle detected for type managedagents.schemaTree"},
	} {
		_, err := inputSchemaFor(tt.typ, "")
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalidParams) {
			t.Errorf("%v:\n got %v\nwant %s", tt.typ, err, tt.want)
		}
	}
}

// TestTypedToolInfersItsSchema: TypedTool with a nil schema infers it; a
// schema it is given is kept as it is; and a type with no schema makes the
// definition fail where it is used, never silently.
func TestTypedToolInfersItsSchema(t *testing.T) {
	greet := func(ctx context.Context, in schemaFlat) (string, error) { return "hello " + in.Name, nil }
	d := TypedTool("greet", "Greets someone.", nil, greet)
	want, _ := InputSchemaFor[schemaFlat]()
	if string(d.InputSchema) != string(want) || string(d.Tool().InputSchema.RawJSON()) != string(want) {
		t.Errorf("InputSchema = %s, want the inferred %s", d.InputSchema, want)
	}
	out, err := d.Handler(testContext(t), json.RawMessage(`{"name":"Ada"}`))
	if err != nil || JoinText(out) != "hello Ada" {
		t.Errorf("Handler = %v, %v", out, err)
	}
	if given := TypedTool("greet", "Greets someone.", json.RawMessage(`{"type":"object"}`), greet); string(given.InputSchema) != `{"type":"object"}` {
		t.Errorf("a given schema became %s", given.InputSchema)
	}

	bad := TypedTool("walk", "Walks a tree.", nil, func(ctx context.Context, in schemaTree) (string, error) { return "", nil })
	const wantErr = `managedagents: invalid parameters: tool "walk": no input schema for managedagents.schemaTree`
	if _, err := bad.Handler(testContext(t), json.RawMessage(`{}`)); err == nil || !strings.HasPrefix(err.Error(), wantErr) {
		t.Errorf("Handler of a tool without a schema: %v, want %s…", err, wantErr)
	}
	c := newTestClient(t, "http://127.0.0.1:9")
	r := &Runner{Client: c, Tools: []ToolDefinition{bad}}
	if _, err := r.Run(testContext(t), "sesn_1", UserMessage("hi")); err == nil || !strings.HasPrefix(err.Error(), wantErr) {
		t.Errorf("Run with a tool without a schema: %v, want %s…", err, wantErr)
	}
}
