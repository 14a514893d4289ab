package managedagents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/managedagents/managedagents-go"
)

// killAfterPost is the kill point past the hooks: the result's post
// reaches the server, and the runner dies before it reads the answer.
const killAfterPost = -1

// lostAnswerTransport delivers the first custom tool result it carries to
// the server, then calls kill and reports a broken connection instead of
// the server's answer.
type lostAnswerTransport struct {
	kill func()
	once sync.Once
}

func (l *lostAnswerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || r.Body == nil {
		return http.DefaultTransport.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !bytes.Contains(body, []byte(managedagents.EventUserCustomToolResult)) {
		return resp, err
	}
	lost := false
	l.once.Do(func() {
		lost = true
		resp.Body.Close()
		l.kill()
	})
	if lost {
		return nil, errors.New("connection reset after the request was written")
	}
	return resp, nil
}

// TestRunnerKilledMidCall kills a runner at each point between running a
// tool and posting its result, then starts a new runner over the same
// store file: the tool ran once (or as the policy for a call that started
// without a result says) and the call was answered once.
func TestRunnerKilledMidCall(t *testing.T) {
	tests := []struct {
		name      string
		point     int
		policy    managedagents.InterruptedCallPolicy
		wantRuns  int32
		wantError bool // the answer is the interrupted-call error result
	}{
		{name: "before start recorded", point: managedagents.KillBeforeStart, wantRuns: 1},
		{name: "after started, before the tool ran (error policy)", point: managedagents.KillStarted, wantRuns: 0, wantError: true},
		{name: "after started, before the tool ran (rerun policy)", point: managedagents.KillStarted, policy: managedagents.RerunInterrupted, wantRuns: 1},
		{name: "after the tool ran, before its result was recorded (error policy)", point: managedagents.KillRan, wantRuns: 1, wantError: true},
		{name: "after the tool ran, before its result was recorded (rerun policy)", point: managedagents.KillRan, policy: managedagents.RerunInterrupted, wantRuns: 2},
		{name: "after the result was recorded", point: managedagents.KillFinished, wantRuns: 1},
		{name: "after the post was sent, before the response", point: killAfterPost, wantRuns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			var kill context.CancelFunc
			var opts []managedagents.Option
			if tt.point == killAfterPost {
				opts = append(opts, managedagents.WithHTTPClient(&http.Client{Transport: &lostAnswerTransport{kill: func() { kill() }}}))
			} else {
				managedagents.StopRunnersAt(t, tt.point, func() { kill() })
			}
			srv, c, s, ctx := addSession(t, opts...)
			runCtx, kill := context.WithCancel(ctx)
			defer kill()

			var runs atomic.Int32
			var keys sync.Map // tool-use IDs the handler was given
			tools := []managedagents.ToolDefinition{managedagents.TypedTool("add", "Adds.", objectSchema,
				func(ctx context.Context, in pair) (string, error) {
					runs.Add(1)
					id, _ := managedagents.ToolUseIDFromContext(ctx)
					keys.Store(id, true)
					return fmt.Sprint(in.A + in.B), nil
				})}
			path := filepath.Join(t.TempDir(), "calls.jsonl")

			store1, err := managedagents.OpenFileToolCallStore(path)
			if err != nil {
				t.Fatal(err)
			}
			r1 := &managedagents.Runner{Client: c, Tools: tools, Store: store1, Interrupted: tt.policy}
			// A run killed after its post may have seen the turn end first.
			if _, err := r1.Run(runCtx, s.ID, managedagents.UserMessage(`call: add {"a":1,"b":2}`)); !errors.Is(err, context.Canceled) &&
				(err != nil || tt.point != killAfterPost) {
				t.Fatalf("the killed run returned %v", err)
			}
			store1.Close()
			managedagents.UnhookRunners()
			if tt.point == killAfterPost {
				// The restarted process comes up after the server took the answer.
				if err := srv.WaitIdle(ctx, s.ID); err != nil {
					t.Fatal(err)
				}
			}

			store2, err := managedagents.OpenFileToolCallStore(path)
			if err != nil {
				t.Fatal(err)
			}
			defer store2.Close()
			r2 := &managedagents.Runner{Client: c, Tools: tools, Store: store2, Interrupted: tt.policy}
			res, err := r2.Run(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if res.StopReason == nil || res.StopReason.Type != managedagents.StopReasonEndTurn {
				t.Errorf("restarted run: stop %+v", res.StopReason)
			}

			if got := runs.Load(); got != tt.wantRuns {
				t.Errorf("the tool ran %d times, want %d", got, tt.wantRuns)
			}
			results := customResults(t, c, s.ID)
			if len(results) != 1 {
				t.Fatalf("answers for %d calls", len(results))
			}
			for id, answers := range results {
				if len(answers) != 1 {
					t.Fatalf("call %s answered %d times", id, len(answers))
				}
				text := managedagents.JoinText(answers[0].Content)
				isErr := answers[0].IsError != nil && *answers[0].IsError
				if tt.wantError != isErr || tt.wantError != strings.Contains(text, "interrupted") || !tt.wantError && text != "3" {
					t.Errorf("answer %q (is_error %v)", text, isErr)
				}
				keys.Range(func(k, _ any) bool {
					if k != id {
						t.Errorf("the handler's idempotency key %v, the call %s", k, id)
					}
					return true
				})
				if rec, ok, err := store2.Get(ctx, managedagents.ToolCallKey{SessionID: s.ID, ToolUseID: id}); err != nil || !ok || !rec.Finished {
					t.Errorf("store record %+v %v %v", rec, ok, err)
				}
			}
			if n := eventPosts(srv, s.ID); n != 2 {
				t.Errorf("%d sends, want 2 (the message and one answer)", n)
			}
		})
	}
}

// TestRunnerStoreErrorStopsRun: a store that cannot record a start stops
// the Run with its error, and the tool does not run.
func TestRunnerStoreErrorStopsRun(t *testing.T) {
	noLeaks(t)
	_, c, s, ctx := addSession(t)
	var runs atomic.Int32
	tools := []managedagents.ToolDefinition{{Name: "add", Description: "d", InputSchema: objectSchema,
		Handler: func(context.Context, json.RawMessage) ([]managedagents.ContentBlock, error) {
			runs.Add(1)
			return nil, nil
		}}}
	r := &managedagents.Runner{Client: c, Tools: tools, Store: failingStore{}}
	_, err := r.Run(ctx, s.ID, managedagents.UserMessage(`call: add {}`))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
	if runs.Load() != 0 || len(customResults(t, c, s.ID)) != 0 {
		t.Errorf("ran %d times, answered %d calls", runs.Load(), len(customResults(t, c, s.ID)))
	}
}

// failingStore refuses every record.
type failingStore struct{}

func (failingStore) Get(context.Context, managedagents.ToolCallKey) (managedagents.ToolCallRecord, bool, error) {
	return managedagents.ToolCallRecord{}, false, nil
}
func (failingStore) Start(context.Context, managedagents.ToolCallKey) error {
	return errors.New("disk full")
}
func (failingStore) Finish(context.Context, managedagents.ToolCallKey, managedagents.ToolCallRecord) error {
	return errors.New("disk full")
}

var _ managedagents.ToolCallStore = failingStore{}
