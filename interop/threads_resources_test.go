package interop

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go/managedagentstest"
)

// The threads and resources part of the oracle: the official SDK drives the
// fake's thread endpoints (over a multi-agent turn of the scripted agent)
// and resource endpoints, and every answer must decode into the SDK's types
// with every required field, nothing unknown, and the values the fake
// stored.

// sdkThread is a thread as the official SDK decodes it.
type sdkThread = anthropic.BetaManagedAgentsSessionThread

// checkSDKThread checks one decoded thread: its shape, its parent, its
// agent's variant, and that it is the thread the fake holds.
func checkSDKThread(t *testing.T, e *env, th sdkThread, sessionID, parent string) {
	t.Helper()
	what := "thread " + th.ID
	checkWire(t, what, th)
	if !strings.HasPrefix(th.ID, "sthr_") || th.SessionID != sessionID || th.Type != "session_thread" {
		t.Errorf("%s: id %q, session_id %q, type %q", what, th.ID, th.SessionID, th.Type)
	}
	if th.ParentThreadID != parent {
		t.Errorf("%s: parent_thread_id %q, want %q", what, th.ParentThreadID, parent)
	}
	if parent == "" && th.JSON.ParentThreadID.Raw() != "null" {
		t.Errorf("%s: the primary thread's parent_thread_id is %s, want null", what, th.JSON.ParentThreadID.Raw())
	}
	if raw := th.JSON.WorkflowRunID.Raw(); raw != "null" {
		t.Errorf("%s: workflow_run_id = %s, want null (present)", what, raw)
	}
	wantAgent := reflect.TypeFor[anthropic.BetaManagedAgentsInlineAgent]()
	if parent == "" {
		wantAgent = reflect.TypeFor[anthropic.BetaManagedAgentsSessionThreadAgent]()
	}
	if got := reflect.TypeOf(th.Agent.AsAny()); got != wantAgent {
		t.Errorf("%s: agent decoded as %v, want %v", what, got, wantAgent)
	}
	want, ok := e.srv.Thread(sessionID, th.ID)
	if !ok {
		t.Fatalf("%s: the fake has no such thread", what)
	}
	if diff := cmp.Diff(jsonValue(t, string(want)), jsonValue(t, th.RawJSON())); diff != "" {
		t.Errorf("%s differs from the fake's record (-fake +sdk):\n%s", what, diff)
	}
}

