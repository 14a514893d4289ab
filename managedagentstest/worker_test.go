package managedagentstest

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// settleGoroutines waits until at most n goroutines run, and reports the
// count it saw last.
func settleGoroutines(n int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := runtime.NumGoroutine()
		if got <= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCloseStopsWorkers leaves workers in every blocking state — waiting
// for a tool answer, inside a script that waits for its context, in a step
// delay, with events still queued — and checks that Close ends them all.
func TestCloseStopsWorkers(t *testing.T) {
	before := runtime.NumGoroutine()
	script := func(ctx context.Context, tn *Turn) error {
		if tn.Text() == "hold" {
			_, _ = tn.Emit("agent.thinking", nil)
			<-ctx.Done()
			return ctx.Err()
		}
		return DefaultScript(ctx, tn)
	}
	srv := NewServer(WithScript(script))
	t.Cleanup(srv.Close)
	tools := toolAgent(srv, "agent_leak", "always_ask", "lookup")

	waiting := newSessionID(t, srv, map[string]any{"agent": tools})
	sendOK(t, srv, waiting, msgEvent("call: lookup\nrun: ls"), msgEvent("queued behind the turn"))
	waitIdle(t, srv, waiting)

	holding := newSessionID(t, srv, nil)
	sendOK(t, srv, holding, msgEvent("hold"), msgEvent("never processed"))
	waitLog(t, srv, holding, func(evs []map[string]any) bool { return len(evs) == 3 })

	initial := newSessionID(t, srv, map[string]any{"initial_events": []any{msgEvent("hold")}})
	waitLog(t, srv, initial, func(evs []map[string]any) bool { return len(evs) == 3 })

	if n := srv.liveWorkers(); n != 3 {
		t.Errorf("%d live workers before Close, want 3", n)
	}
	srv.Close()
	srv.Close() // idempotent
	if n := srv.liveWorkers(); n != 0 {
		t.Errorf("%d live workers after Close", n)
	}
	if got := settleGoroutines(before); got > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after Close\n%s", before, got, buf[:runtime.Stack(buf, true)])
	}
}

// TestDeleteStopsWorker: deleting a session whose turn waits for a tool
// answer ends its worker; its waiters learn that the session is gone.
func TestDeleteStopsWorker(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, map[string]any{"agent": toolAgent(srv, "agent_d", "", "lookup")})
	sendOK(t, srv, id, msgEvent("call: lookup"))
	waitIdle(t, srv, id)
	if n := srv.liveWorkers(); n != 1 {
		t.Fatalf("%d live workers, want 1 (waiting for the answer)", n)
	}
	do(t, srv, "DELETE", "/v1/sessions/"+id, nil).ok(t)
	deadline := time.Now().Add(5 * time.Second)
	for srv.liveWorkers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the worker outlived its session")
		}
		time.Sleep(time.Millisecond)
	}
	if err := srv.WaitIdle(t.Context(), id); err == nil {
		t.Error("WaitIdle on a deleted session succeeded")
	}
}

// TestWorkerEndsWhenDone: a finished turn leaves no goroutine behind even
// without Close.
func TestWorkerEndsWhenDone(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	for range 3 {
		sendOK(t, srv, id, msgEvent("hi"))
	}
	waitIdle(t, srv, id)
	if n := srv.liveWorkers(); n != 0 {
		t.Errorf("%d live workers after the turns", n)
	}
	if n := len(ofType(logEvents(t, srv, id), "session.status_idle")); n != 3 {
		t.Errorf("%d turns", n)
	}
}
