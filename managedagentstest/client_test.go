package managedagentstest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// newClient starts a fake and its ready client.
func newClient(t *testing.T, srvOpts ...managedagentstest.Option) (*managedagentstest.Server, *managedagents.Client) {
	t.Helper()
	srv := managedagentstest.NewServer(srvOpts...)
	t.Cleanup(srv.Close)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// TestNewClientIgnoresTheEnvironment: a developer's real key and base URL
// in the environment do not reach the client of the fake. The fake accepts
// only its own key, so a request with the environment's key would be
// refused, and one sent to the environment's base URL would not connect.
func TestNewClientIgnoresTheEnvironment(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-developers-real-key")
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
	srv, c := newClient(t, managedagentstest.WithAPIKeys("fake-only-b", "fake-only-a"))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.Sessions.List(ctx, managedagents.SessionListParams{}); err != nil {
		t.Fatalf("List: %v", err)
	}
	if n := srv.Count("GET", "/v1/sessions"); n != 1 {
		t.Errorf("the fake received %d lists, want 1", n)
	}

	// Options given to NewClient win over its own.
	c, err := srv.NewClient(managedagents.WithAPIKey("not-accepted"), managedagents.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sessions.List(ctx, managedagents.SessionListParams{}); !errors.Is(err, managedagents.ErrAuthentication) {
		t.Errorf("List with a key the fake refuses: %v, want an authentication error", err)
	}
}

// TestInjectedFaultsAreFast: a suite of 100 injected 429 and 529 failures,
// each retried by the client of NewClient, runs in well under a second,
// since no failure carries a server hint unless asked for; and a test that
// asks for one gets the client to wait for it.
func TestInjectedFaultsAreFast(t *testing.T) {
	srv, c := newClient(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	const calls = 100
	// loop makes the calls, each after inject(i).
	loop := func(inject func(i int)) time.Duration {
		start := time.Now()
		for i := range calls {
			inject(i)
			if _, err := c.Sessions.List(ctx, managedagents.SessionListParams{Limit: 1}); err != nil {
				t.Fatalf("List: %v", err)
			}
		}
		return time.Since(start)
	}
	baseline := loop(func(int) {})
	faulty := loop(func(i int) {
		status := http.StatusTooManyRequests
		if i%2 == 1 {
			status = 529
		}
		srv.FailNext(1, status)
	})
	if n := srv.Count("GET", "/v1/sessions"); n != 3*calls {
		t.Fatalf("the fake received %d lists, want %d (each faulty call sent twice)", n, 3*calls)
	}
	t.Logf("%d calls: %v without faults, %v with one injected fault each (%.1f×)",
		calls, baseline, faulty, float64(faulty)/float64(baseline))
	if faulty >= time.Second {
		t.Errorf("%d injected faults took %v, want well under a second", calls, faulty)
	}

	// A server hint, asked for, is honoured.
	srv.FailNext(1, 529, managedagentstest.FailWithRetryAfter(150*time.Millisecond))
	start := time.Now()
	if _, err := c.Sessions.List(ctx, managedagents.SessionListParams{Limit: 1}); err != nil {
		t.Fatalf("List: %v", err)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("the call after a 150 ms hint took %v", waited)
	}
}

// NewClient gives a client for the fake in one line. It reads no
// environment, so a real ANTHROPIC_API_KEY is never sent to the fake, and
// retries injected failures after a millisecond or so.
func ExampleServer_NewClient() {
	srv := managedagentstest.NewServer()
	defer srv.Close()
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}

	srv.FailNext(1, 529) // retried at once: no retry hint unless asked for
	page, err := client.Sessions.List(context.Background(), managedagents.SessionListParams{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Data), "sessions;", srv.Count("GET", "/v1/sessions"), "requests")
	// Output:
	// 0 sessions; 2 requests
}
