package managedagents_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/managedagents/managedagents-go"
)

// Send queues events and returns at once with their echoes, which carry the
// IDs the server assigned but are not processed yet; the agent works
// asynchronously. Here the fake's WaitIdle stands in for following the
// stream (see Stream, or SendAndWait) before the history is read.
func ExampleEventsService_Send() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv, client := exampleServer()
	defer srv.Close()
	sess := exampleSession(ctx, client)

	echoes, err := client.Events.Send(ctx, sess.ID, managedagents.UserMessage("Hello"))
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range echoes {
		_, processed := ev.EventProcessedAt()
		fmt.Println(ev.EventType(), "processed:", processed)
	}

	if err := srv.WaitIdle(ctx, sess.ID); err != nil {
		log.Fatal(err)
	}
	for ev, err := range client.Events.All(ctx, sess.ID, managedagents.EventListParams{
		Types: []string{managedagents.EventUserMessage, managedagents.EventAgentMessage},
	}) {
		if err != nil {
			log.Fatal(err)
		}
		switch e := ev.(type) {
		case *managedagents.UserMessageEvent:
			fmt.Println("user:", managedagents.JoinText(e.Content))
		case *managedagents.AgentMessageEvent:
			fmt.Println("agent:", managedagents.JoinText(e.Content))
		}
	}
	// Output:
	// user.message processed: false
	// user: Hello
	// agent: Echo: Hello
}

// Print the agent's reply as it is generated: open the stream with
// EventDeltas, and print what Previews.Update returns for each event: the
// new piece of text, and, when the finished agent.message differs from
// its preview, the whole text again (Replaced).
func ExamplePreviews() {
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
