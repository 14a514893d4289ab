package mcp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/managedagents/managedagents-go"
)

// walkSchema calls visit for every subschema of a JSON schema, with its
// path.
func walkSchema(path string, s any, visit func(path string, node map[string]any)) {
	switch v := s.(type) {
	case map[string]any:
		visit(path, v)
		for k, sub := range v {
			walkSchema(path+"/"+k, sub, visit)
		}
	case []any:
		for i, sub := range v {
			walkSchema(fmt.Sprintf("%s/%d", path, i), sub, visit)
		}
	}
}

// TestSchemasFillable checks every advertised schema, as a client receives
// it, for what clients that build arguments from schema.type need: no type
// list with "null" anywhere, an output schema on every tool, and enums on
// the closed sets.
func TestSchemasFillable(t *testing.T) {
	for _, cfg := range []envConfig{{}, {server: []Option{ReadOnly()}}} {
		e := newEnv(t, cfg)
		tools := listTools(t, e)
		for name, tool := range tools {
			if tool.OutputSchema == nil {
				t.Errorf("%s has no output schema", name)
			}
			for kind, schema := range map[string]any{"input": tool.InputSchema, "output": tool.OutputSchema} {
				raw, _ := json.Marshal(schema)
				var v any
				json.Unmarshal(raw, &v)
				walkSchema(name+" "+kind, v, func(path string, node map[string]any) {
					if types, ok := node["type"].([]any); ok && slices.Contains(types, any("null")) {
						t.Errorf("%s: nullable type %v", path, types)
					}
				})
			}
		}
	}

	e := newEnv(t, envConfig{})
	tools := listTools(t, e)
	enum := func(tool string, path ...string) []string {
		raw, _ := json.Marshal(tools[tool].InputSchema)
		var node map[string]any
		json.Unmarshal(raw, &node)
		for _, p := range path {
			next, _ := node[p].(map[string]any)
			if next == nil {
				t.Fatalf("%s: no %s in %v", tool, strings.Join(path, "/"), node)
			}
			node = next
		}
		var out []string
		for _, v := range node["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	var sendable []string
	for _, info := range managedagents.EventTypes() {
		if info.Sendable {
			sendable = append(sendable, info.Type)
		}
	}
	statuses := []string{"idle", "running", "rescheduling", "terminated"}
	for _, tc := range []struct {
		tool string
		path []string
		want []string
	}{
		{ToolSendSessionEvents, []string{"properties", "events", "items", "properties", "type"}, sendable},
		{ToolWaitForSession, []string{"properties", "events", "items", "properties", "type"}, sendable},
		{ToolCreateSession, []string{"properties", "initial_events", "items", "properties", "type"}, []string{"user.message", "user.define_outcome"}},
		{ToolListSessions, []string{"properties", "statuses", "items"}, statuses},
		{ToolListSessionThreads, []string{"properties", "statuses", "items"}, statuses},
		{ToolListSessions, []string{"properties", "order"}, []string{"asc", "desc"}},
		{ToolListSessionEvents, []string{"properties", "order"}, []string{"asc", "desc"}},
	} {
		if got := enum(tc.tool, tc.path...); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: enum %v, want %v", tc.tool, strings.Join(tc.path, "/"), got, tc.want)
		}
	}
	raw, _ := json.Marshal(tools[ToolWaitForSession].OutputSchema)
	if !strings.Contains(string(raw), `"enum":["turn_ended","requires_action","terminated","deleted","idle","running"]`) {
		t.Errorf("wait output schema lacks the outcomes: %s", raw)
	}
	raw, _ = json.Marshal(tools[ToolWaitForSession].InputSchema)
	if !strings.Contains(string(raw), `"timeout_seconds":{"description"`) || !strings.Contains(string(raw), `"maximum":50,"minimum":1`) {
		t.Errorf("wait timeout is not bounded: %s", raw)
	}
	raw, _ = json.Marshal(tools[ToolListSessions].InputSchema)
	for _, want := range []string{`"format":"date-time"`, `"maximum":1000,"minimum":1`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("list schema lacks %s: %s", want, raw)
		}
	}
}

// TestTimeBounds checks that the time bounds mean what the Go API's do
// (created_after is strictly after) and that a date alone is accepted.
func TestTimeBounds(t *testing.T) {
	e := newEnv(t, envConfig{})
	var created sessionOut
	e.callOK(t, ToolCreateSession, createArgs(nil), &created)
	raw, _ := e.fake.Session(created.ID)
	var s struct {
		CreatedAt string `json:"created_at"`
	}
	json.Unmarshal(raw, &s)
	ids := func(args map[string]any) []string {
		var page struct {
			Data []sessionOut `json:"data"`
		}
		e.callOK(t, ToolListSessions, args, &page)
		var out []string
		for _, d := range page.Data {
			out = append(out, d.ID)
		}
		return out
	}
	for _, tc := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{"created_after": s.CreatedAt}, nil},
		{map[string]any{"created_at_or_after": s.CreatedAt}, []string{created.ID}},
		{map[string]any{"created_before": s.CreatedAt}, nil},
		{map[string]any{"created_at_or_before": s.CreatedAt}, []string{created.ID}},
		{map[string]any{"created_after": "2000-01-02"}, []string{created.ID}},
		{map[string]any{"created_before": "2000-01-02"}, nil},
	} {
		if got := ids(tc.args); !slices.Equal(got, tc.want) {
			t.Errorf("list %v = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestDefaults checks that the default agent and environment fill in a
// create that names neither, and that the description and instructions say
// which are in force.
func TestDefaults(t *testing.T) {
	e := newEnv(t, envConfig{server: []Option{
		WithDefaultAgent("agent_01FakeDefaultAgent00000000"), WithDefaultEnvironment("env_01FakeDefaultEnvironment00"),
	}})
	var created sessionOut
	e.callOK(t, ToolCreateSession, map[string]any{"title": "defaults"}, &created)
	if created.Agent.ID != "agent_01FakeDefaultAgent00000000" || created.EnvironmentID != "env_01FakeDefaultEnvironment00" {
		t.Errorf("created = %+v", created)
	}
	want := "Defaults in force: agent_id agent_01FakeDefaultAgent00000000 and environment_id env_01FakeDefaultEnvironment00"
	if d := listTools(t, e)[ToolCreateSession].Description; !strings.Contains(d, want) {
		t.Errorf("description = %q", d)
	}
	if ins := e.cs.InitializeResult().Instructions; !strings.Contains(ins, want) {
		t.Errorf("instructions = %q", ins)
	}
	// Without defaults, a create naming no agent says how to fix it.
	e = newEnv(t, envConfig{})
	res := e.call(t, ToolCreateSession, map[string]any{"environment_id": "env_x"})
	if !res.IsError || !strings.Contains(summary(res), "agent_id is required") || !strings.Contains(summary(res), "-agent") {
		t.Errorf("create without an agent: %s", summary(res))
	}
}
