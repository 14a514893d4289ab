package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	var out strings.Builder
	if err := run(t.Context(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"tool   calculator(mul 6 7)",
		"tool   weather(Lisbon)",
		"Tool calculator returned: 42",
		"Tool weather returned: Lisbon: 18°C, light rain",
		"Tool calculator failed: division by zero",
		`policy bash "ls /tmp": allow=true`,
		`policy bash "rm -rf /tmp/*": allow=false`,
		"Only read-only commands are allowed here.",
		"turn    ended with end_turn",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
