package mcp

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// followWithCursor waits with 1 s calls, passing each result's cursor to
// the next, until the turn ends; it returns every call's events in order,
// the agent's text over all calls, the last result and how many calls it
// took.
func followWithCursor(t *testing.T, e *env, first map[string]any) ([]json.RawMessage, string, waitOut, int) {
	t.Helper()
	var all []json.RawMessage
	text := ""
	args := first
	deadline := time.Now().Add(20 * time.Second)
	for calls := 1; ; calls++ {
		var w waitOut
		e.callOK(t, ToolWaitForSession, args, &w)
		all = append(all, w.Events...)
		text += w.Text
		if w.Outcome != "running" {
			return all, text, w, calls
		}
		if w.Cursor == "" {
			t.Fatalf("call %d: outcome running without a cursor", calls)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the turn did not end after %d calls", calls)
		}
		args = map[string]any{"session_id": first["session_id"], "cursor": w.Cursor, "timeout_seconds": 1}
	}
}

// TestWaitCursor follows a turn longer than one call with the cursor: the
// calls together deliver the whole turn as the history holds it, with no
// event lost or repeated, whether the first call sent the message or
// followed one sent before.
func TestWaitCursor(t *testing.T) {
	for _, send := range []bool{true, false} {
		name := map[bool]string{true: "send and wait", false: "after_event_ids"}[send]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envConfig{fake: []managedagentstest.Option{managedagentstest.WithStepDelay(400 * time.Millisecond)}})
			var created sessionOut
			e.callOK(t, ToolCreateSession, createArgs(nil), &created)
			first := map[string]any{"session_id": created.ID, "timeout_seconds": 1}
			if send {
				first["events"] = []any{userMessage("a long turn")}
			} else {
				var sent struct{ Events []struct{ ID string } }
				e.callOK(t, ToolSendSessionEvents, map[string]any{"session_id": created.ID, "events": []any{userMessage("a long turn")}}, &sent)
				first["after_event_ids"] = []string{sent.Events[0].ID}
			}
			got, text, last, calls := followWithCursor(t, e, first)
			if calls < 3 || last.Outcome != "turn_ended" || text != "Echo: a long turn" {
				t.Fatalf("%d calls, last %+v; want at least 3 calls ending the turn", calls, last)
			}
			page, err := e.client.Events.List(t.Context(), created.ID, managedagents.EventListParams{})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, ev := range page.Data {
				want = append(want, ev.EventID())
			}
			if diff := cmp.Diff(want, eventIDs(t, got)); diff != "" {
				t.Errorf("events over %d calls differ from the history (-history +calls):\n%s", calls, diff)
			}
		})
	}
}

// FuzzDecodeCursor checks that any string decodes to a cursor of the
// session or to an invalid_input error, never a panic, and that encoded
// cursors come back unchanged.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("sesn_a", "sevt_1", "")
	f.Add("sesn_a", "", "sevt_2")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, session, after, from string) {
		if !utf8.ValidString(session) || !utf8.ValidString(after) || !utf8.ValidString(from) {
			t.Skip("event and session IDs are ASCII")
		}
		c := waitCursor{Session: session, After: after}
		if from != "" {
			c.From = []string{from}
		}
		got, err := decodeCursor(c.encode(), session)
		if session != "" && (err != nil || !cmp.Equal(got, c)) {
			t.Errorf("round trip of %+v = %+v, %v", c, got, err)
		}
		for _, s := range []string{session, after, cursorPrefix + after, c.encode()[:len(c.encode())/2]} {
			if _, err := decodeCursor(s, session); err != nil {
				if te, ok := err.(*toolError); !ok || te.info.Type != errInvalidInput {
					t.Errorf("decodeCursor(%q) = %v, want an invalid_input error", s, err)
				}
			}
		}
	})
}
