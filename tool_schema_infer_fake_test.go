package managedagents_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// lookupInput is a tool input described only by its Go type.
type lookupInput struct {
	CustomerID string   `json:"customer_id" jsonschema:"the CRM's customer ID"`
	Fields     []string `json:"fields,omitempty" jsonschema:"fields to return; all when empty"`
	Limit      *int     `json:"limit,omitempty"`
}

// TestTypedToolInferredSchemaAgainstTheFake: a TypedTool given no schema
// becomes a custom tool the fake accepts (it checks input_schema as the API
// documents it: an object whose type is "object"), the session reports the
// schema as sent, and the agent's call reaches the handler decoded.
func TestTypedToolInferredSchemaAgainstTheFake(t *testing.T) {
	noLeaks(t)
	_, c := newFake(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	r := &managedagents.Runner{Client: c, Tools: []managedagents.ToolDefinition{
		managedagents.TypedTool("lookup", "Looks a customer up.", nil, func(ctx context.Context, in lookupInput) (string, error) {
			return fmt.Sprintf("%s: %s", in.CustomerID, strings.Join(in.Fields, ",")), nil
		}),
	}}
	s, err := c.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: managedagents.AgentWithOverrides(managedagentstest.DefaultAgentID, 0, managedagents.AgentOverrides{
			Tools: managedagents.Set(r.AgentTools()),
		}),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		t.Fatalf("Create with an inferred schema: %v", err)
	}
	if len(s.Agent.Tools) != 1 || !jsonSame(t, s.Agent.Tools[0].InputSchema.RawJSON(), r.Tools[0].InputSchema) {
		t.Fatalf("session tools = %+v, want the inferred schema %s", s.Agent.Tools, r.Tools[0].InputSchema)
	}
	res, err := r.Run(ctx, s.ID, managedagents.UserMessage(`call: lookup {"customer_id":"c_42","fields":["name","plan"]}`))
	if err != nil || !strings.Contains(res.Text, "c_42: name,plan") {
		t.Errorf("Run = %v, %q", err, res.Text)
	}
}
