package managedagents

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// docPackages are the directories, relative to the module's root, of the
// packages whose exported API must be documented.
var docPackages = []string{".", "managedagentstest", "mcp", "webhooks"}

// TestDocComments fails for each exported identifier of docPackages that
// go doc would show without documentation: a function, a method of an
// exported type, a type, a constant or a variable, and a named exported
// field of an exported struct type. The non-test files are checked,
// generated ones (_gen.go) included.
//
// A type, constant or variable in a parenthesised declaration may be
// documented by the declaration's comment; a constant, variable or field
// may also be documented by a comment at the end of its line. Embedded
// fields are documented by their types.
func TestDocComments(t *testing.T) {
	for _, dir := range docPackages {
		for _, path := range goFiles(t, dir, false) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			for _, missing := range undocumented(f) {
				t.Errorf("%s: %s has no doc comment", fset.Position(missing.Pos()), missing.Name)
			}
		}
	}
}

// TestCommentsStandAlone fails for each comment, in any .go file of the
// repository (tests and the interop module included, testdata excluded),
// that cites a document users cannot read: a section number after a section
// sign, or the design document. Comments state the facts themselves or link
// the public API documentation.
//
// The cited strings are spelled in escapes here, so that this file passes
// its own test and a grep for them.
func TestCommentsStandAlone(t *testing.T) {
	for _, path := range goFiles(t, ".", true) {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, group := range f.Comments {
			for _, c := range group.List {
				for _, cited := range citations {
					if strings.Contains(c.Text, cited) {
						t.Errorf("%s: comment cites %q: %s", fset.Position(c.Pos()), cited, firstLine(c.Text, cited))
					}
				}
			}
		}
	}
}

// citations are the strings no comment may contain: the section sign and
// the design document's file name.
var citations = []string{"\u00a7", "DESIGN" + ".md"}

// goFiles returns the .go files of dir, sorted. With recursive it walks
// the tree below dir too, skipping testdata and hidden directories, and
// includes test files; without, it lists dir alone and leaves test files
// out.
func goFiles(t *testing.T, dir string, recursive bool) []string {
	t.Helper()
	var paths []string
	if !recursive {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
				paths = append(paths, filepath.Join(dir, name))
			}
		}
		return paths
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	return paths
}

// undocumented returns the names of f's exported identifiers that have no
// doc comment, in the order of the file.
func undocumented(f *ast.File) []*ast.Ident {
	var missing []*ast.Ident
	for _, decl := range f.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			if !decl.Name.IsExported() || decl.Doc != nil {
				continue
			}
			if decl.Recv != nil && !ast.IsExported(receiverType(decl.Recv)) {
				continue
			}
			missing = append(missing, decl.Name)
		case *ast.GenDecl:
			for _, spec := range decl.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					if !spec.Name.IsExported() {
						continue
					}
					if spec.Doc == nil && decl.Doc == nil {
						missing = append(missing, spec.Name)
					}
					if st, ok := spec.Type.(*ast.StructType); ok {
						missing = append(missing, undocumentedFields(st)...)
					}
				case *ast.ValueSpec:
					if spec.Doc != nil || spec.Comment != nil || decl.Doc != nil {
						continue
					}
					for _, name := range spec.Names {
						if name.IsExported() {
							missing = append(missing, name)
						}
					}
				}
			}
		}
	}
	return missing
}

// undocumentedFields returns the exported named fields of st that have
// neither a doc comment nor a line comment.
func undocumentedFields(st *ast.StructType) []*ast.Ident {
	var missing []*ast.Ident
	for _, field := range st.Fields.List {
		if field.Doc != nil || field.Comment != nil {
			continue
		}
		for _, name := range field.Names {
			if name.IsExported() {
				missing = append(missing, name)
			}
		}
	}
	return missing
}

// receiverType returns the name of the type of a method's receiver, without
// the pointer and type parameters.
func receiverType(recv *ast.FieldList) string {
	if len(recv.List) == 0 {
		return ""
	}
	typ := recv.List[0].Type
	for {
		switch x := typ.(type) {
		case *ast.StarExpr:
			typ = x.X
		case *ast.IndexExpr:
			typ = x.X
		case *ast.IndexListExpr:
			typ = x.X
		case *ast.ParenExpr:
			typ = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// firstLine returns the line of comment text that holds cited, trimmed.
func firstLine(text, cited string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, cited) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}
