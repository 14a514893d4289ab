// Multiagent follows a multi-agent session: a coordinator delegates a task
// to a subagent, which calls a custom tool that this program answers. The
// program follows the session stream and the subagent's thread stream side
// by side and prints which thread said what.
//
// With ANTHROPIC_API_KEY unset it runs against the embedded fake server, so
// it works on a fresh machine with no account:
//
//	go run ./examples/multiagent
//
// With ANTHROPIC_API_KEY set it talks to the real API; ANTHROPIC_AGENT_ID
// and ANTHROPIC_ENVIRONMENT_ID then name a coordinator agent (one with a
// multiagent configuration whose subagent has the custom tool
// lookup_population) and the environment to use.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "multiagent:", err)
		os.Exit(1)
	}
}

// population is the custom tool the subagent calls.
var population = managedagents.TypedTool("lookup_population", "Returns the population of a city.",
	json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
	func(ctx context.Context, in struct{ City string }) (string, error) {
		if in.City != "Lisbon" {
			return "", fmt.Errorf("no figure for %q", in.City)
		}
		return "Lisbon: 545,000 (2021 census)", nil
	})

func run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	w := &lineWriter{w: out}

	var opts []managedagents.Option
	agentID := os.Getenv("ANTHROPIC_AGENT_ID")
	environmentID := os.Getenv("ANTHROPIC_ENVIRONMENT_ID")
	message := "Find out how many people live in Lisbon: ask the researcher, who has a population lookup tool."
	if os.Getenv("ANTHROPIC_API_KEY") == "" {
		fake := managedagentstest.NewServer()
		defer fake.Close()
		w.printf("ANTHROPIC_API_KEY is not set: using the embedded fake server at %s", fake.URL())
		// The subagent: a saved agent named researcher with the custom
		// tool. The fake's coordinator delegates on a delegate: line.
		fake.AddAgent(managedagentstest.Agent{ID: "agent_01researcher", Name: "researcher",
			Tools: json.RawMessage(`[` + toolJSON(population) + `]`)})
		opts = append(opts,
			managedagents.WithBaseURL(fake.URL()),
			managedagents.WithAPIKey("fake-key"),
			managedagents.WithoutEnvironment())
		agentID, environmentID = managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID
		message = `delegate: researcher call: lookup_population {"city":"Lisbon"}`
	} else {
		if agentID == "" || environmentID == "" {
			return errors.New("with ANTHROPIC_API_KEY set, also set ANTHROPIC_AGENT_ID and ANTHROPIC_ENVIRONMENT_ID")
		}
		w.printf("using the Claude Managed Agents API")
	}

	client, err := managedagents.NewClient(opts...)
	if err != nil {
		return err
	}
	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(agentID),
		EnvironmentID: environmentID,
		Title:         "multiagent example",
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	defer func() {
		if _, err := client.Sessions.Delete(context.WithoutCancel(ctx), sess.ID); err != nil && !errors.Is(err, managedagents.ErrNotFound) {
			w.printf("cleanup: %v", err)
		}
	}()
	w.printf("session  %s", sess.ID)

	// Open the session stream before anything is sent, so that nothing is
	// missed; each thread the session creates gets a stream of its own.
	stream, err := client.Events.Stream(ctx, sess.ID, managedagents.StreamParams{})
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	defer stream.Close()
	f := &follower{client: client, sessionID: sess.ID, w: w}
	sessionDone := make(chan error, 1)
	go func() { sessionDone <- f.followSession(ctx, stream) }()

	// The runner answers the tool calls of every thread: the subagent's
	// call is cross-posted to the session stream, and the answer is routed
	// to its thread by the tool-use ID.
	runner := &managedagents.Runner{Client: client, Tools: []managedagents.ToolDefinition{population}}
	res, err := runner.Run(ctx, sess.ID, managedagents.UserMessage(message))
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if err := <-sessionDone; err != nil {
		return err
	}
	if err := f.wait(5 * time.Second); err != nil {
		return err
	}

	w.printf("turn     ended with %s", res.StopReason.Type)
	for _, th := range res.Threads {
		w.printf("summary  thread %s (%s) reported %q", th.ID, th.AgentName, th.Text)
	}
	w.printf("summary  coordinator said %q", res.Text)
	return nil
}

