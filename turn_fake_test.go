package managedagents_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// toolAgent seeds an agent with a custom tool and bash under always_ask.
func toolAgent(srv *managedagentstest.Server, id string, customTools ...string) {
	tools := []string{`{"type":"agent_toolset_20260401","default_config":{"enabled":true,"permission_policy":{"type":"always_allow"}},
		"configs":[{"type":"bash","name":"bash","enabled":true,"permission_policy":{"type":"always_ask"}}]}`}
	for _, name := range customTools {
		tools = append(tools, `{"type":"custom","name":"`+name+`","description":"A test tool.","input_schema":{"type":"object"}}`)
	}
	srv.AddAgent(managedagentstest.Agent{ID: id, Name: "Tool user", Tools: json.RawMessage("[" + strings.Join(tools, ",") + "]")})
}

func createWith(t *testing.T, c *managedagents.Client, agentID string) *managedagents.Session {
	t.Helper()
	s, err := c.Sessions.Create(testContext(t), managedagents.SessionCreateParams{
		Agent: managedagents.AgentByID(agentID), EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSendAndWaitOnTheFake covers each way a turn ends.
func TestSendAndWaitOnTheFake(t *testing.T) {
	budgetScript := func(ctx context.Context, turn *managedagentstest.Turn) error {
		turn.Emit(managedagents.EventAgentMessage, map[string]any{"content": []map[string]any{{"type": "text", "text": "spent"}}})
		_, err := turn.Idle(map[string]any{"type": "budget_reached"}, nil)
		return err
	}
	tests := []struct {
		name       string
		message    string
		script     managedagentstest.Script
		wantStop   string // "" when the session ended instead
		wantText   string
		wantErrors []string // session.error retry statuses
		terminated bool
	}{
		{name: "end_turn", message: "hello", wantStop: managedagents.StopReasonEndTurn, wantText: "Echo: hello"},
		{name: "requires_action", message: `call: lookup {"id":1}`, wantStop: managedagents.StopReasonRequiresAction},
		{name: "retrying error then success", message: "fail: model_overloaded_error\nhello", wantStop: managedagents.StopReasonEndTurn,
			wantText: "Echo: hello", wantErrors: []string{"retrying"}},
		{name: "retries_exhausted", message: "fail-exhausted:", wantStop: managedagents.StopReasonRetriesExhausted, wantErrors: []string{"exhausted"}},
		{name: "refusal", message: "refuse: not this", wantStop: managedagents.StopReasonRefusal},
		{name: "budget_reached", message: "go", script: budgetScript, wantStop: managedagents.StopReasonBudgetReached, wantText: "spent"},
		{name: "terminated", message: "terminate:", wantErrors: []string{"terminal"}, terminated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			var opts []managedagentstest.Option
			if tt.script != nil {
				opts = append(opts, managedagentstest.WithScript(tt.script))
			}
			srv, c := newFakeWith(t, opts)
			toolAgent(srv, "agent_t", "lookup")
			s := createWith(t, c, "agent_t")
			res, err := c.Events.SendAndWait(testContext(t), s.ID, managedagents.UserMessage(tt.message))
			if err != nil {
				t.Fatal(err)
			}
			gotStop := ""
			if res.StopReason != nil {
				gotStop = res.StopReason.Type
			}
			if gotStop != tt.wantStop || res.Terminated != tt.terminated {
				t.Errorf("stop %q terminated %v; want %q %v", gotStop, res.Terminated, tt.wantStop, tt.terminated)
			}
			if tt.wantText != "" && res.Text != tt.wantText {
				t.Errorf("text = %q, want %q", res.Text, tt.wantText)
			}
			var statuses []string
			for _, e := range res.Errors {
				statuses = append(statuses, e.Error.RetryStatus.Type)
			}
			if strings.Join(statuses, ",") != strings.Join(tt.wantErrors, ",") {
				t.Errorf("errors %v, want %v", statuses, tt.wantErrors)
			}
			if gotStop == managedagents.StopReasonRequiresAction && len(res.StopReason.EventIDs) != 1 {
				t.Errorf("requires_action without the pending call: %+v", res.StopReason)
			}
			if first := res.Events[0]; first.EventType() != managedagents.EventUserMessage {
				t.Errorf("the turn starts with %s, want the processed user.message", first.EventType())
			}
		})
	}
}

func TestSendAndWaitContextDeadline(t *testing.T) {
	noLeaks(t)
	script := func(ctx context.Context, turn *managedagentstest.Turn) error {
		<-ctx.Done()
		return ctx.Err()
	}
	_, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithScript(script)})
	s := create(t, c, "slow")
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	res, err := c.Events.SendAndWait(ctx, s.ID, managedagents.UserMessage("work"))
	if !errors.Is(err, context.DeadlineExceeded) || res == nil || len(res.Events) == 0 {
		t.Errorf("got %v with %v; want the deadline and the turn so far", err, res)
	}
}
