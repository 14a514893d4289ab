package mcp

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// TestSessionLifecycle drives every tool against the fake, in the order a
// model would: create, get, list, send, wait, list events, update, archive,
// delete.
func TestSessionLifecycle(t *testing.T) {
	e := newEnv(t, envConfig{})

	// create
	var created sessionOut
	res := e.callOK(t, ToolCreateSession, createArgs(map[string]any{
		"title":    "mcp test",
		"metadata": map[string]any{"team": "tools", "ticket": "T-1"},
		"budget":   map[string]any{"max_list_cost": map[string]any{"amount": "2500", "currency": "USD"}},
	}), &created)
	if !regexp.MustCompile(`^Created session sesn_\S+ \(idle\) "mcp test"$`).MatchString(summary(res)) {
		t.Errorf("create summary = %q", summary(res))
	}
	if created.Status != "idle" || created.Agent.ID != managedagentstest.DefaultAgentID || created.Budget == nil {
		t.Errorf("created = %+v", created)
	}
	id := created.ID
	// The structured content is the session exactly as the API sent it.
	// (stats.duration_seconds grows with time: leave it out.)
	raw, _ := e.fake.Session(id)
	want, have := jsonValue(t, raw).(map[string]any), jsonValue(t, structuredJSON(t, res)).(map[string]any)
	delete(want, "stats")
	delete(have, "stats")
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("create structured content differs from the API's session (-api +got):\n%s", diff)
	}
	// and the second text content is that JSON too, for text-only clients.
	if len(res.Content) != 2 || !json.Valid([]byte(res.Content[1].(*sdk.TextContent).Text)) {
		t.Errorf("content = %v, want a summary and the JSON", res.Content)
	}

	// a second session of another status, to check the filters
	var other sessionOut
	e.callOK(t, ToolCreateSession, map[string]any{"agent_id": managedagentstest.DefaultAgentID, "agent_version": 1,
		"environment_id": managedagentstest.DefaultEnvironmentID,
		"initial_events": []any{map[string]any{"type": "user.message", "content": "terminate: unknown_error"}}}, &other)
	if err := waitStatus(t, e, other.ID, "terminated"); err != nil {
		t.Fatal(err)
	}

	// get
	var got sessionOut
	res = e.callOK(t, ToolGetSession, map[string]any{"session_id": id}, &got)
	if got.ID != id || got.Title == nil || *got.Title != "mcp test" || !strings.Contains(summary(res), "agent ") {
		t.Errorf("get = %+v, summary %q", got, summary(res))
	}

	// list, filtered
	for _, tc := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{"agent_id": managedagentstest.DefaultAgentID, "statuses": []string{"idle"}}, []string{id}},
		{map[string]any{"statuses": []string{"terminated"}}, []string{other.ID}},
		{map[string]any{"statuses": []string{"idle", "terminated"}, "order": "asc"}, []string{id, other.ID}},
		{map[string]any{"agent_id": "agent_nobody"}, nil},
	} {
		var page struct {
			Data []sessionOut `json:"data"`
		}
		res := e.callOK(t, ToolListSessions, tc.args, &page)
		var ids []string
		for _, s := range page.Data {
			ids = append(ids, s.ID)
		}
		if diff := cmp.Diff(tc.want, ids); diff != "" {
			t.Errorf("list %v (-want +got):\n%s", tc.args, diff)
		}
		if !strings.Contains(summary(res), "session") {
			t.Errorf("list summary = %q", summary(res))
		}
	}

	// send a user.message, then wait for the turn it started
	var sent struct {
		Events []json.RawMessage `json:"events"`
	}
	res = e.callOK(t, ToolSendSessionEvents, map[string]any{
		"session_id": id,
		"events":     []any{userMessage("Hello, agent")},
	}, &sent)
	if len(sent.Events) != 1 || !strings.HasPrefix(summary(res), "Sent 1 event to session "+id+": user.message sevt_") {
		t.Fatalf("send: %s / %s", summary(res), sent.Events)
	}
	var echo struct{ ID string }
	json.Unmarshal(sent.Events[0], &echo)

	var w waitOut
	res = e.callOK(t, ToolWaitForSession, map[string]any{"session_id": id, "after_event_ids": []string{echo.ID}}, &w)
	if w.Outcome != "turn_ended" || w.StopReason == nil || w.StopReason.Type != "end_turn" || w.Text != "Echo: Hello, agent" {
		t.Errorf("wait = %+v", w)
	}
	if want := "Turn ended (end_turn) after"; !strings.HasPrefix(summary(res), want) || !strings.HasSuffix(summary(res), "Agent: Echo: Hello, agent") {
		t.Errorf("wait summary = %q", summary(res))
	}
	if types := eventTypes(t, w.Events); types[0] != "user.message" || types[len(types)-1] != "session.status_idle" {
		t.Errorf("wait events = %v", types)
	}

	// the same wait again returns the same, finished turn at once
	var again waitOut
	e.callOK(t, ToolWaitForSession, map[string]any{"session_id": id, "after_event_ids": []string{echo.ID}}, &again)
	if diff := cmp.Diff(eventTypes(t, w.Events), eventTypes(t, again.Events)); diff != "" || again.Text != w.Text {
		t.Errorf("second wait differs (-first +second):\n%s", diff)
	}

	// send and wait in one call
	res = e.callOK(t, ToolWaitForSession, map[string]any{"session_id": id, "events": []any{userMessage("Second")}, "timeout_seconds": 30}, &w)
	if w.Outcome != "turn_ended" || w.Text != "Echo: Second" {
		t.Errorf("send-and-wait = %+v (%s)", w, summary(res))
	}

	// list events: the history, passed through unchanged
	var events struct {
		Data     []json.RawMessage `json:"data"`
		NextPage string            `json:"next_page"`
	}
	res = e.callOK(t, ToolListSessionEvents, map[string]any{"session_id": id}, &events)
	page, err := e.client.Events.List(t.Context(), id, managedagents.EventListParams{})
	if err != nil {
		t.Fatal(err)
	}
	compareRaw(t, page.Data, events.Data)
	if !strings.HasPrefix(summary(res), plural(len(page.Data), "event")+" in session "+id) {
		t.Errorf("list events summary = %q", summary(res))
	}
	e.callOK(t, ToolListSessionEvents, map[string]any{"session_id": id, "types": []string{"agent.message"}, "order": "desc", "limit": 1}, &events)
	if types := eventTypes(t, events.Data); len(types) != 1 || types[0] != "agent.message" || events.NextPage == "" {
		t.Errorf("filtered list = %v, next %q", types, events.NextPage)
	}

	// update: rename, set and delete metadata keys, raise the budget
	var updated sessionOut
	e.callOK(t, ToolUpdateSession, map[string]any{"session_id": id, "title": "renamed",
		"metadata": map[string]any{"step": "updated"}, "delete_metadata": []string{"ticket"},
		"budget": map[string]any{"type": "limit", "max_list_cost": map[string]any{"amount": "5000", "currency": "USD"}}}, &updated)
	if diff := cmp.Diff(map[string]string{"team": "tools", "step": "updated"}, updated.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	if *updated.Title != "renamed" || updated.Budget.MaxListCost.Amount != "5000" {
		t.Errorf("updated = %+v", updated)
	}
	// clear the title and remove the budget
	e.callOK(t, ToolUpdateSession, map[string]any{"session_id": id, "clear_title": true, "clear_budget": true}, &updated)
	if updated.Title != nil || updated.Budget != nil {
		t.Errorf("after clearing: title %v, budget %v", updated.Title, updated.Budget)
	}

	// archive, then delete
	var archived sessionOut
	res = e.callOK(t, ToolArchiveSession, map[string]any{"session_id": id}, &archived)
	if archived.ArchivedAt == nil || !strings.HasPrefix(summary(res), "Archived session "+id) {
		t.Errorf("archive: %+v %q", archived, summary(res))
	}
	var deleted struct {
		ID      string `json:"id"`
		Deleted bool   `json:"deleted"`
	}
	res = e.callOK(t, ToolDeleteSession, map[string]any{"session_id": id}, &deleted)
	if !deleted.Deleted || deleted.ID != id || summary(res) != "Deleted session "+id {
		t.Errorf("delete: %+v %q", deleted, summary(res))
	}
	res = e.call(t, ToolGetSession, map[string]any{"session_id": id})
	if !res.IsError {
		t.Errorf("get after delete succeeded: %s", resultText(res))
	}
}

