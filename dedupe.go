package managedagents

import (
	"math"
	"time"
)

// deliveredSet remembers what a resuming stream has yielded, so that the
// copies that come again are dropped, in small memory: an 8-byte hash of
// each event ID and its processed_at, for the last max events delivered.
//
// Copies come again in two ways. A history read after a reconnect starts
// resumeMargin before the newest processed_at delivered (or at the floor,
// if that is later), so it returns the last events delivered once more.
// And the connection opened before that read delivers live the events
// processed since it was opened, which the read may have delivered
// already; so entries are kept by count, not by age, and the live stream
// is checked against them too. When the bound evicts an entry the margin
// still covers, the floor rises past it: history events processed before
// the floor count as delivered. Only history events are judged by time; a
// live event is delivered unless its ID was.
type deliveredSet struct {
	// hashes and ats hold the remembered events in delivery order, oldest
	// first: the ID's hash, whose low bit is set when the copy delivered
	// was processed (processed_at not null), and processed_at in Unix
	// nanoseconds (newest's for a queued copy). Hashes sit apart from
	// times so that a lookup scans 8 bytes an entry.
	hashes []uint64
	ats    []int64
	max    int
	// newest is the processed_at of the newest persisted event delivered.
	newest time.Time
	// last is the ID of the last processed event delivered.
	last string
	// floor: history events processed before it were delivered, or came
	// before the stream opened.
	floor time.Time
	// byIDOnly keeps the floor at zero: a thread stream reads its history
	// from a cursor, not a time, so an evicted entry says nothing about the
	// events before it.
	byIDOnly bool
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

// find returns the index of the entry with hash h, or -1.
func (s *deliveredSet) find(h uint64) int {
	for i := len(s.hashes) - 1; i >= 0; i-- {
		if s.hashes[i]&^processedBit == h {
			return i
		}
	}
	return -1
}

// has reports whether an event with this ID was delivered.
func (s *deliveredSet) has(id string) bool {
	return id != "" && s.find(idHash(id)) >= 0
}

// check reports whether ev, or a copy that makes it stale, was already
// delivered, and records it as delivered when it was not. A processed copy
// of an event delivered while queued counts as new: it is delivered as an
// update. live says ev came from the stream rather than the history: only
// a history event can be known as delivered by its timestamp.
func (s *deliveredSet) check(ev Event, live bool) (dup bool) {
	at, processed := ev.EventProcessedAt()
	if !live && processed && at.Before(s.floor) {
		return true
	}
	h := idHash(ev.EventID())
	if i := s.find(h); i >= 0 {
		if s.hashes[i]&processedBit != 0 || !processed {
			return true
		}
		// The processed copy of an event delivered while queued.
		s.hashes[i] |= processedBit
		s.ats[i] = nanos(at)
		s.advance(at)
		s.last = ev.EventID()
		return false
	}
	s.add(h, at, processed)
	if processed {
		s.last = ev.EventID()
	}
	return false
}

// knows reports whether check would find ev already delivered, without
// recording it.
func (s *deliveredSet) knows(ev Event) bool {
	at, processed := ev.EventProcessedAt()
	if processed && at.Before(s.floor) {
		return true
	}
	i := s.find(idHash(ev.EventID()))
	return i >= 0 && (s.hashes[i]&processedBit != 0 || !processed)
}

func (s *deliveredSet) advance(at time.Time) {
	if at.After(s.newest) {
		s.newest = at
	}
}

// add appends an entry, evicting the oldest at the bound.
func (s *deliveredSet) add(h uint64, at time.Time, processed bool) {
	if processed {
		h |= processedBit
		s.advance(at)
	} else {
		at = s.newest
	}
	if len(s.hashes) >= s.max {
		if oldest := s.ats[0]; !s.byIDOnly && oldest >= nanos(s.resumeFrom()) {
			if f := time.Unix(0, oldest+1); f.After(s.floor) {
				s.floor = f
			}
		}
		s.drop(1)
	}
	s.hashes = append(s.hashes, h)
	s.ats = append(s.ats, nanos(at))
}

// drop forgets the n oldest entries. Once the room left ahead of the
// entries is under the bound, they move to new slices of twice the bound:
// each move is paid for by as many drops, and memory stays within twice
// the bound.
func (s *deliveredSet) drop(n int) {
	if n == 0 {
		return
	}
	s.hashes, s.ats = s.hashes[n:], s.ats[n:]
	if cap(s.hashes) < s.max {
		s.hashes = append(make([]uint64, 0, 2*s.max), s.hashes...)
		s.ats = append(make([]int64, 0, 2*s.max), s.ats...)
	}
}

// nanos is t in Unix nanoseconds, and the lowest value for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}
