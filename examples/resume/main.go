// Resume shows a stream that survives dropped connections. It runs against
// the embedded fake server, which is told to cut the stream at random
// points while the agent emits a long turn; the stream reconnects, fills
// each gap from the history, and delivers every event exactly once.
//
//	go run ./examples/resume
package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

const turnLength = 2000 // events the scripted agent emits in one turn

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "resume:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	// A scripted agent that answers any message with a long run of
	// messages, one every 100 µs, so that the drops hit the live stream.
	script := func(ctx context.Context, turn *managedagentstest.Turn) error {
		for i := range turnLength {
			text := fmt.Sprintf("part %d", i+1)
			if _, err := turn.Emit(managedagents.EventAgentMessage, map[string]any{
				"content": []map[string]any{{"type": "text", "text": text}},
			}); err != nil {
				return err
			}
		}
		return nil
	}
	fake := managedagentstest.NewServer(managedagentstest.WithScript(script), managedagentstest.WithStepDelay(100*time.Microsecond))
	defer fake.Close()
	drops := make([]int, 15)
	for i := range drops {
		drops[i] = 20 + rand.IntN(200)
	}
	fake.DropNextStreams(drops...)
	fmt.Fprintf(out, "fake server at %s will cut the next %d streams after %v events\n", fake.URL(), len(drops), drops)

	client, err := managedagents.NewClient(
		managedagents.WithBaseURL(fake.URL()),
		managedagents.WithAPIKey("fake-key"),
		managedagents.WithoutEnvironment())
	if err != nil {
		return err
	}
	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		return err
	}
	defer client.Sessions.Delete(context.WithoutCancel(ctx), sess.ID)

	stream, err := client.Events.Stream(ctx, sess.ID, managedagents.StreamParams{
		ReconnectMin: 10 * time.Millisecond, // the fake answers at once; keep the demo short
		ReconnectMax: 100 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	defer stream.Close()
	if _, err := client.Events.Send(ctx, sess.ID, managedagents.UserMessage("Tell me a long story.")); err != nil {
		return err
	}

	seen := map[string]int{}
	messages := 0
	for ev, err := range stream.Events() {
		if err != nil {
			return err
		}
		seen[ev.EventID()]++
		if ev.EventType() == managedagents.EventAgentMessage {
			messages++
		}
		if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.EndsTurn() {
			break
		}
	}
	duplicates := 0
	for _, n := range seen {
		duplicates += n - 1
	}
	fmt.Fprintf(out, "saw %d events (%d agent messages) over %d reconnects, %d duplicates\n",
		len(seen), messages, stream.Reconnects(), duplicates)
	if messages != turnLength || duplicates != 0 {
		return fmt.Errorf("expected %d messages and no duplicates", turnLength)
	}
	return nil
}
