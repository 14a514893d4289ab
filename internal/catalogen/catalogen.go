// Package catalogen generates, from the event catalog declared in the
// client package's catalog.go, the code derived from it: the Event…
// constants, the decoding registry, the MarshalJSON methods of the event
// and param types, and the fake server's copy of the catalog as data.
//
// Run it with `go generate` in the module's root. The client's tests call
// Generate too, and fail when the files on disk are not what it makes.
package catalogen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
)

// Files maps the generated files, relative to the module's root, to their
// contents.
type Files map[string][]byte

// The generated files.
const (
	ClientFile = "catalog_gen.go"
	FakeFile   = "managedagentstest/catalog_gen.go"
)

// decl is one entry of the catalog.
type decl struct {
	typ, goType, group, param string
	persisted                 bool
}

// Generate reads root/catalog.go and returns the generated files.
func Generate(root string) (Files, error) {
	path := filepath.Join(root, "catalog.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, err
	}
	groups, err := groupValues(f)
	if err != nil {
		return nil, err
	}
	decls, err := catalog(fset, f, groups)
	if err != nil {
		return nil, err
	}
	client, err := format.Source(clientSource(decls))
	if err != nil {
		return nil, fmt.Errorf("formatting %s: %w", ClientFile, err)
	}
	fake, err := format.Source(fakeSource(decls))
	if err != nil {
		return nil, fmt.Errorf("formatting %s: %w", FakeFile, err)
	}
	return Files{ClientFile: client, FakeFile: fake}, nil
}

// groupValues reads the EventGroup constants: name to value.
func groupValues(f *ast.File) (map[string]string, error) {
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "EventGroup" || len(vs.Values) != 1 {
				continue
			}
			v, err := stringLit(vs.Values[0])
			if err != nil {
				return nil, err
			}
			out[vs.Names[0].Name] = v
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("catalog.go declares no EventGroup constants")
	}
	return out, nil
}

// catalog reads the entries of var eventCatalog.
func catalog(fset *token.FileSet, f *ast.File, groups map[string]string) ([]decl, error) {
	var list *ast.CompositeLit
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if ok && len(vs.Names) == 1 && vs.Names[0].Name == "eventCatalog" && len(vs.Values) == 1 {
			list, _ = vs.Values[0].(*ast.CompositeLit)
		}
		return list == nil
	})
	if list == nil {
		return nil, fmt.Errorf("catalog.go has no var eventCatalog = []eventDecl{…}")
	}
	var out []decl
	seen := map[string]bool{}
	for _, e := range list.Elts {
		lit, ok := e.(*ast.CompositeLit)
		if !ok {
			return nil, fmt.Errorf("%s: a catalog entry is not a composite literal", fset.Position(e.Pos()))
		}
		var d decl
		for _, kv := range lit.Elts {
			kv, ok := kv.(*ast.KeyValueExpr)
			if !ok {
				return nil, fmt.Errorf("%s: catalog entries use field names", fset.Position(lit.Pos()))
			}
			key := kv.Key.(*ast.Ident).Name
			var err error
			switch key {
			case "typ":
				d.typ, err = stringLit(kv.Value)
			case "goType":
				d.goType, err = stringLit(kv.Value)
			case "param":
				d.param, err = stringLit(kv.Value)
			case "group":
				id, ok := kv.Value.(*ast.Ident)
				if !ok || groups[id.Name] == "" {
					err = fmt.Errorf("group is not one of the EventGroup constants")
				} else {
					d.group = groups[id.Name]
				}
			case "persisted":
				id, ok := kv.Value.(*ast.Ident)
				if !ok || (id.Name != "true" && id.Name != "false") {
					err = fmt.Errorf("persisted is not true or false")
				} else {
					d.persisted = id.Name == "true"
				}
			default:
				err = fmt.Errorf("unknown field %s", key)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fset.Position(kv.Pos()), err)
			}
		}
		switch {
		case d.typ == "" || d.goType == "" || d.group == "":
			return nil, fmt.Errorf("%s: an entry needs typ, goType and group", fset.Position(lit.Pos()))
		case seen[d.typ]:
			return nil, fmt.Errorf("%s: %s is declared twice", fset.Position(lit.Pos()), d.typ)
		}
		seen[d.typ] = true
		out = append(out, d)
	}
	return out, nil
}

func stringLit(e ast.Expr) (string, error) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", fmt.Errorf("not a string literal")
	}
	return strconv.Unquote(b.Value)
}