// follower prints the session stream and the streams of the threads it
// announces.
type follower struct {
	client    *managedagents.Client
	sessionID string
	w         *lineWriter

	wg      sync.WaitGroup
	mu      sync.Mutex
	names   map[string]string // thread ID → agent name
	streams []*managedagents.Stream
	err     error
}

// followSession prints the primary thread's side until the turn ends.
func (f *follower) followSession(ctx context.Context, st *managedagents.Stream) error {
	for ev, err := range st.Events() {
		if err != nil {
			return fmt.Errorf("session stream: %w", err)
		}
		switch e := ev.(type) {
		case *managedagents.SessionThreadCreatedEvent:
			f.w.printf("session  thread %s created for %s", e.SessionThreadID, e.AgentName)
			if err := f.followThread(ctx, e.SessionThreadID, e.AgentName); err != nil {
				return err
			}
		case *managedagents.AgentThreadMessageSentEvent:
			f.w.printf("[coordinator → %s] %s", f.name(e.ToSessionThreadID), managedagents.JoinText(e.Content))
		case *managedagents.AgentThreadMessageReceivedEvent:
			f.w.printf("[%s → coordinator] %s", f.name(e.FromSessionThreadID), managedagents.JoinText(e.Content))
		case *managedagents.AgentCustomToolUseEvent:
			f.w.printf("session  %s's call %s is cross-posted to the session stream", f.name(e.SessionThreadID), e.ID)
		case *managedagents.AgentMessageEvent:
			f.w.printf("[coordinator] %s", managedagents.JoinText(e.Content))
		case *managedagents.SessionStatusIdleEvent:
			f.w.printf("session  idle (%s)", e.StopReason.Type)
			if e.StopReason.EndsTurn() {
				return nil
			}
		}
	}
	return ctx.Err()
}

// followThread opens a thread's stream from its start and prints it in a
// goroutine until the thread's turn ends.
func (f *follower) followThread(ctx context.Context, threadID, agentName string) error {
	f.mu.Lock()
	if f.names == nil {
		f.names = map[string]string{}
	}
	f.names[threadID] = agentName
	f.mu.Unlock()
	st, err := f.client.Threads.Stream(ctx, f.sessionID, threadID, managedagents.StreamParams{FromStart: true})
	if err != nil {
		return fmt.Errorf("thread stream: %w", err)
	}
	f.mu.Lock()
	f.streams = append(f.streams, st)
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer st.Close()
		for ev, err := range st.Events() {
			if err != nil {
				f.fail(fmt.Errorf("thread %s stream: %w", threadID, err))
				return
			}
			switch e := ev.(type) {
			case *managedagents.AgentThreadMessageReceivedEvent:
				f.w.printf("[%s] got the task: %s", agentName, managedagents.JoinText(e.Content))
			case *managedagents.AgentCustomToolUseEvent:
				f.w.printf("[%s] calls %s %s", agentName, e.Name, e.Input)
			case *managedagents.UserCustomToolResultEvent:
				f.w.printf("[%s] gets the result: %s", agentName, managedagents.JoinText(e.Content))
			case *managedagents.AgentMessageEvent:
				f.w.printf("[%s] %s", agentName, managedagents.JoinText(e.Content))
			case *managedagents.SessionThreadStatusIdleEvent:
				f.w.printf("[%s] idle (%s)", agentName, e.StopReason.Type)
				if e.StopReason.EndsTurn() {
					return
				}
			}
		}
	}()
	return nil
}

func (f *follower) name(threadID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n, ok := f.names[threadID]; ok {
		return n
	}
	return threadID
}

func (f *follower) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

// wait waits for the thread streams to end, closing those still open after
// d, and returns the first error one of them had.
func (f *follower) wait(d time.Duration) error {
	done := make(chan struct{})
	go func() {
		f.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		f.mu.Lock()
		for _, st := range f.streams {
			st.Close()
		}
		f.mu.Unlock()
		<-done
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// toolJSON renders a tool definition for an agent's tools.
func toolJSON(d managedagents.ToolDefinition) string {
	b, err := json.Marshal(d.Tool())
	if err != nil {
		panic(err) // a static definition
	}
	return string(b)
}

// lineWriter writes whole lines from several goroutines.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
}
