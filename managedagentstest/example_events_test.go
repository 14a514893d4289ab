package managedagentstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/managedagents/managedagents-go/managedagentstest"
)

// post sends a JSON body with the headers the fake requires.
func post(srv *managedagentstest.Server, path, body string) []byte {
	req, _ := http.NewRequest("POST", srv.URL()+path, strings.NewReader(body))
	req.Header.Set("x-api-key", "any-key")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("anthropic-beta", managedagentstest.BetaHeader)
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	return raw
}

// A test sends a message, waits for the scripted agent to settle and reads
// what it did. The replaced script wraps DefaultScript and adds an event
// type no client knows yet.
func ExampleWithScript() {
	srv := managedagentstest.NewServer(managedagentstest.WithScript(func(ctx context.Context, t *managedagentstest.Turn) error {
		if t.Text() == "checkpoint" {
			_, err := t.Emit("session.checkpoint_created", map[string]any{"checkpoint": map[string]any{"label": "x"}})
			return err
		}
		return managedagentstest.DefaultScript(ctx, t)
	}))
	defer srv.Close()

	var s struct{ ID string }
	_ = json.Unmarshal(post(srv, "/v1/sessions", `{"agent":"`+managedagentstest.DefaultAgentID+`","environment_id":"`+managedagentstest.DefaultEnvironmentID+`"}`), &s)
	for _, text := range []string{"hello", "checkpoint"} {
		post(srv, "/v1/sessions/"+s.ID+"/events", `{"events":[{"type":"user.message","content":[{"type":"text","text":"`+text+`"}]}]}`)
		if err := srv.WaitIdle(context.Background(), s.ID); err != nil {
			panic(err)
		}
	}
	events, _ := srv.SessionEvents(s.ID)
	for _, raw := range events {
		var ev struct {
			Type    string
			Content []struct{ Text string }
		}
		_ = json.Unmarshal(raw, &ev)
		if ev.Type == "agent.message" {
			fmt.Println(ev.Type, ev.Content[0].Text)
		} else {
			fmt.Println(ev.Type)
		}
	}
	// Output:
	// user.message
	// session.status_running
	// span.model_request_start
	// agent.thinking
	// agent.message Echo: hello
	// span.model_request_end
	// session.usage
	// session.status_idle
	// user.message
	// session.status_running
	// session.checkpoint_created
	// session.status_idle
}
