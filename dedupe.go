package managedagents

import (
	"math"
	"time"
)

// deliveredSet remembers what a resuming stream has yielded, so that the
// copies a history read returns again are dropped, in small memory: an
// 8-byte hash of each event ID and its processed_at, for the events the
// newest timestamp cannot decide on its own.
//
// After a reconnect the history is read from resumeFrom: resumeMargin
// before the newest processed_at delivered, or the floor if that is later.
// Entries older than that are pruned, and at most max are kept; when the
// bound evicts an entry the margin still covers, the floor rises past it,
// and history events processed before the floor count as delivered. Only
// history events are judged by time: a live event is delivered unless its
// ID was delivered.
type deliveredSet struct {
	// entries in delivery order, oldest first. The low bit of hash is set
	// when the copy delivered was processed (processed_at not null).
	entries []seenEntry
	max     int
	// newest is the processed_at of the newest persisted event delivered.
	newest time.Time
	// floor: history events processed before it were delivered, or came
	// before the stream opened.
	floor time.Time
}

type seenEntry struct {
	hash uint64
	at   int64 // processed_at in Unix nanoseconds; for a queued copy, newest's
}

const processedBit = 1

// idHash is the 64-bit FNV-1a hash of an event ID, with the low bit
// cleared for the processed flag. It is stable across processes.
func idHash(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return h &^ processedBit
}

// resumeFrom is where a history read starts: zero for the whole history.
func (s *deliveredSet) resumeFrom() time.Time {
	from := s.floor
	if !s.newest.IsZero() {
		if m := s.newest.Add(-resumeMargin); m.After(from) {
			from = m
		}
	}
	return from
}

// delivered reports whether ev, or a copy that makes it stale, was already
// delivered. A processed copy of an event delivered while queued counts as
// new: it is delivered as an update.
func (s *deliveredSet) delivered(ev Event, live bool) bool {
	at, processed := ev.EventProcessedAt()
	if !live && processed && at.Before(s.floor) {
		return true
	}
	h := idHash(ev.EventID())
	for i := len(s.entries) - 1; i >= 0; i-- {
		e := s.entries[i]
		if e.hash&^processedBit == h {
			return e.hash&processedBit != 0 || !processed
		}
	}
	return false
}

// add records ev as delivered.
func (s *deliveredSet) add(ev Event) {
	at, processed := ev.EventProcessedAt()
	if processed && at.After(s.newest) {
		s.newest = at
	}
	h := idHash(ev.EventID())
	if processed {
		h |= processedBit
	} else {
		at = s.newest
	}
	for i := len(s.entries) - 1; i >= 0; i-- {
		if e := &s.entries[i]; e.hash&^processedBit == h&^processedBit {
			if processed && e.hash&processedBit == 0 {
				// The processed copy of an event delivered while queued.
				e.hash |= processedBit
				e.at = nanos(at)
			}
			return // a queued copy never un-processes an event
		}
	}
	s.prune()
	if len(s.entries) >= s.max {
		if e := s.entries[0]; e.at >= nanos(s.resumeFrom()) {
			if f := time.Unix(0, e.at+1); f.After(s.floor) {
				s.floor = f
			}
		}
		s.entries = s.entries[1:]
	}
	s.entries = append(s.entries, seenEntry{hash: h, at: nanos(at)})
}

// nanos is t in Unix nanoseconds, and the lowest value for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}

// prune drops the oldest entries that no history read can return again.
func (s *deliveredSet) prune() {
	if s.newest.IsZero() {
		return
	}
	from := nanos(s.resumeFrom())
	n := 0
	for n < len(s.entries) && s.entries[n].at < from {
		n++
	}
	if n > 0 {
		s.entries = s.entries[n:]
	}
}
