// mcp-client starts the MCP server of this library in-process, on a free
// loopback port, against the embedded fake API (no key needed), and drives
// it with the official MCP Go SDK's client over Streamable HTTP: it lists
// the tools, creates a session, sends a message, waits for the agent's
// reply and prints it, and deletes the session.
//
//	go run ./examples/mcp-client
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
	"github.com/managedagents/managedagents-go/mcp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mcp-client:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	// The API: the embedded fake server.
	fake := managedagentstest.NewServer()
	defer fake.Close()
	apiTransport := http.DefaultTransport.(*http.Transport).Clone()
	defer apiTransport.CloseIdleConnections()
	client, err := managedagents.NewClient(
		managedagents.WithBaseURL(fake.URL()),
		managedagents.WithAPIKey("fake-key"),
		managedagents.WithoutEnvironment(),
		managedagents.WithHTTPClient(&http.Client{Transport: apiTransport}),
	)
	if err != nil {
		return err
	}

	// The MCP server, over Streamable HTTP on 127.0.0.1, behind a bearer
	// token and the loopback Host/Origin checks.
	server, err := mcp.NewServer(client, mcp.WithBaseContext(ctx))
	if err != nil {
		return err
	}
	token := rand.Text()
	handler, err := mcp.NewHTTPHandler(server, mcp.HTTPLoopbackOnly(), mcp.HTTPBearerToken(token))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", handler)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	httpServer := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go httpServer.Serve(ln)
	defer func() {
		for ss := range server.Sessions() {
			ss.Close()
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if httpServer.Shutdown(shutdownCtx) != nil {
			httpServer.Close()
		}
	}()
	endpoint := "http://" + ln.Addr().String() + "/mcp"
	fmt.Fprintf(out, "MCP server at %s, over the embedded fake API at %s\n", endpoint, fake.URL())

	// The MCP client: the official SDK over Streamable HTTP, sending the
	// token on every request.
	mcpTransport := &http.Transport{}
	defer mcpTransport.CloseIdleConnections()
	mcpClient := sdk.NewClient(&sdk.Implementation{Name: "mcp-client-example", Version: "0.1.0"}, nil)
	cs, err := mcpClient.Connect(ctx, &sdk.StreamableClientTransport{
		Endpoint:   endpoint,
		HTTPClient: &http.Client{Transport: bearerTransport{token: token, base: mcpTransport}},
	}, nil)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer cs.Close()

	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		return err
	}
	for _, t := range tools.Tools {
		fmt.Fprintf(out, "tool     %-30s %s\n", t.Name, hints(t.Annotations))
	}

	var sess struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := call(ctx, cs, mcp.ToolCreateSession, map[string]any{
		"agent_id":       managedagentstest.DefaultAgentID,
		"environment_id": managedagentstest.DefaultEnvironmentID,
		"title":          "mcp-client example",
	}, &sess); err != nil {
		return err
	}
	fmt.Fprintf(out, "created  %s (%s)\n", sess.ID, sess.Status)
	defer func() {
		if err := call(context.WithoutCancel(ctx), cs, mcp.ToolDeleteSession, map[string]any{"session_id": sess.ID}, nil); err != nil {
			fmt.Fprintln(out, "cleanup:", err)
			return
		}
		fmt.Fprintf(out, "deleted  %s\n", sess.ID)
	}()

	var sent struct {
		Events []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"events"`
	}
	if err := call(ctx, cs, mcp.ToolSendSessionEvents, map[string]any{
		"session_id": sess.ID,
		"events": []any{map[string]any{
			"type":    "user.message",
			"content": []any{map[string]any{"type": "text", "text": "Hello from an MCP client!"}},
		}},
	}, &sent); err != nil {
		return err
	}
	ids := make([]string, 0, len(sent.Events))
	for _, e := range sent.Events {
		fmt.Fprintf(out, "sent     %s %s\n", e.Type, e.ID)
		ids = append(ids, e.ID)
	}

	var turn struct {
		Outcome    string `json:"outcome"`
		StopReason *struct {
			Type string `json:"type"`
		} `json:"stop_reason"`
		Text   string            `json:"text"`
		Events []json.RawMessage `json:"events"`
		Cursor string            `json:"cursor"`
	}
	// One wait call lasts at most 50 s; a longer turn returns outcome
	// running and a cursor to go on with.
	args := map[string]any{"session_id": sess.ID, "after_event_ids": ids}
	for {
		if err := call(ctx, cs, mcp.ToolWaitForSession, args, &turn); err != nil {
			return err
		}
		if turn.Outcome != "running" {
			break
		}
		args = map[string]any{"session_id": sess.ID, "cursor": turn.Cursor}
	}
	if turn.Outcome != "turn_ended" || turn.StopReason == nil {
		return fmt.Errorf("the turn did not end: outcome %s", turn.Outcome)
	}
	fmt.Fprintf(out, "reply    %s (%s, %d events)\n", turn.Text, turn.StopReason.Type, len(turn.Events))
	return nil
}

// call calls a tool and decodes its structured content into out; a tool
// error becomes an error.
func call(ctx context.Context, cs *sdk.ClientSession, name string, args, out any) error {
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if res.IsError {
		var texts []string
		for _, c := range res.Content {
			if t, ok := c.(*sdk.TextContent); ok {
				texts = append(texts, t.Text)
			}
		}
		return fmt.Errorf("%s: %s", name, strings.Join(texts, " "))
	}
	if out == nil {
		return nil
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: decoding the result: %w", name, err)
	}
	return nil
}

// hints renders a tool's annotations.
func hints(a *sdk.ToolAnnotations) string {
	if a == nil {
		return ""
	}
	var h []string
	if a.ReadOnlyHint {
		h = append(h, "read-only")
	}
	if a.DestructiveHint != nil && *a.DestructiveHint {
		h = append(h, "destructive")
	}
	if a.IdempotentHint {
		h = append(h, "idempotent")
	}
	if len(h) == 0 {
		return "[creates or sends]"
	}
	return "[" + strings.Join(h, ", ") + "]"
}

// bearerTransport adds the bearer token to every request.
type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.base == nil {
		return nil, errors.New("no transport")
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}
