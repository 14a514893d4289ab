package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	managedagents "github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// ---- Part 2: real turns of the scripted agent ----

// conversation drives turns on one session: each turn starts one second
// after the previous one, so created_at bounds can separate them.
type conversation struct {
	t      *testing.T
	e      *env
	id     string
	starts []time.Time                       // when each turn started
	input  int64                             // the session's input tokens after the last finished turn
	sent   managedagentstest.RecordedRequest // the latest send
}

func newConversation(t *testing.T, e *env, agent, environment string) *conversation {
	return &conversation{t: t, e: e, id: newSession(t, e, agent, environment)}
}

// since returns the events of the current turn so far, read with the SDK
// (created_at[gte] = the turn's start).
func (c *conversation) since() []sdkEvent {
	c.t.Helper()
	return sdkHistory(c.t, c.e, c.id, anthropic.BetaSessionEventListParams{CreatedAtGte: anthropic.Time(c.starts[len(c.starts)-1])})
}

// turn sends text as a user.message, waits for the agent to settle and
// returns the turn's events so far.
func (c *conversation) turn(text string) []sdkEvent {
	c.t.Helper()
	c.starts = append(c.starts, c.e.clock.Advance(time.Second))
	echo := send(c.t, c.e, c.id, userText(text))
	waitIdle(c.t, c.e, c.id)
	evs := c.since()
	if len(evs) == 0 || evs[0].ID != echo[0].ID || evs[0].Type != "user.message" {
		c.t.Fatalf("the turn's history %v does not start with the message %s", typesOf(evs), echo[0].ID)
	}
	return evs
}

// answer sends answers to a waiting turn, waits for the agent to settle and
// returns the events the answers produced.
func (c *conversation) answer(events ...anthropic.BetaManagedAgentsEventParamsUnion) []sdkEvent {
	c.t.Helper()
	before := len(c.since())
	echoes := send(c.t, c.e, c.id, events...)
	c.sent = c.e.last(c.t)
	waitIdle(c.t, c.e, c.id)
	evs := c.since()[before:]
	for _, echo := range echoes {
		if !slices.ContainsFunc(evs, func(ev sdkEvent) bool { return ev.ID == echo.ID }) {
			c.t.Errorf("answer %s (%s) is not in the history that followed: %v", echo.ID, echo.Type, idsOf(evs))
		}
	}
	return evs
}

// wantSent compares the body of the latest answer with a JSON literal.
func (c *conversation) wantSent(want string) {
	c.t.Helper()
	if diff := cmp.Diff(jsonValue(c.t, want), bodyOf(c.t, c.sent)); diff != "" {
		c.t.Errorf("send body (-want +got):\n%s", diff)
	}
}

// finish checks the session after a turn: IDs link across the whole
// history, the session is idle and its usage grew. It returns the whole
// history.
func (c *conversation) finish() []sdkEvent {
	c.t.Helper()
	all := sdkHistory(c.t, c.e, c.id, anthropic.BetaSessionEventListParams{})
	checkLinks(c.t, all)
	c.input = checkUsage(c.t, c.e, c.id, all, c.input)
	return all
}

// waitingFor checks that the session is idle, waiting for the given tool
// uses: the last event is a requires_action idle listing them, and the SDK
// reads the session as idle.
func (c *conversation) waitingFor(evs []sdkEvent, ids ...string) {
	c.t.Helper()
	if len(evs) == 0 {
		c.t.Fatal("no events")
	}
	last := evs[len(evs)-1]
	idle := last.AsSessionStatusIdle()
	if last.Type != "session.status_idle" || idle.StopReason.Type != "requires_action" {
		c.t.Fatalf("last event %s %s, want an idle with requires_action", last.Type, last.RawJSON())
	}
	if diff := cmp.Diff(ids, idle.StopReason.AsRequiresAction().EventIDs); diff != "" {
		c.t.Errorf("requires_action event_ids (-want +got):\n%s", diff)
	}
	if idle.JSON.StopDetails.Raw() != "null" {
		c.t.Errorf("stop_details = %s, want null", idle.JSON.StopDetails.Raw())
	}
	s, err := c.e.sdk.Beta.Sessions.Get(context.Background(), c.id, anthropic.BetaSessionGetParams{})
	if err != nil {
		c.t.Fatalf("Get: %v", err)
	}
	if s.Status != anthropic.BetaManagedAgentsSessionStatusIdle {
		c.t.Errorf("status while waiting = %q, want idle", s.Status)
	}
}

