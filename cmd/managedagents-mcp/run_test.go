package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"

	"github.com/managedagents/managedagents-go/managedagentstest"
	"github.com/managedagents/managedagents-go/mcp"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"0"}}}`

// lockedBuffer is a bytes.Buffer safe for the logger and the test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// command is run in the background on a free loopback port.
type command struct {
	url    string // http://127.0.0.1:port/mcp
	stderr *lockedBuffer
	cancel context.CancelFunc
	done   chan error
}

// start runs the command with args (and -addr 127.0.0.1:0) and waits until
// it listens.
func start(t *testing.T, args ...string) *command {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &command{stderr: &lockedBuffer{}, cancel: cancel, done: make(chan error, 1)}
	addr := make(chan net.Addr, 1)
	r := runner{stdin: strings.NewReader(""), stdout: io.Discard, stderr: c.stderr, listening: func(a net.Addr) { addr <- a }}
	go func() { c.done <- r.run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...)) }()
	select {
	case a := <-addr:
		c.url = "http://" + a.String() + mcpPath
	case err := <-c.done:
		cancel()
		t.Fatalf("run ended before listening: %v\n%s", err, c.stderr)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("run did not listen")
	}
	t.Cleanup(func() { c.stop(t) })
	return c
}

// stop cancels the command's context and checks that it ends cleanly and
// promptly.
func (c *command) stop(t *testing.T) {
	t.Helper()
	if c.cancel == nil {
		return
	}
	c.cancel()
	c.cancel = nil
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("run: %v\n%s", err, c.stderr)
		}
	case <-time.After(shutdownTimeout):
		t.Errorf("run did not stop\n%s", c.stderr)
	}
}

// post sends a raw JSON-RPC initialize with the given headers.
func post(t *testing.T, url, body string, header map[string]string, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if host != "" {
		req.Host = host
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// connect opens an SDK client session over Streamable HTTP.
func connect(t *testing.T, url, token string) (*sdk.ClientSession, error) {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	var rt http.RoundTripper = tr
	if token != "" {
		rt = bearer{token, tr}
	}
	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "0"}, nil)
	return c.Connect(t.Context(), &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: rt}, MaxRetries: -1}, nil)
}

type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// TestFake serves the fake over HTTP, talks to it with the SDK client, and
// shuts down on cancel while the client is still connected.
func TestFake(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	c := start(t, "-fake")
	if code, body := post(t, c.url, initializeBody, nil, ""); code != 200 || !strings.Contains(body, `"serverInfo"`) {
		t.Fatalf("initialize: %d %s", code, body)
	}
	cs, err := connect(t, c.url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil || len(tools.Tools) != 15 {
		t.Fatalf("tools/list: %v, %d tools", err, len(tools.Tools))
	}
	// With -fake, the fake's agent and environment are the defaults: a
	// create naming neither works, and the description says so.
	for _, tool := range tools.Tools {
		if tool.Name == mcp.ToolCreateSession && !strings.Contains(tool.Description, managedagentstest.DefaultAgentID) {
			t.Errorf("create description does not name the default agent: %s", tool.Description)
		}
	}
	res, err := cs.CallTool(t.Context(), &sdk.CallToolParams{Name: mcp.ToolCreateSession, Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("create: %v %+v", err, res)
	}
	var sess struct {
		ID    string
		Agent struct{ ID string }
	}
	raw, _ := json.Marshal(res.StructuredContent)
	json.Unmarshal(raw, &sess)
	if sess.Agent.ID != managedagentstest.DefaultAgentID {
		t.Errorf("created %s", raw)
	}
	waitCtx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	res, err = cs.CallTool(waitCtx, &sdk.CallToolParams{Name: mcp.ToolWaitForSession, Arguments: map[string]any{
		"session_id": sess.ID,
		"events":     []any{map[string]any{"type": "user.message", "content": "over HTTP"}},
	}})
	if err != nil || res.IsError || !strings.Contains(res.Content[0].(*sdk.TextContent).Text, "Agent: Echo: over HTTP") {
		t.Fatalf("wait: %v %+v", err, res)
	}
	// Stop with the client connected (its standalone SSE stream open).
	start := time.Now()
	c.stop(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	logs := c.stderr.String()
	for _, want := range []string{"serving the embedded fake API", "serving MCP over Streamable HTTP", "shutting down", "stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

func TestHardening(t *testing.T) {
	const token = "test-token-0123456789"
	t.Setenv("ANTHROPIC_API_KEY", "")
	t.Setenv(tokenEnv, token)
	c := start(t, "-fake", "-max-request-bytes", "4096")
	big := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 8192) + `"}}`
	for _, tc := range []struct {
		name   string
		header map[string]string
		host   string
		body   string
		want   int
	}{
		{"no token", nil, "", initializeBody, 401},
		{"wrong token", map[string]string{"Authorization": "Bearer wrong"}, "", initializeBody, 401},
		{"token", map[string]string{"Authorization": "Bearer " + token}, "", initializeBody, 200},
		{"foreign origin", map[string]string{"Authorization": "Bearer " + token, "Origin": "http://evil.example"}, "", initializeBody, 403},
		{"loopback origin", map[string]string{"Authorization": "Bearer " + token, "Origin": "http://localhost:3000"}, "", initializeBody, 200},
		{"foreign host", map[string]string{"Authorization": "Bearer " + token}, "evil.example", initializeBody, 403},
		{"rebinding host with port", map[string]string{"Authorization": "Bearer " + token}, "attacker.example:9090", initializeBody, 403},
		{"localhost host", map[string]string{"Authorization": "Bearer " + token}, "localhost:9090", initializeBody, 200},
		{"oversized body", map[string]string{"Authorization": "Bearer " + token}, "", big, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, c.url, tc.body, tc.header, tc.host)
			if code != tc.want {
				t.Errorf("status = %d, want %d: %s", code, tc.want, body)
			}
		})
	}
	// The SDK client with and without the token.
	if cs, err := connect(t, c.url, ""); err == nil {
		cs.Close()
		t.Error("connected without the token")
	}
	cs, err := connect(t, c.url, token)
	if err != nil {
		t.Fatalf("connect with the token: %v", err)
	}
	if _, err := cs.ListTools(t.Context(), nil); err != nil {
		t.Error(err)
	}
	cs.Close()
	c.stop(t)
	if logs := c.stderr.String(); strings.Contains(logs, token) {
		t.Errorf("the logs hold the token:\n%s", logs)
	}
	if logs := c.stderr.String(); !strings.Contains(logs, "request refused") {
		t.Errorf("refusals are not logged:\n%s", logs)
	}
}

