package webhooks

import (
	"context"
	"fmt"
	"sync"
)

// Store remembers which deliveries a [Handler] has handled, by webhook ID.
// The Handler asks Seen before it calls its [HandlerFunc] and calls
// MarkSeen only after that function succeeded, so a failed delivery stays
// unseen and its retry is handled. Implementations must be safe for
// concurrent use. A store shared by several processes (a database table
// with the ID as its key) makes them drop each other's duplicates; two
// attempts that reach two processes at the same moment can still both be
// handled, so the work itself should tolerate a repeat.
type Store interface {
	// Seen reports whether MarkSeen was called for id. An error makes the
	// Handler answer 500 without calling its function.
	Seen(ctx context.Context, id string) (bool, error)
	// MarkSeen records that the delivery id was handled. An error is
	// logged; the delivery is still answered 2xx, since its work is done.
	MarkSeen(ctx context.Context, id string) error
}

// MemoryStore is a [Store] in memory, bounded: it remembers the most
// recent IDs up to its capacity and forgets the oldest first. A Handler
// without [WithStore] uses one of [DefaultDedupeCapacity] IDs.
type MemoryStore struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string // the remembered IDs in insertion order, as a ring
	next int      // where the next ID goes in ring
}

// NewMemoryStore returns a MemoryStore that remembers up to capacity IDs.
func NewMemoryStore(capacity int) (*MemoryStore, error) {
	if capacity <= 0 {
		return nil, fmt.Errorf("webhooks: NewMemoryStore: the capacity must be positive, got %d", capacity)
	}
	return &MemoryStore{seen: make(map[string]struct{}), ring: make([]string, 0, capacity)}, nil
}

// Seen reports whether id is remembered.
func (m *MemoryStore) Seen(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.seen[id]
	return ok, nil
}

// MarkSeen remembers id, forgetting the oldest ID when the store is full.
func (m *MemoryStore) MarkSeen(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.seen[id]; ok {
		return nil
	}
	if len(m.ring) < cap(m.ring) {
		m.ring = append(m.ring, id)
	} else {
		delete(m.seen, m.ring[m.next])
		m.ring[m.next] = id
		m.next = (m.next + 1) % len(m.ring)
	}
	m.seen[id] = struct{}{}
	return nil
}

// Len returns how many IDs are remembered.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen)
}
