package managedagents_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/managedagents/managedagents-go"
)

// A consumer that may be restarted saves the stream's checkpoint after
// each event it has handled (here to a file; a database column works the
// same) and, when it starts again, continues from it: it gets every event
// after the checkpoint once, including those persisted while it was down.
func ExampleStream_Checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv, client := exampleServer()
	defer srv.Close()
	sess := exampleSession(ctx, client)
	dir, err := os.MkdirTemp("", "checkpoint")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	saved := filepath.Join(dir, "checkpoint")

	// The first run handles events until the agent's message, saving the
	// checkpoint after each one, then stops (a deploy, a crash).
	st, err := client.Events.Stream(ctx, sess.ID, managedagents.StreamParams{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Events.Send(ctx, sess.ID, managedagents.UserMessage("Hello")); err != nil {
		log.Fatal(err)
	}
	for ev, err := range st.Events() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("first run:", ev.EventType())
		ck, _ := st.Checkpoint()
		text, err := ck.MarshalText()
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(saved, text, 0o600); err != nil {
			log.Fatal(err)
		}
		if ev.EventType() == managedagents.EventAgentMessage {
			break
		}
	}
	if err := srv.WaitIdle(ctx, sess.ID); err != nil { // the turn ends meanwhile
		log.Fatal(err)
	}

	// The next run, with a client of its own, starts from the saved text.
	next, err := managedagents.NewClient(managedagents.WithBaseURL(srv.URL()),
		managedagents.WithAPIKey("example-key"), managedagents.WithoutEnvironment())
	if err != nil {
		log.Fatal(err)
	}
	text, err := os.ReadFile(saved)
	if err != nil {
		log.Fatal(err)
	}
	var after managedagents.Checkpoint
	if err := after.UnmarshalText(text); err != nil {
		log.Fatal(err) // damaged, or of an unknown version: never a replay
	}
	st, err = next.Events.Stream(ctx, sess.ID, managedagents.StreamParams{After: after})
	if err != nil {
		log.Fatal(err)
	}
	for ev, err := range st.Events() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("next run:", ev.EventType())
		if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.EndsTurn() {
			break
		}
	}
	// Output:
	// first run: user.message
	// first run: session.status_running
	// first run: span.model_request_start
	// first run: agent.thinking
	// first run: agent.message
	// next run: span.model_request_end
	// next run: session.usage
	// next run: session.status_idle
}
