package managedagents_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/managedagents/managedagents-go"
)

// Print the agent's reply as it is generated: Update gives each new piece
// of text, and the finished agent.message completes it (or, when it
// differs from its preview, replaces it).
func ExamplePreviews_Update() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, done := exampleClient()
	defer done()
	sess := exampleSession(ctx, client)

	stream, err := client.Events.Stream(ctx, sess.ID, managedagents.StreamParams{
		EventDeltas: []string{managedagents.EventAgentMessage},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer stream.Close()
	if _, err := client.Events.Send(ctx, sess.ID, managedagents.UserMessage("Write a haiku")); err != nil {
		log.Fatal(err)
	}

	var previews managedagents.Previews
	for ev, err := range stream.Events() {
		if err != nil {
			log.Fatal(err)
		}
		u := previews.Update(ev)
		if u.Replaced {
			fmt.Print("\n(corrected) ")
		}
		fmt.Print(u.Appended)
		if u.Done && u.Type == managedagents.EventAgentMessage {
			fmt.Println()
		}
		if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.EndsTurn() {
			return
		}
	}
	// Output:
	// Echo: Write a haiku
}
