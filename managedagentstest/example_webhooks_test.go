package managedagentstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/managedagents/managedagents-go/managedagentstest"
	"github.com/managedagents/managedagents-go/webhooks"
)

// A webhook receiver tested offline: the fake posts signed deliveries for
// the session's transitions to a webhooks.Handler on loopback, here with
// one bad signature injected, which the Handler refuses and the fake then
// delivers again, signed right.
func ExampleFake_AddWebhook() {
	const secret = "whsec_c2VjcmV0Cg=="
	handler, err := webhooks.NewHandler(secret, func(ctx context.Context, d webhooks.Delivery) error {
		fmt.Println("handled", d.Event.Data.DataType())
		return nil
	}, webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		fmt.Println(err)
		return
	}
	receiver := httptest.NewServer(handler)
	defer receiver.Close()

	srv := managedagentstest.NewServer()
	defer srv.Close()
	if err := srv.AddWebhook(receiver.URL, secret, "session.status_idled"); err != nil {
		fmt.Println(err)
		return
	}
	srv.BadSignatureNextWebhooks(1)

	body := `{"agent":"` + managedagentstest.DefaultAgentID + `","environment_id":"` + managedagentstest.DefaultEnvironmentID +
		`","initial_events":[{"type":"user.message","content":[{"type":"text","text":"hello"}]}]}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/v1/sessions", strings.NewReader(body))
	req.Header.Set("x-api-key", "sk-example")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("anthropic-beta", managedagentstest.BetaHeader)
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var session struct{ ID string }
	err = json.NewDecoder(resp.Body).Decode(&session)
	resp.Body.Close()
	if err != nil {
		fmt.Println(err)
		return
	}

	// Wait for the turn, then for its deliveries and their retries.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitIdle(ctx, session.ID); err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.WaitWebhooks(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range srv.WebhookAttempts() {
		fmt.Printf("attempt %d of %s: bad signature %v, answered %d\n", a.Attempt, a.Type, a.BadSignature, a.Status)
	}
	// Output:
	// handled session.status_idled
	// attempt 1 of session.status_idled: bad signature true, answered 401
	// attempt 2 of session.status_idled: bad signature false, answered 204
}
