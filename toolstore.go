package managedagents

import (
	"context"
	"sync"
)

// ToolCallKey names one custom tool call: the session and the ID of its
// agent.custom_tool_use event.
type ToolCallKey struct {
	// SessionID is the session's ID.
	SessionID string `json:"session_id"`
	// ToolUseID is the ID of the agent.custom_tool_use event.
	ToolUseID string `json:"tool_use_id"`
}

// ToolCallRecord is what a ToolCallStore holds for one call: that its
// handler started, and once it returned, the result to post.
type ToolCallRecord struct {
	// Finished says the result below is recorded; otherwise the handler
	// started and nothing more is known (it may have run, in full or in
	// part, or not at all).
	Finished bool `json:"finished"`
	// Content is the result's content, when Finished.
	Content []ContentBlock `json:"content,omitempty"`
	// IsError marks a failed call's result, when Finished.
	IsError bool `json:"is_error,omitempty"`
}

// ToolCallStore records a Runner's progress on each custom tool call, so
// that a runner started again (after a crash, a restart, a deploy) neither
// runs a tool again whose result it already has nor loses that result.
// The runner records Start before it calls the handler and Finish with
// the result before it posts it; a later runner with the same store posts
// a finished call's result again without calling the handler, and handles
// a call that started without finishing as Runner.Interrupted says.
//
// Implementations must be safe for concurrent use: a runner answers
// concurrent calls concurrently. A method's error stops the Run that
// called it. NewMemoryToolCallStore keeps records for the life of the
// process; OpenFileToolCallStore keeps them in a file.
type ToolCallStore interface {
	// Get returns the record of a call; ok is false when there is none.
	Get(ctx context.Context, key ToolCallKey) (rec ToolCallRecord, ok bool, err error)
	// Start records that the call's handler is about to run. It returns
	// once the record is as durable as the store makes it.
	Start(ctx context.Context, key ToolCallKey) error
	// Finish records the call's result (rec.Finished is true). It
	// returns once the record is as durable as the store makes it.
	Finish(ctx context.Context, key ToolCallKey, rec ToolCallRecord) error
}

// MemoryToolCallStore is a ToolCallStore in memory: it survives stream
// reconnects and further Runs within the process, not a restart. It is
// safe for concurrent use. The zero value is not ready; use
// NewMemoryToolCallStore.
type MemoryToolCallStore struct {
	mu      sync.Mutex
	records map[ToolCallKey]ToolCallRecord
}

// NewMemoryToolCallStore returns an empty in-memory store.
func NewMemoryToolCallStore() *MemoryToolCallStore {
	return &MemoryToolCallStore{records: map[ToolCallKey]ToolCallRecord{}}
}

// Get implements ToolCallStore.
func (m *MemoryToolCallStore) Get(_ context.Context, key ToolCallKey) (ToolCallRecord, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[key]
	return rec, ok, nil
}

// Start implements ToolCallStore. It leaves a finished record as it is.
func (m *MemoryToolCallStore) Start(_ context.Context, key ToolCallKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.records[key]; !ok {
		m.records[key] = ToolCallRecord{}
	}
	return nil
}

// Finish implements ToolCallStore.
func (m *MemoryToolCallStore) Finish(_ context.Context, key ToolCallKey, rec ToolCallRecord) error {
	rec.Finished = true
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records[key] = rec
	return nil
}

// toolUseIDKey is the context key of ToolUseIDFromContext.
type toolUseIDKey struct{}

// ToolUseIDFromContext returns the ID of the agent.custom_tool_use event
// that a Runner calls a ToolHandler for, from the handler's context. The
// ID is unique within the session and the same for every attempt at the
// call (after a restart too), so a handler with side effects can use it,
// with the session ID, as an idempotency key: a handler that a restarted
// runner calls again (RerunInterrupted) can tell that it may have run
// before.
func ToolUseIDFromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(toolUseIDKey{}).(string)
	return id, ok
}
