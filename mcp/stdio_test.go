package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// TestStdioSurvivesMalformedLines feeds the stdio transport malformed lines
// between well-formed requests: each bad line gets a JSON-RPC error, and the
// requests around them are all answered.
func TestStdioSurvivesMalformedLines(t *testing.T) {
	fake := managedagentstest.NewServer()
	defer fake.Close()
	client, err := managedagents.NewClient(managedagents.WithBaseURL(fake.URL()), managedagents.WithAPIKey("k"), managedagents.WithoutEnvironment())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(client)
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, NewStdioTransport(inR, outW)); outW.Close() }()

	lines := []string{
		`this is not json`,
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"truncated":`,
		``,
		`{"id":7,"hello":"world"}`,
		`[{"jsonrpc":"2.0","id":8,"method":"tools/list"}]`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"anthropic-list-sessions","arguments":{}}}`,
	}
	go func() {
		for _, l := range lines {
			io.WriteString(inW, l+"\n")
		}
	}()
	type reply struct {
		ID     any             `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	sc := bufio.NewScanner(outR)
	sc.Buffer(nil, 1<<24)
	codes := map[int]int{}
	results := map[string]string{}
	for (results["2"] == "" || results["3"] == "") && sc.Scan() {
		var r reply
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		id, _ := json.Marshal(r.ID)
		if r.Error != nil {
			codes[r.Error.Code]++
			if r.Error.Code == -32600 && string(id) != "7" && string(id) != "null" {
				t.Errorf("invalid request answered with id %s", id)
			}
			continue
		}
		results[string(id)] = string(r.Result)
	}
	if codes[-32700] != 2 || codes[-32600] != 2 {
		t.Errorf("error replies by code = %v, want 2 parse errors and 2 invalid requests", codes)
	}
	if !strings.Contains(results["1"], "serverInfo") || !strings.Contains(results["2"], ToolListSessions) {
		t.Errorf("initialize and tools/list after the bad lines: %v", results)
	}
	if r := results["3"]; r == "" || strings.Contains(r, `"isError":true`) {
		t.Errorf("tools/call after the bad lines: %s", r)
	}
	go io.Copy(io.Discard, outR)
	inW.Close()
	select {
	case err := <-done:
		if err != nil && !strings.Contains(err.Error(), "EOF") {
			t.Errorf("Run: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the server did not stop at the end of its input")
	}
}
