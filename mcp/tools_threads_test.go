package mcp

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

type threadOut struct {
	ID             string  `json:"id"`
	Type           string  `json:"type"`
	SessionID      string  `json:"session_id"`
	Status         string  `json:"status"`
	ParentThreadID *string `json:"parent_thread_id"`
	Agent          struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"agent"`
}

type resourceOut struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	FileID    string `json:"file_id"`
	MountPath string `json:"mount_path"`
}

// delegatedSession creates a session through the tools and sends it a
// message whose delegate: line makes the fake's agent spawn a child thread
// for "researcher", then waits, with a deadline, until the session settles.
func delegatedSession(t *testing.T, e *env) string {
	t.Helper()
	var created sessionOut
	e.callOK(t, ToolCreateSession, createArgs(nil), &created)
	e.callOK(t, ToolSendSessionEvents, map[string]any{"session_id": created.ID, "events": []any{userMessage("Please look into it.\ndelegate: researcher find the flaky test")}}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := e.fake.WaitIdle(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	return created.ID
}

// TestThreadTools lists a delegated session's threads, reads the child and
// its own history, and checks the results against the fake.
func TestThreadTools(t *testing.T) {
	// A still clock keeps the threads' stats from moving between reads.
	at := time.Date(2026, 11, 26, 11, 0, 0, 0, time.UTC)
	e := newEnv(t, envConfig{fake: []managedagentstest.Option{managedagentstest.WithClock(func() time.Time { return at })}})
	id := delegatedSession(t, e)

	// list: the primary thread, then the child
	var page struct {
		Data     []json.RawMessage `json:"data"`
		NextPage string            `json:"next_page"`
	}
	res := e.callOK(t, ToolListSessionThreads, map[string]any{"session_id": id}, &page)
	ids, _ := e.fake.ThreadIDs(id)
	if len(ids) != 2 || len(page.Data) != 2 || page.NextPage != "" {
		t.Fatalf("listed %d threads (next %q), the fake has %v", len(page.Data), page.NextPage, ids)
	}
	for i, raw := range page.Data {
		want, _ := e.fake.Thread(id, ids[i])
		if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, raw)); diff != "" {
			t.Errorf("thread %d differs from the API's (-api +got):\n%s", i, diff)
		}
	}
	var primary, child threadOut
	json.Unmarshal(page.Data[0], &primary)
	json.Unmarshal(page.Data[1], &child)
	if primary.ParentThreadID != nil || child.ParentThreadID == nil || *child.ParentThreadID != primary.ID ||
		child.Agent.Type != "inline" || child.Agent.Name != "researcher" || child.SessionID != id {
		t.Errorf("primary %+v, child %+v", primary, child)
	}
	wantSummary := `^2 threads in session ` + regexp.QuoteMeta(id) + `: ` + regexp.QuoteMeta(primary.ID) + ` \(idle\) agent agent "[^"]*", primary, ` +
		regexp.QuoteMeta(child.ID) + ` \(idle\) inline agent "researcher", child of ` + regexp.QuoteMeta(primary.ID) + `$`
	if !regexp.MustCompile(wantSummary).MatchString(summary(res)) {
		t.Errorf("list summary = %q, want %s", summary(res), wantSummary)
	}

	// list, filtered and paged
	e.callOK(t, ToolListSessionThreads, map[string]any{"session_id": id, "statuses": []string{"running", "terminated"}}, &page)
	if len(page.Data) != 0 {
		t.Errorf("running or terminated threads of an idle session: %s", page.Data)
	}
	res = e.callOK(t, ToolListSessionThreads, map[string]any{"session_id": id, "statuses": []string{"idle"}, "limit": 1}, &page)
	if len(page.Data) != 1 || page.NextPage == "" {
		t.Fatalf("first page of one: %d threads, next %q", len(page.Data), page.NextPage)
	}
	if !strings.HasSuffix(summary(res), ". More: pass page="+`"`+page.NextPage+`"`) {
		t.Errorf("first page summary = %q", summary(res))
	}
	e.callOK(t, ToolListSessionThreads, map[string]any{"session_id": id, "statuses": []string{"idle"}, "limit": 1, "page": page.NextPage}, &page)
	var second threadOut
	if len(page.Data) != 1 || json.Unmarshal(page.Data[0], &second) != nil || second.ID != child.ID {
		t.Errorf("second page: %s", page.Data)
	}

	// get the child
	res = e.callOK(t, ToolGetSessionThread, map[string]any{"session_id": id, "thread_id": child.ID}, nil)
	want, _ := e.fake.Thread(id, child.ID)
	if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, structuredJSON(t, res))); diff != "" {
		t.Errorf("get differs from the API's thread (-api +got):\n%s", diff)
	}
	if s := summary(res); s != "Thread "+child.ID+` (idle) inline agent "researcher", child of `+primary.ID+" of session "+id {
		t.Errorf("get summary = %q", s)
	}

	// the child's own history, passed through unchanged
	var events struct {
		Data     []json.RawMessage `json:"data"`
		NextPage string            `json:"next_page"`
	}
	res = e.callOK(t, ToolListSessionThreadEvents, map[string]any{"session_id": id, "thread_id": child.ID}, &events)
	history, err := e.client.Threads.ListEvents(t.Context(), id, child.ID, managedagents.ThreadEventListParams{})
	if err != nil {
		t.Fatal(err)
	}
	compareRaw(t, history.Data, events.Data)
	types := eventTypes(t, events.Data)
	for _, want := range []string{managedagents.EventAgentThreadMessageReceived, managedagents.EventAgentMessage, managedagents.EventSessionThreadStatusIdle} {
		if !slices.Contains(types, want) {
			t.Errorf("the child's history %v lacks %s", types, want)
		}
	}
	if slices.Contains(types, managedagents.EventUserMessage) {
		t.Errorf("the child's history %v holds the user's message", types)
	}
	if !strings.HasPrefix(summary(res), plural(len(events.Data), "event")+" in thread "+child.ID+" of session "+id+", ") {
		t.Errorf("thread events summary = %q", summary(res))
	}
	// paged: the first event, with a cursor to the rest
	res = e.callOK(t, ToolListSessionThreadEvents, map[string]any{"session_id": id, "thread_id": child.ID, "limit": 1}, &events)
	if len(events.Data) != 1 || events.NextPage == "" || !strings.Contains(summary(res), "More: pass page=") {
		t.Errorf("a page of one: %d events, next %q, summary %q", len(events.Data), events.NextPage, summary(res))
	}
	e.callOK(t, ToolListSessionThreadEvents, map[string]any{"session_id": id, "thread_id": child.ID, "page": events.NextPage}, &events)
	if diff := cmp.Diff(types[1:], eventTypes(t, events.Data)); diff != "" {
		t.Errorf("the rest of the history (-want +got):\n%s", diff)
	}
	// The primary thread's history is the session's.
	e.callOK(t, ToolListSessionThreadEvents, map[string]any{"session_id": id, "thread_id": primary.ID}, &events)
	sessionPage, err := e.client.Events.List(t.Context(), id, managedagents.EventListParams{})
	if err != nil {
		t.Fatal(err)
	}
	compareRaw(t, sessionPage.Data, events.Data)
}