func TestOptions(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	c := start(t, "-fake", "-read-only", "-tool-prefix", "demo-")
	cs, err := connect(t, c.url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
		if !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s is not read-only", tool.Name)
		}
	}
	if len(names) != 8 || !strings.HasPrefix(names[0], "demo-anthropic-") {
		t.Errorf("tools = %v", names)
	}
}

// TestRefusals checks the set-ups run refuses, before listening.
func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		key   string
		want  string
		usage bool
	}{
		{"beyond loopback without a token", []string{"-fake", "-addr", "0.0.0.0:0"}, "", "refusing to listen on 0.0.0.0:0, beyond loopback, without a bearer token", true},
		{"all interfaces without a token", []string{"-fake", "-addr", ":0"}, "", "without a bearer token", true},
		{"no key and no -fake", []string{"-addr", "127.0.0.1:0"}, "", "ANTHROPIC_API_KEY is not set: set it to use the Claude Managed Agents API, or pass -fake", true},
		{"bad address", []string{"-fake", "-addr", "nonsense"}, "", "-addr", true},
		{"extra arguments", []string{"-fake", "extra"}, "", "unexpected arguments: extra", true},
		{"bad log level", []string{"-fake", "-log-level", "loud"}, "", "-log-level", true},
		{"bad prefix", []string{"-fake", "-addr", "127.0.0.1:0", "-tool-prefix", "a b"}, "", "ToolPrefix", true},
		{"bad origin", []string{"-fake", "-addr", "127.0.0.1:0", "-allowed-origins", "evil"}, "", "HTTPAllowedOrigins", true},
		{"bad limit", []string{"-fake", "-max-request-bytes", "0"}, "", "-max-request-bytes", true},
		{"unknown flag", []string{"-nope"}, "", "flag provided but not defined", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("ANTHROPIC_API_KEY", tc.key)
			t.Setenv(tokenEnv, "")
			stderr := &lockedBuffer{}
			listened := false
			r := runner{stdin: strings.NewReader(""), stdout: io.Discard, stderr: stderr, listening: func(net.Addr) { listened = true }}
			err := r.run(t.Context(), tc.args)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tc.want) {
				t.Fatalf("err = %v (stderr %q), want %q", err, stderr, tc.want)
			}
			var u usageError
			if errors.As(err, &u) != tc.usage {
				t.Errorf("usage error = %v, want %v", errors.As(err, &u), tc.usage)
			}
			if listened {
				t.Error("it listened")
			}
		})
	}
	// A token makes a non-loopback address acceptable (tested on loopback
	// via an explicit token to avoid listening beyond it).
	t.Setenv("ANTHROPIC_API_KEY", "")
	c := start(t, "-fake", "-token", "tok")
	if code, _ := post(t, c.url, initializeBody, nil, ""); code != 401 {
		t.Errorf("without the -token token: %d", code)
	}
	if code, _ := post(t, c.url, initializeBody, map[string]string{"Authorization": "Bearer tok"}, ""); code != 200 {
		t.Errorf("with the -token token: %d", code)
	}
}

