package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRun runs the example and checks each step it reports.
func TestRun(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	var out strings.Builder
	if err := run(testCtx(t), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`(?m)^MCP server at http://127\.0\.0\.1:\d+/mcp, over the embedded fake API at http://127\.0\.0\.1:\d+$`,
		`(?m)^tool     anthropic-create-session +\[creates or sends\]$`,
		`(?m)^tool     anthropic-list-sessions +\[read-only, idempotent\]$`,
		`(?m)^tool     anthropic-delete-session +\[destructive, idempotent\]$`,
		`(?m)^created  sesn_\S+ \(idle\)$`,
		`(?m)^sent     user\.message sevt_\S+$`,
		`(?m)^reply    Echo: Hello from an MCP client! \(end_turn, \d+ events\)$`,
		`(?m)^deleted  sesn_\S+$`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
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