func TestThreadsWithSDK(t *testing.T) {
	e := newEnv(t, managedagentstest.WithHeartbeat(20*time.Millisecond))
	ctx := context.Background()
	id := mustNew(t, e, simpleParams("multi-agent")).ID
	send(t, e, id, userText("delegate: researcher find the flaky test\ndelegate: tester run: go vet ./..."))
	waitIdle(t, e, id)
	ids, ok := e.srv.ThreadIDs(id)
	if !ok || len(ids) != 3 {
		t.Fatalf("the fake has threads %v", ids)
	}
	primary, researcher, tester := ids[0], ids[1], ids[2]
	parents := map[string]string{primary: "", researcher: primary, tester: primary}

	t.Run("list", func(t *testing.T) {
		page, err := e.sdk.Beta.Sessions.Threads.List(ctx, id, anthropic.BetaSessionThreadListParams{})
		if err != nil {
			t.Fatalf("Threads.List: %v", err)
		}
		r := e.last(t)
		if r.Method != http.MethodGet || r.Path != "/v1/sessions/"+id+"/threads" || len(r.Query) != 0 {
			t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query.Encode())
		}
		checkSDKHeaders(t, r, managedagentstest.BetaHeader, false)
		if top := rawObject(t, page.RawJSON()); len(top) != 2 || string(top["next_page"]) != "null" {
			t.Errorf("page members %v, next_page %s", keysOf(top), top["next_page"])
		}
		var got []string
		for _, th := range page.Data {
			got = append(got, th.ID)
			if th.Status != anthropic.BetaManagedAgentsSessionThreadStatusIdle {
				t.Errorf("thread %s status %q", th.ID, th.Status)
			}
			checkSDKThread(t, e, th, id, parents[th.ID])
		}
		if diff := cmp.Diff(ids, got); diff != "" {
			t.Errorf("listed threads (-fake +sdk):\n%s", diff)
		}
		if name := page.Data[1].Agent.AsInline().Name; name != "researcher" {
			t.Errorf("researcher's agent name %q", name)
		}
		if a := page.Data[0].Agent.AsAgent(); a.ID != managedagentstest.DefaultAgentID || a.Version != 1 {
			t.Errorf("primary agent %s v%d", a.ID, a.Version)
		}
		if u := page.Data[1].Usage; !page.Data[1].JSON.Usage.Valid() || u.InputTokens == 0 || u.OutputTokens == 0 {
			t.Errorf("child usage %s", page.Data[1].JSON.Usage.Raw())
		}
	})

	t.Run("auto-paging and statuses", func(t *testing.T) {
		iter := e.sdk.Beta.Sessions.Threads.ListAutoPaging(ctx, id, anthropic.BetaSessionThreadListParams{Limit: anthropic.Int(1)})
		var got []string
		for iter.Next() {
			checkSDKThread(t, e, iter.Current(), id, parents[iter.Current().ID])
			got = append(got, iter.Current().ID)
		}
		if err := iter.Err(); err != nil {
			t.Fatalf("Threads.ListAutoPaging: %v", err)
		}
		if diff := cmp.Diff(ids, got); diff != "" {
			t.Errorf("auto-paged threads (-fake +sdk):\n%s", diff)
		}
		for _, tt := range []struct {
			statuses []anthropic.BetaManagedAgentsSessionThreadStatus
			want     int
			query    string
		}{
			{[]anthropic.BetaManagedAgentsSessionThreadStatus{anthropic.BetaManagedAgentsSessionThreadStatusIdle}, 3, "statuses%5B%5D=idle"},
			{[]anthropic.BetaManagedAgentsSessionThreadStatus{anthropic.BetaManagedAgentsSessionThreadStatusRunning,
				anthropic.BetaManagedAgentsSessionThreadStatusTerminated}, 0, "statuses%5B%5D=running&statuses%5B%5D=terminated"},
		} {
			page, err := e.sdk.Beta.Sessions.Threads.List(ctx, id, anthropic.BetaSessionThreadListParams{Statuses: tt.statuses})
			if err != nil {
				t.Fatalf("Threads.List(%v): %v", tt.statuses, err)
			}
			if len(page.Data) != tt.want {
				t.Errorf("statuses %v: %d threads, want %d", tt.statuses, len(page.Data), tt.want)
			}
			if q := e.lastRawQuery(t); q != tt.query {
				t.Errorf("query %q, want %q", q, tt.query)
			}
		}
	})

	t.Run("history", func(t *testing.T) {
		for _, tid := range ids {
			page, err := e.sdk.Beta.Sessions.Threads.Events.List(ctx, tid, anthropic.BetaSessionThreadEventListParams{SessionID: id})
			if err != nil {
				t.Fatalf("Threads.Events.List(%s): %v", tid, err)
			}
			if r := e.last(t); r.Path != "/v1/sessions/"+id+"/threads/"+tid+"/events" {
				t.Errorf("request path %s", r.Path)
			}
			raws, _ := e.srv.ThreadEvents(id, tid)
			if len(page.Data) != len(raws) || page.NextPage != "" {
				t.Fatalf("thread %s: %d events (next %q), the fake holds %d", tid, len(page.Data), page.NextPage, len(raws))
			}
			for i, ev := range page.Data {
				checkHistoryEvent(t, ev)
				if !cmp.Equal(jsonValue(t, string(raws[i])), jsonValue(t, ev.RawJSON())) {
					t.Errorf("thread %s event %d: %s, the fake holds %s", tid, i, ev.RawJSON(), raws[i])
				}
			}
			iter := e.sdk.Beta.Sessions.Threads.Events.ListAutoPaging(ctx, tid, anthropic.BetaSessionThreadEventListParams{SessionID: id, Limit: anthropic.Int(3)})
			n := 0
			for iter.Next() {
				if iter.Current().ID != page.Data[n].ID {
					t.Errorf("auto-paged event %d = %s, want %s", n, iter.Current().ID, page.Data[n].ID)
				}
				n++
			}
			if err := iter.Err(); err != nil || n != len(page.Data) {
				t.Errorf("auto-paging thread %s: %d events, %v", tid, n, err)
			}
		}
		// The tester's tool use is cross-posted to the session history with
		// its thread ID; the SDK decodes it as an agent.tool_use.
		history := sdkHistory(t, e, id, anthropic.BetaSessionEventListParams{})
		use := first(t, history, "agent.tool_use").AsAgentToolUse()
		if use.SessionThreadID != tester || use.Name != "bash" {
			t.Errorf("cross-posted tool use: thread %q, name %q", use.SessionThreadID, use.Name)
		}
		created := filter(history, "session.thread_created")
		if len(created) != 2 || created[0].AsSessionThreadCreated().SessionThreadID != researcher ||
			created[0].AsSessionThreadCreated().AgentName != "researcher" || created[0].AsSessionThreadCreated().JSON.WorkflowRunID.Raw() != "null" {
			t.Errorf("session.thread_created events: %v", typesOf(created))
		}
		got := first(t, history, "agent.thread_message_received").AsAgentThreadMessageReceived()
		if got.FromSessionThreadID != researcher || got.FromAgentName != "researcher" {
			t.Errorf("reply to the coordinator: from %q (%q)", got.FromSessionThreadID, got.FromAgentName)
		}
	})

	t.Run("stream", func(t *testing.T) {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		stream := e.sdk.Beta.Sessions.Threads.Events.StreamEvents(sctx, researcher, anthropic.BetaSessionThreadEventStreamParams{
			SessionID:   id,
			EventDeltas: []anthropic.BetaManagedAgentsDeltaType{anthropic.BetaManagedAgentsDeltaTypeAgentMessage},
		})
		defer stream.Close()
		if err := stream.Err(); err != nil {
			t.Fatalf("Threads.Events.StreamEvents: %v", err)
		}
		if r := e.last(t); r.Path != "/v1/sessions/"+id+"/threads/"+researcher+"/stream" || e.lastRawQuery(t) != "event_deltas%5B%5D=agent.message" {
			t.Errorf("stream request %s?%s", r.Path, e.lastRawQuery(t))
		}
		before, _ := e.srv.ThreadEvents(id, researcher)
		// The researcher's thread is idle: a second delegation reuses it.
		send(t, e, id, userText("delegate: researcher check again"))
		var gotTypes []string
		var previewed string
		for stream.Next() {
			ev := stream.Current()
			switch ev.Type {
			case "event_start", "event_delta":
				checkWire(t, ev.Type, ev)
				if ev.Type == "event_delta" {
					previewed += ev.AsEventDelta().Delta.Content.Text
				}
				continue
			}
			checkVariant(t, "streamed "+ev.Type, ev.Type, ev.AsAny())
			checkWire(t, "streamed "+ev.Type, ev)
			gotTypes = append(gotTypes, ev.Type)
			if ev.Type == "agent.thread_message_sent" {
				if to := ev.AsAgentThreadMessageSent().ToSessionThreadID; to != primary {
					t.Errorf("the child's reply goes to %q, want the primary thread", to)
				}
				break
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatalf("thread stream: %v", err)
		}
		want := []string{"session.thread_status_running", "agent.thread_message_received", "span.model_request_start",
			"agent.thinking", "agent.message", "span.model_request_end", "session.thread_status_idle", "agent.thread_message_sent"}
		if diff := cmp.Diff(want, gotTypes); diff != "" {
			t.Errorf("thread stream (-want +got):\n%s", diff)
		}
		if previewed != "Done: check again" {
			t.Errorf("previews concatenate to %q", previewed)
		}
		waitIdle(t, e, id)
		after, _ := e.srv.ThreadEvents(id, researcher)
		if len(after)-len(before) != len(want) {
			t.Errorf("the thread's history grew by %d events, the stream showed %d", len(after)-len(before), len(want))
		}
	})

	t.Run("archive", func(t *testing.T) {
		th, err := e.sdk.Beta.Sessions.Threads.Archive(ctx, tester, anthropic.BetaSessionThreadArchiveParams{SessionID: id})
		if err != nil {
			t.Fatalf("Threads.Archive: %v", err)
		}
		r := e.last(t)
		if r.Method != http.MethodPost || r.Path != "/v1/sessions/"+id+"/threads/"+tester+"/archive" {
			t.Errorf("request %s %s", r.Method, r.Path)
		}
		checkSDKThread(t, e, *th, id, primary)
		if th.ArchivedAt.IsZero() || th.ID != tester || th.Status != anthropic.BetaManagedAgentsSessionThreadStatusIdle {
			t.Errorf("archived thread: archived_at %s, status %q", th.JSON.ArchivedAt.Raw(), th.Status)
		}
		if !th.ArchivedAt.Equal(e.clock.Now()) {
			t.Errorf("archived_at %v, the fake's clock says %v", th.ArchivedAt, e.clock.Now())
		}
		_, err = e.sdk.Beta.Sessions.Threads.Archive(ctx, primary, anthropic.BetaSessionThreadArchiveParams{SessionID: id})
		checkAPIError(t, e, err, http.StatusBadRequest, anthropic.ErrorTypeInvalidRequestError, "")
		_, err = e.sdk.Beta.Sessions.Threads.Get(ctx, "sthr_01Missing", anthropic.BetaSessionThreadGetParams{SessionID: id})
		checkAPIError(t, e, err, http.StatusNotFound, anthropic.ErrorTypeNotFoundError, "")
		_, err = e.sdk.Beta.Sessions.Threads.List(ctx, "sesn_01Missing", anthropic.BetaSessionThreadListParams{})
		checkAPIError(t, e, err, http.StatusNotFound, anthropic.ErrorTypeNotFoundError, "")
	})
}

