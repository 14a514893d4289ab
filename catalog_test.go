package managedagents

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/managedagents/managedagents-go/internal/catalogen"
)

// TestCatalogGenerated fails when the generated files are not what the
// catalog in catalog.go makes: run `go generate` after changing it.
func TestCatalogGenerated(t *testing.T) {
	files, err := catalogen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.FromSlash(name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what catalog.go generates; run go generate", name)
		}
	}
}

// TestCatalogTypes checks every declaration against the code: the registry
// builds the declared Go type, which encodes with the declared type, and
// the declared param reports it.
func TestCatalogTypes(t *testing.T) {
	params := map[string]EventParam{}
	for _, p := range []EventParam{UserMessageParam{}, InterruptParam{}, ToolConfirmationParam{}, CustomToolResultParam{},
		ToolResultParam{}, DefineOutcomeParam{}, SystemMessageParam{}} {
		params[reflect.TypeOf(p).Name()] = p
	}
	var sendable []string
	for _, d := range eventCatalog {
		newEvent, ok := eventTypes[d.typ]
		if !ok {
			t.Errorf("%s: not in the registry", d.typ)
			continue
		}
		ev := newEvent()
		if got := reflect.TypeOf(ev).Elem().Name(); got != d.goType {
			t.Errorf("%s decodes into %s, declared %s", d.typ, got, d.goType)
		}
		out, err := json.Marshal(ev)
		if err != nil {
			t.Errorf("%s: encoding a zero event: %v", d.typ, err)
		} else if !bytes.Contains(out, []byte(`"type":"`+d.typ+`"`)) {
			t.Errorf("%s: a zero event encodes without its type: %s", d.typ, out)
		}
		if d.param == "" {
			continue
		}
		sendable = append(sendable, d.typ)
		p, ok := params[d.param]
		if !ok {
			t.Errorf("%s: param type %s is not an EventParam", d.typ, d.param)
			continue
		}
		if p.EventParamType() != d.typ {
			t.Errorf("%s reports type %s, declared %s", d.param, p.EventParamType(), d.typ)
		}
	}
	if len(eventTypes) != len(eventCatalog) {
		t.Errorf("the registry has %d types, the catalog %d", len(eventTypes), len(eventCatalog))
	}
	if len(sendable) != len(params) {
		t.Errorf("the catalog declares %d sendable types, the package has %d params", len(sendable), len(params))
	}
	var listed []string
	for _, info := range EventTypes() {
		if info.Sendable {
			listed = append(listed, info.Type)
		}
	}
	if !slices.Equal(listed, sendable) {
		t.Errorf("EventTypes lists %v as sendable, the catalog %v", listed, sendable)
	}
}

// TestCatalogFixtures checks the fixtures under testdata/events against the
// catalog: each is named after the type it holds (or starts with
// "unknown." for a type the library does not know), decodes into the
// declared Go type, and every declared type has at least one.
func TestCatalogFixtures(t *testing.T) {
	decls := map[string]eventDecl{}
	for _, d := range eventCatalog {
		decls[d.typ] = d
	}
	covered := map[string]bool{}
	paths, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures (%v)", err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := DecodeEvent(raw)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.HasPrefix(name, "unknown.") {
			if _, ok := ev.(*UnknownEvent); !ok {
				t.Errorf("%s: decodes as %T, but its name says the type is unknown", name, ev)
			}
			if _, ok := decls[ev.EventType()]; ok {
				t.Errorf("%s: type %s is in the catalog; rename the fixture", name, ev.EventType())
			}
			continue
		}
		d, ok := decls[ev.EventType()]
		if !ok {
			t.Errorf("%s: type %s is not in the catalog", name, ev.EventType())
			continue
		}
		if name != d.typ && !strings.HasPrefix(name, d.typ+".") {
			t.Errorf("%s holds a %s: name it %s.json or %s.<case>.json", name, d.typ, d.typ, d.typ)
		}
		if got := reflect.TypeOf(ev).Elem().Name(); got != d.goType {
			t.Errorf("%s decodes into %s, declared %s", name, got, d.goType)
		}
		covered[d.typ] = true
	}
	for _, d := range eventCatalog {
		if !covered[d.typ] {
			t.Errorf("%s has no fixture under testdata/events", d.typ)
		}
	}
}
