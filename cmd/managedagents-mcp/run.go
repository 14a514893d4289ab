package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
	"github.com/managedagents/managedagents-go/mcp"
)

const (
	// mcpPath is where the MCP endpoint is served.
	mcpPath = "/mcp"
	// tokenEnv holds the bearer token when -token is not given.
	tokenEnv = "MANAGEDAGENTS_MCP_TOKEN"
	// agentEnv and environmentEnv hold the default agent and environment
	// when -agent and -environment are not given (as in the quickstart).
	agentEnv       = "ANTHROPIC_AGENT_ID"
	environmentEnv = "ANTHROPIC_ENVIRONMENT_ID"

	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 10 * time.Second
)

// usageError is a bad command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// options are the parsed flags.
type options struct {
	addr           string
	stdio          bool
	readOnly       bool
	noDestructive  bool
	fake           bool
	token          string
	allowedHosts   string
	allowedOrigins string
	toolPrefix     string
	maxBytes       int64
	logLevel       string
	agent          string
	environment    string
	stateless      bool
	maxWait        time.Duration
	fakeStepDelay  time.Duration
	fakeRequestLog int
}

// runner holds what run needs from its surroundings; tests fill in stdin
// and the listening hook.
type runner struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// listening, when set, is called with the address once the HTTP
	// listener is up.
	listening func(addr net.Addr)
}

// run is the whole command: it parses args, serves until ctx ends or (with
// -stdio) stdin closes, and shuts down. It returns nil after a clean
// shutdown.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runner{stdin: os.Stdin, stdout: stdout, stderr: stderr}.run(ctx, args)
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("managedagents-mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9090", "listen `address` for Streamable HTTP (endpoint path "+mcpPath+")")
	fs.BoolVar(&o.stdio, "stdio", false, "serve over stdin/stdout instead of HTTP (logs go to stderr)")
	fs.BoolVar(&o.readOnly, "read-only", false, "register only the tools that change nothing (list, get, list events, threads, list resources, wait without sending)")
	fs.BoolVar(&o.noDestructive, "no-destructive", false, "leave out the destructive tools (delete, archive, update, remove resource)")
	fs.BoolVar(&o.fake, "fake", false, "serve the embedded fake API (managedagentstest) instead of the real one; no API key needed")
	fs.StringVar(&o.token, "token", "", "bearer `token` clients must send (default $"+tokenEnv+"); required beyond loopback")
	fs.StringVar(&o.allowedHosts, "allowed-hosts", "", "comma-separated Host names to accept (default: 127.0.0.1, localhost and ::1 on a loopback address, any otherwise)")
	fs.StringVar(&o.allowedOrigins, "allowed-origins", "", "comma-separated browser origins to accept, like https://app.example.com (default: loopback origins on a loopback address, none otherwise)")
	fs.StringVar(&o.toolPrefix, "tool-prefix", "", "`prefix` for every tool name (letters, digits, - and _)")
	fs.Int64Var(&o.maxBytes, "max-request-bytes", mcp.DefaultMaxRequestBytes, "largest request body accepted, in `bytes`")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.agent, "agent", "", "default agent `ID` for anthropic-create-session (default $"+agentEnv+"; with -fake, the fake's agent)")
	fs.StringVar(&o.environment, "environment", "", "default environment `ID` for anthropic-create-session (default $"+environmentEnv+"; with -fake, the fake's environment)")
	fs.BoolVar(&o.stateless, "stateless", false, "serve HTTP without MCP sessions, so that several replicas behind one load balancer can serve the same client")
	fs.DurationVar(&o.maxWait, "max-wait", mcp.MaxWaitTimeout, "the longest one anthropic-wait-for-session call waits, in whole seconds; keep it under your clients' request timeout (60s for TypeScript-SDK clients)")
	fs.DurationVar(&o.fakeStepDelay, "fake-step-delay", 0, "with -fake: how long the fake agent takes per event (to try long turns)")
	fs.IntVar(&o.fakeRequestLog, "fake-request-log", 1000, "with -fake: how many recent requests the fake keeps in memory")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: managedagents-mcp [flags]\n\n"+
			"Serves the Claude Managed Agents Sessions API as MCP tools over Streamable HTTP\n"+
			"(http://127.0.0.1:9090%s by default) or stdio. Needs ANTHROPIC_API_KEY, or -fake.\n\nFlags:\n", mcpPath)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Sprintf("unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	}
	if o.token == "" {
		o.token = strings.TrimSpace(os.Getenv(tokenEnv))
	}
	if o.maxBytes <= 0 {
		return o, usageError{"-max-request-bytes must be positive"}
	}
	if o.maxWait < time.Second || o.maxWait%time.Second != 0 {
		return o, usageError{fmt.Sprintf("-max-wait %v: want whole seconds, at least 1s", o.maxWait)}
	}
	if o.fake {
		// The fake knows only its own agent and environment; variables
		// meant for the real API would name neither.
		if o.agent == "" {
			o.agent = managedagentstest.DefaultAgentID
		}
		if o.environment == "" {
			o.environment = managedagentstest.DefaultEnvironmentID
		}
	} else {
		if o.agent == "" {
			o.agent = strings.TrimSpace(os.Getenv(agentEnv))
		}
		if o.environment == "" {
			o.environment = strings.TrimSpace(os.Getenv(environmentEnv))
		}
	}
	return o, nil
}

