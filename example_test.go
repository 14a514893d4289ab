package managedagents_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// exampleClient returns a client of a fresh fake server; real code would
// call managedagents.NewClient() with ANTHROPIC_API_KEY set.
func exampleClient() (*managedagents.Client, func()) {
	srv, c := exampleServer()
	return c, srv.Close
}

// exampleServer is exampleClient for the examples that also look at the
// fake itself (how many requests it received, when its agent is done).
func exampleServer() (*managedagentstest.Server, *managedagents.Client) {
	srv := managedagentstest.NewServer()
	c, err := srv.NewClient()
	if err != nil {
		srv.Close()
		log.Fatal(err)
	}
	return srv, c
}

func exampleSession(ctx context.Context, c *managedagents.Client) *managedagents.Session {
	sess, err := c.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		log.Fatal(err)
	}
	return sess
}

// Follow a session live: open the stream, then send, then range over the
// events until the turn ends.
func ExampleEventsService_Stream() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, done := exampleClient()
	defer done()
	sess := exampleSession(ctx, client)

	stream, err := client.Events.Stream(ctx, sess.ID, managedagents.StreamParams{})
	if err != nil {
		log.Fatal(err)
	}
	defer stream.Close()
	if _, err := client.Events.Send(ctx, sess.ID, managedagents.UserMessage("Hello")); err != nil {
		log.Fatal(err)
	}
	for ev, err := range stream.Events() {
		if err != nil {
			log.Fatal(err)
		}
		switch e := ev.(type) {
		case *managedagents.AgentMessageEvent:
			fmt.Println("agent:", managedagents.JoinText(e.Content))
		case *managedagents.SessionStatusIdleEvent:
			fmt.Println("idle:", e.StopReason.Type)
		}
		if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.EndsTurn() {
			break
		}
	}
	// Output:
	// agent: Echo: Hello
	// idle: end_turn
}

// Send a message and wait for the agent's answer.
func ExampleEventsService_SendAndWait() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, done := exampleClient()
	defer done()
	sess := exampleSession(ctx, client)

	res, err := client.Events.SendAndWait(ctx, sess.ID, managedagents.UserMessage("What can you do?"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Text)
	fmt.Println(res.StopReason.Type)
	// Output:
	// Echo: What can you do?
	// end_turn
}

// Answer the agent's custom tool calls with a Go function. The fake's
// scripted agent calls a tool for a "call: <tool> <input>" line; a real
// agent decides by itself.
func ExampleRunner() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, done := exampleClient()
	defer done()

	runner := &managedagents.Runner{
		Client: client,
		Tools: []managedagents.ToolDefinition{
			managedagents.TypedTool("add", "Adds two numbers.",
				json.RawMessage(`{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}`),
				func(ctx context.Context, in struct{ A, B float64 }) (string, error) {
					return fmt.Sprint(in.A + in.B), nil
				}),
		},
	}
	// The session's agent gets the runner's tools for this session.
	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: managedagents.AgentWithOverrides(managedagentstest.DefaultAgentID, 0, managedagents.AgentOverrides{
			Tools: managedagents.Set(runner.AgentTools()),
		}),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := runner.Run(ctx, sess.ID, managedagents.UserMessage(`call: add {"a": 2, "b": 40}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Text)
	// Output:
	// Tool add returned: 42
}

// Tell apart the errors that matter.
func ExampleAPIError() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, done := exampleClient()
	defer done()

	_, err := client.Sessions.Get(ctx, "sesn_does_not_exist")
	var apiErr *managedagents.APIError
	switch {
	case errors.Is(err, managedagents.ErrNotFound) && errors.As(err, &apiErr):
		fmt.Println(apiErr.StatusCode, apiErr.Type)
	case err != nil:
		log.Fatal(err)
	}
	// Output:
	// 404 not_found_error
}