// first returns the first event of typ.
func first(t *testing.T, evs []sdkEvent, typ string) sdkEvent {
	t.Helper()
	for _, ev := range evs {
		if ev.Type == typ {
			return ev
		}
	}
	t.Fatalf("no %s among %v", typ, typesOf(evs))
	return sdkEvent{}
}

// lastOf returns the last event of evs.
func lastOf(evs []sdkEvent) sdkEvent {
	if len(evs) == 0 {
		return sdkEvent{}
	}
	return evs[len(evs)-1]
}

// checkEndTurn checks that the turn ended with an end_turn idle and that
// its reply is text.
func checkEndTurn(t *testing.T, evs []sdkEvent, reply string) {
	t.Helper()
	idle := lastOf(evs).AsSessionStatusIdle()
	if lastOf(evs).Type != "session.status_idle" || idle.StopReason.Type != "end_turn" || idle.JSON.StopDetails.Raw() != "null" {
		t.Errorf("the turn ended with %s, want an end_turn idle with stop_details null", lastOf(evs).RawJSON())
	}
	var msg anthropic.BetaManagedAgentsAgentMessageEvent
	for _, ev := range evs {
		if ev.Type == "agent.message" {
			msg = ev.AsAgentMessage()
		}
	}
	if len(msg.Content) != 1 || msg.Content[0].Type != "text" || msg.Content[0].AsText().Text != reply {
		t.Errorf("agent.message = %s, want the text %q", msg.RawJSON(), reply)
	}
}

// The type sequences of the default script's turns, as in the API's
// documented transcripts: a reply, a tool call, a custom tool call, a
// permission ask, a retried error and a refusal.
var (
	replyTypes   = []string{"span.model_request_start", "agent.message", "span.model_request_end", "session.usage", "session.status_idle"}
	turnOpening  = []string{"user.message", "session.status_running", "span.model_request_start", "agent.thinking"}
	plainTurn    = concat(turnOpening, []string{"agent.message", "span.model_request_end", "session.usage", "session.status_idle"})
	waitForTool  = concat(turnOpening, []string{"agent.tool_use", "span.model_request_end", "session.status_idle"})
	waitOnCustom = concat(turnOpening, []string{"agent.custom_tool_use", "span.model_request_end", "session.status_idle"})
)

func concat(parts ...[]string) []string { return slices.Concat(parts...) }

