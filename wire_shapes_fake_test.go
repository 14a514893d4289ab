package managedagents_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	managedagents "github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// TestFakeRareShapes drives the fake's directives for the rarer wire shapes
// and reads them with the client's typed events and sessions.
func TestFakeRareShapes(t *testing.T) {
	srv, c := newFake(t)
	multiagent := `{"type":"coordinator","agents":[{"type":"advisor","model":{"id":"claude-opus-4-6","effort":{"type":"high"}}}]}`
	tools := `[{"type":"agent_toolset_20260401","default_config":{"enabled":true,"permission_policy":{"type":"auto"}},"configs":[]}]`
	if err := srv.AddAgent(managedagentstest.Agent{ID: "agent_auto", Name: "Auto", Tools: json.RawMessage(tools), Multiagent: json.RawMessage(multiagent)}); err != nil {
		t.Fatal(err)
	}
	const repo = "https://github.com/example-org/invoice-service"
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	s, err := c.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID("agent_auto"),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Resources:     []managedagents.ResourceParam{managedagents.GitHubRepositoryResource(repo, "")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := s.Agent.Multiagent; m == nil || m.Type != managedagents.MultiagentCoordinator || len(m.Agents) != 1 ||
		m.Agents[0].Type != managedagents.ThreadAgentAdvisor || m.Agents[0].Model.Effort != managedagents.EffortHigh {
		t.Errorf("multiagent = %+v", s.Agent.Multiagent)
	}
	for _, text := range []string{"run: rm -rf /\nauto: deny", "cost: 42 1 2\nredact:\nhi", "fail: repository_not_found_error\nhello"} {
		if _, err := c.Events.SendAndWait(ctx, s.ID, managedagents.UserMessage(text)); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
	}
	evs := history(t, c, s.ID, managedagents.EventListParams{})

	var denied *managedagents.AgentToolUseEvent
	var usage *managedagents.SessionUsageEvent
	var blocks []string
	var repoErr *managedagents.SessionErrorEvent
	for _, ev := range evs {
		switch ev := ev.(type) {
		case *managedagents.AgentToolUseEvent:
			denied = ev
		case *managedagents.SessionUsageEvent:
			usage = ev
		case *managedagents.AgentMessageEvent:
			for _, b := range ev.Content {
				blocks = append(blocks, b.Type)
			}
		case *managedagents.SessionErrorEvent:
			repoErr = ev
		}
	}
	if denied == nil || denied.Allowed() || denied.EvaluatedPermission != managedagents.PermissionDeny || denied.Evaluation == nil ||
		denied.Evaluation.Type != managedagents.PolicyAuto || denied.Evaluation.EvaluatedPermission.ReasonCode != "high_risk" {
		t.Errorf("denied tool use = %+v", denied)
	}
	if usage == nil || usage.Usage.ListCost == nil || *usage.Usage.ListCost != managedagents.USD(42) || usage.Usage.ServerToolUse == nil ||
		*usage.Usage.ServerToolUse != (managedagents.ServerToolUse{WebFetchRequests: 1, WebSearchRequests: 2}) {
		t.Errorf("last session.usage = %+v", usage)
	}
	if !slices.Contains(blocks, managedagents.BlockTypeRedacted) {
		t.Errorf("message blocks %q hold no redacted block", blocks)
	}
	if repoErr == nil || repoErr.Error.RepositoryURL == nil || *repoErr.Error.RepositoryURL != repo {
		t.Errorf("session.error = %+v", repoErr)
	}
	got, err := c.Sessions.Get(ctx, s.ID)
	if err != nil || got.Usage.ListCost == nil || got.Usage.ListCost.Amount != "42" {
		t.Errorf("session usage = %+v, %v", got.Usage, err)
	}
}
