package webhooks_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/managedagents/managedagents-go/webhooks"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A worker endpoint: on session.status_idled it would read the session's
// new events and answer pending tool calls, then return nil to
// acknowledge. The delivery here is signed in the example itself, as the
// sender would.
func Example() {
	const secret = "whsec_c2VjcmV0Cg=="
	handler, err := webhooks.NewHandler(secret, func(ctx context.Context, d webhooks.Delivery) error {
		switch data := d.Event.Data.(type) {
		case *webhooks.SessionStatusIdled:
			fmt.Println("session idled:", data.SessionID)
			// Fetch the session and its new events here; an error
			// makes the sender deliver again.
		case *webhooks.UnknownData:
			fmt.Println("not handled:", data.Type)
		}
		return nil
	}, webhooks.WithLogger(discardLogger()))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()

	body := []byte(`{"type":"event","id":"whe_1","created_at":"2026-03-15T10:00:00Z","data":{"type":"session.status_idled","id":"sesn_1","organization_id":"org_1","workspace_id":"wrkspc_1"}}`)
	deliver := func() {
		now := time.Now()
		wh, _ := standardwebhooks.NewWebhook(secret[len("whsec_"):])
		sig, _ := wh.Sign("whe_1", now, body)
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set("webhook-id", "whe_1")
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println("answered", resp.StatusCode)
	}
	deliver()
	deliver() // the sender's retry: a duplicate, not handled again
	// Output:
	// session idled: sesn_1
	// answered 204
	// answered 200
}