// TestScriptedTurns runs real turns of the fake's default script and reads
// them back with the SDK's history list.
func TestScriptedTurns(t *testing.T) {
	t.Run("message, built-in tool, retried failure, refusal; history paging and filters", func(t *testing.T) {
		e := newEnv(t)
		c := newConversation(t, e, managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID)
		var turns [][]sdkEvent

		evs := c.turn("Hello there")
		wantTypes(t, "plain message", evs, plainTurn...)
		checkEndTurn(t, evs, "Echo: Hello there")
		c.finish()
		turns = append(turns, evs)

		// An allowed built-in call and its result.
		evs = c.turn("run: ls")
		wantTypes(t, "run: ls", evs, concat(turnOpening,
			[]string{"agent.tool_use", "span.model_request_end", "agent.tool_result"}, replyTypes)...)
		use := first(t, evs, "agent.tool_use").AsAgentToolUse()
		if use.Name != "bash" || !cmp.Equal(use.Input, map[string]any{"command": "ls"}) || use.EvaluatedPermission != "allow" {
			t.Errorf("tool use = %s", use.RawJSON())
		}
		if _, ok := use.Evaluation.AsAny().(anthropic.BetaManagedAgentsAgentToolEvaluationAlwaysAllow); !ok {
			t.Errorf("evaluation = %s, want always_allow (the default agent has no tools)", use.JSON.Evaluation.Raw())
		}
		res := first(t, evs, "agent.tool_result").AsAgentToolResult()
		if res.ToolUseID != use.ID || res.IsError || !res.JSON.IsError.Valid() || len(res.Content) != 1 || res.Content[0].AsText().Text != "ran: ls" {
			t.Errorf("tool result = %s, want ran: ls for %s", res.RawJSON(), use.ID)
		}
		checkEndTurn(t, evs, "Tool bash returned: ran: ls")
		c.finish()
		turns = append(turns, evs)

		// A retried model_overloaded_error, then the turn.
		evs = c.turn("fail: model_overloaded_error\nHello again")
		wantTypes(t, "fail: model_overloaded_error", evs, concat(
			[]string{"user.message", "session.status_running", "span.model_request_start", "session.error",
				"span.model_request_end", "session.status_rescheduled", "session.status_running",
				"span.model_request_start", "agent.thinking"},
			plainTurn[4:])...)
		serr := first(t, evs, "session.error").AsSessionError()
		overloaded, ok := serr.Error.AsAny().(anthropic.BetaManagedAgentsModelOverloadedErrorObject)
		if !ok || overloaded.RetryStatus.Type != "retrying" || overloaded.Message == "" {
			t.Errorf("session.error = %s, want model_overloaded_error retrying", serr.RawJSON())
		}
		failed := first(t, evs, "span.model_request_end").AsSpanModelRequestEnd()
		if !failed.IsError || failed.ModelUsage.InputTokens != 0 || failed.ModelUsage.OutputTokens != 0 {
			t.Errorf("failed span end = %s, want is_error true and zero usage", failed.RawJSON())
		}
		checkEndTurn(t, evs, "Echo: Hello again")
		c.finish()
		turns = append(turns, evs)

		// A refusal.
		evs = c.turn("refuse: The request asked for help building malware.")
		wantTypes(t, "refuse:", evs, "user.message", "session.status_running", "span.model_request_start", "agent.thinking",
			"span.model_request_end", "session.usage", "session.status_idle")
		idle := lastOf(evs).AsSessionStatusIdle()
		_, refusal := idle.StopReason.AsAny().(anthropic.BetaManagedAgentsSessionRefusal)
		if !refusal || idle.StopDetails.Type != "refusal" || idle.StopDetails.Category != "general_harms" ||
			idle.StopDetails.Explanation != "The request asked for help building malware." {
			t.Errorf("refusal idle = %s", lastOf(evs).RawJSON())
		}
		all := c.finish()
		turns = append(turns, evs)

		checkHistoryQueries(t, e, c, turns, all)
		checkOursAgree(t, e, c.id, all)
	})

	t.Run("custom tool answered with user.custom_tool_result", func(t *testing.T) {
		e := newEnv(t)
		seedEvents(e)
		c := newConversation(t, e, eventsAgentID, managedagentstest.DefaultEnvironmentID)
		for _, isError := range []bool{false, true} {
			// A custom tool call, the requires_action idle, the result.
			evs := c.turn("call: " + lookupTool + ` {"customer_id":"cus_4471"}`)
			wantTypes(t, "call:", evs, waitOnCustom...)
			use := first(t, evs, "agent.custom_tool_use").AsAgentCustomToolUse()
			if use.Name != lookupTool || !cmp.Equal(use.Input, map[string]any{"customer_id": "cus_4471"}) {
				t.Errorf("custom tool use = %s", use.RawJSON())
			}
			c.waitingFor(evs, use.ID)
			text := `{"customer_id":"cus_4471","plan":"enterprise","open_invoices":2}`
			verb := "returned"
			if isError {
				text, verb = "CRM timeout", "failed"
			}
			evs = c.answer(customResult(use.ID, text, isError))
			wantTypes(t, "after the custom tool result", evs, concat([]string{"user.custom_tool_result", "session.status_running"}, replyTypes)...)
			if r := evs[0].AsUserCustomToolResult(); r.CustomToolUseID != use.ID || r.IsError != isError || !r.JSON.IsError.Valid() ||
				!r.JSON.ProcessedAt.Valid() || len(r.Content) != 1 || r.Content[0].AsText().Text != text {
				t.Errorf("processed custom tool result = %s", evs[0].RawJSON())
			}
			checkEndTurn(t, evs, "Tool "+lookupTool+" "+verb+": "+text)
			c.finish()
		}
		checkOursAgree(t, e, c.id, sdkHistory(t, e, c.id, anthropic.BetaSessionEventListParams{}))
	})

	t.Run("always_ask bash: allow, deny, and a partial answer", func(t *testing.T) {
		e := newEnv(t)
		seedEvents(e)
		c := newConversation(t, e, eventsAgentID, managedagentstest.DefaultEnvironmentID)

		// Allowed after confirmation.
		evs := c.turn("run: git push origin release/4.2")
		wantTypes(t, "ask", evs, waitForTool...)
		use := first(t, evs, "agent.tool_use").AsAgentToolUse()
		if use.EvaluatedPermission != "ask" || use.Evaluation.Type != "always_ask" {
			t.Errorf("tool use = %s, want ask / always_ask", use.RawJSON())
		}
		if _, ok := use.Evaluation.AsAny().(anthropic.BetaManagedAgentsAgentToolEvaluationAlwaysAsk); !ok {
			t.Errorf("evaluation variant %T", use.Evaluation.AsAny())
		}
		c.waitingFor(evs, use.ID)
		evs = c.answer(confirmation(use.ID, true, ""))
		c.wantSent(`{"events": [{"type": "user.tool_confirmation", "tool_use_id": "` + use.ID + `", "result": "allow"}]}`)
		wantTypes(t, "after allow", evs, concat([]string{"user.tool_confirmation", "session.status_running", "agent.tool_result"}, replyTypes)...)
		if r := first(t, evs, "agent.tool_result").AsAgentToolResult(); r.ToolUseID != use.ID || r.IsError {
			t.Errorf("tool result after allow = %s", r.RawJSON())
		}
		checkEndTurn(t, evs, "Tool bash returned: ran: git push origin release/4.2")
		c.finish()

		// Denied with a message: no result for the call.
		evs = c.turn("run: git push --force origin main")
		wantTypes(t, "ask", evs, waitForTool...)
		denied := first(t, evs, "agent.tool_use").AsAgentToolUse()
		c.waitingFor(evs, denied.ID)
		const why = "Force-pushing to main is not allowed. Open a pull request instead."
		evs = c.answer(confirmation(denied.ID, false, why))
		c.wantSent(`{"events": [{"type": "user.tool_confirmation", "tool_use_id": "` + denied.ID + `", "result": "deny", "deny_message": "` + why + `"}]}`)
		wantTypes(t, "after deny", evs, concat([]string{"user.tool_confirmation", "session.status_running"}, replyTypes)...)
		if conf := evs[0].AsUserToolConfirmation(); conf.Result != "deny" || conf.DenyMessage != why || conf.ToolUseID != denied.ID {
			t.Errorf("processed confirmation = %s", evs[0].RawJSON())
		}
		checkEndTurn(t, evs, fmt.Sprintf("I did not run %q because you denied it: %q", "git push --force origin main", why))
		c.finish()

		// Two waiting calls; answering one re-emits the idle with the other,
		// as the API does.
		evs = c.turn("run: make release\ncall: " + lookupTool + ` {"customer_id":"cus_12"}`)
		wantTypes(t, "two calls", evs, concat(turnOpening,
			[]string{"agent.tool_use", "agent.custom_tool_use", "span.model_request_end", "session.status_idle"})...)
		bash, custom := first(t, evs, "agent.tool_use"), first(t, evs, "agent.custom_tool_use")
		c.waitingFor(evs, bash.ID, custom.ID)
		evs = c.answer(customResult(custom.ID, "cus_12: trial plan", false))
		wantTypes(t, "after one of two answers", evs, "user.custom_tool_result", "session.status_idle")
		c.waitingFor(evs, bash.ID)
		evs = c.answer(confirmation(bash.ID, true, ""))
		wantTypes(t, "after both answers", evs, concat([]string{"user.tool_confirmation", "session.status_running", "agent.tool_result"}, replyTypes)...)
		checkEndTurn(t, evs, "Tool bash returned: ran: make release\nTool "+lookupTool+" returned: cus_12: trial plan")
		all := c.finish()
		for _, ev := range all {
			if ev.Type == "agent.tool_result" && ev.AsAgentToolResult().ToolUseID == denied.ID {
				t.Errorf("the denied call %s got a result: %s", denied.ID, ev.RawJSON())
			}
		}
		checkOursAgree(t, e, c.id, all)
	})

	t.Run("self-hosted environment answered with user.tool_result", func(t *testing.T) {
		e := newEnv(t)
		seedEvents(e)
		c := newConversation(t, e, managedagentstest.DefaultAgentID, selfHostedEnvID)
		for _, isError := range []bool{false, true} {
			evs := c.turn("run: ls -la")
			wantTypes(t, "self-hosted run:", evs, waitForTool...)
			use := first(t, evs, "agent.tool_use").AsAgentToolUse()
			if use.EvaluatedPermission != "allow" {
				t.Errorf("self-hosted tool use = %s, want allow", use.RawJSON())
			}
			c.waitingFor(evs, use.ID)
			text := "total 8\ndrwxr-xr-x 2 agent agent 4096 Nov 26 10:15 ."
			verb := "returned"
			if isError {
				text, verb = "ls: cannot open directory: Permission denied", "failed"
			}
			evs = c.answer(anthropic.BetaManagedAgentsEventParamsUnion{OfUserToolResult: &anthropic.BetaManagedAgentsUserToolResultEventParams{
				ToolUseID: use.ID,
				Content: []anthropic.BetaManagedAgentsUserToolResultEventParamsContentUnion{
					{OfText: &anthropic.BetaManagedAgentsTextBlockParam{Text: text}},
					{OfSearchResult: &anthropic.BetaManagedAgentsSearchResultBlockParam{
						Source: "https://example.com/docs/ls", Title: "ls(1)",
						Content:   []anthropic.BetaManagedAgentsSearchResultContentParam{{Text: "list directory contents"}},
						Citations: anthropic.BetaManagedAgentsSearchResultCitationsParam{Enabled: true},
					}},
				},
				IsError: anthropic.Bool(isError),
			}})
			c.wantSent(`{"events": [{"type": "user.tool_result", "tool_use_id": "` + use.ID + `",
			  "content": [{"type": "text", "text": ` + string(mustJSON(t, text)) + `},
			    {"type": "search_result", "source": "https://example.com/docs/ls", "title": "ls(1)",
			     "content": [{"type": "text", "text": "list directory contents"}], "citations": {"enabled": true}}],
			  "is_error": ` + fmt.Sprint(isError) + `}]}`)
			wantTypes(t, "after the tool result", evs, concat([]string{"user.tool_result", "session.status_running"}, replyTypes)...)
			if r := evs[0].AsUserToolResult(); r.ToolUseID != use.ID || r.IsError != isError || len(r.Content) != 2 ||
				r.Content[1].AsSearchResult().Title != "ls(1)" {
				t.Errorf("processed tool result = %s", evs[0].RawJSON())
			}
			checkEndTurn(t, evs, "Tool bash "+verb+": "+text)
			c.finish()
		}
		checkOursAgree(t, e, c.id, sdkHistory(t, e, c.id, anthropic.BetaSessionEventListParams{}))

		// Not on a cloud environment: user.tool_result is only for sessions
		// on self-hosted environments.
		other := newSession(t, e, managedagentstest.DefaultAgentID, managedagentstest.DefaultEnvironmentID)
		_, err := e.sdk.Beta.Sessions.Events.Send(context.Background(), other, anthropic.BetaSessionEventSendParams{
			Events: []anthropic.BetaManagedAgentsEventParamsUnion{{OfUserToolResult: &anthropic.BetaManagedAgentsUserToolResultEventParams{ToolUseID: "sevt_01X"}}},
		})
		checkAPIError(t, e, err, http.StatusBadRequest, anthropic.ErrorTypeInvalidRequestError, "")
	})

	t.Run("bash disabled: denied before any policy", func(t *testing.T) {
		e := newEnv(t)
		const noBash = "agent_01InteropNoBashAgent000000"
		e.srv.AddAgent(managedagentstest.Agent{ID: noBash, Name: "No shell", Tools: json.RawMessage(`[
		  {"type": "agent_toolset_20260401",
		   "default_config": {"enabled": true, "permission_policy": {"type": "always_allow"}},
		   "configs": [{"type": "bash", "name": "bash", "enabled": false, "permission_policy": {"type": "always_allow"}}]}]`)})
		c := newConversation(t, e, noBash, managedagentstest.DefaultEnvironmentID)
		evs := c.turn("run: rm -rf /")
		wantTypes(t, "disabled", evs, concat(turnOpening,
			[]string{"agent.tool_use", "span.model_request_end", "agent.tool_result"}, replyTypes)...)
		use := first(t, evs, "agent.tool_use").AsAgentToolUse()
		if use.EvaluatedPermission != "deny" || use.JSON.Evaluation.Valid() {
			t.Errorf("tool use = %s, want deny without evaluation (refused before any policy applied)", use.RawJSON())
		}
		if r := first(t, evs, "agent.tool_result").AsAgentToolResult(); r.ToolUseID != use.ID || !r.IsError {
			t.Errorf("synthetic result = %s, want is_error true for %s", r.RawJSON(), use.ID)
		}
		checkOursAgree(t, e, c.id, c.finish())
	})

	t.Run("auto policy", func(t *testing.T) {
		e := newEnv(t)
		seed(e)
		c := newConversation(t, e, agentID, managedagentstest.DefaultEnvironmentID)
		evs := c.turn("run: go vet ./...")
		wantTypes(t, "auto", evs, concat(turnOpening,
			[]string{"agent.tool_use", "span.model_request_end", "agent.tool_result"}, replyTypes)...)
		use := first(t, evs, "agent.tool_use").AsAgentToolUse()
		auto, ok := use.Evaluation.AsAny().(anthropic.BetaManagedAgentsAgentToolEvaluationAuto)
		if !ok || use.EvaluatedPermission != "allow" || auto.EvaluatedPermission.Type != "allow" {
			t.Errorf("tool use = %s, want allow by auto {allow}", use.RawJSON())
		}
		checkOursAgree(t, e, c.id, c.finish())
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkHistoryQueries reads the four-turn history of c with the SDK's list
// and auto-pager under every query parameter (limit, page, order, types[]
// and the created_at bounds), and with our client under the same ones.
func checkHistoryQueries(t *testing.T, e *env, c *conversation, turns [][]sdkEvent, all []sdkEvent) {
	t.Helper()
	ctx := context.Background()
	if diff := cmp.Diff(idsOf(slices.Concat(turns...)), idsOf(all)); diff != "" {
		t.Fatalf("the whole history is not the turns in order (-turns +history):\n%s", diff)
	}
	ids := func(evs [][]sdkEvent) []string { return idsOf(slices.Concat(evs...)) }

	t.Run("pages of 5", func(t *testing.T) {
		var got []string
		p := anthropic.BetaSessionEventListParams{Limit: anthropic.Int(5)}
		for n := 0; ; n++ {
			evs, next := sdkPage(t, e, c.id, p)
			if n > 0 && !strings.Contains(e.lastRawQuery(t), "page=") {
				t.Errorf("page %d: no page cursor in %q", n, e.lastRawQuery(t))
			}
			got = append(got, idsOf(evs)...)
			if next == "" {
				if len(evs) == 0 || len(evs) > 5 {
					t.Errorf("last page holds %d events", len(evs))
				}
				break
			}
			if len(evs) != 5 {
				t.Errorf("page %d holds %d events, want 5", n, len(evs))
			}
			p.Page = anthropic.String(next)
		}
		if diff := cmp.Diff(idsOf(all), got); diff != "" {
			t.Errorf("pages of 5 (-all +pages):\n%s", diff)
		}
		// The first page of a short history has next_page null.
		if _, next := sdkPage(t, e, c.id, anthropic.BetaSessionEventListParams{Limit: anthropic.Int(int64(len(all)))}); next != "" {
			t.Errorf("a page holding everything has next_page %q", next)
		}
	})

	cases := []struct {
		name   string
		params anthropic.BetaSessionEventListParams
		ours   managedagents.EventListParams
		query  []string // substrings of the raw query the SDK sent
		want   []string
	}{
		{"auto-pager, limit 3", anthropic.BetaSessionEventListParams{Limit: anthropic.Int(3)},
			managedagents.EventListParams{Limit: 3}, []string{"limit=3"}, idsOf(all)},
		{"order desc", anthropic.BetaSessionEventListParams{Order: anthropic.BetaSessionEventListParamsOrderDesc, Limit: anthropic.Int(4)},
			managedagents.EventListParams{Order: managedagents.OrderDesc, Limit: 4}, []string{"order=desc"}, reversed(idsOf(all))},
		{"types[]", anthropic.BetaSessionEventListParams{Types: []anthropic.BetaManagedAgentsSessionEventType{"agent.tool_use", "agent.tool_result", "session.error"}},
			managedagents.EventListParams{Types: []string{"agent.tool_use", "agent.tool_result", "session.error"}},
			[]string{"types%5B%5D=agent.tool_use", "types%5B%5D=agent.tool_result", "types%5B%5D=session.error"},
			idsOf(filter(all, "agent.tool_use", "agent.tool_result", "session.error"))},
		{"created_at[gte]", anthropic.BetaSessionEventListParams{CreatedAtGte: anthropic.Time(c.starts[2])},
			managedagents.EventListParams{CreatedAtOrAfter: c.starts[2]}, []string{"created_at%5Bgte%5D="}, ids(turns[2:])},
		{"created_at[lt]", anthropic.BetaSessionEventListParams{CreatedAtLt: anthropic.Time(c.starts[2])},
			managedagents.EventListParams{CreatedBefore: c.starts[2]}, []string{"created_at%5Blt%5D="}, ids(turns[:2])},
		{"created_at[gt] and [lte], desc, pages of 2",
			anthropic.BetaSessionEventListParams{CreatedAtGt: anthropic.Time(c.starts[0]), CreatedAtLte: anthropic.Time(c.starts[2]),
				Order: anthropic.BetaSessionEventListParamsOrderDesc, Limit: anthropic.Int(2)},
			managedagents.EventListParams{CreatedAfter: c.starts[0], CreatedAtOrBefore: c.starts[2], Order: managedagents.OrderDesc, Limit: 2},
			[]string{"created_at%5Bgt%5D=", "created_at%5Blte%5D=", "order=desc", "limit=2"}, reversed(ids(turns[1:3]))},
		{"types[] and created_at[gte], desc",
			anthropic.BetaSessionEventListParams{Types: []anthropic.BetaManagedAgentsSessionEventType{"session.status_idle"},
				CreatedAtGte: anthropic.Time(c.starts[1]), Order: anthropic.BetaSessionEventListParamsOrderDesc},
			managedagents.EventListParams{Types: []string{"session.status_idle"}, CreatedAtOrAfter: c.starts[1], Order: managedagents.OrderDesc},
			nil, reversed(idsOf(filter(slices.Concat(turns[1:]...), "session.status_idle")))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := sdkHistory(t, e, c.id, tc.params)
			raw := e.lastRawQuery(t)
			for _, q := range tc.query {
				if !strings.Contains(raw, q) {
					t.Errorf("the SDK's query %q lacks %q", raw, q)
				}
			}
			if len(tc.want) == 0 {
				t.Fatal("the case expects nothing; it proves nothing")
			}
			if diff := cmp.Diff(tc.want, idsOf(got)); diff != "" {
				t.Errorf("SDK (-want +got):\n%s", diff)
			}
			var ours []string
			for ev, err := range e.ours.Events.All(ctx, c.id, tc.ours) {
				if err != nil {
					t.Fatalf("our Events.All: %v", err)
				}
				ours = append(ours, ev.EventID())
			}
			if diff := cmp.Diff(tc.want, ours); diff != "" {
				t.Errorf("our client (-want +got):\n%s", diff)
			}
		})
	}
}

// filter returns the events of the given types, in order.
func filter(evs []sdkEvent, types ...string) []sdkEvent {
	var out []sdkEvent
	for _, ev := range evs {
		if slices.Contains(types, ev.Type) {
			out = append(out, ev)
		}
	}
	return out
}