// compareRaw checks that got holds the events' raw JSON, in order.
func compareRaw(t *testing.T, events []managedagents.Event, got []json.RawMessage) {
	t.Helper()
	var want, have []any
	for _, ev := range events {
		want = append(want, jsonValue(t, ev.RawJSON()))
	}
	for _, r := range got {
		have = append(have, jsonValue(t, r))
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("events differ from the history's RawJSON (-history +got):\n%s", diff)
	}
}

func waitStatus(t *testing.T, e *env, id, status string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for {
		s, err := e.client.Sessions.Get(ctx, id)
		if err != nil {
			return err
		}
		if string(s.Status) == status {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestUnknownEventsPassThrough checks that events of types the library does
// not know reach the MCP client unchanged, from the history and from a wait.
func TestUnknownEventsPassThrough(t *testing.T) {
	script := func(ctx context.Context, turn *managedagentstest.Turn) error {
		if _, err := turn.Emit("session.checkpoint_created", map[string]any{
			"label":  "before-reply",
			"nested": map[string]any{"n": 12345678901234567, "list": []any{1, "two", nil}},
		}); err != nil {
			return err
		}
		if _, err := turn.Emit("agent.message", map[string]any{"content": []any{map[string]any{"type": "text", "text": "checkpointed"}}}); err != nil {
			return err
		}
		return nil
	}
	e := newEnv(t, envConfig{fake: []managedagentstest.Option{managedagentstest.WithScript(script)}})
	var created sessionOut
	e.callOK(t, ToolCreateSession, createArgs(nil), &created)

	var w waitOut
	e.callOK(t, ToolWaitForSession, map[string]any{"session_id": created.ID, "events": []any{userMessage("go")}}, &w)
	if w.Text != "checkpointed" || w.Outcome != "turn_ended" {
		t.Errorf("wait = %+v", w)
	}
	history, ok := e.fake.SessionEvents(created.ID)
	if !ok {
		t.Fatal("no history")
	}
	var events struct {
		Data []json.RawMessage `json:"data"`
	}
	e.callOK(t, ToolListSessionEvents, map[string]any{"session_id": created.ID}, &events)
	page, err := e.client.Events.List(t.Context(), created.ID, managedagents.EventListParams{})
	if err != nil {
		t.Fatal(err)
	}
	compareRaw(t, page.Data, events.Data)
	if len(history) != len(events.Data) {
		t.Fatalf("history has %d events, the tool returned %d", len(history), len(events.Data))
	}
	var unknown int
	for i, ev := range page.Data {
		if _, ok := ev.(*managedagents.UnknownEvent); ok {
			unknown++
			if diff := cmp.Diff(jsonValue(t, history[i]), jsonValue(t, events.Data[i])); diff != "" {
				t.Errorf("unknown event changed (-fake +tool):\n%s", diff)
			}
		}
	}
	if unknown != 1 {
		t.Errorf("%d unknown events in the history, want 1", unknown)
	}
	// The wait returned the unknown event too, unchanged.
	if !slicesContainsJSON(t, w.Events, history) {
		t.Errorf("wait events are not a part of the history: %s", w.Events)
	}
}

// slicesContainsJSON reports whether every element of part equals some
// element of all.
func slicesContainsJSON(t *testing.T, part, all []json.RawMessage) bool {
	t.Helper()
	for _, p := range part {
		found := false
		for _, a := range all {
			if cmp.Equal(jsonValue(t, p), jsonValue(t, a)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return len(part) > 0
}

func TestErrorResults(t *testing.T) {
	e := newEnv(t, envConfig{})
	for _, tc := range []struct {
		name      string
		tool      string
		args      map[string]any
		wantType  string
		wantText  string // regexp on the text
		wantAPI   bool   // an API error: request ID and status
		wantState int
	}{
		{"get unknown session", ToolGetSession, map[string]any{"session_id": "sesn_unknown"},
			"not_found_error", `^not_found_error: .*sesn_unknown.* \(request-id req_\S+\) Fix: check the ID`, true, 404},
		{"delete unknown session", ToolDeleteSession, map[string]any{"session_id": "sesn_unknown"},
			"not_found_error", `^not_found_error: `, true, 404},
		{"create with an unknown environment", ToolCreateSession, map[string]any{"agent_id": managedagentstest.DefaultAgentID, "environment_id": "env_nope"},
			"not_found_error", `env_nope`, true, 404},
		{"create with an empty environment", ToolCreateSession, map[string]any{"agent_id": managedagentstest.DefaultAgentID, "environment_id": ""},
			"invalid_input", `^invalid_input: environment_id is required: no default environment is in force Fix: pass agent_id`, false, 0},
		{"create with an agent of a wrong shape", ToolCreateSession, createArgs(map[string]any{"agent_id": 42}),
			"invalid_input", `agent_id.*Fix: pass one flat JSON object of arguments: \{"agent_id": string`, false, 0},
		{"create with the old agent object", ToolCreateSession, createArgs(map[string]any{"agent": map[string]any{"type": "agent", "id": "a"}}),
			"invalid_input", `additional properties \["agent"\].*"agent_id": string`, false, 0},
		{"create with a misspelt override", ToolCreateSession, createArgs(map[string]any{"agent_overrides": map[string]any{"sytem": "x"}}),
			"invalid_input", `additional properties \["sytem"\]`, false, 0},
		{"send with a body wrapper", ToolSendSessionEvents, map[string]any{"session_id": "sesn_x", "body": map[string]any{"events": []any{userMessage("hi")}}},
			"invalid_input", `additional properties \["body"\].*Fix: there is no body: put its fields at the top level.*"events": \[object\] \(required\)`, false, 0},
		{"send an unknown event type", ToolSendSessionEvents, map[string]any{"session_id": "sesn_x", "events": []any{map[string]any{"type": "user.shout", "text": "hi"}}},
			"invalid_input", `user.shout.*Fix: `, false, 0},
		{"send an event with an unknown field", ToolSendSessionEvents, map[string]any{"session_id": "sesn_x", "events": []any{map[string]any{"type": "user.message", "content": "hi", "colour": "red"}}},
			"invalid_input", `events\[0\]: user.message: json: unknown field "colour"`, false, 0},
		{"send no events", ToolSendSessionEvents, map[string]any{"session_id": "sesn_x", "events": []any{}},
			"invalid_input", `minItems|at least 1|fewer than|events`, false, 0},
		{"send an empty message", ToolSendSessionEvents, map[string]any{"session_id": "sesn_x", "events": []any{map[string]any{"type": "user.message", "content": []any{}}}},
			"invalid_input", `user.message: content is empty`, false, 0},
		{"send to an unknown session", ToolSendSessionEvents, map[string]any{"session_id": "sesn_unknown", "events": []any{userMessage("hi")}},
			"not_found_error", `^not_found_error: `, true, 404},
		{"empty session ID", ToolGetSession, map[string]any{"session_id": ""},
			"invalid_input", `session ID is empty`, false, 0},
		{"update that changes nothing", ToolUpdateSession, map[string]any{"session_id": "sesn_x"},
			"invalid_input", `change nothing.*Fix: set at least one of title`, false, 0},
		{"wait with events and IDs", ToolWaitForSession, map[string]any{"session_id": "sesn_x", "events": []any{userMessage("a")}, "after_event_ids": []string{"sevt_1"}},
			"invalid_input", `more than one of events, after_event_ids and cursor`, false, 0},
		{"wait with a negative timeout", ToolWaitForSession, map[string]any{"session_id": "sesn_x", "timeout_seconds": -1},
			"invalid_input", `timeout_seconds.*Fix: `, false, 0},
		{"wait longer than the maximum", ToolWaitForSession, map[string]any{"session_id": "sesn_x", "timeout_seconds": 600},
			"invalid_input", `timeout_seconds`, false, 0},
		{"wait with a bad cursor", ToolWaitForSession, map[string]any{"session_id": "sesn_x", "cursor": "nope"},
			"invalid_input", `not a cursor.*Fix: pass the cursor`, false, 0},
		{"wait with another session's cursor", ToolWaitForSession, map[string]any{"session_id": "sesn_x", "cursor": waitCursor{Session: "sesn_y", After: "sevt_1"}.encode()},
			"invalid_input", `belongs to session sesn_y`, false, 0},
		{"wait for an unknown session", ToolWaitForSession, map[string]any{"session_id": "sesn_unknown", "timeout_seconds": 1},
			"not_found_error", `^not_found_error: `, true, 404},
		{"list with a bad time", ToolListSessions, map[string]any{"created_after": "yesterday"},
			"invalid_input", `created_after`, false, 0},
		{"list with a bad order", ToolListSessions, map[string]any{"order": "sideways"},
			"invalid_input", `order.*Fix: .*"order": one of asc\|desc`, false, 0},
		{"list with a comma-separated status", ToolListSessions, map[string]any{"statuses": "idle,running"},
			"invalid_input", `statuses.*"statuses": \[one of idle\|running\|rescheduling\|terminated\]`, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.call(t, tc.tool, tc.args)
			if !res.IsError {
				t.Fatalf("succeeded: %s", resultText(res))
			}
			var out errorOut
			decodeStructured(t, res, &out)
			if out.Error.Type != tc.wantType {
				t.Errorf("error type = %q, want %q (%s)", out.Error.Type, tc.wantType, resultText(res))
			}
			if !regexp.MustCompile(tc.wantText).MatchString(summary(res)) {
				t.Errorf("text = %q, want it to match %s", summary(res), tc.wantText)
			}
			if out.Error.Fix == "" || !strings.HasSuffix(summary(res), " Fix: "+out.Error.Fix) {
				t.Errorf("the error says no fix: %+v", out.Error)
			}
			if tc.wantAPI && (!strings.HasPrefix(out.Error.RequestID, "req_") || out.Error.Status != tc.wantState || out.Error.Message == "") {
				t.Errorf("structured error = %+v", out.Error)
			}
		})
	}

	// Input the schema rejects is an error result too, not a protocol error.
	for _, tc := range []struct {
		name string
		tool string
		args map[string]any
	}{
		{"missing session_id", ToolGetSession, map[string]any{}},
		{"session_id of the wrong type", ToolGetSession, map[string]any{"session_id": 7}},
		{"unknown argument", ToolGetSession, map[string]any{"session_id": "s", "sesion": "x"}},
		{"create without environment", ToolCreateSession, map[string]any{"agent_id": "agent_x"}},
		{"create without anything", ToolCreateSession, map[string]any{}},
		{"send without events", ToolSendSessionEvents, map[string]any{"session_id": "s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.call(t, tc.tool, tc.args)
			if !res.IsError || resultText(res) == "" {
				t.Errorf("result = %+v, want an error result", res)
			}
		})
	}
	if n := e.fake.Count("POST", "/v1/sessions"); n != 1 {
		t.Errorf("the fake received %d creates, want 1 (only the unknown environment)", n)
	}
}

// TestOutcomeUnknown checks that an ambiguous create failure says so.
func TestOutcomeUnknown(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.fake.FailNext(1, 500)
	res := e.call(t, ToolCreateSession, createArgs(nil))
	var out errorOut
	decodeStructured(t, res, &out)
	if !res.IsError || !out.Error.OutcomeUnknown || out.Error.Type != "api_error" || out.Error.Status != 500 {
		t.Errorf("result %+v, error %+v", res, out.Error)
	}
	if !strings.HasPrefix(resultText(res), "Outcome unknown: the request may have been applied. Do not retry it blindly") {
		t.Errorf("text = %q", resultText(res))
	}
}

func TestWait(t *testing.T) {
	t.Run("idle session returns at once", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		var created sessionOut
		e.callOK(t, ToolCreateSession, createArgs(nil), &created)
		var w waitOut
		res := e.callOK(t, ToolWaitForSession, map[string]any{"session_id": created.ID}, &w)
		if w.Outcome != "idle" || len(w.Events) != 0 || !strings.Contains(summary(res), "is idle") {
			t.Errorf("wait = %+v, %q", w, summary(res))
		}
		// After a turn, it reports the last turn.
		e.callOK(t, ToolWaitForSession, map[string]any{"session_id": created.ID, "events": []any{userMessage("one")}}, &w)
		e.callOK(t, ToolWaitForSession, map[string]any{"session_id": created.ID}, &w)
		if w.Outcome != "turn_ended" || w.Text != "Echo: one" {
			t.Errorf("wait after a turn = %+v", w)
		}
	})

	t.Run("idle after an interrupt", func(t *testing.T) {
		defer func(d time.Duration) { idleGrace = d }(idleGrace)
		idleGrace = 200 * time.Millisecond
		e := newEnv(t, envConfig{})
		var created sessionOut
		e.callOK(t, ToolCreateSession, createArgs(nil), &created)
		var sent struct{ Events []struct{ ID string } }
		e.callOK(t, ToolSendSessionEvents, map[string]any{"session_id": created.ID, "events": []any{map[string]any{"type": "user.interrupt"}}}, &sent)
		var w waitOut
		start := time.Now()
		res := e.callOK(t, ToolWaitForSession, map[string]any{"session_id": created.ID, "timeout_seconds": 30}, &w)
		if w.Outcome != "idle" || time.Since(start) > 10*time.Second {
			t.Errorf("wait = %+v after %v: %q", w, time.Since(start), summary(res))
		}
		// Sending an interrupt to an idle session with the wait, or
		// waiting after its ID, says idle too, rather than running on.
		for _, args := range []map[string]any{
			{"session_id": created.ID, "events": []any{map[string]any{"type": "user.interrupt"}}, "timeout_seconds": 5},
			{"session_id": created.ID, "after_event_ids": []string{sent.Events[0].ID}, "timeout_seconds": 5},
		} {
			start := time.Now()
			res := e.callOK(t, ToolWaitForSession, args, &w)
			if w.Outcome != "idle" || w.Cursor != "" || time.Since(start) > 10*time.Second {
				t.Errorf("wait %v = %+v after %v: %q", args, w, time.Since(start), summary(res))
			}
		}
	})

	t.Run("follows a running turn, with progress", func(t *testing.T) {
		release := make(chan struct{})
		script := func(ctx context.Context, turn *managedagentstest.Turn) error {
			if _, err := turn.Emit("agent.thinking", nil); err != nil {
				return err
			}
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
			return managedagentstest.DefaultScript(ctx, turn)
		}
		e := newEnv(t, envConfig{fake: []managedagentstest.Option{managedagentstest.WithScript(script)}})
		var created sessionOut
		e.callOK(t, ToolCreateSession, createArgs(nil), &created)
		e.callOK(t, ToolSendSessionEvents, map[string]any{"session_id": created.ID, "events": []any{userMessage("slow")}}, nil)
		if err := waitStatus(t, e, created.ID, "running"); err != nil {
			t.Fatal(err)
		}
		type result struct {
			res *sdk.CallToolResult
			err error
		}
		done := make(chan result, 1)
		go func() {
			params := &sdk.CallToolParams{Name: ToolWaitForSession, Arguments: map[string]any{"session_id": created.ID}}
			params.SetProgressToken("wait-1")
			res, err := e.cs.CallTool(t.Context(), params)
			done <- result{res, err}
		}()
		// Release the agent once the wait follows the stream.
		deadline := time.Now().Add(5 * time.Second)
		for e.fake.OpenStreams() == 0 && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		close(release)
		r := <-done
		if r.err != nil || r.res.IsError {
			t.Fatalf("wait: %v %v", r.err, r.res)
		}
		var w waitOut
		decodeStructured(t, r.res, &w)
		if w.Outcome != "turn_ended" || w.Text != "Echo: slow" {
			t.Errorf("wait = %+v", w)
		}
		types := eventTypes(t, w.Events)
		if types[0] != "user.message" || types[len(types)-1] != "session.status_idle" {
			t.Errorf("events = %v, want the whole turn from the user.message", types)
		}
		progress := e.waitProgress(t, len(w.Events))
		if len(progress) != len(w.Events) {
			t.Errorf("%d progress notifications for %d events", len(progress), len(w.Events))
		}
		for i, p := range progress {
			if p.ProgressToken != "wait-1" || p.Progress != float64(i+1) || p.Message != types[i] {
				t.Errorf("progress %d = %+v, want token wait-1, progress %d, message %s", i, p, i+1, types[i])
			}
		}
	})

	t.Run("send and wait, with progress", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		var created sessionOut
		e.callOK(t, ToolCreateSession, createArgs(nil), &created)
		params := &sdk.CallToolParams{Name: ToolWaitForSession, Arguments: map[string]any{"session_id": created.ID, "events": []any{userMessage("progress please")}}}
		params.SetProgressToken(7)
		res, err := e.cs.CallTool(t.Context(), params)
		if err != nil || res.IsError {
			t.Fatalf("wait: %v %v", err, res)
		}
		var w waitOut
		decodeStructured(t, res, &w)
		progress := e.waitProgress(t, len(w.Events))
		var msgs []string
		for _, p := range progress {
			msgs = append(msgs, p.Message)
		}
		if diff := cmp.Diff(eventTypes(t, w.Events), msgs); diff != "" {
			t.Errorf("progress messages (-events +progress):\n%s", diff)
		}
	})

	t.Run("times out", func(t *testing.T) {
		script := func(ctx context.Context, turn *managedagentstest.Turn) error {
			if _, err := turn.Emit("agent.thinking", nil); err != nil {
				return err
			}
			<-ctx.Done()
			return ctx.Err()
		}
		e := newEnv(t, envConfig{fake: []managedagentstest.Option{managedagentstest.WithScript(script)}})
		var created sessionOut
		e.callOK(t, ToolCreateSession, createArgs(nil), &created)
		var w waitOut
		start := time.Now()
		res := e.callOK(t, ToolWaitForSession, map[string]any{"session_id": created.ID, "events": []any{userMessage("never ends")}, "timeout_seconds": 1}, &w)
		if w.Outcome != "running" || w.Cursor == "" || !strings.HasPrefix(summary(res), "The turn is still running after this call's 1s") {
			t.Errorf("wait = %+v, %q", w, summary(res))
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("the wait took %v", time.Since(start))
		}
		// Following without events times out the same way.
		res = e.callOK(t, ToolWaitForSession, map[string]any{"session_id": created.ID, "timeout_seconds": 1}, &w)
		if w.Outcome != "running" || len(w.Events) == 0 || w.Cursor == "" {
			t.Errorf("follow = %+v, %q", w, summary(res))
		}
		// Interrupt it so the fake can close.
		e.callOK(t, ToolSendSessionEvents, map[string]any{"session_id": created.ID, "events": []any{map[string]any{"type": "user.interrupt"}}}, nil)
	})

	t.Run("requires action", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		e.fake.AddAgent(managedagentstest.Agent{ID: "agent_tools", Version: 1, Name: "tools",
			Tools: json.RawMessage(`[{"type":"custom","name":"lookup","description":"look up","input_schema":{"type":"object"}}]`)})
		var created sessionOut
		e.callOK(t, ToolCreateSession, createArgs(map[string]any{"agent_id": "agent_tools"}), &created)
		var w waitOut
		res := e.callOK(t, ToolWaitForSession, map[string]any{"session_id": created.ID, "events": []any{userMessage(`call: lookup {"q":1}`)}}, &w)
		if w.Outcome != "requires_action" || w.StopReason == nil || len(w.StopReason.EventIDs) != 1 || !strings.Contains(summary(res), w.StopReason.EventIDs[0]) {
			t.Fatalf("wait = %+v, %q", w, summary(res))
		}
		e.callOK(t, ToolWaitForSession, map[string]any{"session_id": created.ID, "events": []any{map[string]any{
			"type": "user.custom_tool_result", "custom_tool_use_id": w.StopReason.EventIDs[0], "content": "42",
		}}}, &w)
		if w.Outcome != "turn_ended" || !strings.Contains(w.Text, "Tool lookup returned: 42") {
			t.Errorf("after answering: %+v", w)
		}
	})
}

// TestBaseContext checks that ending the base context ends a wait in
// flight.
func TestBaseContext(t *testing.T) {
	script := func(ctx context.Context, turn *managedagentstest.Turn) error {
		<-ctx.Done()
		return ctx.Err()
	}
	base, cancel := context.WithCancel(t.Context())
	e := newEnv(t, envConfig{server: []Option{WithBaseContext(base)}, fake: []managedagentstest.Option{managedagentstest.WithScript(script)}})
	var created sessionOut
	e.callOK(t, ToolCreateSession, createArgs(nil), &created)
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	res := e.call(t, ToolWaitForSession, map[string]any{"session_id": created.ID, "events": []any{userMessage("x")}, "timeout_seconds": 50})
	if time.Since(start) > 10*time.Second {
		t.Errorf("the wait took %v after the base context ended", time.Since(start))
	}
	var out errorOut
	decodeStructured(t, res, &out)
	if !res.IsError || out.Error.Type != "cancelled" {
		t.Errorf("result %s, error %+v", resultText(res), out.Error)
	}
	e.fake.Close() // end the blocked script before the session's cleanup
}

func TestWaitTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   int
		want string
	}{{0, "25s"}, {1, "1s"}, {50, "50s"}, {51, "error"}, {1 << 30, "error"}, {-1, "error"}} {
		d, err := (&adapter{cfg: config{waitDefault: DefaultWaitTimeout, waitMax: MaxWaitTimeout}}).waitTimeout(tc.in)
		got := d.String()
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("waitTimeout(%d) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
