// Webhook-worker drives a session with no long-lived process: a webhook
// endpoint whose handler, each time the session goes idle, catches up on
// the session from a saved checkpoint, answers the custom tool calls the
// session waits for, saves the new checkpoint and returns. Everything it
// knows between deliveries is in two files (the checkpoints and the
// tool-call records), so any number of such workers, restarted at any
// time, can share the work. See Worker for the steps and their
// guarantees.
//
// With ANTHROPIC_API_KEY unset it runs against the embedded fake server,
// which sends signed webhooks to the worker's endpoint on 127.0.0.1 and
// whose scripted agent calls a tool for each "call: <tool> <json>" line:
//
//	go run ./examples/webhook-worker
//
// With ANTHROPIC_API_KEY set it serves the endpoint on WEBHOOK_ADDR
// (default 127.0.0.1:8080) for deliveries forwarded from the endpoint
// registered in the Console, whose signing secret is in
// ANTHROPIC_WEBHOOK_SECRET; ANTHROPIC_AGENT_ID and ANTHROPIC_ENVIRONMENT_ID
// name an agent that defines the weather and reserve custom tools and its
// environment.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
	"github.com/managedagents/managedagents-go/webhooks"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhook-worker:", err)
		os.Exit(1)
	}
}

type place struct {
	City string `json:"city"`
}

type reservation struct {
	Restaurant string `json:"restaurant"`
	People     int    `json:"people"`
}

// tools are the agent's custom tools. reserve has a side effect, so it
// keys it by the call's idempotency key: a real booking API would get it
// as its Idempotency-Key header.
func tools(out *log.Logger) []managedagents.ToolDefinition {
	return []managedagents.ToolDefinition{
		managedagents.TypedTool("weather", "Tells today's weather in a city.",
			json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
			func(ctx context.Context, p place) (string, error) {
				out.Printf("  tool      weather(%s)", p.City)
				return p.City + ": 18°C, light rain", nil
			}),
		managedagents.TypedTool("reserve", "Books a table.",
			json.RawMessage(`{"type":"object","properties":{"restaurant":{"type":"string"},"people":{"type":"integer"}},"required":["restaurant","people"]}`),
			func(ctx context.Context, r reservation) (string, error) {
				key, _ := managedagents.ToolUseIDFromContext(ctx)
				out.Printf("  tool      reserve(%s, %d) idempotency key %s", r.Restaurant, r.People, key)
				return fmt.Sprintf("Booked %s for %d, reference %.12s", r.Restaurant, r.People, key), nil
			}),
	}
}

// newSecret returns a random signing secret in the "whsec_…" form.
func newSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b), nil
}

