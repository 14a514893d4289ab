package mcp

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// env is an MCP client session connected in memory to NewServer, backed by
// a client of a fake API server.
type env struct {
	fake   *managedagentstest.Server
	client *managedagents.Client
	cs     *sdk.ClientSession

	mu       sync.Mutex
	progress []*sdk.ProgressNotificationParams
}

type envConfig struct {
	server []Option
	fake   []managedagentstest.Option
}

func newEnv(t *testing.T, cfg envConfig) *env {
	t.Helper()
	e := &env{}
	e.fake = managedagentstest.NewServer(cfg.fake...)
	t.Cleanup(e.fake.Close)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	var err error
	e.client, err = managedagents.NewClient(
		managedagents.WithBaseURL(e.fake.URL()),
		managedagents.WithAPIKey("test-key"),
		managedagents.WithoutEnvironment(),
		managedagents.WithHTTPClient(&http.Client{Transport: transport}),
		managedagents.WithMaxRetries(0),
	)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(e.client, cfg.server...)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	ct, st := sdk.NewInMemoryTransports()
	ss, err := srv.Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	c := sdk.NewClient(&sdk.Implementation{Name: "test-client", Version: "v0"}, &sdk.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *sdk.ProgressNotificationClientRequest) {
			e.mu.Lock()
			e.progress = append(e.progress, req.Params)
			e.mu.Unlock()
		},
	})
	e.cs, err = c.Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.cs.Close() })
	return e
}

// waitProgress waits until n progress notifications have arrived (the
// client handles notifications apart from responses, so the last ones may
// come just after the result) and returns them.
func (e *env) waitProgress(t *testing.T, n int) []*sdk.ProgressNotificationParams {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.mu.Lock()
		got := slices.Clone(e.progress)
		e.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// call calls a tool and fails the test on a protocol error.
func (e *env) call(t *testing.T, name string, args any) *sdk.CallToolResult {
	t.Helper()
	// Its own deadline: a wait that never ends fails the test in seconds,
	// not at the wait tool's limit or go test's timeout.
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	res, err := e.cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("CallTool(%s): protocol error %v", name, err)
	}
	return res
}

// callOK calls a tool, fails the test unless it succeeded, and decodes its
// structured content into out (when non-nil).
func (e *env) callOK(t *testing.T, name string, args any, out any) *sdk.CallToolResult {
	t.Helper()
	res := e.call(t, name, args)
	if res.IsError {
		t.Fatalf("%s failed: %s", name, resultText(res))
	}
	if out != nil {
		decodeStructured(t, res, out)
	}
	return res
}

// structuredJSON returns a result's JSON. Every result carries it exactly
// as the server encoded it in its second text content; a successful result
// also as structured content (checked against the output schema), which
// must hold the same JSON. The SDK client decodes StructuredContent into Go
// values, which rounds integers beyond 2^53, so the text is returned. A
// failed result has no structured content: clients would check it against
// the output schema, which describes success.
func structuredJSON(t *testing.T, res *sdk.CallToolResult) []byte {
	t.Helper()
	if len(res.Content) != 2 {
		t.Fatalf("result has %d contents, want a summary and the JSON", len(res.Content))
	}
	tc, ok := res.Content[1].(*sdk.TextContent)
	if !ok || !json.Valid([]byte(tc.Text)) {
		t.Fatalf("the second content is not JSON text: %v", res.Content[1])
	}
	if res.IsError {
		if res.StructuredContent != nil {
			t.Fatalf("a failed result carries structured content %v", res.StructuredContent)
		}
		return []byte(tc.Text)
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	json.Unmarshal(raw, &a)
	json.Unmarshal([]byte(tc.Text), &b)
	if !cmp.Equal(a, b) {
		t.Fatalf("the JSON text content differs from the structured content:\n%s\n%s", tc.Text, raw)
	}
	return []byte(tc.Text)
}

func decodeStructured(t *testing.T, res *sdk.CallToolResult, out any) {
	t.Helper()
	raw := structuredJSON(t, res)
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("decoding structured content %s: %v", raw, err)
	}
}

// resultText joins a result's text contents.
func resultText(res *sdk.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// summary is the first text content: the readable one-liner.
func summary(res *sdk.CallToolResult) string {
	if len(res.Content) == 0 {
		return ""
	}
	if tc, ok := res.Content[0].(*sdk.TextContent); ok {
		return tc.Text
	}
	return ""
}

// jsonValue decodes raw JSON into a generic value, numbers kept exact, so
// that two encodings of the same JSON compare equal.
func jsonValue(t *testing.T, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return v
}

type errorOut struct {
	Error struct {
		Type           string `json:"type"`
		Message        string `json:"message"`
		Fix            string `json:"fix"`
		ErrorCode      string `json:"error_code"`
		RequestID      string `json:"request_id"`
		Status         int    `json:"status"`
		OutcomeUnknown bool   `json:"outcome_unknown"`
	} `json:"error"`
}

type sessionOut struct {
	ID       string            `json:"id"`
	Status   string            `json:"status"`
	Title    *string           `json:"title"`
	Metadata map[string]string `json:"metadata"`
	Agent    struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	} `json:"agent"`
	EnvironmentID string  `json:"environment_id"`
	ArchivedAt    *string `json:"archived_at"`
	Budget        *struct {
		MaxListCost struct {
			Amount string `json:"amount"`
		} `json:"max_list_cost"`
	} `json:"budget"`
}

type waitOut struct {
	SessionID  string `json:"session_id"`
	Outcome    string `json:"outcome"`
	StopReason *struct {
		Type     string   `json:"type"`
		EventIDs []string `json:"event_ids"`
	} `json:"stop_reason"`
	Text   string            `json:"text"`
	Events []json.RawMessage `json:"events"`
	Cursor string            `json:"cursor"`
}

// createArgs are create-session arguments for the fake's default agent.
func createArgs(extra map[string]any) map[string]any {
	args := map[string]any{
		"agent_id":       managedagentstest.DefaultAgentID,
		"environment_id": managedagentstest.DefaultEnvironmentID,
	}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

func userMessage(text string) map[string]any {
	return map[string]any{"type": "user.message", "content": []any{map[string]any{"type": "text", "text": text}}}
}

// eventTypes returns the type of each event.
func eventTypes(t *testing.T, raws []json.RawMessage) []string {
	t.Helper()
	types, _ := eventHeads(t, raws)
	return types
}

// eventIDs returns the id of each event.
func eventIDs(t *testing.T, raws []json.RawMessage) []string {
	t.Helper()
	_, ids := eventHeads(t, raws)
	return ids
}

// eventHeads returns the type and the id of each event.
func eventHeads(t *testing.T, raws []json.RawMessage) (types, ids []string) {
	t.Helper()
	for _, r := range raws {
		var head struct{ Type, ID string }
		if err := json.Unmarshal(r, &head); err != nil {
			t.Fatal(err)
		}
		types, ids = append(types, head.Type), append(ids, head.ID)
	}
	return types, ids
}
