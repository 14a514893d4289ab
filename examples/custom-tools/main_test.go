package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	var out strings.Builder
	if err := run(testCtx(t), &out); err != nil {
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

// testCtx bounds the example's run far below its own limit, so that a turn
// that never ends fails the test in seconds.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
