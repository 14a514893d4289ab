package managedagents_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/managedagents/managedagents-go"
)

func key(n int) managedagents.ToolCallKey {
	return managedagents.ToolCallKey{SessionID: "sesn_1", ToolUseID: fmt.Sprintf("sevt_%d", n)}
}

// openStore opens the store file at path or fails the test.
func openStore(t *testing.T, path string) *managedagents.FileToolCallStore {
	t.Helper()
	s, err := managedagents.OpenFileToolCallStore(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// storeContract checks what every ToolCallStore must do; reopen returns
// the store as a restarted process would see it (the same value for a
// store in memory).
func storeContract(t *testing.T, s managedagents.ToolCallStore, reopen func() managedagents.ToolCallStore) {
	ctx := context.Background()
	result := managedagents.ToolCallRecord{Content: []managedagents.ContentBlock{managedagents.TextBlock("42\nline two")}, IsError: true}
	if _, ok, err := s.Get(ctx, key(1)); ok || err != nil {
		t.Fatalf("an empty store has a record: %v %v", ok, err)
	}
	for _, step := range []func() error{
		func() error { return s.Start(ctx, key(1)) },
		func() error { return s.Finish(ctx, key(1), result) },
		func() error { return s.Start(ctx, key(1)) }, // leaves the result alone
		func() error { return s.Start(ctx, key(2)) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	s = reopen()
	got, ok, err := s.Get(ctx, key(1))
	want := result
	want.Finished = true
	if err != nil || !ok || !cmp.Equal(got, want, cmp.Comparer(func(a, b managedagents.ContentBlock) bool { return a.Text == b.Text && a.Type == b.Type })) {
		t.Errorf("finished record = %+v %v %v, want %+v", got, ok, err, want)
	}
	if got, ok, err := s.Get(ctx, key(2)); err != nil || !ok || got.Finished {
		t.Errorf("started record = %+v %v %v", got, ok, err)
	}
	// Concurrent use.
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if err := s.Start(ctx, key(100+i)); err != nil {
				t.Error(err)
			}
			if err := s.Finish(ctx, key(100+i), managedagents.ToolCallRecord{Content: []managedagents.ContentBlock{managedagents.TextBlock(fmt.Sprint(i))}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s = reopen()
	for i := range 40 {
		rec, ok, err := s.Get(ctx, key(100+i))
		if err != nil || !ok || !rec.Finished || managedagents.JoinText(rec.Content) != fmt.Sprint(i) {
			t.Errorf("call %d after concurrent writes: %+v %v %v", i, rec, ok, err)
		}
	}
}

func TestMemoryToolCallStore(t *testing.T) {
	s := managedagents.NewMemoryToolCallStore()
	storeContract(t, s, func() managedagents.ToolCallStore { return s })
}

// TestFileToolCallStoreRestarts: every record written survives a new store
// value over the same file, as a restarted process sees it.
func TestFileToolCallStoreRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.jsonl")
	var cur *managedagents.FileToolCallStore
	reopen := func() managedagents.ToolCallStore {
		if cur != nil {
			cur.Close()
		}
		cur = openStore(t, path)
		return cur
	}
	storeContract(t, reopen(), reopen)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v", info.Mode().Perm())
	}
}

// TestFileToolCallStoreTornLine: a crash in the middle of a write leaves a
// torn last line, which the next open cuts off; later records still
// append cleanly.
func TestFileToolCallStoreTornLine(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "calls.jsonl")
	s := openStore(t, path)
	if err := s.Finish(ctx, key(1), managedagents.ToolCallRecord{Content: []managedagents.ContentBlock{managedagents.TextBlock("kept")}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	good, _ := os.ReadFile(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"v":1,"session_id":"sesn_1","tool_use_id":"sevt_2","fini`)
	f.Close()

	s = openStore(t, path)
	if rec, ok, _ := s.Get(ctx, key(1)); !ok || managedagents.JoinText(rec.Content) != "kept" {
		t.Errorf("record before the torn line: %+v %v", rec, ok)
	}
	if _, ok, _ := s.Get(ctx, key(2)); ok {
		t.Errorf("the torn record was read")
	}
	if now, _ := os.ReadFile(path); string(now) != string(good) {
		t.Errorf("after open the file is %q, want %q", now, good)
	}
	if err := s.Start(ctx, key(3)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openStore(t, path)
	if _, ok, err := s.Get(ctx, key(3)); !ok || err != nil {
		t.Errorf("the record after the cut: %v %v", ok, err)
	}
}

// TestFileToolCallStoreBadFiles: a damaged line other than the last, or a
// line of an unknown version, is an error at open, never a silent loss;
// a closed store refuses use.
func TestFileToolCallStoreBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := `{"v":1,"session_id":"sesn_1","tool_use_id":"sevt_1","finished":false}` + "\n"
	for _, tt := range []struct{ name, content, want string }{
		{"damaged middle line", good + "{oops}\n" + good, "line 2"},
		{"unknown version", `{"v":9,"session_id":"sesn_1","tool_use_id":"sevt_1","finished":false}` + "\n", "version 9"},
		{"no key", `{"v":1,"finished":true}` + "\n", "line 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := managedagents.OpenFileToolCallStore(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
	if _, err := managedagents.OpenFileToolCallStore(filepath.Join(dir, "missing-dir", "x")); err == nil {
		t.Error("a file in a missing directory opened")
	}
	s := openStore(t, filepath.Join(dir, "closed"))
	s.Close()
	if err := s.Start(context.Background(), key(1)); err == nil {
		t.Error("a closed store recorded a start")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// FuzzFileToolCallStore: any file content opens or is refused with an
// error, never a panic; a file that opens keeps its records across a
// reopen, and accepts a new record.
func FuzzFileToolCallStore(f *testing.F) {
	f.Add([]byte(`{"v":1,"session_id":"sesn_1","tool_use_id":"sevt_1","finished":true,"content":[{"type":"text","text":"x"}]}` + "\n"))
	f.Add([]byte(`{"v":1,"session_id":"sesn_1","tool_use_id":"sevt_1","finished":false}` + "\n" + `{"v":1,"sess`))
	f.Add([]byte("\n"))
	f.Add([]byte(`{"v":1,"session_id":"s","tool_use_id":"t","content":[{"type":"image"}]}` + "\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "calls.jsonl")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := managedagents.OpenFileToolCallStore(path)
		if err != nil {
			return
		}
		ctx := context.Background()
		if err := s.Finish(ctx, key(1), managedagents.ToolCallRecord{Content: []managedagents.ContentBlock{managedagents.TextBlock("new")}}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		again, err := managedagents.OpenFileToolCallStore(path)
		if err != nil {
			t.Fatalf("a file this store wrote does not open: %v", err)
		}
		defer again.Close()
		if rec, ok, err := again.Get(ctx, key(1)); err != nil || !ok || managedagents.JoinText(rec.Content) != "new" {
			t.Fatalf("the new record: %+v %v %v", rec, ok, err)
		}
	})
}
