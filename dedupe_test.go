package managedagents

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

var dedupeBase = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// seenEvent is a persisted event processed ms milliseconds after
// dedupeBase, or a queued one when ms < 0.
func seenEvent(id string, ms int) Event {
	e := &SessionStatusRunningEvent{}
	e.ID, e.Type = id, EventSessionStatusRunning
	if ms >= 0 {
		at := dedupeBase.Add(time.Duration(ms) * time.Millisecond)
		e.ProcessedAt = &at
	}
	return e
}

func TestDeliveredSet(t *testing.T) {
	s := deliveredSet{max: 8}
	if s.check(seenEvent("a", 0), true) {
		t.Error("a first event counts as delivered")
	}
	if !s.check(seenEvent("a", 0), true) || !s.check(seenEvent("a", 0), false) {
		t.Error("a delivered event is not recognised")
	}
	if s.check(seenEvent("b", 0), true) {
		t.Error("an unseen event at the same instant counts as delivered")
	}

	// A queued copy, then its processed copy: the second is an update.
	s.check(seenEvent("q", -1), true)
	if !s.check(seenEvent("q", -1), true) {
		t.Error("a second queued copy is not a duplicate")
	}
	if s.check(seenEvent("q", 5), true) {
		t.Error("the processed copy of a queued event is dropped")
	}
	if !s.check(seenEvent("q", 5), false) || !s.check(seenEvent("q", -1), false) {
		t.Error("after its processed copy, an event is not recognised")
	}

	// A live event stamped before the newest is new unless its ID was seen.
	s.check(seenEvent("late", 10_000), true)
	if s.check(seenEvent("early", 9_000), true) {
		t.Error("a live event stamped before the newest counts as delivered")
	}
	if got, want := s.resumeFrom(), dedupeBase.Add(5*time.Second); !got.Equal(want) {
		t.Errorf("resumeFrom = %v, want %v (newest less the margin)", got, want)
	}
	// Entries older than the margin are kept: the live stream may still
	// bring a copy of an event the history delivered.
	if !s.check(seenEvent("a", 0), true) {
		t.Error("a live copy of an event older than the margin was not recognised")
	}
}

func TestDeliveredSetBound(t *testing.T) {
	s := deliveredSet{max: 3}
	for i := range 10 {
		s.check(seenEvent(fmt.Sprint("e", i), i), true) // all within the margin
	}
	if len(s.hashes) != 3 || cap(s.hashes) > 2*3 {
		t.Fatalf("kept %d entries (room for %d), want 3", len(s.hashes), cap(s.hashes))
	}
	// The evicted events are below the floor: a history read skips them,
	// and the kept ones are recognised by ID.
	for i := range 10 {
		if !s.check(seenEvent(fmt.Sprint("e", i), i), false) {
			t.Errorf("history copy of e%d not recognised", i)
		}
	}
	if got, want := s.resumeFrom(), dedupeBase.Add(6*time.Millisecond+1); !got.Equal(want) {
		t.Errorf("resumeFrom = %v, want just after the last evicted event %v", got, want)
	}
	// A live event is judged by ID only, even below the floor.
	if s.check(seenEvent("new", 1), true) {
		t.Error("a live event below the floor was dropped")
	}
}

func TestIDHashStable(t *testing.T) {
	// Fixed values: the hash must not change between processes or
	// versions, since a checkpoint may carry it.
	if got := idHash("sevt_01dCojncTEWfHuy0ruAnVNH9Dr"); got != idHash("sevt_01dCojncTEWfHuy0ruAnVNH9Dr") || got&processedBit != 0 {
		t.Fatalf("idHash = %#x", got)
	}
	if idHash("a") == idHash("b") {
		t.Fatal("idHash collides on one-letter IDs")
	}
}

// BenchmarkDedupeMemory reports the memory a resuming stream retains to
// drop duplicates, after 1k, 10k and 50k delivered events one millisecond
// apart, at the default DedupeWindow:
//
//	go test -run XXX -bench BenchmarkDedupeMemory -benchtime 1x .
func BenchmarkDedupeMemory(b *testing.B) {
	events := make([]Event, 50_000)
	for i := range events {
		events[i] = seenEvent(fmt.Sprintf("sevt_01%026d", i), i)
	}
	for _, n := range []int{1_000, 10_000, 50_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var retained uint64
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				s := &deliveredSet{max: DefaultDedupeWindow}
				for _, ev := range events[:n] {
					if s.check(ev, true) {
						b.Fatal("a new event counted as delivered")
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				retained = after.HeapAlloc - before.HeapAlloc
				runtime.KeepAlive(s)
			}
			b.ReportMetric(float64(retained), "retained-B/stream")
		})
	}
}