// TestStdio serves over pipes: initialize, a malformed line, tools/list,
// then EOF ends run.
func TestStdio(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- runner{stdin: inR, stdout: outW, stderr: stderr}.run(t.Context(), []string{"-stdio", "-fake", "-no-destructive"})
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	lines.Buffer(nil, 1<<20)
	send := func(msg string) {
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() map[string]any {
		if !lines.Scan() {
			t.Fatalf("no response: %v\n%s", lines.Err(), stderr)
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", lines.Bytes(), err)
		}
		return m
	}
	send(initializeBody)
	if m := recv(); m["result"] == nil {
		t.Fatalf("initialize: %v", m)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	// A malformed line gets a parse error, and the server goes on.
	send(`{"jsonrpc":"2.0","id":9,"method":`)
	if m := recv(); m["error"] == nil || m["error"].(map[string]any)["code"] != float64(-32700) {
		t.Fatalf("malformed line: %v", m)
	}
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	m := recv()
	tools := m["result"].(map[string]any)["tools"].([]any)
	if len(tools) != 11 {
		t.Errorf("%d tools with -no-destructive, want 11", len(tools))
	}
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v\n%s", err, stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not end at EOF")
	}
	io.Copy(io.Discard, outR)
	if !strings.Contains(stderr.String(), "serving MCP over stdio") {
		t.Errorf("stderr = %s", stderr)
	}
}

// TestDefaultsFromFlagsAndEnvironment checks where the default agent and
// environment come from: the flags, else the quickstart's variables, and
// with -fake the fake's own (the variables name agents of the real API).
func TestDefaultsFromFlagsAndEnvironment(t *testing.T) {
	t.Setenv(agentEnv, "agent_env")
	t.Setenv(environmentEnv, "env_env")
	for _, tc := range []struct {
		args               []string
		agent, environment string
	}{
		{nil, "agent_env", "env_env"},
		{[]string{"-agent", "agent_flag"}, "agent_flag", "env_env"},
		{[]string{"-fake"}, managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID},
		{[]string{"-fake", "-environment", "env_flag"}, managedagentstest.DefaultAgentID, "env_flag"},
	} {
		o, err := parseFlags(tc.args, io.Discard)
		if err != nil || o.agent != tc.agent || o.environment != tc.environment {
			t.Errorf("%v: agent %q, environment %q, %v; want %q, %q", tc.args, o.agent, o.environment, err, tc.agent, tc.environment)
		}
	}
	for _, bad := range []string{"0s", "1500ms", "-3s"} {
		if _, err := parseFlags([]string{"-max-wait", bad}, io.Discard); err == nil {
			t.Errorf("-max-wait %s accepted", bad)
		}
	}
}
