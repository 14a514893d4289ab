package managedagents_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

var objectSchema = json.RawMessage(`{"type":"object"}`)

type pair struct{ A, B int }

func arithmetic() []managedagents.ToolDefinition {
	return []managedagents.ToolDefinition{
		managedagents.TypedTool("add", "Adds a and b.", objectSchema, func(ctx context.Context, in pair) (string, error) {
			return fmt.Sprint(in.A + in.B), nil
		}),
		managedagents.TypedTool("mul", "Multiplies a and b.", objectSchema, func(ctx context.Context, in pair) (string, error) {
			return fmt.Sprint(in.A * in.B), nil
		}),
	}
}

// customResults returns the answers the session received, by tool-use ID.
func customResults(t *testing.T, c *managedagents.Client, sessionID string) map[string][]*managedagents.UserCustomToolResultEvent {
	t.Helper()
	out := map[string][]*managedagents.UserCustomToolResultEvent{}
	for _, ev := range history(t, c, sessionID, managedagents.EventListParams{Types: []string{managedagents.EventUserCustomToolResult}}) {
		r := ev.(*managedagents.UserCustomToolResultEvent)
		out[r.CustomToolUseID] = append(out[r.CustomToolUseID], r)
	}
	return out
}

func TestRunnerCases(t *testing.T) {
	tests := []struct {
		name    string
		tools   []managedagents.ToolDefinition
		message string
		timeout time.Duration
		// wantText lists substrings of the agent's final text.
		wantText []string
		// wantErrors is how many answers carry is_error.
		wantErrors int
	}{
		{name: "two tools, called together", tools: arithmetic(),
			message:  "call: add {\"a\":2,\"b\":3}\ncall: mul {\"a\":4,\"b\":5}",
			wantText: []string{"Tool add returned: 5", "Tool mul returned: 20"}},
		{name: "a handler error", message: `call: add {"a":1}`, tools: []managedagents.ToolDefinition{{
			Name: "add", Description: "d", InputSchema: objectSchema,
			Handler: func(ctx context.Context, in json.RawMessage) ([]managedagents.ContentBlock, error) {
				return nil, errors.New("b is missing")
			},
		}}, wantText: []string{"Tool add failed: b is missing"}, wantErrors: 1},
		{name: "a panic", message: `call: add {}`, tools: []managedagents.ToolDefinition{{
			Name: "add", Description: "d", InputSchema: objectSchema,
			Handler: func(ctx context.Context, in json.RawMessage) ([]managedagents.ContentBlock, error) {
				panic("boom")
			},
		}}, wantText: []string{"Tool add failed: tool add panicked: boom"}, wantErrors: 1},
		{name: "a timeout", message: `call: add {}`, timeout: 50 * time.Millisecond, tools: []managedagents.ToolDefinition{{
			Name: "add", Description: "d", InputSchema: objectSchema,
			Handler: func(ctx context.Context, in json.RawMessage) ([]managedagents.ContentBlock, error) {
				<-ctx.Done()
				time.Sleep(20 * time.Millisecond) // returns late, after its answer was sent
				return nil, ctx.Err()
			},
		}}, wantText: []string{"Tool add failed: tool add did not finish within 50ms"}, wantErrors: 1},
		{name: "an unknown tool", message: `call: mul {}`, tools: arithmetic()[:1],
			wantText: []string{`Tool mul failed: no tool named "mul" is available`}, wantErrors: 1},
		{name: "bad input for a typed tool", message: `call: add {"a":"one"}`, tools: arithmetic(),
			wantText: []string{"Tool add failed: invalid input for add"}, wantErrors: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			srv, c := newFake(t)
			toolAgent(srv, "agent_t", "add", "mul")
			s := createWith(t, c, "agent_t")
			r := &managedagents.Runner{Client: c, Tools: tt.tools, CallTimeout: tt.timeout}
			res, err := r.Run(testContext(t), s.ID, managedagents.UserMessage(tt.message))
			if err != nil {
				t.Fatal(err)
			}
			if res.StopReason == nil || res.StopReason.Type != managedagents.StopReasonEndTurn {
				t.Fatalf("stop reason %+v, want end_turn; text %q", res.StopReason, res.Text)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(res.Text, want) {
					t.Errorf("text %q lacks %q", res.Text, want)
				}
			}
			errs := 0
			for id, answers := range customResults(t, c, s.ID) {
				if len(answers) != 1 {
					t.Errorf("call %s answered %d times", id, len(answers))
				}
				if answers[0].IsError != nil && *answers[0].IsError {
					errs++
				}
			}
			if errs != tt.wantErrors {
				t.Errorf("%d error answers, want %d", errs, tt.wantErrors)
			}
		})
	}
}