// TestResourceTools adds file resources, lists and removes them.
func TestResourceTools(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.fake.AddFile("file_report")
	var created sessionOut
	e.callOK(t, ToolCreateSession, createArgs(nil), &created)
	id := created.ID

	var empty struct {
		Data []json.RawMessage `json:"data"`
	}
	res := e.callOK(t, ToolListSessionResources, map[string]any{"session_id": id}, &empty)
	if len(empty.Data) != 0 || summary(res) != "0 resources in session "+id {
		t.Errorf("a new session's resources: %s, %q", empty.Data, summary(res))
	}

	// add, with and without a mount path
	var first, second resourceOut
	res = e.callOK(t, ToolAddSessionResource, map[string]any{"session_id": id, "file_id": "file_report", "mount_path": "/mnt/session/uploads/report.csv"}, &first)
	if first.Type != "file" || !strings.HasPrefix(first.ID, "sesrsc_") || first.MountPath != "/mnt/session/uploads/report.csv" || first.FileID == "" {
		t.Errorf("added %+v", first)
	}
	if s := summary(res); s != "Added resource "+first.ID+" (file at /mnt/session/uploads/report.csv) to session "+id {
		t.Errorf("add summary = %q", s)
	}
	e.callOK(t, ToolAddSessionResource, map[string]any{"session_id": id, "file_id": "file_report"}, &second)
	if second.ID == first.ID || second.MountPath != "/mnt/session/uploads/file_report" {
		t.Errorf("second add = %+v (first %+v)", second, first)
	}
	if n := e.fake.Count("POST", "/v1/sessions/"+id+"/resources"); n != 2 {
		t.Errorf("the fake received %d adds, want 2", n)
	}

	// list: both, as the client reads them; then paged
	var page struct {
		Data     []resourceOut `json:"data"`
		NextPage string        `json:"next_page"`
	}
	res = e.callOK(t, ToolListSessionResources, map[string]any{"session_id": id}, &page)
	listed, err := e.client.Resources.List(t.Context(), id, managedagents.ResourceListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 2 || page.Data[0] != first || page.Data[1] != second || len(listed.Data) != 2 || listed.Data[1].ID != second.ID {
		t.Errorf("listed %+v, the client lists %+v", page.Data, listed.Data)
	}
	if !strings.HasPrefix(summary(res), "2 resources in session "+id+": "+first.ID+" (file at ") {
		t.Errorf("list summary = %q", summary(res))
	}
	e.callOK(t, ToolListSessionResources, map[string]any{"session_id": id, "limit": 1}, &page)
	if len(page.Data) != 1 || page.NextPage == "" {
		t.Fatalf("first page of one: %+v", page)
	}
	e.callOK(t, ToolListSessionResources, map[string]any{"session_id": id, "limit": 1, "page": page.NextPage}, &page)
	if len(page.Data) != 1 || page.Data[0].ID != second.ID {
		t.Errorf("second page of one: %+v", page)
	}

	// remove the first; a second removal is not found
	var deleted struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Deleted bool   `json:"deleted"`
	}
	res = e.callOK(t, ToolRemoveSessionResource, map[string]any{"session_id": id, "resource_id": first.ID}, &deleted)
	if !deleted.Deleted || deleted.ID != first.ID || deleted.Type != "session_resource_deleted" || summary(res) != "Removed resource "+first.ID+" from session "+id {
		t.Errorf("remove: %+v %q", deleted, summary(res))
	}
	e.callOK(t, ToolListSessionResources, map[string]any{"session_id": id}, &page)
	if len(page.Data) != 1 || page.Data[0].ID != second.ID {
		t.Errorf("after removing %s: %+v", first.ID, page.Data)
	}
	res = e.call(t, ToolRemoveSessionResource, map[string]any{"session_id": id, "resource_id": first.ID})
	var out errorOut
	decodeStructured(t, res, &out)
	if !res.IsError || out.Error.Type != "not_found_error" || out.Error.Status != 404 {
		t.Errorf("second remove: %s", resultText(res))
	}
}

