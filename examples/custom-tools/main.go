// Custom-tools runs a session whose agent calls Go functions: a calculator
// and a weather lookup, answered by a managedagents.Runner, which also
// answers the agent's permission requests with a policy.
//
// With ANTHROPIC_API_KEY unset it runs against the embedded fake server,
// whose scripted agent calls a tool for each "call: <tool> <json>" line of
// the message (and runs bash under always_ask for "run: <command>"):
//
//	go run ./examples/custom-tools
//
// With ANTHROPIC_API_KEY set, ANTHROPIC_AGENT_ID and ANTHROPIC_ENVIRONMENT_ID
// name the agent and environment; the agent should define the calculator
// and weather custom tools (Runner.AgentTools gives their entries), and the
// model decides when to call them.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-tools:", err)
		os.Exit(1)
	}
}

type calculation struct {
	Op string  `json:"op"`
	A  float64 `json:"a"`
	B  float64 `json:"b"`
}

type place struct {
	City string `json:"city"`
}

// tools are the Go functions the agent may call.
func tools(out io.Writer) []managedagents.ToolDefinition {
	return []managedagents.ToolDefinition{
		managedagents.TypedTool("calculator", "Adds, subtracts, multiplies or divides two numbers.",
			json.RawMessage(`{"type":"object","properties":{"op":{"type":"string","enum":["add","sub","mul","div"]},"a":{"type":"number"},"b":{"type":"number"}},"required":["op","a","b"]}`),
			func(ctx context.Context, c calculation) (string, error) {
				fmt.Fprintf(out, "  tool   calculator(%s %g %g)\n", c.Op, c.A, c.B)
				switch c.Op {
				case "add":
					return fmt.Sprint(c.A + c.B), nil
				case "sub":
					return fmt.Sprint(c.A - c.B), nil
				case "mul":
					return fmt.Sprint(c.A * c.B), nil
				case "div":
					if c.B == 0 {
						return "", errors.New("division by zero")
					}
					return fmt.Sprint(c.A / c.B), nil
				}
				return "", fmt.Errorf("unknown operation %q", c.Op)
			}),
		managedagents.TypedTool("weather", "Tells today's weather in a city.",
			json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
			func(ctx context.Context, p place) (string, error) {
				fmt.Fprintf(out, "  tool   weather(%s)\n", p.City)
				if p.City == "" {
					return "", errors.New("no city given")
				}
				return fmt.Sprintf("%s: 18°C, light rain", p.City), nil
			}),
	}
}

// allowOnlyReads lets read-only shell commands through and denies the rest.
func allowOnlyReads(out io.Writer) managedagents.ConfirmFunc {
	return func(ctx context.Context, call managedagents.ToolCall) (bool, string) {
		var in struct {
			Command string `json:"command"`
		}
		json.Unmarshal(call.Input, &in)
		allow := strings.HasPrefix(in.Command, "ls") || strings.HasPrefix(in.Command, "cat ")
		fmt.Fprintf(out, "  policy %s %q: allow=%v\n", call.Name, in.Command, allow)
		if allow {
			return true, ""
		}
		return false, "Only read-only commands are allowed here."
	}
}

// lockedWriter serialises writes: the runner calls handlers concurrently,
// and they all print.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func run(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out := &lockedWriter{w: w}

	var opts []managedagents.Option
	var runner managedagents.Runner
	runner.Tools = tools(out)
	runner.Confirm = allowOnlyReads(out)
	runner.CallTimeout = 30 * time.Second

	agent := managedagents.AgentByID(os.Getenv("ANTHROPIC_AGENT_ID"))
	environmentID := os.Getenv("ANTHROPIC_ENVIRONMENT_ID")
	prompt := "What is 6 times 7, and what is the weather in Lisbon? Then clean up the temporary files."
	if os.Getenv("ANTHROPIC_API_KEY") == "" {
		fake := managedagentstest.NewServer()
		defer fake.Close()
		fmt.Fprintf(out, "ANTHROPIC_API_KEY is not set: using the embedded fake server at %s\n", fake.URL())
		opts = append(opts, managedagents.WithBaseURL(fake.URL()), managedagents.WithAPIKey("fake-key"), managedagents.WithoutEnvironment())
		environmentID = managedagentstest.DefaultEnvironmentID
		// For this session, give the fake's agent the built-in tools under
		// always_ask (so that it asks before running a command) and the
		// runner's custom tools.
		builtIn := managedagents.Tool{
			Type:          managedagents.ToolTypeAgentToolset,
			DefaultConfig: &managedagents.ToolDefaults{PermissionPolicy: &managedagents.PermissionPolicy{Type: managedagents.PolicyAlwaysAsk}},
		}
		agent = managedagents.AgentWithOverrides(managedagentstest.DefaultAgentID, 0, managedagents.AgentOverrides{
			Tools: managedagents.Set(append([]managedagents.Tool{builtIn}, runner.AgentTools()...)),
		})
		// The fake's scripted agent calls a tool for each such line.
		prompt = strings.Join([]string{
			`call: calculator {"op":"mul","a":6,"b":7}`,
			`call: weather {"city":"Lisbon"}`,
			`call: calculator {"op":"div","a":1,"b":0}`,
			`run: ls /tmp`,
			`run: rm -rf /tmp/*`,
		}, "\n")
	} else if os.Getenv("ANTHROPIC_AGENT_ID") == "" || environmentID == "" {
		return errors.New("with ANTHROPIC_API_KEY set, also set ANTHROPIC_AGENT_ID and ANTHROPIC_ENVIRONMENT_ID")
	}

	client, err := managedagents.NewClient(opts...)
	if err != nil {
		return err
	}
	runner.Client = client
	sess, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent: agent, EnvironmentID: environmentID, Title: "custom tools example",
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	defer client.Sessions.Delete(context.WithoutCancel(ctx), sess.ID)
	fmt.Fprintf(out, "session %s\n", sess.ID)
	fmt.Fprintf(out, "user    %s\n", strings.ReplaceAll(prompt, "\n", "\n        "))

	res, err := runner.Run(ctx, sess.ID, managedagents.UserMessage(prompt))
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	fmt.Fprintf(out, "agent   %s\n", strings.ReplaceAll(res.Text, "\n", "\n        "))
	fmt.Fprintf(out, "turn    ended with %s after %d events (%d tokens in, %d out)\n",
		res.StopReason.Type, len(res.Events), res.Usage.InputTokens, res.Usage.OutputTokens)
	return nil
}
