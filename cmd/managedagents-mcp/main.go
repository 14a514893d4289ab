// Command managedagents-mcp serves the Claude Managed Agents Sessions API as
// MCP tools, over Streamable HTTP (http://127.0.0.1:9090/mcp by default) or
// stdio.
//
//	go run ./cmd/managedagents-mcp -fake          # the embedded fake API, no key needed
//	ANTHROPIC_API_KEY=sk-ant-… managedagents-mcp  # the real API
//	managedagents-mcp -stdio                      # for clients that start the server
//
// A bearer token (-token or MANAGEDAGENTS_MCP_TOKEN) is required to listen
// beyond loopback. Run with -h for every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "managedagents-mcp:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "managedagents-mcp:", err)
		os.Exit(1)
	}
}
