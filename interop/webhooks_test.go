package interop

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	managedagents "github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
	"github.com/managedagents/managedagents-go/webhooks"
)

// TestWebhooksSDKAndOursAgree: every delivery the fake sends passes the
// official SDK's Unwrap (which verifies with the same standard-webhooks
// library, then parses) and our Verifier, and both read the same event ID,
// time, data.type, session and thread; the SDK knows every type the fake
// sends (AsAny is not nil).
func TestWebhooksSDKAndOursAgree(t *testing.T) {
	const secret = "whsec_c2VjcmV0Cg=="
	e := newEnv(t)
	sdkHooks := anthropic.NewBetaWebhookService(option.WithWebhookKey(secret))
	ours, err := webhooks.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var types []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sdkEv, sdkErr := sdkHooks.Unwrap(body, r.Header)
		d, ourErr := ours.Verify(body, r.Header)
		if sdkErr != nil || ourErr != nil {
			t.Errorf("the SDK says %v, we say %v, for %s", sdkErr, ourErr, body)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		sp, ok := d.Event.Data.(webhooks.SessionPayload)
		if !ok {
			t.Errorf("we did not type %s", d.Event.Data.DataType())
			return
		}
		var threadID string
		if th, ok := d.Event.Data.(webhooks.ThreadPayload); ok {
			threadID = th.Thread().SessionThreadID
		}
		if sdkEv.Data.AsAny() == nil || sdkEv.ID != d.Event.ID || !sdkEv.CreatedAt.Equal(d.Event.CreatedAt) ||
			sdkEv.Data.Type != sp.DataType() || sdkEv.Data.ID != sp.Session().SessionID ||
			sdkEv.Data.SessionThreadID != threadID || sdkEv.Data.WorkspaceID != sp.Session().WorkspaceID {
			t.Errorf("the SDK reads %s differently from us", body)
		}
		mu.Lock()
		types = append(types, sp.DataType())
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	if err := e.srv.AddWebhook(rcv.URL, secret); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := e.ours.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: managedagents.AgentByID(managedagentstest.DefaultAgentID), EnvironmentID: managedagentstest.DefaultEnvironmentID,
		InitialEvents: []managedagents.EventParam{managedagents.UserMessage("delegate: researcher look it up")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.WaitIdle(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ours.Sessions.Update(ctx, s.ID, managedagents.SessionUpdateParams{Title: managedagents.Set("renamed")}); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"fail: overloaded_error", "terminate:"} {
		if _, err := e.ours.Events.Send(ctx, s.ID, managedagents.UserMessage(text)); err != nil {
			t.Fatal(err)
		}
		if err := e.srv.WaitIdle(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.ours.Sessions.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	got := map[string]bool{}
	for _, typ := range types {
		got[typ] = true
	}
	for _, typ := range []string{"session.status_run_started", "session.status_idled", "session.status_rescheduled",
		"session.status_terminated", "session.updated", "session.deleted",
		"session.thread_created", "session.thread_idled", "session.thread_terminated"} {
		if !got[typ] {
			t.Errorf("no %s delivered; got %v", typ, types)
		}
	}
}
