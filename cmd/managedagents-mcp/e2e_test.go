package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// e2eRequiredEnv, set to 1 (as CI does), makes TestTypeScriptClient fail
// rather than skip when Node or the e2e modules are missing.
const e2eRequiredEnv = "MANAGEDAGENTS_E2E_REQUIRED"

// e2eServerFlags make the fake's turn outlast several waits: about 0.4 s
// per event (some 3 s a turn) against waits of 1 s.
var e2eServerFlags = []string{"-fake", "-fake-step-delay", "400ms", "-max-wait", "1s"}

// TestTypeScriptClient runs e2e/flow.mjs, the official TypeScript MCP SDK
// client with its default settings, against the built command over
// Streamable HTTP (stateful and stateless) and over stdio: list tools,
// create with the defaults, send, wait across several calls with the
// cursor, list events, threads and resources, delete. It needs Node and
// `npm ci` in e2e; without them it skips, unless MANAGEDAGENTS_E2E_REQUIRED=1.
func TestTypeScriptClient(t *testing.T) {
	node, bin := e2eSetup(t)
	for _, tc := range []struct {
		name  string
		flags []string
		stdio bool
	}{
		{"http", nil, false},
		{"http stateless", []string{"-stateless"}, false},
		{"stdio", []string{"-stdio"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			got := runFlow(t, ctx, node, bin, append(append([]string{}, e2eServerFlags...), tc.flags...), tc.stdio)
			if got.WaitCalls < 2 {
				t.Errorf("the wait took %d calls, want 2 or more", got.WaitCalls)
			}
		})
	}
}

// e2eLongEnv, set to 1, runs TestTypeScriptClientLongTurn, which takes
// more than three minutes; CI runs it beside its other steps.
const e2eLongEnv = "MANAGEDAGENTS_E2E_LONG"

// TestTypeScriptClientLongTurn follows a turn of more than three minutes to
// its end with the TypeScript client on its default settings (a 60 s
// request timeout that progress notifications do not reset) and the
// server's own wait limits: every wait call must return in time, and the
// events over all of them must be the history exactly.
func TestTypeScriptClientLongTurn(t *testing.T) {
	if os.Getenv(e2eLongEnv) != "1" {
		t.Skip("takes more than three minutes; set " + e2eLongEnv + "=1")
	}
	node, bin := e2eSetup(t)
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	start := time.Now()
	// 31 s between the fake's events: eight events make a turn of more than
	// three minutes, and no single wait of the default 25 s sees two.
	got := runFlow(t, ctx, node, bin, []string{"-fake", "-fake-step-delay", "31s"}, false)
	took := time.Since(start)
	t.Logf("a %v turn followed in %d wait calls", took.Round(time.Second), got.WaitCalls)
	if took < 3*time.Minute || got.WaitCalls < 6 {
		t.Errorf("the turn took %v over %d wait calls, want more than 3 minutes and 6 calls", took, got.WaitCalls)
	}
}

// e2eSetup finds node and the e2e modules (skipping, or failing when
// MANAGEDAGENTS_E2E_REQUIRED=1, without them) and builds the command.
func e2eSetup(t *testing.T) (node, bin string) {
	t.Helper()
	node, err := exec.LookPath("node")
	modules := filepath.Join("e2e", "node_modules", "@modelcontextprotocol", "sdk", "package.json")
	if _, statErr := os.Stat(modules); err != nil || statErr != nil {
		msg := "needs node on PATH and `npm ci` in cmd/managedagents-mcp/e2e (the TypeScript MCP SDK client)"
		if os.Getenv(e2eRequiredEnv) == "1" {
			t.Fatalf("%s; node: %v, modules: %v", msg, err, statErr)
		}
		t.Skip(msg)
	}
	bin = filepath.Join(t.TempDir(), "managedagents-mcp")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Setenv("ANTHROPIC_API_KEY", "")
	return node, bin
}

// flowResult is what e2e/flow.mjs prints when it is done.
type flowResult struct {
	OK        bool `json:"ok"`
	Tools     int  `json:"tools"`
	WaitCalls int  `json:"wait_calls"`
	Events    int  `json:"events"`
}

// runFlow runs e2e/flow.mjs against the command started with flags (over
// stdio, or over HTTP on a free loopback port) and checks the flow's
// result: ok, every tool listed, the turn's 8 events.
func runFlow(t *testing.T, ctx context.Context, node, bin string, flags []string, stdio bool) flowResult {
	t.Helper()
	var args []string
	if stdio {
		args = append([]string{"flow.mjs", "stdio", bin}, flags...)
	} else {
		args = []string{"flow.mjs", "http", startServer(t, ctx, bin, flags)}
	}
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = "e2e"
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node flow.mjs: %v\n%s\n%s", err, out, stderr)
	}
	var got flowResult
	if err := json.Unmarshal(out, &got); err != nil || !got.OK || got.Tools != 15 || got.Events != 8 {
		t.Errorf("flow result %s (%v): want ok, 15 tools, 8 events", out, err)
	}
	return got
}

// startServer starts the built command on a free loopback port and
// returns its MCP endpoint URL.
func startServer(t *testing.T, ctx context.Context, bin string, flags []string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-addr", "127.0.0.1:0"}, flags...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	urlRE := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+/mcp)`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), "Streamable HTTP") {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-ctx.Done():
		t.Fatal("the server did not report its address")
		return ""
	}
}
