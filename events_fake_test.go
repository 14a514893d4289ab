package managedagents_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

func TestFakeSendAndHistory(t *testing.T) {
	srv, c := newFake(t)
	s := create(t, c, "events")
	echoes, err := c.Events.Send(testContext(t), s.ID, managedagents.UserMessage("hello there"))
	if err != nil {
		t.Fatal(err)
	}
	if len(echoes) != 1 || echoes[0].EventID() == "" {
		t.Fatalf("echoes = %v", echoes)
	}
	if _, processed := echoes[0].EventProcessedAt(); processed {
		t.Errorf("the echo of a queued message is marked processed")
	}
	if err := srv.WaitIdle(testContext(t), s.ID); err != nil {
		t.Fatal(err)
	}
	evs := history(t, c, s.ID, managedagents.EventListParams{Limit: 3}) // several pages
	want := []string{"user.message", "session.status_running", "span.model_request_start", "agent.thinking",
		"agent.message", "span.model_request_end", "session.usage", "session.status_idle"}
	if diff := cmp.Diff(want, types(evs)); diff != "" {
		t.Fatalf("history (-want +got):\n%s", diff)
	}
	if evs[0].EventID() != echoes[0].EventID() {
		t.Errorf("the processed message has ID %s, the echo %s", evs[0].EventID(), echoes[0].EventID())
	}
	msg := evs[4].(*managedagents.AgentMessageEvent)
	if got := managedagents.JoinText(msg.Content); got != "Echo: hello there" {
		t.Errorf("agent said %q", got)
	}
	end := evs[5].(*managedagents.SpanModelRequestEndEvent)
	if end.ModelRequestStartID != evs[2].EventID() || end.ModelUsage.InputTokens == 0 {
		t.Errorf("span end = %+v", end)
	}
	idle := evs[7].(*managedagents.SessionStatusIdleEvent)
	if idle.StopReason.Type != managedagents.StopReasonEndTurn || !idle.StopReason.EndsTurn() {
		t.Errorf("stop reason = %+v", idle.StopReason)
	}
	got, err := c.Sessions.Get(testContext(t), s.ID)
	if err != nil || got.Status != managedagents.StatusIdle || got.Usage.InputTokens == 0 {
		t.Errorf("session after the turn: %v, status %s, usage %+v", err, got.Status, got.Usage)
	}
	// Filters: by type, newest first.
	msgs := history(t, c, s.ID, managedagents.EventListParams{Types: []string{managedagents.EventAgentMessage, managedagents.EventUserMessage}, Order: managedagents.OrderDesc})
	if diff := cmp.Diff([]string{"agent.message", "user.message"}, types(msgs)); diff != "" {
		t.Errorf("filtered history (-want +got):\n%s", diff)
	}
}

func TestFakeCustomToolRoundTrip(t *testing.T) {
	srv, c := newFake(t)
	srv.AddAgent(managedagentstest.Agent{
		ID: "agent_tools", Name: "With tools",
		Tools: json.RawMessage(`[{"type":"custom","name":"lookup_customer","description":"Look up a customer.","input_schema":{"type":"object"}}]`),
	})
	s, err := c.Sessions.Create(testContext(t), managedagents.SessionCreateParams{
		Agent: managedagents.AgentByID("agent_tools"), EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events.Send(testContext(t), s.ID, managedagents.UserMessage(`call: lookup_customer {"customer_id":"cus_4471"}`)); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(testContext(t), s.ID); err != nil {
		t.Fatal(err)
	}
	evs := history(t, c, s.ID, managedagents.EventListParams{})
	var use *managedagents.AgentCustomToolUseEvent
	var idle *managedagents.SessionStatusIdleEvent
	for _, ev := range evs {
		switch e := ev.(type) {
		case *managedagents.AgentCustomToolUseEvent:
			use = e
		case *managedagents.SessionStatusIdleEvent:
			idle = e
		}
	}
	if use == nil || idle == nil || idle.StopReason.Type != managedagents.StopReasonRequiresAction ||
		!cmp.Equal(idle.StopReason.EventIDs, []string{use.ID}) || idle.StopReason.EndsTurn() {
		t.Fatalf("want a custom tool use and a requires_action idle naming it; history %v", types(evs))
	}
	if string(use.Input) != `{"customer_id":"cus_4471"}` {
		t.Errorf("input = %s", use.Input)
	}
	if _, err := c.Events.Send(testContext(t), s.ID, managedagents.CustomToolResult(use.ID, managedagents.TextBlock("enterprise plan"))); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(testContext(t), s.ID); err != nil {
		t.Fatal(err)
	}
	evs = history(t, c, s.ID, managedagents.EventListParams{Types: []string{managedagents.EventAgentMessage}})
	if len(evs) != 1 || !strings.Contains(managedagents.JoinText(evs[0].(*managedagents.AgentMessageEvent).Content), "enterprise plan") {
		t.Errorf("final message does not carry the tool result: %v", evs)
	}
}

func TestFakeSendErrors(t *testing.T) {
	_, c := newFake(t)
	s := create(t, c, "archived")
	if _, err := c.Sessions.Archive(testContext(t), s.ID); err != nil {
		t.Fatal(err)
	}
	_, err := c.Events.Send(testContext(t), s.ID, managedagents.UserMessage("hi"))
	if !errors.Is(err, managedagents.ErrConflict) || errors.Is(err, managedagents.ErrOutcomeUnknown) {
		t.Errorf("send to archived: %v, want a plain ErrConflict", err)
	}
	if _, err := c.Events.Send(testContext(t), "sesn_nope", managedagents.UserMessage("hi")); !errors.Is(err, managedagents.ErrNotFound) {
		t.Errorf("send to unknown: %v, want ErrNotFound", err)
	}
	// The server rejects what only it can know: a user.tool_result on a
	// session that is not self-hosted.
	s2 := create(t, c, "cloud")
	if _, err := c.Events.Send(testContext(t), s2.ID, managedagents.ToolResult("sevt_x", managedagents.TextBlock("out"))); !errors.Is(err, managedagents.ErrInvalidRequest) {
		t.Errorf("tool result on a cloud session: %v, want ErrInvalidRequest", err)
	}
}

func TestFakeCreateWithInitialEvents(t *testing.T) {
	srv, c := newFake(t)
	s, err := c.Sessions.Create(testContext(t), managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		InitialEvents: []managedagents.EventParam{managedagents.UserMessage("start")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(testContext(t), s.ID); err != nil {
		t.Fatal(err)
	}
	evs := history(t, c, s.ID, managedagents.EventListParams{Types: []string{managedagents.EventAgentMessage}})
	if len(evs) != 1 || managedagents.JoinText(evs[0].(*managedagents.AgentMessageEvent).Content) != "Echo: start" {
		t.Errorf("initial event not processed: %v", evs)
	}
}
