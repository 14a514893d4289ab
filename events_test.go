package managedagents

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testSession = "sesn_01uJqyNu7X49rEympmSxudQ5tS"

// TestSendFixtures replays the recorded send exchanges under testdata/send
// (a user message, a custom tool result, a denied tool): the body sent
// must equal the recorded request, and the echoes must
// decode to the recorded events with their server IDs.
func TestSendFixtures(t *testing.T) {
	customResult := `{"customer_id":"cus_4471","plan":"enterprise","open_invoices":2}`
	tests := []struct {
		name    string
		events  []EventParam
		fixture string
		wantIDs []string
	}{
		{"message with system message", []EventParam{
			UserMessage("How many Go test files are in the repository?"),
			SystemMessage("Answer in one sentence."),
		}, "message", []string{"sevt_01i71qHFE8q6mqc5fV215DEag1", "sevt_01PTNMk6xANTnZJkSvrd2X5MGM"}},
		{"custom tool result", []EventParam{
			CustomToolResultParam{CustomToolUseID: "sevt_01pnCoKSkjQWbW7FE4N1fdEfE0", Content: []ContentBlock{TextBlock(customResult)}, IsError: false},
		}, "custom_tool_result", []string{"sevt_01cw05rxFATZYDyS3AR0RGttXJ"}},
		{"deny", []EventParam{
			DenyTool("sevt_01DmixGaZGx35iVwH20Ns8iGAq", "Force-pushing to main is not allowed. Open a pull request instead."),
		}, "deny", []string{"sevt_01CvXPKvtyEE1kCSNHy4sHPjaS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, fileStep(t, "send/"+tt.fixture+".response.json"))
			c := newTestClient(t, srv.URL)
			echoes, err := c.Events.Send(testContext(t), testSession, tt.events...)
			if err != nil {
				t.Fatal(err)
			}
			req := srv.requests()[0]
			if req.Method != "POST" || req.Path != "/v1/sessions/"+testSession+"/events" {
				t.Errorf("sent %s %s", req.Method, req.Path)
			}
			want := readFixture(t, "send/"+tt.fixture+".request.json")
			if !equivalentIgnoringFalse(t, req.Body, want) {
				t.Errorf("body = %s\nwant %s", req.Body, want)
			}
			var ids []string
			for _, e := range echoes {
				ids = append(ids, e.EventID())
				if _, processed := e.EventProcessedAt(); processed {
					t.Errorf("echo %s is marked processed; it is queued", e.EventID())
				}
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("echo IDs (-want +got):\n%s", diff)
			}
		})
	}
}