// TestRunnerConcurrentHandlers: two calls of one request run at the same
// time (each waits for the other to start).
func TestRunnerConcurrentHandlers(t *testing.T) {
	noLeaks(t)
	srv, c := newFake(t)
	toolAgent(srv, "agent_t", "wait")
	s := createWith(t, c, "agent_t")
	var started sync.WaitGroup
	started.Add(2)
	r := &managedagents.Runner{Client: c, CallTimeout: 5 * time.Second, Tools: []managedagents.ToolDefinition{{
		Name: "wait", Description: "d", InputSchema: objectSchema,
		Handler: func(ctx context.Context, in json.RawMessage) ([]managedagents.ContentBlock, error) {
			started.Done()
			started.Wait() // deadlocks unless both calls run at once
			return []managedagents.ContentBlock{managedagents.TextBlock("both ran")}, nil
		},
	}}}
	res, err := r.Run(testContext(t), s.ID, managedagents.UserMessage("call: wait {\"n\":1}\ncall: wait {\"n\":2}"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(res.Text, "both ran") != 2 {
		t.Errorf("text = %q", res.Text)
	}
}

func TestRunnerConfirmations(t *testing.T) {
	tests := []struct {
		name    string
		confirm managedagents.ConfirmFunc
		want    string
	}{
		{"allow", func(ctx context.Context, call managedagents.ToolCall) (bool, string) {
			return call.Name == "bash" && strings.Contains(string(call.Input), "ls"), ""
		}, "ran: ls"},
		{"deny with a message", func(ctx context.Context, call managedagents.ToolCall) (bool, string) {
			return false, "Not on this machine."
		}, "Not on this machine."},
		{"no policy denies", nil, "no confirmation policy"},
		{"a panicking policy denies", func(ctx context.Context, call managedagents.ToolCall) (bool, string) {
			panic("oops")
		}, "confirmation policy failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			srv, c := newFake(t)
			toolAgent(srv, "agent_t")
			s := createWith(t, c, "agent_t")
			r := &managedagents.Runner{Client: c, Confirm: tt.confirm}
			res, err := r.Run(testContext(t), s.ID, managedagents.UserMessage("run: ls"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(res.Text, tt.want) || res.StopReason.Type != managedagents.StopReasonEndTurn {
				t.Errorf("text %q (stop %+v), want it to contain %q", res.Text, res.StopReason, tt.want)
			}
		})
	}
}

// TestRunnerPicksUpAWaitingSession: with no events to send, the runner
// answers the calls the session is already waiting on.
func TestRunnerPicksUpAWaitingSession(t *testing.T) {
	noLeaks(t)
	srv, c := newFake(t)
	toolAgent(srv, "agent_t", "add", "mul")
	s := createWith(t, c, "agent_t")
	if _, err := c.Events.Send(testContext(t), s.ID, managedagents.UserMessage(`call: add {"a":20,"b":22}`)); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(testContext(t), s.ID); err != nil {
		t.Fatal(err)
	}
	r := &managedagents.Runner{Client: c, Tools: arithmetic()}
	res, err := r.Run(testContext(t), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Text, "Tool add returned: 42") {
		t.Errorf("text = %q", res.Text)
	}
}

// TestRunnerStreamDropWhileACallIsPending: the stream is cut right after the
// tool use arrives; after the reconnect the call is answered exactly once.
func TestRunnerStreamDropWhileACallIsPending(t *testing.T) {
	for _, cut := range []int{1, 2, 3, 4, 5} {
		t.Run(fmt.Sprint("cut after ", cut), func(t *testing.T) {
			noLeaks(t)
			srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithStepDelay(5 * time.Millisecond)})
			toolAgent(srv, "agent_t", "add", "mul")
			s := createWith(t, c, "agent_t")
			srv.DropNextStreams(cut)
			slow := arithmetic()
			add := slow[0].Handler
			slow[0].Handler = func(ctx context.Context, in json.RawMessage) ([]managedagents.ContentBlock, error) {
				time.Sleep(30 * time.Millisecond) // still running while the stream reconnects
				return add(ctx, in)
			}
			r := &managedagents.Runner{Client: c, Tools: slow}
			res, err := r.Run(testContext(t), s.ID, managedagents.UserMessage(`call: add {"a":1,"b":1}`))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(res.Text, "Tool add returned: 2") {
				t.Errorf("text = %q", res.Text)
			}
			for id, answers := range customResults(t, c, s.ID) {
				if len(answers) != 1 {
					t.Errorf("call %s answered %d times", id, len(answers))
				}
			}
			if srv.StreamsOpened() < 2 {
				t.Errorf("the stream was opened %d times; the cut did not happen", srv.StreamsOpened())
			}
			if n := srv.Count(http.MethodPost, "/v1/sessions/"+s.ID+"/events"); n != 2 {
				t.Errorf("%d sends, want 2 (the message and one answer)", n)
			}
		})
	}
}

// TestRunnerToolsAsOverrides: the runner's definitions become the custom
// tools of a session, which the agent can then call.
func TestRunnerToolsAsOverrides(t *testing.T) {
	noLeaks(t)
	_, c := newFake(t)
	r := &managedagents.Runner{Client: c, Tools: arithmetic()}
	s, err := c.Sessions.Create(testContext(t), managedagents.SessionCreateParams{
		Agent: managedagents.AgentWithOverrides(managedagentstest.DefaultAgentID, 0, managedagents.AgentOverrides{
			Tools: managedagents.Set(r.AgentTools()),
		}),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Agent.Tools) != 2 || s.Agent.Tools[0].Name != "add" {
		t.Fatalf("session tools = %+v", s.Agent.Tools)
	}
	res, err := r.Run(testContext(t), s.ID, managedagents.UserMessage(`call: mul {"a":6,"b":7}`))
	if err != nil || !strings.Contains(res.Text, "Tool mul returned: 42") {
		t.Errorf("Run = %v, %q", err, res.Text)
	}
}

func TestRunnerInvalid(t *testing.T) {
	_, c := newFake(t)
	h := func(ctx context.Context, in json.RawMessage) ([]managedagents.ContentBlock, error) { return nil, nil }
	for name, r := range map[string]*managedagents.Runner{
		"no client":       {},
		"unnamed tool":    {Client: c, Tools: []managedagents.ToolDefinition{{Handler: h}}},
		"no handler":      {Client: c, Tools: []managedagents.ToolDefinition{{Name: "x"}}},
		"duplicate tools": {Client: c, Tools: []managedagents.ToolDefinition{{Name: "x", Handler: h}, {Name: "x", Handler: h}}},
		"bad timeout":     {Client: c, CallTimeout: -1},
	} {
		if _, err := r.Run(testContext(t), "sesn_1", managedagents.UserMessage("hi")); !errors.Is(err, managedagents.ErrInvalidParams) {
			t.Errorf("%s: %v, want ErrInvalidParams", name, err)
		}
	}
}
