package managedagents_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
)

// readSince ranges over a reader from Events.Since and returns the IDs it
// yielded with the checkpoint after each of them.
func readSince(t *testing.T, ctx context.Context, c *managedagents.Client, sessionID string, after managedagents.Checkpoint) (ids []string, cps []managedagents.Checkpoint) {
	t.Helper()
	r, err := c.Events.Since(ctx, sessionID, after)
	if err != nil {
		t.Fatal(err)
	}
	for ev, err := range r.Events() {
		if err != nil {
			t.Fatalf("after %d events: %v", len(ids), err)
		}
		ids = append(ids, ev.EventID())
		cps = append(cps, r.Checkpoint())
	}
	return ids, cps
}

// TestEventsSinceCatchesUpAndEnds: a reader from any checkpoint of a
// finished session yields exactly the history after it and ends (it never
// waits for live events); a checkpoint taken at the end, after a further
// turn, yields exactly that turn.
func TestEventsSinceCatchesUpAndEnds(t *testing.T) {
	noLeaks(t)
	srv, c := newFake(t)
	s := create(t, c, "since")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	turn := func(text string) {
		if _, err := c.Events.Send(ctx, s.ID, managedagents.UserMessage(text)); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitIdle(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	turn("first")
	want := eventIDs(history(t, c, s.ID, managedagents.EventListParams{}))
	all, cps := readSince(t, ctx, c, s.ID, managedagents.Checkpoint{})
	if !slices.Equal(all, want) {
		t.Fatalf("from the start: %v, history %v", all, want)
	}
	// A worker that stopped after any event continues with the rest.
	for k, cp := range cps {
		rest, _ := readSince(t, ctx, c, s.ID, cp)
		if !slices.Equal(rest, want[k+1:]) {
			t.Errorf("after event %d: %v, want %v", k, rest, want[k+1:])
		}
	}
	end := cps[len(cps)-1]
	turn("second")
	full := eventIDs(history(t, c, s.ID, managedagents.EventListParams{}))
	next, nextCps := readSince(t, ctx, c, s.ID, end)
	if !slices.Equal(next, full[len(want):]) || len(next) == 0 {
		t.Errorf("the second turn: %v, want %v", next, full[len(want):])
	}
	if again, _ := readSince(t, ctx, c, s.ID, nextCps[len(nextCps)-1]); len(again) != 0 {
		t.Errorf("at the end: %v, want nothing", again)
	}
}

// TestEventsSinceRefuses: a checkpoint of another session, one that did not
// decode and a second loop are errors, before any read.
func TestEventsSinceRefuses(t *testing.T) {
	srv, c := newFake(t)
	a, b := create(t, c, "a"), create(t, c, "b")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.Events.Send(ctx, a.ID, managedagents.UserMessage("hi")); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, cps := readSince(t, ctx, c, a.ID, managedagents.Checkpoint{})
	if _, err := c.Events.Since(ctx, b.ID, cps[0]); !errors.Is(err, managedagents.ErrInvalidParams) {
		t.Errorf("another session's checkpoint: %v", err)
	}
	var bad managedagents.Checkpoint
	if bad.UnmarshalText([]byte("AQ-not-a-checkpoint")) == nil {
		t.Fatal("a corrupt text decoded")
	}
	if _, err := c.Events.Since(ctx, a.ID, bad); !errors.Is(err, managedagents.ErrInvalidParams) {
		t.Errorf("a corrupt checkpoint: %v", err)
	}
	r, err := c.Events.Since(ctx, a.ID, managedagents.Checkpoint{})
	if err != nil {
		t.Fatal(err)
	}
	for range r.Events() {
	}
	for _, err := range r.Events() {
		if err == nil {
			t.Error("a second loop yielded an event")
		}
	}
}
