package managedagents_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// Configure a client with options. In production, NewClient() with no
// options reads ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL); here the
// options point it at an in-memory fake instead. A client never prints its
// key, and a client without any credential is an error at once.
func ExampleNewClient() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv := managedagentstest.NewServer()
	defer srv.Close()

	client, err := managedagents.NewClient(
		managedagents.WithBaseURL(srv.URL()),
		managedagents.WithAPIKey("sk-ant-example-key"),
		managedagents.WithoutEnvironment(), // ignore ANTHROPIC_* variables
		managedagents.WithMaxRetries(3),
		managedagents.WithRequestTimeout(30*time.Second),
		managedagents.WithUserAgent("example-app/1.0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Replace(client.String(), srv.URL(), "<fake>", 1))

	page, err := client.Sessions.List(ctx, managedagents.SessionListParams{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sessions:", len(page.Data))

	_, err = managedagents.NewClient(managedagents.WithoutEnvironment())
	fmt.Println(err)
	// Output:
	// managedagents.Client{baseURL: <fake>, credential: x-api-key [redacted]}
	// sessions: 0
	// managedagents: no credentials: set ANTHROPIC_API_KEY, or pass WithAPIKey or WithAuthToken
}

// Create a session of an agent in an environment, with a title and
// metadata tags. The returned session carries the agent configuration it
// resolved to.
func ExampleSessionsService_Create() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, done := exampleClient()
	defer done()

	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Title:         "Fix the flaky test",
		Metadata:      map[string]string{"team": "search"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*sess.Title)
	fmt.Println(sess.Status, sess.Metadata["team"])
	fmt.Println(sess.Agent.Name, sess.Agent.Version, sess.Agent.Model.ID)
	// Output:
	// Fix the flaky test
	// idle search
	// Fake agent 1 claude-sonnet-4-6
}

// Update sends only what is set: Set renames, Null clears, Metadata adds
// or replaces keys and DeleteMetadata removes keys, leaving the other keys
// alone.
func ExampleSessionsService_Update() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, done := exampleClient()
	defer done()
	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
		Title:         "draft",
		Metadata:      map[string]string{"team": "search", "ticket": "T-12"},
	})
	if err != nil {
		log.Fatal(err)
	}

	sess, err = client.Sessions.Update(ctx, sess.ID, managedagents.SessionUpdateParams{
		Title:          managedagents.Set("Release notes"),
		Metadata:       map[string]string{"stage": "review"},
		DeleteMetadata: []string{"ticket"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*sess.Title, sess.Metadata)

	sess, err = client.Sessions.Update(ctx, sess.ID, managedagents.SessionUpdateParams{
		Title: managedagents.Null[string](),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sess.Title == nil, sess.Metadata)
	// Output:
	// Release notes map[stage:review team:search]
	// true map[stage:review team:search]
}

// All fetches pages as the loop needs them; breaking out of the loop stops
// fetching. Here the pages hold two sessions each, and the loop stops after
// the third session: the fourth and fifth are never fetched.
func ExampleSessionsService_All() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv, client := exampleServer()
	defer srv.Close()
	for i := range 5 {
		_, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
			Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
			EnvironmentID: managedagentstest.DefaultEnvironmentID,
			Title:         fmt.Sprint("task ", i+1),
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	n := 0
	for sess, err := range client.Sessions.All(ctx, managedagents.SessionListParams{
		Limit: 2,
		Order: managedagents.OrderAsc, // oldest first
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(*sess.Title)
		if n++; n == 3 {
			break
		}
	}
	fmt.Println("pages fetched:", srv.Count("GET", "/v1/sessions"))
	// Output:
	// task 1
	// task 2
	// task 3
	// pages fetched: 2
}
