package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRun runs the quickstart against the embedded fake server and checks
// each step it reports.
func TestRun(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	var out strings.Builder
	if err := run(testCtx(t), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[0], "ANTHROPIC_API_KEY is not set: using the embedded fake server at http://127.0.0.1:") {
		t.Errorf("first line = %q, want it to say the fake server is used", lines[0])
	}
	for _, want := range []string{
		`(?m)^created  sesn_\S+ \(status idle, agent .+ v1\)$`,
		`(?m)^listed   1 session\(s\) in all$`,
		`(?m)^read     sesn_\S+ title="quickstart" metadata=map\[example:quickstart\]$`,
		`(?m)^updated  sesn_\S+ title="quickstart \(renamed\)" metadata=map\[step:updated\]$`,
		`(?m)^event    user.message "Hello! What can you do\?"$`,
		`(?m)^live     Echo: Hello! What can you do\?\nevent    agent.message "Echo: Hello! What can you do\?"$`,
		`(?m)^event    session.status_idle \(end_turn\)$`,
		`(?m)^deleted  sesn_\S+$`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "event_start") || strings.Contains(out.String(), "event_delta") {
		t.Errorf("preview frames are listed as events:\n%s", out.String())
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
