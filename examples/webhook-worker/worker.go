package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/webhooks"
)

// Worker is the stateless half of the pattern: all it knows between two
// deliveries is in its stores. On a session.status_idled delivery it
//
//  1. takes the session's lock, so that one worker at a time works on a
//     session (deliveries of one session can reach several workers at
//     once: duplicates, retries, reordering);
//  2. loads the session's checkpoint and reads the events persisted after
//     it (Events.Since: the history only, it ends instead of following
//     live);
//  3. if those events hold a requires_action idle, answers the open
//     custom tool calls with a Runner over the durable tool-call store
//     (Runner.AnswerPending: it posts the results and returns, it does not
//     wait for the turn);
//  4. hands the events to OnEvent and saves the checkpoint after them;
//  5. returns nil, and the webhook handler answers 2xx.
//
// Any error leaves the checkpoint where it was and makes the handler
// answer 500, so the sender delivers again and the next worker redoes the
// work from the same checkpoint: the tool-call store makes answering
// idempotent (a recorded result is re-posted, never recomputed), and
// events are handed to OnEvent only after the calls were answered, right
// before the checkpoint is saved.
type Worker struct {
	// Name tells workers apart in the output.
	Name string
	// Client talks to the API.
	Client *managedagents.Client
	// Tools are the custom tools the worker answers.
	Tools []managedagents.ToolDefinition
	// ToolCalls records each call's progress (shared by every worker).
	ToolCalls managedagents.ToolCallStore
	// Interrupted is the policy for a call that a dead worker started.
	Interrupted managedagents.InterruptedCallPolicy
	// Checkpoints holds each session's checkpoint (shared by every worker).
	Checkpoints *CheckpointFile
	// Locks serializes the work on each session (shared by every worker).
	Locks *SessionLocks
	// OnEvent handles each new event of a session, once; an error stops
	// the delivery before the checkpoint passes that event.
	OnEvent func(ctx context.Context, worker string, ev managedagents.Event) error
}

// Handle is the worker's webhooks.HandlerFunc.
func (w *Worker) Handle(ctx context.Context, d webhooks.Delivery) error {
	idled, ok := d.Event.Data.(*webhooks.SessionStatusIdled)
	if !ok {
		return nil // other types carry nothing this worker acts on
	}
	sessionID := idled.SessionID
	unlock, err := w.Locks.Lock(ctx, sessionID)
	if err != nil {
		return err
	}
	defer unlock()

	after, err := w.Checkpoints.Load(sessionID)
	if err != nil {
		return err
	}
	reader, err := w.Client.Events.Since(ctx, sessionID, after)
	if err != nil {
		return err
	}
	var events []managedagents.Event
	var checkpoints []managedagents.Checkpoint
	waiting := false
	for ev, err := range reader.Events() {
		if errors.Is(err, managedagents.ErrNotFound) {
			// The session was deleted since the delivery was sent: there
			// is nothing left to do, and a retry would not change that.
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading session %s: %w", sessionID, err)
		}
		if _, processed := ev.EventProcessedAt(); !processed {
			continue // still queued: it comes again once processed
		}
		events = append(events, ev)
		checkpoints = append(checkpoints, reader.Checkpoint())
		if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.Type == managedagents.StopReasonRequiresAction {
			waiting = true
		}
	}

	if waiting {
		runner := managedagents.Runner{Client: w.Client, Tools: w.Tools, Store: w.ToolCalls, Interrupted: w.Interrupted}
		if _, err := runner.AnswerPending(ctx, sessionID); err != nil {
			return fmt.Errorf("answering the calls of session %s: %w", sessionID, err)
		}
	}

	for i, ev := range events {
		if err := w.OnEvent(ctx, w.Name, ev); err != nil {
			if i > 0 {
				err = errors.Join(err, w.Checkpoints.Save(sessionID, checkpoints[i-1]))
			}
			return err
		}
	}
	if len(checkpoints) == 0 {
		return nil
	}
	return w.Checkpoints.Save(sessionID, checkpoints[len(checkpoints)-1])
}

// SessionLocks gives one holder at a time per session ID, within one
// process. Workers in several processes need the same from their shared
// database: a row lock, or a lease that expires when its holder dies.
type SessionLocks struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

// Lock waits until the session is free or ctx ends, and returns the
// function that frees it.
func (l *SessionLocks) Lock(ctx context.Context, sessionID string) (unlock func(), err error) {
	for {
		l.mu.Lock()
		if l.locks == nil {
			l.locks = map[string]chan struct{}{}
		}
		held, busy := l.locks[sessionID]
		if !busy {
			freed := make(chan struct{})
			l.locks[sessionID] = freed
			l.mu.Unlock()
			return func() {
				l.mu.Lock()
				delete(l.locks, sessionID)
				l.mu.Unlock()
				close(freed)
			}, nil
		}
		l.mu.Unlock()
		select {
		case <-held:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// CheckpointFile keeps each session's checkpoint, by session ID, in one
// JSON file: an object from session IDs to checkpoint texts (a Checkpoint
// marshals to a JSON string). Each Save rewrites the file through a
// temporary file, synced and renamed over it, so a crash leaves the old
// file or the new one. It is safe for concurrent use within a process; a
// deployment with several processes keeps the checkpoint in a column of
// its database instead, next to whatever OnEvent writes.
type CheckpointFile struct {
	mu   sync.Mutex
	path string
}

// NewCheckpointFile returns a store in the file at path (created on the
// first Save).
func NewCheckpointFile(path string) *CheckpointFile { return &CheckpointFile{path: path} }

func (f *CheckpointFile) read() (map[string]managedagents.Checkpoint, error) {
	all := map[string]managedagents.Checkpoint{}
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return all, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("checkpoint file: %w", err)
	}
	return all, nil
}

// Load returns the session's checkpoint, or the zero Checkpoint (the
// session's whole history) when none was saved.
func (f *CheckpointFile) Load(sessionID string) (managedagents.Checkpoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	all, err := f.read()
	return all[sessionID], err
}

// Save records the session's checkpoint.
func (f *CheckpointFile) Save(sessionID string, cp managedagents.Checkpoint) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	all, err := f.read()
	if err != nil {
		return err
	}
	all[sessionID] = cp
	b, err := json.Marshal(all)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".checkpoints-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}
