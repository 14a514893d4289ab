package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRun runs the example against the embedded fake server: both streams
// are followed, the child's call is answered, and each thread's words are
// attributed to it.
func TestRun(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out strings.Builder
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`(?m)^session  thread (sthr_\S+) created for researcher$`,
		`(?m)^\[coordinator → researcher\] call: lookup_population \{"city":"Lisbon"\}$`,
		`(?m)^\[researcher\] calls lookup_population \{"city":"Lisbon"\}$`,
		`(?m)^\[researcher\] gets the result: Lisbon: 545,000 \(2021 census\)$`,
		`(?m)^\[researcher\] Tool lookup_population returned: Lisbon: 545,000 \(2021 census\)$`,
		`(?m)^\[researcher → coordinator\] Tool lookup_population returned: Lisbon: 545,000 \(2021 census\)$`,
		`(?m)^\[coordinator\] researcher replied: Tool lookup_population returned: Lisbon`,
		`(?m)^turn     ended with end_turn$`,
		`(?m)^summary  thread sthr_\S+ \(researcher\) reported "Tool lookup_population returned: Lisbon: 545,000 \(2021 census\)"$`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
	}
	if n := strings.Count(out.String(), "gets the result"); n != 1 {
		t.Errorf("the call was answered %d times:\n%s", n, out.String())
	}
}

func TestRunNeedsAgentWithRealKey(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "k")
	t.Setenv("ANTHROPIC_AGENT_ID", "")
	var out strings.Builder
	if err := run(testCtx(t), &out); err == nil || !strings.Contains(err.Error(), "ANTHROPIC_AGENT_ID") {
		t.Fatalf("err = %v, want a message naming ANTHROPIC_AGENT_ID", err)
	}
}

// testCtx bounds the example's run far below its own limit, so that a turn
// that never ends fails the test in seconds.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
