// Command gen writes the files generated from the event catalog. Run it
// through `go generate` in the module's root.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/managedagents/managedagents-go/internal/catalogen"
)

func main() {
	files, err := catalogen.Generate(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "catalogen:", err)
		os.Exit(1)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.FromSlash(name), content, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "catalogen:", err)
			os.Exit(1)
		}
	}
}
