//go:build !unix

package managedagents_test

import "time"

// processCPU is zero where the process's CPU time is not read: the
// benchmark then reports no cpu-ns/op.
func processCPU() time.Duration { return 0 }
