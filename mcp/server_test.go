package mcp

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

var allTools = []string{
	ToolAddSessionResource, ToolArchiveSession, ToolCreateSession, ToolDeleteSession, ToolGetSession,
	ToolGetSessionThread, ToolListSessionEvents, ToolListSessionResources, ToolListSessionThreadEvents,
	ToolListSessionThreads, ToolListSessions, ToolRemoveSessionResource, ToolSendSessionEvents,
	ToolUpdateSession, ToolWaitForSession,
}

func listTools(t *testing.T, e *env) map[string]*sdk.Tool {
	t.Helper()
	res, err := e.cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*sdk.Tool{}
	for _, tool := range res.Tools {
		out[tool.Name] = tool
	}
	return out
}

func sortedNames(tools map[string]*sdk.Tool) []string {
	var names []string
	for n := range tools {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

type hints struct{ ReadOnly, Destructive, Idempotent, OpenWorld bool }

func toolHints(tool *sdk.Tool) hints {
	a := tool.Annotations
	return hints{a.ReadOnlyHint, a.DestructiveHint != nil && *a.DestructiveHint, a.IdempotentHint, a.OpenWorldHint != nil && *a.OpenWorldHint}
}

// schemaProps returns the property names of a tool's input schema, and of
// its "body" property when it has one.
func schemaProps(t *testing.T, tool *sdk.Tool) (top, body []string, required []string) {
	t.Helper()
	raw, err := json.Marshal(tool.InputSchema)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	for k, p := range s.Properties {
		top = append(top, k)
		if k == "body" {
			for bk := range p.Properties {
				body = append(body, bk)
			}
		}
	}
	slices.Sort(top)
	slices.Sort(body)
	slices.Sort(s.Required)
	return top, body, s.Required
}

func TestToolsList(t *testing.T) {
	e := newEnv(t, envConfig{})
	tools := listTools(t, e)
	if diff := cmp.Diff(allTools, sortedNames(tools)); diff != "" {
		t.Fatalf("tool names (-want +got):\n%s", diff)
	}
	// The five tools of the capability description, exactly.
	for _, tc := range []struct {
		name     string
		want     hints
		top      []string
		body     []string
		required []string
	}{
		{ToolCreateSession, hints{false, false, false, true},
			[]string{"agent_id", "agent_overrides", "agent_version", "budget", "environment_id", "initial_events", "metadata", "resources", "title", "vault_ids"}, nil, nil},
		{ToolListSessions, hints{true, false, true, true},
			[]string{"agent_id", "agent_version", "created_after", "created_at_or_after", "created_at_or_before", "created_before", "include_archived", "limit", "order", "page", "statuses"}, nil, nil},
		{ToolGetSession, hints{true, false, true, true}, []string{"session_id"}, nil, []string{"session_id"}},
		{ToolSendSessionEvents, hints{false, false, false, true}, []string{"events", "session_id"}, nil, []string{"events", "session_id"}},
		{ToolDeleteSession, hints{false, true, true, true}, []string{"session_id"}, nil, []string{"session_id"}},
		{ToolUpdateSession, hints{false, true, true, true}, []string{"budget", "clear_budget", "clear_title", "delete_metadata", "mcp_servers", "metadata", "session_id", "title", "tools"}, nil, []string{"session_id"}},
		{ToolArchiveSession, hints{false, true, true, true}, []string{"session_id"}, nil, []string{"session_id"}},
		{ToolListSessionEvents, hints{true, false, true, true}, []string{"limit", "order", "page", "session_id", "types"}, nil, []string{"session_id"}},
		{ToolWaitForSession, hints{false, false, false, true}, []string{"after_event_ids", "cursor", "events", "session_id", "timeout_seconds"}, nil, []string{"session_id"}},
		{ToolListSessionThreads, hints{true, false, true, true}, []string{"limit", "page", "session_id", "statuses"}, nil, []string{"session_id"}},
		{ToolGetSessionThread, hints{true, false, true, true}, []string{"session_id", "thread_id"}, nil, []string{"session_id", "thread_id"}},
		{ToolListSessionThreadEvents, hints{true, false, true, true}, []string{"limit", "page", "session_id", "thread_id"}, nil, []string{"session_id", "thread_id"}},
		{ToolListSessionResources, hints{true, false, true, true}, []string{"limit", "page", "session_id"}, nil, []string{"session_id"}},
		{ToolAddSessionResource, hints{false, false, false, true}, []string{"file_id", "mount_path", "session_id"}, nil, []string{"file_id", "session_id"}},
		{ToolRemoveSessionResource, hints{false, true, true, true}, []string{"resource_id", "session_id"}, nil, []string{"resource_id", "session_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tool := tools[tc.name]
			if got := toolHints(tool); got != tc.want {
				t.Errorf("annotations = %+v, want %+v", got, tc.want)
			}
			if tool.Description == "" || tool.Title == "" {
				t.Errorf("tool lacks a title or description: %+v", tool)
			}
			top, body, required := schemaProps(t, tool)
			if diff := cmp.Diff(tc.top, top); diff != "" {
				t.Errorf("input properties (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.body, body); diff != "" {
				t.Errorf("body properties (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.required, required); diff != "" {
				t.Errorf("required (-want +got):\n%s", diff)
			}
		})
	}
	// The schema carries the descriptions.
	raw, _ := json.Marshal(tools[ToolCreateSession].InputSchema)
	if d := tools[ToolCreateSession].Description; !strings.Contains(d, "No defaults are in force") {
		t.Errorf("create description does not say which defaults are in force: %s", d)
	}
	for _, want := range []string{"agent_overrides", "The environment the agent runs in"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("create schema lacks %q: %s", want, raw)
		}
	}
	// The thread and resource schemas describe their fields, and the add
	// body requires a file ID.
	for name, wants := range map[string][]string{
		ToolListSessionThreads:      {`"enum":["idle","running","rescheduling","terminated"]`, "next_page"},
		ToolGetSessionThread:        {"sthr_"},
		ToolListSessionThreadEvents: {"sthr_", "next_page"},
		ToolListSessionResources:    {"every resource comes in one page"},
		ToolAddSessionResource:      {"Files API", "absolute path", `"required":["session_id","file_id"]`},
		ToolRemoveSessionResource:   {"sesrsc_"},
	} {
		raw, _ := json.Marshal(tools[name].InputSchema)
		for _, want := range wants {
			if !strings.Contains(string(raw), want) {
				t.Errorf("%s schema lacks %q: %s", name, want, raw)
			}
		}
	}
	// The send and wait descriptions document the event objects.
	for _, name := range []string{ToolSendSessionEvents, ToolWaitForSession} {
		if d := tools[name].Description; !strings.Contains(d, `"type":"user.tool_confirmation"`) {
			t.Errorf("%s description lacks the event shapes: %s", name, d)
		}
	}
	init := e.cs.InitializeResult()
	if !strings.Contains(init.Instructions, "NOT idempotent") || !strings.Contains(init.Instructions, ToolListSessionEvents) ||
		!strings.Contains(init.Instructions, ToolListSessionThreads) || !strings.Contains(init.Instructions, ToolRemoveSessionResource) {
		t.Errorf("instructions = %q", init.Instructions)
	}
	if init.ServerInfo.Name != DefaultServerName {
		t.Errorf("server name = %q", init.ServerInfo.Name)
	}
}

// readOnlyTools are the tools ReadOnly keeps, sorted.
var readOnlyTools = []string{
	ToolGetSession, ToolGetSessionThread, ToolListSessionEvents, ToolListSessionResources,
	ToolListSessionThreadEvents, ToolListSessionThreads, ToolListSessions, ToolWaitForSession,
}

func prefixed(p string, names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, p+n)
	}
	return out
}

func TestToolSelection(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []Option
		want    []string
		refused string // a tool that must be unknown
	}{
		{"read-only", []Option{ReadOnly()}, readOnlyTools, ToolCreateSession},
		{"read-only without add-resource", []Option{ReadOnly()}, readOnlyTools, ToolAddSessionResource},
		{"read-only without remove-resource", []Option{ReadOnly()}, readOnlyTools, ToolRemoveSessionResource},
		{"no-destructive", []Option{NoDestructive()},
			[]string{ToolAddSessionResource, ToolCreateSession, ToolGetSession, ToolGetSessionThread, ToolListSessionEvents,
				ToolListSessionResources, ToolListSessionThreadEvents, ToolListSessionThreads, ToolListSessions,
				ToolSendSessionEvents, ToolWaitForSession}, ToolDeleteSession},
		{"no-destructive without remove-resource", []Option{NoDestructive()},
			[]string{ToolAddSessionResource, ToolCreateSession, ToolGetSession, ToolGetSessionThread, ToolListSessionEvents,
				ToolListSessionResources, ToolListSessionThreadEvents, ToolListSessionThreads, ToolListSessions,
				ToolSendSessionEvents, ToolWaitForSession}, ToolRemoveSessionResource},
		{"read-only and no-destructive", []Option{ReadOnly(), NoDestructive()}, readOnlyTools, ToolSendSessionEvents},
		{"prefix", []Option{ToolPrefix("prod_1-"), ReadOnly()}, prefixed("prod_1-", readOnlyTools), ToolGetSession},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envConfig{server: tc.opts})
			tools := listTools(t, e)
			if diff := cmp.Diff(tc.want, sortedNames(tools)); diff != "" {
				t.Errorf("tools (-want +got):\n%s", diff)
			}
			for name, tool := range tools {
				if h := toolHints(tool); strings.Contains(tc.name, "read-only") && !h.ReadOnly {
					t.Errorf("%s is not read-only", name)
				}
			}
			_, err := e.cs.CallTool(t.Context(), &sdk.CallToolParams{Name: tc.refused, Arguments: createArgs(nil)})
			if err == nil || !strings.Contains(err.Error(), "unknown tool") {
				t.Errorf("calling %s: err = %v, want unknown tool", tc.refused, err)
			}
		})
	}
	// The read-only wait cannot send events.
	e := newEnv(t, envConfig{server: []Option{ReadOnly()}})
	top, _, _ := schemaProps(t, listTools(t, e)[ToolWaitForSession])
	if slices.Contains(top, "events") {
		t.Errorf("read-only wait takes events: %v", top)
	}
	res := e.call(t, ToolWaitForSession, map[string]any{"session_id": "sesn_x", "events": []any{userMessage("hi")}})
	if !res.IsError {
		t.Errorf("read-only wait accepted events: %s", resultText(res))
	}
	// The instructions name only the tools that are there.
	if ins := e.cs.InitializeResult().Instructions; !strings.Contains(ins, ToolListSessionThreadEvents) ||
		!strings.Contains(ins, ToolListSessionResources) || strings.Contains(ins, ToolAddSessionResource) || strings.Contains(ins, ToolRemoveSessionResource) {
		t.Errorf("read-only instructions = %q", ins)
	}
	e = newEnv(t, envConfig{server: []Option{NoDestructive()}})
	if ins := e.cs.InitializeResult().Instructions; !strings.Contains(ins, ToolAddSessionResource) || strings.Contains(ins, ToolRemoveSessionResource) {
		t.Errorf("no-destructive instructions = %q", ins)
	}
}

func TestOptionErrors(t *testing.T) {
	client, err := managedagents.NewClient(managedagents.WithAPIKey("k"), managedagents.WithoutEnvironment())
	if err != nil {
		t.Fatal(err)
	}
	var nilCtx context.Context
	for _, tc := range []struct {
		name string
		opt  Option
		want string
	}{
		{"empty prefix", ToolPrefix(""), "empty"},
		{"prefix with a space", ToolPrefix("a b"), "letters, digits"},
		{"prefix with a dot", ToolPrefix("a."), "letters, digits"},
		{"long prefix", ToolPrefix(strings.Repeat("a", 65)), "longer"},
		{"nil option", nil, "nil"},
		{"empty name", WithServerName(" "), "empty"},
		{"empty version", WithServerVersion(""), "empty"},
		{"nil context", WithBaseContext(nilCtx), "nil"},
		{"nil logger", WithLogger(nil), "nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewServer(client, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := NewServer(nil); err == nil {
		t.Error("NewServer(nil) succeeded")
	}
	srv, err := NewServer(client, WithServerName("n"), WithServerVersion("v9"), WithBaseContext(context.Background()))
	if err != nil || srv == nil {
		t.Fatalf("NewServer: %v", err)
	}
}