// initialisms are written in capitals in constant names.
var initialisms = map[string]string{"mcp": "MCP", "id": "ID", "url": "URL"}

// constName is "Event" and the type in CamelCase, with the initialisms in
// capitals; a type that starts with "event" does not repeat it
// (event_start is EventStart).
func constName(typ string) string {
	parts := strings.FieldsFunc(typ, func(r rune) bool { return r == '.' || r == '_' })
	if len(parts) > 0 && parts[0] == "event" {
		parts = parts[1:]
	}
	var b strings.Builder
	b.WriteString("Event")
	for _, p := range parts {
		if up, ok := initialisms[p]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

// groupHeadings introduce each group in the constant block.
var groupHeadings = map[string]string{
	"client":       "Client events: sent by clients (Events.Send), echoed back by the server.",
	"agent":        "Agent events.",
	"session":      "Session events: the session's and its threads' status, errors and usage.",
	"span":         "Span events.",
	"workflow_run": "Workflow-run events.",
	"preview":      "Stream-only live previews: never persisted, no id, no processed_at.",
}

const header = "// Code generated by internal/catalogen from catalog.go; DO NOT EDIT.\n\n"

func clientSource(decls []decl) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package managedagents\n\nimport \"encoding/json\"\n\n")
	history := 0
	for _, d := range decls {
		if d.persisted {
			history++
		}
	}
	fmt.Fprintf(&b, "// Event types, one constant per entry of the catalog; EventTypes lists\n"+
		"// them with their group. The %d persisted types form the history (and\n"+
		"// are the valid Types filters of Events.List); the live previews are\n"+
		"// stream-only. The set is open: DecodeEvent turns any other type into an\n"+
		"// *UnknownEvent.\nconst (\n", history)
	group := ""
	for _, d := range decls {
		if d.group != group {
			if group != "" {
				b.WriteString("\n")
			}
			group = d.group
			fmt.Fprintf(&b, "\t// %s\n\n", groupHeadings[d.group])
		}
		what := "a *" + d.goType
		if d.param != "" {
			what += " (sent as " + d.param + ")"
		}
		fmt.Fprintf(&b, "\t// %s is the type of %s.\n\t%s = %q\n", constName(d.typ), what, constName(d.typ), d.typ)
	}
	b.WriteString(")\n\n")

	b.WriteString("// eventTypes maps each known type to a constructor of its concrete event.\n")
	b.WriteString("var eventTypes = map[string]func() Event{\n")
	for _, d := range decls {
		fmt.Fprintf(&b, "\t%s: func() Event { return new(%s) },\n", constName(d.typ), d.goType)
	}
	b.WriteString("}\n")

	for _, d := range decls {
		c := constName(d.typ)
		// The previews have no envelope to encode: their types write
		// their MarshalJSON by hand.
		if d.persisted {
			fmt.Fprintf(&b, "\n// MarshalJSON encodes the event from its fields, with its type set to\n// %q.\n", d.typ)
			fmt.Fprintf(&b, "func (e *%s) MarshalJSON() ([]byte, error) {\n\ttype plain %s\n\treturn marshalEvent(%s, (*plain)(e))\n}\n", d.goType, d.goType, c)
		}
		if d.param == "" {
			continue
		}
		fmt.Fprintf(&b, "\n// EventParamType returns %q.\nfunc (%s) EventParamType() string { return %s }\n", d.typ, d.param, c)
		fmt.Fprintf(&b, "\n// MarshalJSON encodes the event with its type. The fields of a\n"+
			"// method-less copy of the param follow the type, so the struct tags\n"+
			"// describe the wire.\n")
		fmt.Fprintf(&b, "func (p %s) MarshalJSON() ([]byte, error) {\n\ttype plain %s\n"+
			"\treturn json.Marshal(struct {\n\t\tType string `json:\"type\"`\n\t\tplain\n\t}{%s, plain(p)})\n}\n", d.param, d.param, c)
	}
	return b.Bytes()
}

func fakeSource(decls []decl) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package managedagentstest\n\n")
	b.WriteString("// eventCatalog is the client library's event catalog, as data, so that\n" +
		"// the fake knows the same types without importing the client.\n")
	b.WriteString("var eventCatalog = []catalogEntry{\n")
	for _, d := range decls {
		fmt.Fprintf(&b, "\t{typ: %q, group: %q, persisted: %v, sendable: %v},\n", d.typ, d.group, d.persisted, d.param != "")
	}
	b.WriteString("}\n")
	return b.Bytes()
}
