package interop

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/pagination"
)

// The main module's fixtures of a Session (idle after a few turns, every
// current field present) and of a sessions list page.
var (
	sessionFixture  = filepath.Join("..", "testdata", "sessions", "session.json")
	listPageFixture = filepath.Join("..", "testdata", "sessions", "list_page.json")
)

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the fixture: %v", err)
	}
	return b
}

// TestCheckWireAcceptsReferenceFixtures makes sure the checker is not
// stricter than the SDK and the documented wire format: the fixtures'
// Session and list page raise no problem.
func TestCheckWireAcceptsReferenceFixtures(t *testing.T) {
	var s anthropic.BetaManagedAgentsSession
	if err := json.Unmarshal(readFixture(t, sessionFixture), &s); err != nil {
		t.Fatalf("the SDK cannot decode the session fixture: %v", err)
	}
	if p := wireProblems(&s); len(p) > 0 {
		t.Errorf("session fixture: %q", p)
	}
	var page pagination.BidirectionalPageCursor[anthropic.BetaManagedAgentsSession]
	if err := json.Unmarshal(readFixture(t, listPageFixture), &page); err != nil {
		t.Fatalf("the SDK cannot decode the list page fixture: %v", err)
	}
	if p := wireProblems(&page); len(p) > 0 {
		t.Errorf("list page fixture: %q", p)
	}
}

// TestCheckWireCatchesDefects breaks the session fixture in the ways a fake
// could, and checks that the checker reports each one even where the SDK
// itself decodes without an error.
func TestCheckWireCatchesDefects(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(m map[string]any)
		want   string
	}{
		{"required member absent", func(m map[string]any) { delete(m, "archived_at") }, "$.archived_at: required field is absent"},
		{"nested required member absent", func(m map[string]any) { delete(agent(m), "tools") }, "$.agent.tools: required field is absent"},
		{"invented member", func(m map[string]any) { m["bogus"] = true }, "$: fields unknown to the SDK: [bogus]"},
		{"invented member in a union variant", func(m map[string]any) { resource(m, 1)["token"] = "x" }, "$.resources[1]: fields unknown to the SDK: [token]"},
		{"number as a string", func(m map[string]any) { agent(m)["version"] = "7" }, "$.agent.version: want a number"},
		{"string as a number", func(m map[string]any) { m["title"] = 5 }, "$.title: want a JSON string"},
		{"fractional integer", func(m map[string]any) { m["usage"].(map[string]any)["input_tokens"] = 1.5 }, "$.usage.input_tokens: want an integer"},
		{"unparsable time", func(m map[string]any) { m["created_at"] = "yesterday" }, "$.created_at"},
		{"time not in UTC", func(m map[string]any) { m["updated_at"] = "2026-11-26T11:47:11.502+01:00" }, "$.updated_at: want a UTC date-time"},
		{"wrong constant", func(m map[string]any) { m["type"] = "sesion" }, `$.type: constant is "sesion"`},
		{"unknown union variant", func(m map[string]any) { resource(m, 0)["type"] = "floppy" }, "$.resources[0]: the SDK knows no variant"},
		{"object as an array", func(m map[string]any) { m["metadata"] = []any{} }, "$.metadata"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(readFixture(t, sessionFixture), &m); err != nil {
				t.Fatal(err)
			}
			tc.mutate(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			var s anthropic.BetaManagedAgentsSession
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatalf("the SDK fails outright (the checker is not needed for this one): %v", err)
			}
			problems := wireProblems(&s)
			for _, p := range problems {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("no problem mentions %q; got %q", tc.want, problems)
		})
	}
}

func agent(m map[string]any) map[string]any { return m["agent"].(map[string]any) }

func resource(m map[string]any, i int) map[string]any {
	return m["resources"].([]any)[i].(map[string]any)
}

// TestLoopbackGuard checks that the clients' transport refuses any host but
// the fake (192.0.2.1 is TEST-NET-1: nothing is dialled).
func TestLoopbackGuard(t *testing.T) {
	e := newEnv(t)
	c := e.newSDK(apiKey, option.WithBaseURL("http://192.0.2.1"))
	_, err := c.Beta.Sessions.Get(context.Background(), "sesn_01X", anthropic.BetaSessionGetParams{})
	if err == nil || !strings.Contains(err.Error(), "refusing a request to 192.0.2.1") {
		t.Errorf("err = %v, want the guard's refusal", err)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("the fake saw %d requests", n)
	}
}