// TestThreadAndResourceErrors checks the failures of the thread and
// resource tools: API errors and refused input are error results.
func TestThreadAndResourceErrors(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.fake.AddFile("file_ok")
	var created sessionOut
	e.callOK(t, ToolCreateSession, createArgs(nil), &created)
	id := created.ID
	for _, tc := range []struct {
		name     string
		tool     string
		args     map[string]any
		wantType string
		wantText string // regexp on the text
		wantAPI  bool   // an API error: request ID and status 404
	}{
		{"threads of an unknown session", ToolListSessionThreads, map[string]any{"session_id": "sesn_unknown"},
			"not_found_error", `^not_found_error: .*sesn_unknown.* \(request-id req_\S+\) Fix: check the ID`, true},
		{"threads with an empty status", ToolListSessionThreads, map[string]any{"session_id": id, "statuses": []string{"idle", " "}},
			"invalid_input", `statuses.*does not equal any of.*Fix: .*"statuses": \[one of idle\|running\|rescheduling\|terminated\]`, false},
		{"threads with a negative limit", ToolListSessionThreads, map[string]any{"session_id": id, "limit": -1},
			"invalid_input", `limit: minimum.*Fix: `, false},
		{"threads without a session ID", ToolListSessionThreads, map[string]any{"session_id": ""},
			"invalid_input", `session ID is empty`, false},
		{"get an unknown thread", ToolGetSessionThread, map[string]any{"session_id": id, "thread_id": "sthr_unknown"},
			"not_found_error", `sthr_unknown`, true},
		{"get a thread of an unknown session", ToolGetSessionThread, map[string]any{"session_id": "sesn_unknown", "thread_id": "sthr_x"},
			"not_found_error", `^not_found_error: `, true},
		{"get an empty thread ID", ToolGetSessionThread, map[string]any{"session_id": id, "thread_id": ""},
			"invalid_input", `thread ID is empty`, false},
		{"events of an unknown thread", ToolListSessionThreadEvents, map[string]any{"session_id": id, "thread_id": "sthr_unknown"},
			"not_found_error", `sthr_unknown`, true},
		{"events of a thread of an unknown session", ToolListSessionThreadEvents, map[string]any{"session_id": "sesn_unknown", "thread_id": "sthr_x"},
			"not_found_error", `^not_found_error: `, true},
		{"resources of an unknown session", ToolListSessionResources, map[string]any{"session_id": "sesn_unknown"},
			"not_found_error", `^not_found_error: .*sesn_unknown`, true},
		{"add to an unknown session", ToolAddSessionResource, map[string]any{"session_id": "sesn_unknown", "file_id": "file_ok"},
			"not_found_error", `^not_found_error: `, true},
		{"add an unknown file", ToolAddSessionResource, map[string]any{"session_id": id, "file_id": "file_nope"},
			"not_found_error", `file_nope`, true},
		{"add an empty file ID", ToolAddSessionResource, map[string]any{"session_id": id, "file_id": ""},
			"invalid_input", `FileID is required`, false},
		{"add at a relative path", ToolAddSessionResource, map[string]any{"session_id": id, "file_id": "file_ok", "mount_path": "data/x.csv"},
			"invalid_input", `not an absolute path`, false},
		{"remove an unknown resource", ToolRemoveSessionResource, map[string]any{"session_id": id, "resource_id": "sesrsc_unknown"},
			"not_found_error", `sesrsc_unknown`, true},
		{"remove from an unknown session", ToolRemoveSessionResource, map[string]any{"session_id": "sesn_unknown", "resource_id": "sesrsc_x"},
			"not_found_error", `^not_found_error: `, true},
		{"remove an empty resource ID", ToolRemoveSessionResource, map[string]any{"session_id": id, "resource_id": ""},
			"invalid_input", `resource ID is empty`, false},
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
			if tc.wantAPI && (!strings.HasPrefix(out.Error.RequestID, "req_") || out.Error.Status != 404 || out.Error.Message == "") {
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
		{"threads without session_id", ToolListSessionThreads, map[string]any{}},
		{"statuses not an array", ToolListSessionThreads, map[string]any{"session_id": id, "statuses": "idle"}},
		{"limit of the wrong type", ToolListSessionThreads, map[string]any{"session_id": id, "limit": "ten"}},
		{"get thread without thread_id", ToolGetSessionThread, map[string]any{"session_id": id}},
		{"thread events with an unknown argument", ToolListSessionThreadEvents, map[string]any{"session_id": id, "thread_id": "sthr_x", "order": "desc"}},
		{"resources without session_id", ToolListSessionResources, map[string]any{}},
		{"add without body", ToolAddSessionResource, map[string]any{"session_id": id}},
		{"add without file_id", ToolAddSessionResource, map[string]any{"session_id": id, "mount_path": "/mnt/x"}},
		{"add a repository", ToolAddSessionResource, map[string]any{"session_id": id, "file_id": "file_ok", "url": "https://github.com/a/b"}},
		{"remove without resource_id", ToolRemoveSessionResource, map[string]any{"session_id": id}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.call(t, tc.tool, tc.args)
			if !res.IsError || resultText(res) == "" {
				t.Errorf("result = %+v, want an error result", res)
			}
		})
	}
	if n := e.fake.Count("POST", "/v1/sessions/"+id+"/resources"); n != 1 {
		t.Errorf("the fake received %d adds, want 1 (only the unknown file)", n)
	}
}

// TestResourceAddOutcomeUnknown checks that an ambiguous add says so.
func TestResourceAddOutcomeUnknown(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.fake.AddFile("file_ok")
	var created sessionOut
	e.callOK(t, ToolCreateSession, createArgs(nil), &created)
	e.fake.FailNext(1, 500)
	res := e.call(t, ToolAddSessionResource, map[string]any{"session_id": created.ID, "file_id": "file_ok"})
	var out errorOut
	decodeStructured(t, res, &out)
	if !res.IsError || !out.Error.OutcomeUnknown || out.Error.Status != 500 || !strings.HasPrefix(resultText(res), "Outcome unknown: ") {
		t.Errorf("result %s, error %+v", resultText(res), out.Error)
	}
}
