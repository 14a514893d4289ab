package managedagents

import (
	"errors"
	"sync/atomic"
	"testing"
)

// Points of answering a custom tool call at which StopRunnersAt stops a
// runner, for the external tests.
const (
	KillBeforeStart = int(pointBeforeStart)
	KillStarted     = int(pointStarted)
	KillRan         = int(pointRan)
	KillFinished    = int(pointFinished)
)

// errKilled abandons a call at a kill point.
var errKilled = errors.New("killed by the test")

// StopRunnersAt makes the first custom tool call that reaches point call
// kill (which ends the runner's Run, as a crash of its process would) and
// be abandoned there: nothing more is recorded or sent for it. The hook is
// removed when the test ends; tests using it must not run in parallel.
func StopRunnersAt(t testing.TB, point int, kill func()) {
	var fired atomic.Bool
	toolCallHook = func(p toolCallPoint, _ ToolCallKey) error {
		if int(p) != point || !fired.CompareAndSwap(false, true) {
			return nil
		}
		kill()
		return errKilled
	}
	t.Cleanup(func() { toolCallHook = nil })
}

// UnhookRunners removes the hook of StopRunnersAt before the test ends,
// for the runner that plays the restarted process.
func UnhookRunners() { toolCallHook = nil }