func TestResourcesWithSDK(t *testing.T) {
	e := newEnv(t)
	seed(e)
	ctx := context.Background()
	s := mustNew(t, e, fullParams(anthropic.BetaSessionNewParamsAgentUnion{OfString: anthropic.String(managedagentstest.DefaultAgentID)}))
	id := s.ID
	repo, file := s.Resources[0], s.Resources[1]

	t.Run("list", func(t *testing.T) {
		page, err := e.sdk.Beta.Sessions.Resources.List(ctx, id, anthropic.BetaSessionResourceListParams{})
		if err != nil {
			t.Fatalf("Resources.List: %v", err)
		}
		checkSDKHeaders(t, e.last(t), managedagentstest.BetaHeader, false)
		if top := rawObject(t, page.RawJSON()); len(top) != 2 || string(top["next_page"]) != "null" {
			t.Errorf("page members %v, next_page %s", keysOf(top), top["next_page"])
		}
		if len(page.Data) != 3 {
			t.Fatalf("%d resources listed", len(page.Data))
		}
		wantVariants := []reflect.Type{
			reflect.TypeFor[anthropic.BetaManagedAgentsGitHubRepositoryResource](),
			reflect.TypeFor[anthropic.BetaManagedAgentsFileResource](),
			reflect.TypeFor[anthropic.BetaManagedAgentsMemoryStoreResource](),
		}
		for i, res := range page.Data {
			checkWire(t, "listed "+res.Type, res)
			if got := reflect.TypeOf(res.AsAny()); got != wantVariants[i] {
				t.Errorf("resource %d decoded as %v, want %v", i, got, wantVariants[i])
			}
			if !cmp.Equal(jsonValue(t, res.RawJSON()), jsonValue(t, s.Resources[i].RawJSON())) {
				t.Errorf("resource %d: %s, the session shows %s", i, res.RawJSON(), s.Resources[i].RawJSON())
			}
		}
		if m := page.Data[2].AsMemoryStore(); m.MemoryStoreID != storeID || page.Data[2].JSON.ID.Raw() != "" {
			t.Errorf("memory store %s (id %s)", m.MemoryStoreID, page.Data[2].JSON.ID.Raw())
		}
		iter := e.sdk.Beta.Sessions.Resources.ListAutoPaging(ctx, id, anthropic.BetaSessionResourceListParams{Limit: anthropic.Int(1)})
		n := 0
		for iter.Next() {
			checkWire(t, "auto-paged resource", iter.Current())
			if iter.Current().RawJSON() != page.Data[n].RawJSON() {
				t.Errorf("auto-paged resource %d: %s", n, iter.Current().RawJSON())
			}
			n++
		}
		if err := iter.Err(); err != nil || n != 3 {
			t.Errorf("auto-paging: %d resources, %v", n, err)
		}
	})

	var added *anthropic.BetaManagedAgentsFileResource
	t.Run("add", func(t *testing.T) {
		var err error
		added, err = e.sdk.Beta.Sessions.Resources.Add(ctx, id, anthropic.BetaSessionResourceAddParams{
			BetaManagedAgentsFileResourceParams: anthropic.BetaManagedAgentsFileResourceParams{
				FileID: fileID, MountPath: anthropic.String("/mnt/extra/checklist.md"),
			},
		})
		if err != nil {
			t.Fatalf("Resources.Add: %v", err)
		}
		r := e.last(t)
		checkSDKHeaders(t, r, managedagentstest.BetaHeader, true)
		if diff := cmp.Diff(jsonValue(t, `{"type":"file","file_id":"`+fileID+`","mount_path":"/mnt/extra/checklist.md"}`), bodyOf(t, r)); diff != "" {
			t.Errorf("add body (-want +got):\n%s", diff)
		}
		checkWire(t, "added resource", added)
		if !strings.HasPrefix(added.ID, "sesrsc_") || added.Type != "file" || added.MountPath != "/mnt/extra/checklist.md" ||
			!strings.HasPrefix(added.FileID, "file_") || added.FileID == fileID || added.FileID == file.FileID {
			t.Errorf("added = %s", added.RawJSON())
		}
		got, err := e.sdk.Beta.Sessions.Get(ctx, id, anthropic.BetaSessionGetParams{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Resources) != 4 || got.Resources[3].ID != added.ID || got.Resources[3].FileID != added.FileID {
			t.Errorf("session resources after add: %s", got.JSON.Resources.Raw())
		}
	})

	t.Run("get", func(t *testing.T) {
		for _, want := range []struct {
			id, raw string
			variant reflect.Type
		}{
			{repo.ID, repo.RawJSON(), reflect.TypeFor[anthropic.BetaManagedAgentsGitHubRepositoryResource]()},
			{file.ID, file.RawJSON(), reflect.TypeFor[anthropic.BetaManagedAgentsFileResource]()},
			{added.ID, added.RawJSON(), reflect.TypeFor[anthropic.BetaManagedAgentsFileResource]()},
		} {
			got, err := e.sdk.Beta.Sessions.Resources.Get(ctx, want.id, anthropic.BetaSessionResourceGetParams{SessionID: id})
			if err != nil {
				t.Fatalf("Resources.Get(%s): %v", want.id, err)
			}
			if r := e.last(t); r.Path != "/v1/sessions/"+id+"/resources/"+want.id {
				t.Errorf("request path %s", r.Path)
			}
			checkWire(t, "resource "+want.id, got)
			if reflect.TypeOf(got.AsAny()) != want.variant || !cmp.Equal(jsonValue(t, want.raw), jsonValue(t, got.RawJSON())) {
				t.Errorf("get %s = %s, want %s", want.id, got.RawJSON(), want.raw)
			}
		}
		got, _ := e.sdk.Beta.Sessions.Resources.Get(ctx, added.ID, anthropic.BetaSessionResourceGetParams{SessionID: id})
		if f := got.AsFile(); f.FileID != added.FileID || f.MountPath != "/mnt/extra/checklist.md" {
			t.Errorf("added file: file_id %q, mount_path %q", f.FileID, f.MountPath)
		}
		got, _ = e.sdk.Beta.Sessions.Resources.Get(ctx, repo.ID, anthropic.BetaSessionResourceGetParams{SessionID: id})
		if g := got.AsGitHubRepository(); g.URL != repoURL || g.MountPath != "/mnt/repos/invoice-service" || g.Checkout.AsBranch().Name != "main" {
			t.Errorf("repository: %s", got.RawJSON())
		}
		_, err := e.sdk.Beta.Sessions.Resources.Get(ctx, storeID, anthropic.BetaSessionResourceGetParams{SessionID: id})
		checkAPIError(t, e, err, http.StatusNotFound, anthropic.ErrorTypeNotFoundError, "")
	})

	t.Run("update", func(t *testing.T) {
		const rotated = "ghp_rotatedTokenNeverRecorded987"
		now := e.clock.Advance(time.Second)
		got, err := e.sdk.Beta.Sessions.Resources.Update(ctx, repo.ID, anthropic.BetaSessionResourceUpdateParams{
			SessionID: id, AuthorizationToken: rotated,
		})
		if err != nil {
			t.Fatalf("Resources.Update: %v", err)
		}
		checkWire(t, "updated resource", got)
		g := got.AsGitHubRepository()
		if g.ID != repo.ID || g.URL != repoURL || !g.UpdatedAt.Equal(now) || !g.CreatedAt.Equal(repo.CreatedAt) {
			t.Errorf("updated = %s", got.RawJSON())
		}
		if strings.Contains(got.RawJSON(), rotated) || strings.Contains(got.RawJSON(), "authorization_token") {
			t.Errorf("the token is echoed: %s", got.RawJSON())
		}
		r := e.last(t)
		if diff := cmp.Diff(map[string]any{"authorization_token": "REDACTED"}, bodyOf(t, r)); diff != "" {
			t.Errorf("recorded update body (-want +got):\n%s", diff)
		}
		for _, rec := range e.srv.Requests() {
			if strings.Contains(string(rec.Body), rotated) || strings.Contains(string(rec.Body), repoToken) {
				t.Errorf("%s %s recorded a token in clear: %s", rec.Method, rec.Path, rec.Body)
			}
		}
		_, err = e.sdk.Beta.Sessions.Resources.Update(ctx, file.ID, anthropic.BetaSessionResourceUpdateParams{SessionID: id, AuthorizationToken: "x"})
		checkAPIError(t, e, err, http.StatusBadRequest, anthropic.ErrorTypeInvalidRequestError, "")
	})

	t.Run("delete", func(t *testing.T) {
		del, err := e.sdk.Beta.Sessions.Resources.Delete(ctx, added.ID, anthropic.BetaSessionResourceDeleteParams{SessionID: id})
		if err != nil {
			t.Fatalf("Resources.Delete: %v", err)
		}
		r := e.last(t)
		if r.Method != http.MethodDelete || r.Path != "/v1/sessions/"+id+"/resources/"+added.ID {
			t.Errorf("request %s %s", r.Method, r.Path)
		}
		checkWire(t, "delete response", del)
		if del.ID != added.ID || del.Type != "session_resource_deleted" {
			t.Errorf("delete answered %s", del.RawJSON())
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal([]byte(del.RawJSON()), &top); err != nil || len(top) != 2 {
			t.Errorf("delete body %s, want id and type only", del.RawJSON())
		}
		_, err = e.sdk.Beta.Sessions.Resources.Delete(ctx, added.ID, anthropic.BetaSessionResourceDeleteParams{SessionID: id})
		checkAPIError(t, e, err, http.StatusNotFound, anthropic.ErrorTypeNotFoundError, "")
		got, err := e.sdk.Beta.Sessions.Get(ctx, id, anthropic.BetaSessionGetParams{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Resources) != 3 {
			t.Errorf("session resources after delete: %s", got.JSON.Resources.Raw())
		}
	})
}