// equivalentIgnoringFalse compares JSON, treating an "is_error": false the
// fixture sends and the client omits as the same (false is the default).
func equivalentIgnoringFalse(t *testing.T, got, want []byte) bool {
	t.Helper()
	var w any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	var strip func(v any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["is_error"] == false {
				delete(x, "is_error")
			}
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(w)
	wb, _ := json.Marshal(w)
	return jsonEqual(t, got, wb)
}

func TestSendEchoTypes(t *testing.T) {
	srv := newScriptServer(t, fileStep(t, "send/custom_tool_result.response.json"))
	c := newTestClient(t, srv.URL)
	echoes, err := c.Events.Send(testContext(t), testSession, CustomToolResult("sevt_01pnCoKSkjQWbW7FE4N1fdEfE0", TextBlock("x")))
	if err != nil {
		t.Fatal(err)
	}
	res, ok := echoes[0].(*UserCustomToolResultEvent)
	if !ok {
		t.Fatalf("echo is %T, want *UserCustomToolResultEvent", echoes[0])
	}
	if res.CustomToolUseID != "sevt_01pnCoKSkjQWbW7FE4N1fdEfE0" || JoinText(res.Content) == "" {
		t.Errorf("echo = %+v", res)
	}
}

func TestCreateWithInitialEvents(t *testing.T) {
	srv := newScriptServer(t, fileStep(t, "sessions/session.json"))
	c := newTestClient(t, srv.URL)
	p := fixtureCreateParams
	p.InitialEvents = []EventParam{UserMessage("Summarise what changed on main since the 4.1 tag.")}
	if _, err := c.Sessions.Create(testContext(t), p); err != nil {
		t.Fatal(err)
	}
	if want := readFixture(t, "sessions/create_initial_events.request.json"); !jsonEqual(t, srv.requests()[0].Body, want) {
		t.Errorf("body = %s\nwant %s", srv.requests()[0].Body, want)
	}
}

func TestEventsInvalidParams(t *testing.T) {
	srv := newScriptServer(t)
	c := newTestClient(t, srv.URL)
	ctx := testContext(t)
	many := make([]EventParam, 51)
	for i := range many {
		many[i] = UserMessage("hi")
	}
	calls := map[string]func() error{
		"send nothing":       func() error { _, err := c.Events.Send(ctx, testSession); return err },
		"send to empty ID":   func() error { _, err := c.Events.Send(ctx, "", UserMessage("hi")); return err },
		"send empty message": func() error { _, err := c.Events.Send(ctx, testSession, UserMessage("")); return err },
		"send a nil event":   func() error { _, err := c.Events.Send(ctx, testSession, nil); return err },
		"send 51 events":     func() error { _, err := c.Events.Send(ctx, testSession, many...); return err },
		"system message first": func() error {
			_, err := c.Events.Send(ctx, testSession, SystemMessage("a"), UserMessage("b"))
			return err
		},
		"deny message on allow": func() error {
			_, err := c.Events.Send(ctx, testSession, ToolConfirmationParam{ToolUseID: "sevt_1", Result: PermissionAllow, DenyMessage: "no"})
			return err
		},
		"initial interrupt": func() error {
			_, err := c.Sessions.Create(ctx, SessionCreateParams{Agent: AgentByID("a"), EnvironmentID: "e", InitialEvents: []EventParam{Interrupt()}})
			return err
		},
		"list with negative limit": func() error { _, err := c.Events.List(ctx, testSession, EventListParams{Limit: -1}); return err },
		"list with empty type": func() error {
			_, err := c.Events.List(ctx, testSession, EventListParams{Types: []string{""}})
			return err
		},
		"list empty ID": func() error { _, err := c.Events.List(ctx, "", EventListParams{}); return err },
	}
	checkRefusedBeforeSending(t, srv, calls)
}

// TestSendRetries: send follows the create rules.
func TestSendRetries(t *testing.T) {
	t.Run("not re-sent after 500", func(t *testing.T) {
		srv := newScriptServer(t, errorStep(500), fileStep(t, "send/message.response.json"))
		c := newTestClient(t, srv.URL, WithRetryWait(time.Millisecond, time.Millisecond))
		_, err := c.Events.Send(testContext(t), testSession, UserMessage("hi"))
		if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrInternal) || srv.count() != 1 {
			t.Fatalf("err = %v after %d requests; want ErrOutcomeUnknown after 1", err, srv.count())
		}
	})
	t.Run("retried after 429", func(t *testing.T) {
		srv := newScriptServer(t, errorStep(429, "retry-after", "0"), fileStep(t, "send/message.response.json"))
		c := newTestClient(t, srv.URL)
		if _, err := c.Events.Send(testContext(t), testSession, UserMessage("hi")); err != nil || srv.count() != 2 {
			t.Fatalf("err = %v after %d requests; want success after 2", err, srv.count())
		}
	})
	t.Run("409 archived", func(t *testing.T) {
		body := readFixture(t, "errors/409.json")
		srv := newScriptServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(409)
			w.Write(body)
		})
		c := newTestClient(t, srv.URL)
		_, err := c.Events.Send(testContext(t), testSession, UserMessage("hi"))
		if !errors.Is(err, ErrConflict) || errors.Is(err, ErrOutcomeUnknown) || srv.count() != 1 {
			t.Fatalf("err = %v after %d requests; want a plain ErrConflict", err, srv.count())
		}
	})
}

