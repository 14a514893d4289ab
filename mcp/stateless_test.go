package mcp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// alternating sends each request to the next of its targets in turn, as a
// round-robin load balancer would, and counts where they went.
type alternating struct {
	mu      sync.Mutex
	targets []*url.URL
	next    int
	counts  map[string]int
	base    http.RoundTripper
}

func (a *alternating) RoundTrip(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	target := a.targets[a.next%len(a.targets)]
	a.next++
	a.counts[target.Host+" "+r.Method]++
	a.mu.Unlock()
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = target.Scheme, target.Host, target.Host
	return a.base.RoundTrip(r)
}

// TestStatelessReplicas serves two replicas (each its own NewServer and
// stateless handler on its own loopback listener) over one fake API, and
// drives a whole flow with a client whose requests alternate between them,
// a wait across several calls included: the cursor carries all a wait
// needs, so no event is lost or repeated whichever replica serves a call.
func TestStatelessReplicas(t *testing.T) {
	fake := managedagentstest.NewServer(managedagentstest.WithStepDelay(500 * time.Millisecond))
	t.Cleanup(fake.Close)
	client, err := managedagents.NewClient(managedagents.WithBaseURL(fake.URL()), managedagents.WithAPIKey("k"),
		managedagents.WithoutEnvironment(), managedagents.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	lb := &alternating{counts: map[string]int{}, base: http.DefaultTransport}
	for range 2 {
		srv, err := NewServer(client, WithDefaultAgent(managedagentstest.DefaultAgentID),
			WithDefaultEnvironment(managedagentstest.DefaultEnvironmentID))
		if err != nil {
			t.Fatal(err)
		}
		h, err := NewHTTPHandler(srv, HTTPStateless(), HTTPLoopbackOnly())
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(h)
		t.Cleanup(ts.Close)
		u, _ := url.Parse(ts.URL)
		lb.targets = append(lb.targets, u)
	}
	var (
		mu       sync.Mutex
		progress int
	)
	c := sdk.NewClient(&sdk.Implementation{Name: "lb-client", Version: "v0"}, &sdk.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, _ *sdk.ProgressNotificationClientRequest) {
			mu.Lock()
			progress++
			mu.Unlock()
		},
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cs, err := c.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: "http://lb/mcp", HTTPClient: &http.Client{Transport: lb}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	e := &env{fake: fake, client: client, cs: cs}

	if tools := listTools(t, e); len(tools) != len(allTools) {
		t.Fatalf("%d tools", len(tools))
	}
	var created sessionOut
	e.callOK(t, ToolCreateSession, map[string]any{}, &created)
	params := &sdk.CallToolParams{Name: ToolWaitForSession, Arguments: map[string]any{
		"session_id": created.ID, "events": []any{userMessage("behind a load balancer")}, "timeout_seconds": 1}}
	params.SetProgressToken("lb")
	res, err := cs.CallTool(ctx, params)
	if err != nil || res.IsError {
		t.Fatalf("wait: %v %v", err, res)
	}
	var w waitOut
	decodeStructured(t, res, &w)
	if w.Outcome != "running" {
		t.Fatalf("the first wait = %+v, want a turn still running", w)
	}
	rest, text, last, calls := followWithCursor(t, e, map[string]any{"session_id": created.ID, "cursor": w.Cursor, "timeout_seconds": 1})
	if last.Outcome != "turn_ended" || w.Text+text != "Echo: behind a load balancer" || calls < 2 {
		t.Fatalf("after %d more calls: %+v", calls, last)
	}
	page, err := client.Events.List(ctx, created.ID, managedagents.EventListParams{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, ev := range page.Data {
		want = append(want, ev.EventID())
	}
	if diff := cmp.Diff(want, eventIDs(t, append(w.Events, rest...))); diff != "" {
		t.Errorf("events over the replicas differ from the history (-history +calls):\n%s", diff)
	}
	mu.Lock()
	if progress == 0 {
		t.Errorf("no progress notification reached the client")
	}
	mu.Unlock()
	e.callOK(t, ToolDeleteSession, map[string]any{"session_id": created.ID}, nil)
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for _, u := range lb.targets {
		if lb.counts[u.Host+" POST"] < 3 {
			t.Errorf("replica %s served %d POSTs, want several (%v)", u.Host, lb.counts[u.Host+" POST"], lb.counts)
		}
	}
}
