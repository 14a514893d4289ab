package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`saw \d+ events \(2000 agent messages\) over (\d+) reconnects, 0 duplicates`).FindStringSubmatch(out.String())
	if m == nil || m[1] == "0" {
		t.Errorf("output does not report 2000 messages over some reconnects without duplicates:\n%s", out.String())
	}
}