func TestEventsListAndAll(t *testing.T) {
	t.Run("history page fixture", func(t *testing.T) {
		srv := newScriptServer(t, fileStep(t, "send/history_page.json"))
		c := newTestClient(t, srv.URL)
		after := time.Date(2026, 11, 26, 10, 15, 0, 0, time.UTC)
		page, err := c.Events.List(testContext(t), testSession, EventListParams{Limit: 3, Order: OrderAsc, CreatedAtOrAfter: after})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := url.ParseQuery(srv.requests()[0].RawQuery)
		if diff := cmp.Diff(url.Values{"limit": {"3"}, "order": {"asc"}, "created_at[gte]": {"2026-11-26T10:15:00Z"}}, q); diff != "" {
			t.Errorf("query (-want +got):\n%s", diff)
		}
		var types []string
		for _, e := range page.Data {
			types = append(types, e.EventType())
		}
		if diff := cmp.Diff([]string{EventUserMessage, EventSystemMessage, EventSessionStatusRunning}, types); diff != "" {
			t.Errorf("types (-want +got):\n%s", diff)
		}
		if page.NextPage != "cGFnZTphc2M6c2V2dF8wMWRDb2puY1RFV2ZIdXkwcnVBblZOSDlEcg" {
			t.Errorf("NextPage = %q", page.NextPage)
		}
	})
	t.Run("all pages, types filter kept, unknown types delivered", func(t *testing.T) {
		p1 := `{"data":[{"type":"agent.message","id":"sevt_1","content":[{"type":"text","text":"a"}],"processed_at":"2026-11-26T10:15:06.512Z"}],"next_page":"c1"}`
		p2 := `{"data":[{"type":"session.checkpoint_created","id":"sevt_2","processed_at":"2026-11-26T10:36:00.250Z"}],"next_page":null}`
		srv := newScriptServer(t, jsonStep(p1), jsonStep(p2))
		c := newTestClient(t, srv.URL)
		var got []string
		for e, err := range c.Events.All(testContext(t), testSession, EventListParams{Types: []string{EventAgentMessage, "session.checkpoint_created"}}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, e.EventID()+" "+e.EventType())
			if e.EventID() == "sevt_2" {
				if _, ok := e.(*UnknownEvent); !ok {
					t.Errorf("unknown type decoded as %T", e)
				}
			}
		}
		if diff := cmp.Diff([]string{"sevt_1 agent.message", "sevt_2 session.checkpoint_created"}, got); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		for _, r := range srv.requests() {
			if q, _ := url.ParseQuery(r.RawQuery); len(q["types[]"]) != 2 {
				t.Errorf("types[] lost on a later page: %s", r.RawQuery)
			}
		}
	})
	t.Run("a broken event is a DecodeError with its raw bytes", func(t *testing.T) {
		srv := newScriptServer(t, jsonStep(`{"data":[{"type":"agent.message","id":"sevt_1","content":"not blocks"}],"next_page":null}`))
		c := newTestClient(t, srv.URL)
		_, err := c.Events.List(testContext(t), testSession, EventListParams{})
		var de *DecodeError
		if !errors.As(err, &de) || de.EventType != EventAgentMessage || len(de.Raw) == 0 {
			t.Fatalf("err = %#v, want a DecodeError naming agent.message", err)
		}
		if de.StatusCode != 200 {
			t.Errorf("StatusCode = %d, want 200", de.StatusCode)
		}
	})
	t.Run("errors", func(t *testing.T) {
		srv := newScriptServer(t, errorStep(404), errorStep(404))
		c := newTestClient(t, srv.URL)
		if _, err := c.Events.List(testContext(t), testSession, EventListParams{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("List: %v", err)
		}
		for _, err := range c.Events.All(context.Background(), testSession, EventListParams{}) {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("All: %v", err)
			}
		}
	})
}
