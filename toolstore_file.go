package managedagents

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// fileStoreVersion is the version of a FileToolCallStore line.
const fileStoreVersion = 1

// FileToolCallStore is a ToolCallStore kept in a file that users can run
// as it is: an append-only log with one JSON line per record (a call
// started, a call finished with its result), synced to stable storage
// (fsync) before Start or Finish returns. Opening the file reads it whole;
// the records live in memory as well, so Get reads no file.
//
// What it guarantees: a record that Start or Finish reported as written
// survives a crash of the process or of the machine (as far as the file
// system honours fsync); a crash in the middle of a write leaves at most a
// torn last line, which the next open drops (that record was never
// reported written); a line in the middle of the file that does not parse
// is an error at open, never a silent loss. It is safe for concurrent use
// within a process.
//
// What it does not: the file is for one store value of one process at a
// time. A store reads the file when it is opened and does not see records
// that another store value or process appends later, so two runners on
// the same file can each run a call the other started. Give each worker
// its own file, or implement ToolCallStore over a database that the
// workers share. The file grows by two lines per call; remove it (or
// start a new one) once the sessions it names have ended.
type FileToolCallStore struct {
	mu      sync.Mutex
	f       *os.File
	size    int64 // the file's length: the end of its last complete line
	records map[ToolCallKey]ToolCallRecord
	err     error // set when the file can no longer be trusted or is closed
}

// fileStoreLine is one line of the file.
type fileStoreLine struct {
	Version int `json:"v"`
	ToolCallKey
	ToolCallRecord
}

// errStoreClosed is the error of a closed FileToolCallStore.
var errStoreClosed = errors.New("managedagents: the tool call store is closed")

// OpenFileToolCallStore opens the store in the file at path, creating it
// (mode 0600) if it does not exist, and reads its records. A torn last
// line, left by a crash during a write, is cut off the file. Close the
// store when done.
func OpenFileToolCallStore(path string) (*FileToolCallStore, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("managedagents: opening the tool call store: %w", err)
	}
	s := &FileToolCallStore{f: f, records: map[ToolCallKey]ToolCallRecord{}}
	if err := s.load(); err != nil {
		f.Close()
		return nil, err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		syncDir(filepath.Dir(path))
	}
	return s, nil
}

// syncDir makes a new file's directory entry durable where the system
// allows it (not on every system: the error is not reported).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// load reads the file's lines into records and cuts a torn last line off.
func (s *FileToolCallStore) load() error {
	r := bufio.NewReader(s.f)
	var off int64
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(line) > 0 { // torn: written in part when a process died
				if err := s.f.Truncate(off); err != nil {
					return fmt.Errorf("managedagents: tool call store: cutting the torn last line: %w", err)
				}
				if err := s.f.Sync(); err != nil {
					return fmt.Errorf("managedagents: tool call store: %w", err)
				}
			}
			s.size = off
			return nil
		}
		if err != nil {
			return fmt.Errorf("managedagents: reading the tool call store: %w", err)
		}
		off += int64(len(line))
		var l fileStoreLine
		if err := json.Unmarshal(line, &l); err != nil {
			return fmt.Errorf("managedagents: tool call store: line %d is not a record: %w", n, err)
		}
		if l.Version != fileStoreVersion {
			return fmt.Errorf("managedagents: tool call store: line %d has version %d; this library reads version %d", n, l.Version, fileStoreVersion)
		}
		if l.SessionID == "" || l.ToolUseID == "" {
			return fmt.Errorf("managedagents: tool call store: line %d has no session or tool-use ID", n)
		}
		s.merge(l.ToolCallKey, l.ToolCallRecord)
	}
}

// merge applies a record: a start never replaces a finished record.
func (s *FileToolCallStore) merge(key ToolCallKey, rec ToolCallRecord) {
	if old, ok := s.records[key]; ok && old.Finished && !rec.Finished {
		return
	}
	s.records[key] = rec
}

// Get implements ToolCallStore.
func (s *FileToolCallStore) Get(_ context.Context, key ToolCallKey) (ToolCallRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return ToolCallRecord{}, false, s.err
	}
	rec, ok := s.records[key]
	return rec, ok, nil
}

// Start implements ToolCallStore. A call already recorded is left as it
// is.
func (s *FileToolCallStore) Start(_ context.Context, key ToolCallKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, ok := s.records[key]; ok {
		return nil
	}
	return s.append(key, ToolCallRecord{})
}

// Finish implements ToolCallStore.
func (s *FileToolCallStore) Finish(_ context.Context, key ToolCallKey, rec ToolCallRecord) error {
	rec.Finished = true
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	return s.append(key, rec)
}

// append writes one line with a single write, syncs it, and only then
// applies it. A failed write is cut off again, so that no later line is
// glued to a partial one; if that fails too, the store refuses further
// use. The caller holds s.mu.
func (s *FileToolCallStore) append(key ToolCallKey, rec ToolCallRecord) error {
	if key.SessionID == "" || key.ToolUseID == "" {
		return invalidParams("tool call key without a session or tool-use ID")
	}
	b, err := json.Marshal(fileStoreLine{Version: fileStoreVersion, ToolCallKey: key, ToolCallRecord: rec})
	if err != nil {
		return fmt.Errorf("managedagents: tool call store: encoding a record: %w", err)
	}
	b = append(b, '\n')
	if _, err := s.f.Write(b); err != nil {
		if terr := s.f.Truncate(s.size); terr != nil {
			s.err = fmt.Errorf("managedagents: tool call store: a failed write could not be undone: %w", terr)
		}
		return fmt.Errorf("managedagents: tool call store: writing: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		// The line may or may not be durable: do not trust the file any more.
		s.err = fmt.Errorf("managedagents: tool call store: sync failed: %w", err)
		return s.err
	}
	s.size += int64(len(b))
	s.merge(key, rec)
	return nil
}

// Close closes the file. Later calls of the store's methods fail.
func (s *FileToolCallStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if errors.Is(s.err, errStoreClosed) {
		return nil
	}
	s.err = errStoreClosed
	return s.f.Close()
}