func run(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out := log.New(w, "", 0) // safe for the handler's concurrent prints

	var opts []managedagents.Option
	var fake *managedagentstest.Server
	agentID, environmentID := os.Getenv("ANTHROPIC_AGENT_ID"), os.Getenv("ANTHROPIC_ENVIRONMENT_ID")
	secret, addr := os.Getenv("ANTHROPIC_WEBHOOK_SECRET"), os.Getenv("WEBHOOK_ADDR")
	if os.Getenv("ANTHROPIC_API_KEY") == "" {
		fake = managedagentstest.NewServer()
		defer fake.Close()
		out.Printf("ANTHROPIC_API_KEY is not set: using the embedded fake server at %s", fake.URL())
		opts = append(opts, managedagents.WithBaseURL(fake.URL()), managedagents.WithAPIKey("fake-key"), managedagents.WithoutEnvironment())
		agentID, environmentID, addr = managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID, "127.0.0.1:0"
		var err error
		if secret, err = newSecret(); err != nil {
			return err
		}
	} else {
		if agentID == "" || environmentID == "" || secret == "" {
			return errors.New("with ANTHROPIC_API_KEY set, also set ANTHROPIC_AGENT_ID, ANTHROPIC_ENVIRONMENT_ID and ANTHROPIC_WEBHOOK_SECRET")
		}
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
	}
	client, err := managedagents.NewClient(opts...)
	if err != nil {
		return err
	}

	// The worker's whole state: two files.
	dir, err := os.MkdirTemp("", "webhook-worker")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	toolCalls, err := managedagents.OpenFileToolCallStore(filepath.Join(dir, "tool-calls.jsonl"))
	if err != nil {
		return err
	}
	defer toolCalls.Close()
	checkpoints := NewCheckpointFile(filepath.Join(dir, "checkpoints.json"))

	// The turn's end is reported once the delivery that saw it is done.
	turnEnded := make(chan managedagents.StopReason, 1)
	var mu sync.Mutex
	var ended *managedagents.StopReason
	worker := &Worker{
		Name: "worker", Client: client, Tools: tools(out),
		ToolCalls: toolCalls, Checkpoints: checkpoints, Locks: &SessionLocks{},
		OnEvent: func(ctx context.Context, name string, ev managedagents.Event) error {
			out.Printf("  event     %s", describe(ev))
			if idle, ok := ev.(*managedagents.SessionStatusIdleEvent); ok && idle.StopReason.EndsTurn() {
				mu.Lock()
				ended = &idle.StopReason
				mu.Unlock()
			}
			return nil
		},
	}
	handler, err := webhooks.NewHandler(secret, func(ctx context.Context, d webhooks.Delivery) error {
		out.Printf("delivery    %s %s", d.Event.Data.DataType(), d.ID)
		err := worker.Handle(ctx, d)
		if err == nil {
			sessionID, _ := d.Event.SessionID()
			if cp, cerr := checkpoints.Load(sessionID); cerr == nil && !cp.IsZero() {
				out.Printf("  saved     checkpoint after %s (%d bytes)", cp.LastEventID(), len(cp.String()))
			}
			mu.Lock()
			if ended != nil {
				select {
				case turnEnded <- *ended:
				default: // reported already
				}
			}
			mu.Unlock()
		}
		return err
	}, webhooks.WithLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go httpSrv.Serve(ln)
	defer httpSrv.Shutdown(context.WithoutCancel(ctx))
	endpoint := "http://" + ln.Addr().String() + "/webhooks"
	out.Printf("listening   %s", endpoint)
	if fake != nil {
		if err := fake.AddWebhook(endpoint, secret, webhooks.TypeSessionStatusIdled); err != nil {
			return err
		}
	}

	agent := managedagents.AgentByID(agentID)
	prompt := "What is the weather in Lisbon? If it rains, book a table for two at Taberna."
	if fake != nil {
		agent = managedagents.AgentWithOverrides(agentID, 0, managedagents.AgentOverrides{
			Tools: managedagents.Set(worker.runnerTools()),
		})
		prompt = strings.Join([]string{
			`call: weather {"city":"Lisbon"}`,
			`call: reserve {"restaurant":"Taberna","people":2}`,
		}, "\n")
	}
	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: agent, EnvironmentID: environmentID, Title: "webhook worker example",
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	defer func() {
		if _, err := client.Sessions.Delete(context.WithoutCancel(ctx), sess.ID); err != nil && !errors.Is(err, managedagents.ErrNotFound) {
			out.Printf("cleanup: %v", err)
		}
	}()
	out.Printf("session     %s", sess.ID)
	if _, err := client.Events.Send(ctx, sess.ID, managedagents.UserMessage(prompt)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	out.Printf("sent        the message; this process now only answers webhooks")

	select {
	case reason := <-turnEnded:
		out.Printf("turn        ended with %s", reason.Type)
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the turn to end: %w", ctx.Err())
	}
}

// runnerTools returns the agent-configuration entries of the worker's
// tools.
func (w *Worker) runnerTools() []managedagents.Tool {
	r := managedagents.Runner{Tools: w.Tools}
	return r.AgentTools()
}

// describe is one line about an event.
func describe(ev managedagents.Event) string {
	switch e := ev.(type) {
	case *managedagents.AgentCustomToolUseEvent:
		return fmt.Sprintf("%s %s %s", e.EventType(), e.Name, e.Input)
	case *managedagents.UserCustomToolResultEvent:
		return fmt.Sprintf("%s for %s", e.EventType(), e.CustomToolUseID)
	case *managedagents.SessionStatusIdleEvent:
		return fmt.Sprintf("%s (%s)", e.EventType(), e.StopReason.Type)
	case *managedagents.AgentMessageEvent:
		var text []string
		for _, b := range e.Content {
			if b.Type == managedagents.BlockTypeText {
				text = append(text, b.Text)
			}
		}
		return fmt.Sprintf("%s %q", e.EventType(), strings.Join(text, " "))
	}
	return ev.EventType()
}