func (r runner) run(ctx context.Context, args []string) error {
	o, err := parseFlags(args, r.stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return usageError{fmt.Sprintf("-log-level %q: want debug, info, warn or error", o.logLevel)}
	}
	logger := slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: level}))

	// Refuse unsafe or impossible set-ups before starting anything.
	loopback := mcp.IsLoopbackAddr(o.addr)
	if !o.stdio {
		if _, _, err := net.SplitHostPort(o.addr); err != nil {
			return usageError{fmt.Sprintf("-addr %q: %v", o.addr, err)}
		}
		if !loopback && o.token == "" {
			return usageError{fmt.Sprintf("refusing to listen on %s, beyond loopback, without a bearer token: "+
				"set %s (or pass -token), or listen on 127.0.0.1", o.addr, tokenEnv)}
		}
	}
	httpOpts := httpOptions(o, loopback, logger)
	if !o.fake && strings.TrimSpace(os.Getenv("ANTHROPIC_API_KEY")) == "" {
		return usageError{"ANTHROPIC_API_KEY is not set: set it to use the Claude Managed Agents API, " +
			"or pass -fake to serve the embedded fake API (no key needed)"}
	}

	// The API client, against the fake when asked.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	clientOpts := []managedagents.Option{
		managedagents.WithHTTPClient(&http.Client{Transport: transport}),
		managedagents.WithUserAgent("managedagents-mcp/" + managedagents.Version),
	}
	api := "the Claude Managed Agents API"
	if o.fake {
		fake := managedagentstest.NewServer(managedagentstest.WithStepDelay(o.fakeStepDelay),
			managedagentstest.WithRequestLog(o.fakeRequestLog))
		defer fake.Close()
		clientOpts = append(clientOpts, managedagents.WithBaseURL(fake.URL()), managedagents.WithAPIKey("fake-key"), managedagents.WithoutEnvironment())
		api = "the embedded fake API at " + fake.URL()
		logger.Info("serving the embedded fake API", "url", fake.URL(),
			"agent_id", managedagentstest.DefaultAgentID, "environment_id", managedagentstest.DefaultEnvironmentID)
	}
	client, err := managedagents.NewClient(clientOpts...)
	if err != nil {
		return err
	}

	serverOpts := []mcp.Option{mcp.WithBaseContext(ctx), mcp.WithWaitLimits(min(mcp.DefaultWaitTimeout, o.maxWait), o.maxWait)}
	if o.agent != "" {
		serverOpts = append(serverOpts, mcp.WithDefaultAgent(o.agent))
	}
	if o.environment != "" {
		serverOpts = append(serverOpts, mcp.WithDefaultEnvironment(o.environment))
	}
	if level <= slog.LevelDebug {
		serverOpts = append(serverOpts, mcp.WithLogger(logger))
	}
	if o.readOnly {
		serverOpts = append(serverOpts, mcp.ReadOnly())
	}
	if o.noDestructive {
		serverOpts = append(serverOpts, mcp.NoDestructive())
	}
	if o.toolPrefix != "" {
		serverOpts = append(serverOpts, mcp.ToolPrefix(o.toolPrefix))
	}
	server, err := mcp.NewServer(client, serverOpts...)
	if err != nil {
		return usageError{err.Error()}
	}

	if o.stdio {
		return r.serveStdio(ctx, server, logger, api)
	}
	handler, err := mcp.NewHTTPHandler(server, httpOpts...)
	if err != nil {
		return usageError{err.Error()}
	}
	return r.serveHTTP(ctx, o, server, handler, logger, api)
}

