package interop

import (
	"context"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	managedagents "github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// threadView is what both clients must agree on for one thread.
type threadView struct {
	ID, SessionID, Parent, Status, AgentType, AgentName string
	Archived                                            bool
	CreatedAt, UpdatedAt                                time.Time
}

// TestThreadsCrossClient: over a multi-agent turn of the fake, our client
// and the official SDK read the same thread list and the same history of
// every thread, same IDs in the same order, in one page and page by page.
func TestThreadsCrossClient(t *testing.T) {
	e := newEnv(t, managedagentstest.WithHeartbeat(20*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := mustNew(t, e, simpleParams("multi-agent cross-client")).ID
	send(t, e, id, userText("delegate: researcher find the flaky test\ndelegate: tester run: go vet ./..."))
	waitIdle(t, e, id)
	fakeIDs, ok := e.srv.ThreadIDs(id)
	if !ok || len(fakeIDs) != 3 {
		t.Fatalf("the fake has threads %v", fakeIDs)
	}

	// The thread list, through the SDK's auto-pager and our All, in pages
	// of one.
	var sdkThreads, ourThreads []threadView
	it := e.sdk.Beta.Sessions.Threads.ListAutoPaging(ctx, id, anthropic.BetaSessionThreadListParams{Limit: anthropic.Int(1)})
	for it.Next() {
		th := it.Current()
		sdkThreads = append(sdkThreads, threadView{
			ID: th.ID, SessionID: th.SessionID, Parent: th.ParentThreadID, Status: string(th.Status),
			AgentType: th.Agent.Type, AgentName: agentName(th.Agent), Archived: th.JSON.ArchivedAt.Valid(),
			CreatedAt: th.CreatedAt, UpdatedAt: th.UpdatedAt,
		})
	}
	if err := it.Err(); err != nil {
		t.Fatalf("SDK Threads.ListAutoPaging: %v", err)
	}
	for th, err := range e.ours.Threads.All(ctx, id, managedagents.ThreadListParams{Limit: 1}) {
		if err != nil {
			t.Fatalf("Threads.All: %v", err)
		}
		v := threadView{
			ID: th.ID, SessionID: th.SessionID, Status: string(th.Status),
			AgentType: th.Agent.Type, AgentName: th.Agent.Name, Archived: th.ArchivedAt != nil,
			CreatedAt: th.CreatedAt, UpdatedAt: th.UpdatedAt,
		}
		if th.ParentThreadID != nil {
			v.Parent = *th.ParentThreadID
		}
		ourThreads = append(ourThreads, v)
	}
	if diff := cmp.Diff(sdkThreads, ourThreads); diff != "" {
		t.Errorf("thread lists differ (-sdk +ours):\n%s", diff)
	}
	var listed []string
	for _, v := range ourThreads {
		listed = append(listed, v.ID)
	}
	if diff := cmp.Diff(fakeIDs, listed); diff != "" {
		t.Errorf("thread IDs (-fake +ours):\n%s", diff)
	}

	// One page each, with no limit.
	sdkPage, err := e.sdk.Beta.Sessions.Threads.List(ctx, id, anthropic.BetaSessionThreadListParams{})
	if err != nil {
		t.Fatal(err)
	}
	ourPage, err := e.ours.Threads.List(ctx, id, managedagents.ThreadListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sdkPage.Data) != len(ourPage.Data) || ourPage.NextPage != sdkPage.NextPage {
		t.Errorf("one page: SDK %d threads (next %q), ours %d (next %q)", len(sdkPage.Data), sdkPage.NextPage, len(ourPage.Data), ourPage.NextPage)
	}
	for i := range min(len(sdkPage.Data), len(ourPage.Data)) {
		if sdkPage.Data[i].ID != ourPage.Data[i].ID {
			t.Errorf("thread %d: SDK %s, ours %s", i, sdkPage.Data[i].ID, ourPage.Data[i].ID)
		}
	}

	// Every thread's history, page by page, through both clients.
	for _, tid := range fakeIDs {
		var sdkEvents, ourEvents []string
		eit := e.sdk.Beta.Sessions.Threads.Events.ListAutoPaging(ctx, tid, anthropic.BetaSessionThreadEventListParams{SessionID: id, Limit: anthropic.Int(2)})
		for eit.Next() {
			sdkEvents = append(sdkEvents, eit.Current().Type+" "+eit.Current().ID)
		}
		if err := eit.Err(); err != nil {
			t.Fatalf("SDK Threads.Events.ListAutoPaging(%s): %v", tid, err)
		}
		for ev, err := range e.ours.Threads.AllEvents(ctx, id, tid, managedagents.ThreadEventListParams{Limit: 2}) {
			if err != nil {
				t.Fatalf("Threads.AllEvents(%s): %v", tid, err)
			}
			ourEvents = append(ourEvents, ev.EventType()+" "+ev.EventID())
		}
		if len(ourEvents) == 0 {
			t.Errorf("thread %s: empty history", tid)
		}
		if diff := cmp.Diff(sdkEvents, ourEvents); diff != "" {
			t.Errorf("thread %s history differs (-sdk +ours):\n%s", tid, diff)
		}
		raws, _ := e.srv.ThreadEvents(id, tid)
		if len(raws) != len(ourEvents) {
			t.Errorf("thread %s: the fake holds %d events, we read %d", tid, len(raws), len(ourEvents))
		}
	}
}

// agentName is the name of a thread's agent as the SDK decodes it; the
// advisor has none.
func agentName(a anthropic.BetaManagedAgentsSessionThreadAgentUnion) string {
	switch v := a.AsAny().(type) {
	case anthropic.BetaManagedAgentsSessionThreadAgent:
		return v.Name
	case anthropic.BetaManagedAgentsInlineAgent:
		return v.Name
	}
	return ""
}
