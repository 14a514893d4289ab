package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out strings.Builder
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"tool      weather(Lisbon)",
		"tool      reserve(Taberna, 2) idempotency key sevt_",
		"event     session.status_idle (requires_action)",
		"Tool weather returned: Lisbon: 18°C, light rain",
		"event     session.status_idle (end_turn)",
		"saved     checkpoint after sevt_",
		"turn        ended with end_turn",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// Each tool ran once and each event was handled once.
	for _, once := range []string{"tool      weather(", "tool      reserve(", "event     user.message", "event     session.status_idle (end_turn)"} {
		if n := strings.Count(text, once); n != 1 {
			t.Errorf("%q appears %d times:\n%s", once, n, text)
		}
	}
}
