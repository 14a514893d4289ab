package managedagents_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// delegated creates a session on the fake and sends a message whose
// delegate: line makes the coordinator spawn a child thread for the agent
// "researcher", then waits for the turn to end.
func delegated(t *testing.T, c *managedagents.Client, waitIdle func(context.Context, string) error) *managedagents.Session {
	t.Helper()
	s := create(t, c, "multi-agent")
	if _, err := c.Events.Send(t.Context(), s.ID, managedagents.UserMessage("Please look into it.\ndelegate: researcher find the flaky test")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := waitIdle(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestThreadsOnTheFake: a delegate: line yields a child thread, visible
// through List and Get, with a history of its own.
func TestThreadsOnTheFake(t *testing.T) {
	noLeaks(t)
	// A still clock keeps the threads' durations from moving between reads.
	at := time.Date(2026, 11, 26, 11, 0, 0, 0, time.UTC)
	srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithClock(func() time.Time { return at })})
	s := delegated(t, c, srv.WaitIdle)
	ctx := t.Context()

	page, err := c.Threads.List(ctx, s.ID, managedagents.ThreadListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 2 || page.NextPage != "" {
		t.Fatalf("listed %d threads (next %q), want the primary thread and one child", len(page.Data), page.NextPage)
	}
	primary, child := page.Data[0], page.Data[1]
	if primary.ParentThreadID != nil || primary.Agent.Type != managedagents.ThreadAgentSaved || primary.SessionID != s.ID {
		t.Errorf("primary thread: parent %v, agent %q, session %q", primary.ParentThreadID, primary.Agent.Type, primary.SessionID)
	}
	if child.ParentThreadID == nil || *child.ParentThreadID != primary.ID || child.WorkflowRunID != nil ||
		child.Agent.Type != managedagents.ThreadAgentInline || child.Agent.Name != "researcher" || child.Agent.ID != "" {
		t.Errorf("child thread: parent %v, workflow %v, agent %+v", child.ParentThreadID, child.WorkflowRunID, child.Agent)
	}
	if child.Status != managedagents.ThreadStatusIdle || child.Stats == nil || child.Usage == nil {
		t.Errorf("child after its turn: status %q, stats %v, usage %v", child.Status, child.Stats, child.Usage)
	}
	ids, _ := srv.ThreadIDs(s.ID)
	if diff := cmp.Diff(ids, []string{primary.ID, child.ID}); diff != "" {
		t.Errorf("thread IDs (-fake +client):\n%s", diff)
	}

	got, err := c.Threads.Get(ctx, s.ID, child.ID)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := srv.Thread(s.ID, child.ID)
	if !jsonSame(t, want, got.RawJSON()) || !jsonSame(t, got.RawJSON(), child.RawJSON()) {
		t.Errorf("Get = %s\nfake %s\nlist %s", got.RawJSON(), want, child.RawJSON())
	}

	filtered, err := c.Threads.List(ctx, s.ID, managedagents.ThreadListParams{Statuses: []managedagents.ThreadStatus{managedagents.ThreadStatusRunning}})
	if err != nil || len(filtered.Data) != 0 {
		t.Errorf("running threads of an idle session: %v, %v", filtered, err)
	}
	var all []string
	for th, err := range c.Threads.All(ctx, s.ID, managedagents.ThreadListParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, th.ID)
	}
	if diff := cmp.Diff(ids, all); diff != "" {
		t.Errorf("All in pages of one (-fake +client):\n%s", diff)
	}

	// The child's history is its own: the task it received, its reply and
	// its status changes, none of the coordinator's messages.
	var evs []managedagents.Event
	for ev, err := range c.Threads.AllEvents(ctx, s.ID, child.ID, managedagents.ThreadEventListParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	fakeLog, _ := srv.ThreadEvents(s.ID, child.ID)
	if len(evs) != len(fakeLog) || len(evs) == 0 {
		t.Fatalf("history: %d events, the fake has %d", len(evs), len(fakeLog))
	}
	for i, ev := range evs {
		var head struct{ ID string }
		json.Unmarshal(fakeLog[i], &head)
		if ev.EventID() != head.ID {
			t.Errorf("event %d: %s, the fake has %s", i, ev.EventID(), head.ID)
		}
	}
	typs := types(evs)
	for _, want := range []string{managedagents.EventAgentThreadMessageReceived, managedagents.EventAgentMessage, managedagents.EventSessionThreadStatusIdle} {
		if !slices.Contains(typs, want) {
			t.Errorf("the child's history %v lacks %s", typs, want)
		}
	}
	if slices.Contains(typs, managedagents.EventUserMessage) || slices.Contains(typs, managedagents.EventSessionThreadCreated) {
		t.Errorf("the child's history %v holds session-level events", typs)
	}
	// The primary thread's history is the session's.
	primaryPage, err := c.Threads.ListEvents(ctx, s.ID, primary.ID, managedagents.ThreadEventListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(eventIDs(history(t, c, s.ID, managedagents.EventListParams{})), eventIDs(primaryPage.Data)); diff != "" {
		t.Errorf("primary history vs session history (-session +primary):\n%s", diff)
	}

	if _, err := c.Threads.Get(ctx, s.ID, "sthr_missing"); !errors.Is(err, managedagents.ErrNotFound) {
		t.Errorf("Get of a missing thread: %v, want ErrNotFound", err)
	}
	if _, err := c.Threads.List(ctx, "sesn_missing", managedagents.ThreadListParams{}); !errors.Is(err, managedagents.ErrNotFound) {
		t.Errorf("List of a missing session: %v, want ErrNotFound", err)
	}
}

// TestThreadArchiveOnTheFake: the primary thread cannot be archived; an idle
// child can, and archiving it again returns it unchanged.
func TestThreadArchiveOnTheFake(t *testing.T) {
	noLeaks(t)
	srv, c := newFake(t, managedagents.WithMaxRetries(0))
	s := delegated(t, c, srv.WaitIdle)
	ctx := t.Context()
	ids, _ := srv.ThreadIDs(s.ID)
	primary, child := ids[0], ids[1]

	if _, err := c.Threads.Archive(ctx, s.ID, primary); !errors.Is(err, managedagents.ErrInvalidRequest) {
		t.Errorf("archiving the primary thread: %v, want a 400", err)
	}
	th, err := c.Threads.Archive(ctx, s.ID, child)
	if err != nil {
		t.Fatal(err)
	}
	if th.ArchivedAt == nil || th.ID != child {
		t.Fatalf("archived thread: %+v", th)
	}
	again, err := c.Threads.Archive(ctx, s.ID, child)
	if err != nil || again.ArchivedAt == nil || !again.ArchivedAt.Equal(*th.ArchivedAt) {
		t.Errorf("archiving again: %v, %v; want the same archived_at", again, err)
	}
	got, err := c.Threads.Get(ctx, s.ID, child)
	if err != nil || got.ArchivedAt == nil {
		t.Errorf("Get after archive: %v, %v", got, err)
	}
	if _, err := c.Threads.Archive(ctx, s.ID, "sthr_missing"); !errors.Is(err, managedagents.ErrNotFound) {
		t.Errorf("archiving a missing thread: %v, want ErrNotFound", err)
	}
}

// TestResourcesOnTheFake: add, list, get and delete round trip, and the
// session sees the change.
func TestResourcesOnTheFake(t *testing.T) {
	noLeaks(t)
	srv, c := newFake(t, managedagents.WithMaxRetries(0))
	srv.AddFile("file_01audit")
	s := create(t, c, "resources")
	ctx := t.Context()

	added, err := c.Resources.Add(ctx, s.ID, managedagents.AddFileResourceParams{FileID: "file_01audit", MountPath: "/mnt/session/uploads/audit.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if added.Type != managedagents.ResourceFile || added.ID == "" || added.FileID == "" || added.FileID == "file_01audit" ||
		added.MountPath != "/mnt/session/uploads/audit.csv" || added.CreatedAt.IsZero() {
		t.Errorf("added %+v; want a file resource with a session-scoped file ID", added)
	}
	got, err := c.Resources.Get(ctx, s.ID, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(added, got, cmp.AllowUnexported(managedagents.Resource{})); diff != "" {
		t.Errorf("Get (-added +got):\n%s", diff)
	}
	page, err := c.Resources.List(ctx, s.ID, managedagents.ResourceListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 1 || page.Data[0].ID != added.ID || page.NextPage != "" {
		t.Errorf("listed %+v", page)
	}
	sess, err := c.Sessions.Get(ctx, s.ID)
	if err != nil || len(sess.Resources) != 1 || sess.Resources[0].ID != added.ID {
		t.Errorf("the session's resources: %+v, %v", sess.Resources, err)
	}
	if _, err := c.Resources.Update(ctx, s.ID, added.ID, managedagents.ResourceUpdateParams{AuthorizationToken: "ghp_x"}); !errors.Is(err, managedagents.ErrInvalidRequest) {
		t.Errorf("updating a file resource's token: %v, want a 400", err)
	}

	del, err := c.Resources.Delete(ctx, s.ID, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *del != (managedagents.Deleted{ID: added.ID, Type: "session_resource_deleted"}) {
		t.Errorf("deleted %+v", del)
	}
	if _, err := c.Resources.Get(ctx, s.ID, added.ID); !errors.Is(err, managedagents.ErrNotFound) {
		t.Errorf("Get after delete: %v, want ErrNotFound", err)
	}
	if _, err := c.Resources.Delete(ctx, s.ID, added.ID); !errors.Is(err, managedagents.ErrNotFound) {
		t.Errorf("a second delete: %v, want ErrNotFound", err)
	}
	var n int
	for _, err := range c.Resources.All(ctx, s.ID, managedagents.ResourceListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("%d resources left after the delete", n)
	}
	if _, err := c.Resources.Add(ctx, s.ID, managedagents.AddFileResourceParams{FileID: "file_unknown"}); !errors.Is(err, managedagents.ErrNotFound) && !errors.Is(err, managedagents.ErrInvalidRequest) {
		t.Errorf("adding an unknown file: %v, want a 400 or 404", err)
	}
}

// TestResourceUpdateOnTheFake: a repository given at creation takes a new
// token, which the answer never shows.
func TestResourceUpdateOnTheFake(t *testing.T) {
	noLeaks(t)
	_, c := newFake(t)
	s, err := c.Sessions.Create(t.Context(), managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Resources:     []managedagents.ResourceParam{managedagents.GitHubRepositoryResource("https://github.com/example-org/app", "ghp_first")},
	})
	if err != nil {
		t.Fatal(err)
	}
	repo := s.Resources[0]
	got, err := c.Resources.Update(t.Context(), s.ID, repo.ID, managedagents.ResourceUpdateParams{AuthorizationToken: "ghp_second"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != repo.ID || got.URL != repo.URL || got.UpdatedAt.Before(repo.UpdatedAt) {
		t.Errorf("updated %+v, was %+v", got, repo)
	}
}

// jsonSame reports whether a and b hold the same JSON value.
func jsonSame(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		t.Fatalf("invalid JSON: %s / %s", a, b)
	}
	return cmp.Equal(va, vb)
}
