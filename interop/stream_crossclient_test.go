package interop

import (
	"context"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go"
)

// TestSessionStreamCrossClient opens the session stream with the official
// SDK (Beta.Sessions.Events.StreamEvents) and with our client side by side,
// runs one turn with a tool call, and requires both to see the same events,
// by ID and in order, each decoding in the SDK without a wire problem.
func TestSessionStreamCrossClient(t *testing.T) {
	e := newEnv(t)
	seed(e)
	s := mustNew(t, e, simpleParams("streamed"))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	sdkStream := e.sdk.Beta.Sessions.Events.StreamEvents(ctx, s.ID, anthropic.BetaSessionEventStreamParams{})
	defer sdkStream.Close()
	if err := sdkStream.Err(); err != nil {
		t.Fatalf("Sessions.Events.StreamEvents: %v", err)
	}
	if r := e.last(t); r.Path != "/v1/sessions/"+s.ID+"/events/stream" {
		t.Errorf("the SDK's stream request went to %s", r.Path)
	}
	ours, err := e.ours.Events.Stream(ctx, s.ID, managedagents.StreamParams{})
	if err != nil {
		t.Fatalf("Events.Stream: %v", err)
	}
	defer ours.Close()

	send(t, e, s.ID, userText("run: ls"))

	var sdkIDs []string
	for sdkStream.Next() {
		ev := sdkStream.Current()
		checkVariant(t, "streamed "+ev.Type, ev.Type, ev.AsAny())
		checkWire(t, "streamed "+ev.Type, ev)
		sdkIDs = append(sdkIDs, ev.ID)
		if ev.Type == "session.status_idle" && ev.AsSessionStatusIdle().StopReason.Type == "end_turn" {
			break
		}
	}
	if err := sdkStream.Err(); err != nil {
		t.Fatalf("the SDK's stream: %v", err)
	}

	var ourIDs []string
	for ev, err := range ours.Events() {
		if err != nil {
			t.Fatalf("our stream: %v", err)
		}
		ourIDs = append(ourIDs, ev.EventID())
		if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.EndsTurn() {
			break
		}
	}
	if len(sdkIDs) < 6 {
		t.Fatalf("the SDK saw only %d events of a turn with a tool call", len(sdkIDs))
	}
	if diff := cmp.Diff(sdkIDs, ourIDs); diff != "" {
		t.Errorf("event IDs, SDK (-) and ours (+):\n%s", diff)
	}
	// Both saw what the history holds, from the user's message on.
	var history []string
	for _, ev := range sdkHistory(t, e, s.ID, anthropic.BetaSessionEventListParams{}) {
		history = append(history, ev.ID)
	}
	if diff := cmp.Diff(history[len(history)-len(sdkIDs):], sdkIDs); diff != "" {
		t.Errorf("streamed events against the history's tail (-history +streamed):\n%s", diff)
	}
}
