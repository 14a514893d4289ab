package webhooks_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"go.uber.org/goleak"
)

// TestMain fails the package when any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	)
}

// The worked example of the webhook documentation: secret, ID, timestamp,
// body and the signature they give.
const (
	testSecret    = "whsec_c2VjcmV0Cg=="
	exampleID     = "whe_0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	exampleUnix   = 1773568805
	exampleSig    = "v1,ecPGfWbRoj/FQBFXQitEoDwwj2cv4DuBfj1mFmh1sww="
	exampleBody   = `{"id":"whe_0f1e2d3c4b5a69788796a5b4c3d2e1f0","created_at":"2026-03-15T10:00:00Z","data":{"id":"sesn_011CZkZAtmR3yMPDzynEDxu7","organization_id":"org_011CZkZZAe0sMna4vkBdtrfx","type":"session.status_idled","workspace_id":"wrkspc_011CZkZaBF1tNoB5wlCeusgy"},"type":"event"}`
	otherSecret   = "whsec_b3RoZXIgc2VjcmV0" // "other secret"
	exampleSessID = "sesn_011CZkZAtmR3yMPDzynEDxu7"
)

var exampleTime = time.Unix(exampleUnix, 0)

// atExample is a clock stopped at the example's timestamp.
func atExample() time.Time { return exampleTime }

// sign returns the headers of a delivery signed with secret by the
// standard-webhooks library.
func sign(t testing.TB, secret, id string, ts time.Time, body []byte) http.Header {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret[len("whsec_"):])
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", sig)
	return h
}

// eventBody builds a delivery body of the given data.type about a session
// (and a thread, when threadID is not empty).
func eventBody(id, typ, sessionID, threadID string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"id":%q,"created_at":"2026-03-15T10:00:00Z","data":{"id":%q,"organization_id":"org_1",`, id, sessionID)
	if threadID != "" {
		fmt.Fprintf(&b, `"session_thread_id":%q,`, threadID)
	}
	fmt.Fprintf(&b, `"type":%q,"workspace_id":"wrkspc_1"},"type":"event"}`, typ)
	return b.Bytes()
}
