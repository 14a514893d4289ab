package managedagents_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// Reconcile a create whose outcome is unknown. The API has no idempotency
// key, so after a timeout or a 5xx the client cannot tell whether the
// session exists, and does not send the create again; it returns an error
// matching ErrOutcomeUnknown. Tag each create with a marker of your own in
// its metadata, and look for it before trying again.
//
// Here the fake server creates the session and then answers 504, as a
// gateway that timed out after the work was done would.
func Example_reconcileOutcomeUnknown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv, client := exampleServer()
	defer srv.Close()
	srv.FailNext(1, 504, managedagentstest.FailOnly("POST", "/v1/sessions"), managedagentstest.FailAfterApplying())

	marker := rand.Text()               // unique per attempt to create
	since := time.Now().Add(-time.Hour) // generous: the server's clock is not ours
	params := managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Metadata:      map[string]string{"create-marker": marker},
	}
	sess, err := client.Sessions.Create(ctx, params)
	if errors.Is(err, managedagents.ErrOutcomeUnknown) {
		fmt.Println("create: outcome unknown")
		sess, err = findByMarker(ctx, client, since, marker)
		if err == nil && sess == nil { // not created: now it is safe to send it again
			sess, err = client.Sessions.Create(ctx, params)
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("found the session the failed call created:", sess.Metadata["create-marker"] == marker)
	fmt.Println("creates received by the server:", srv.Count("POST", "/v1/sessions"))
	// Output:
	// create: outcome unknown
	// found the session the failed call created: true
	// creates received by the server: 1
}

// findByMarker returns the session created since then whose metadata holds
// marker, or nil if there is none.
func findByMarker(ctx context.Context, client *managedagents.Client, since time.Time, marker string) (*managedagents.Session, error) {
	for s, err := range client.Sessions.All(ctx, managedagents.SessionListParams{CreatedAtOrAfter: since}) {
		if err != nil {
			return nil, err
		}
		if s.Metadata["create-marker"] == marker {
			return s, nil
		}
	}
	return nil, nil
}
