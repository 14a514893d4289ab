// Quickstart creates a session, lists, reads and updates it, follows one
// turn of the agent live, and deletes it.
//
// With ANTHROPIC_API_KEY unset it runs against the embedded fake server, so
// it works on a fresh machine with no account:
//
//	go run ./examples/quickstart
//
// With ANTHROPIC_API_KEY set it talks to the real API; ANTHROPIC_AGENT_ID
// and ANTHROPIC_ENVIRONMENT_ID then name the agent and environment to use.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	var opts []managedagents.Option
	agentID := os.Getenv("ANTHROPIC_AGENT_ID")
	environmentID := os.Getenv("ANTHROPIC_ENVIRONMENT_ID")
	if os.Getenv("ANTHROPIC_API_KEY") == "" {
		fake := managedagentstest.NewServer()
		defer fake.Close()
		fmt.Fprintf(out, "ANTHROPIC_API_KEY is not set: using the embedded fake server at %s\n", fake.URL())
		opts = append(opts,
			managedagents.WithBaseURL(fake.URL()),
			managedagents.WithAPIKey("fake-key"),
			managedagents.WithoutEnvironment())
		agentID, environmentID = managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID
	} else {
		if agentID == "" || environmentID == "" {
			return errors.New("with ANTHROPIC_API_KEY set, also set ANTHROPIC_AGENT_ID and ANTHROPIC_ENVIRONMENT_ID")
		}
		fmt.Fprintln(out, "using the Claude Managed Agents API")
	}

	client, err := managedagents.NewClient(opts...)
	if err != nil {
		return err
	}

	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(agentID),
		EnvironmentID: environmentID,
		Title:         "quickstart",
		Metadata:      map[string]string{"example": "quickstart"},
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	fmt.Fprintf(out, "created  %s (status %s, agent %s v%d)\n", sess.ID, sess.Status, sess.Agent.Name, sess.Agent.Version)
	// Delete the session however the rest goes, so nothing is left behind.
	defer func() {
		if _, err := client.Sessions.Delete(context.WithoutCancel(ctx), sess.ID); err != nil && !errors.Is(err, managedagents.ErrNotFound) {
			fmt.Fprintln(out, "cleanup:", err)
		}
	}()

	n := 0
	for s, err := range client.Sessions.All(ctx, managedagents.SessionListParams{Limit: 10}) {
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		if n < 5 {
			fmt.Fprintf(out, "listed   %s %-10s %s\n", s.ID, s.Status, title(s))
		}
		n++
	}
	fmt.Fprintf(out, "listed   %d session(s) in all\n", n)

	got, err := client.Sessions.Get(ctx, sess.ID)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	fmt.Fprintf(out, "read     %s title=%q metadata=%v\n", got.ID, title(got), got.Metadata)

	updated, err := client.Sessions.Update(ctx, sess.ID, managedagents.SessionUpdateParams{
		Title:          managedagents.Set("quickstart (renamed)"),
		Metadata:       map[string]string{"step": "updated"},
		DeleteMetadata: []string{"example"},
	})
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	fmt.Fprintf(out, "updated  %s title=%q metadata=%v\n", updated.ID, title(updated), updated.Metadata)

	// Open the stream first, then send: the stream is live once Stream
	// returns, so no event of the turn can be missed.
	stream, err := client.Events.Stream(ctx, sess.ID, managedagents.StreamParams{})
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	defer stream.Close()
	if _, err := client.Events.Send(ctx, sess.ID, managedagents.UserMessage("Hello! What can you do?")); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	for ev, err := range stream.Events() {
		if err != nil {
			return fmt.Errorf("stream: %w", err)
		}
		fmt.Fprintf(out, "event    %s\n", describe(ev))
		if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.EndsTurn() {
			break
		}
	}

	if _, err := client.Sessions.Delete(ctx, sess.ID); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if _, err := client.Sessions.Get(ctx, sess.ID); !errors.Is(err, managedagents.ErrNotFound) {
		return fmt.Errorf("after delete, get returned %v; want not found", err)
	}
	fmt.Fprintf(out, "deleted  %s\n", sess.ID)
	return nil
}

// describe renders an event on one line.
func describe(ev managedagents.Event) string {
	switch e := ev.(type) {
	case *managedagents.UserMessageEvent:
		return fmt.Sprintf("%s %q", e.Type, managedagents.JoinText(e.Content))
	case *managedagents.AgentMessageEvent:
		return fmt.Sprintf("%s %q", e.Type, managedagents.JoinText(e.Content))
	case *managedagents.AgentToolUseEvent:
		return fmt.Sprintf("%s %s %s", e.Type, e.Name, e.Input)
	case *managedagents.SpanModelRequestEndEvent:
		return fmt.Sprintf("%s (%d tokens in, %d out)", e.Type, e.ModelUsage.InputTokens, e.ModelUsage.OutputTokens)
	case *managedagents.SessionStatusIdleEvent:
		return fmt.Sprintf("%s (%s)", e.Type, e.StopReason.Type)
	}
	return ev.EventType()
}

func title(s *managedagents.Session) string {
	if s.Title == nil {
		return "(untitled)"
	}
	return *s.Title
}