// httpOptions turns the flags into the handler's checks.
func httpOptions(o options, loopback bool, logger *slog.Logger) []mcp.HTTPOption {
	opts := []mcp.HTTPOption{mcp.HTTPMaxRequestBytes(o.maxBytes), mcp.HTTPLogger(logger)}
	if o.stateless {
		opts = append(opts, mcp.HTTPStateless())
	}
	if o.token != "" {
		opts = append(opts, mcp.HTTPBearerToken(o.token))
	}
	if loopback {
		opts = append(opts, mcp.HTTPLoopbackOnly())
	}
	if hosts := splitList(o.allowedHosts); len(hosts) > 0 {
		opts = append(opts, mcp.HTTPAllowedHosts(hosts...))
	}
	if origins := splitList(o.allowedOrigins); len(origins) > 0 {
		opts = append(opts, mcp.HTTPAllowedOrigins(origins...))
	}
	return opts
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// serveHTTP listens, serves until ctx ends, and shuts down gracefully.
func (r runner) serveHTTP(ctx context.Context, o options, server *sdk.Server, handler http.Handler, logger *slog.Logger, api string) error {
	mux := http.NewServeMux()
	mux.Handle(mcpPath, handler)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not found: the MCP endpoint is "+mcpPath, http.StatusNotFound)
	})
	logged := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		logger.Debug("request", "method", req.Method, "path", req.URL.Path, "remote", req.RemoteAddr)
		mux.ServeHTTP(w, req)
	})
	srv := &http.Server{
		Handler:           logged,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", o.addr)
	if err != nil {
		return err
	}
	auth := "none (loopback only)"
	if o.token != "" {
		auth = "bearer token"
	}
	logger.Info("serving MCP over Streamable HTTP", "url", "http://"+ln.Addr().String()+mcpPath, "api", api,
		"auth", auth, "read_only", o.readOnly, "no_destructive", o.noDestructive, "stateless", o.stateless,
		"default_agent", o.agent, "default_environment", o.environment)
	if r.listening != nil {
		r.listening(ln.Addr())
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}

	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// Tool calls in flight end with ctx (WithBaseContext). Closing the MCP
	// sessions ends their open event streams, which Shutdown would
	// otherwise wait for.
	var wg sync.WaitGroup
	for ss := range server.Sessions() {
		wg.Add(1)
		go func() { defer wg.Done(); ss.Close() }()
	}
	err = srv.Shutdown(shutdownCtx)
	wg.Wait()
	if err != nil {
		logger.Warn("graceful shutdown timed out; closing connections", "error", err)
		srv.Close()
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// serveStdio serves one MCP session over stdin and stdout until either
// side ends it. A malformed input line is answered with a JSON-RPC error
// and the session goes on.
func (r runner) serveStdio(ctx context.Context, server *sdk.Server, logger *slog.Logger, api string) error {
	transport := mcp.NewStdioTransport(r.stdin, r.stdout)
	logger.Info("serving MCP over stdio", "api", api)
	err := server.Run(ctx, transport)
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.Is(err, context.Canceled), errors.Is(err, sdk.ErrConnectionClosed):
		logger.Info("stopped")
		return nil
	}
	return err
}
