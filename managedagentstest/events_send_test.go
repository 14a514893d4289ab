package managedagentstest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var eventIDRE = regexp.MustCompile(`^sevt_01[0-9A-Za-z]{24}$`)

func text(s string) map[string]any { return map[string]any{"type": "text", "text": s} }

func TestSendValidation(t *testing.T) {
	srv := newTestServer(t, WithScript(holdScript))
	srv.AddEnvironment("env_selfhosted", true)
	srv.AddFile("file_01rubric")
	id := newSessionID(t, srv, nil)
	hosted := newSessionID(t, srv, map[string]any{"environment_id": "env_selfhosted"})

	msg := msgEvent("hi")
	withContent := func(typ string, blocks ...any) map[string]any {
		if blocks == nil {
			blocks = []any{}
		}
		return map[string]any{"type": typ, "content": blocks}
	}
	conf := func(kv ...any) map[string]any {
		m := map[string]any{"type": "user.tool_confirmation"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	img := func(src map[string]any) map[string]any { return map[string]any{"type": "image", "source": src} }
	doc := func(src map[string]any) map[string]any { return map[string]any{"type": "document", "source": src} }
	many := func(n int, ev any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = ev
		}
		return out
	}
	sys := withContent("system.message", text("be brief"))

	tests := []struct {
		name    string
		session string // default: id
		body    any
		inMsg   string // the message must contain this (the path, usually)
	}{
		{name: "body not an object", body: `[]`, inMsg: "request body"},
		{name: "unknown member", body: map[string]any{"events": []any{msg}, "extra": 1}, inMsg: `"extra"`},
		{name: "no events", body: map[string]any{}, inMsg: "events: field is required"},
		{name: "events null", body: `{"events":null}`, inMsg: "events: field is required"},
		{name: "events not an array", body: map[string]any{"events": msg}, inMsg: "events: expected an array"},
		{name: "events empty", body: map[string]any{"events": []any{}}, inMsg: "events: must not be empty"},
		{name: "51 events", body: map[string]any{"events": many(51, msg)}, inMsg: "the limit is 50"},
		{name: "event not an object", body: map[string]any{"events": []any{msg, "x"}}, inMsg: "events[1]: expected an object"},
		{name: "no type", body: map[string]any{"events": []any{map[string]any{"content": []any{text("x")}}}}, inMsg: "events[0].type: field is required"},
		{name: "unknown type", body: map[string]any{"events": []any{msg, map[string]any{"type": "user.foo"}}}, inMsg: `events[1].type: unknown event type "user.foo"`},
		{name: "obsolete interrupt", body: map[string]any{"events": []any{map[string]any{"type": "interrupt"}}}, inMsg: `events[0].type: unknown event type "interrupt"`},
		{name: "thread id on message", body: map[string]any{"events": []any{map[string]any{"type": "user.message", "content": []any{text("x")}, "session_thread_id": "sthr_1"}}}, inMsg: "events[0].session_thread_id"},
		{name: "thread id on confirmation", body: map[string]any{"events": []any{conf("tool_use_id", "sevt_1", "result", "allow", "session_thread_id", "sthr_1")}}, inMsg: "events[0].session_thread_id"},

		{name: "message without content", body: map[string]any{"events": []any{msg, map[string]any{"type": "user.message"}}}, inMsg: "events[1].content: field is required"},
		{name: "message content empty", body: map[string]any{"events": []any{withContent("user.message")}}, inMsg: "events[0].content: must not be empty"},
		{name: "message content not array", body: map[string]any{"events": []any{map[string]any{"type": "user.message", "content": "hi"}}}, inMsg: "events[0].content: expected an array"},
		{name: "message extra field", body: map[string]any{"events": []any{map[string]any{"type": "user.message", "content": []any{text("x")}, "role": "user"}}}, inMsg: `events[0]: unknown field "role"`},
		{name: "block unknown type", body: map[string]any{"events": []any{withContent("user.message", map[string]any{"type": "video"})}}, inMsg: `events[0].content[0].type: unknown content block type "video"`},
		{name: "search_result in message", body: map[string]any{"events": []any{withContent("user.message", text("a"), map[string]any{"type": "search_result"})}}, inMsg: "events[0].content[1].type: search_result blocks are not allowed here"},
		{name: "text without text", body: map[string]any{"events": []any{withContent("user.message", map[string]any{"type": "text"})}}, inMsg: "events[0].content[0].text: field is required"},
		{name: "text not a string", body: map[string]any{"events": []any{withContent("user.message", map[string]any{"type": "text", "text": 5})}}, inMsg: "events[0].content[0].text: expected a string"},
		{name: "image without source", body: map[string]any{"events": []any{withContent("user.message", map[string]any{"type": "image"})}}, inMsg: "events[0].content[0].source: field is required"},
		{name: "image unknown source", body: map[string]any{"events": []any{withContent("user.message", img(map[string]any{"type": "s3"}))}}, inMsg: `events[0].content[0].source.type: unknown source type "s3"`},
		{name: "image text source", body: map[string]any{"events": []any{withContent("user.message", img(map[string]any{"type": "text", "media_type": "text/plain", "data": "x"}))}}, inMsg: `events[0].content[0].source.type: unknown source type "text"`},
		{name: "image bad media type", body: map[string]any{"events": []any{withContent("user.message", img(map[string]any{"type": "base64", "media_type": "image/bmp", "data": "x"}))}}, inMsg: "events[0].content[0].source.media_type"},
		{name: "image base64 without data", body: map[string]any{"events": []any{withContent("user.message", img(map[string]any{"type": "base64", "media_type": "image/png"}))}}, inMsg: "events[0].content[0].source.data: field is required"},
		{name: "image url without url", body: map[string]any{"events": []any{withContent("user.message", img(map[string]any{"type": "url"}))}}, inMsg: "events[0].content[0].source.url: field is required"},
		{name: "image file without id", body: map[string]any{"events": []any{withContent("user.message", img(map[string]any{"type": "file"}))}}, inMsg: "events[0].content[0].source.file_id: field is required"},
		{name: "document text source wrong media", body: map[string]any{"events": []any{withContent("user.message", doc(map[string]any{"type": "text", "media_type": "application/pdf", "data": "x"}))}}, inMsg: "events[0].content[0].source.media_type"},
		{name: "document title not a string", body: map[string]any{"events": []any{withContent("user.message", map[string]any{"type": "document", "title": 1, "source": map[string]any{"type": "url", "url": "https://x"}})}}, inMsg: "events[0].content[0].title: expected a string"},
		{name: "redacted with members", body: map[string]any{"events": []any{withContent("user.message", map[string]any{"type": "redacted", "data": "x"})}}, inMsg: `events[0].content[0]: unknown field "data"`},

		{name: "interrupt empty thread", body: map[string]any{"events": []any{map[string]any{"type": "user.interrupt", "session_thread_id": ""}}}, inMsg: "events[0].session_thread_id: must not be empty"},
		{name: "interrupt extra field", body: map[string]any{"events": []any{map[string]any{"type": "user.interrupt", "reason": "x"}}}, inMsg: `events[0]: unknown field "reason"`},

		{name: "confirmation without tool_use_id", body: map[string]any{"events": []any{conf("result", "allow")}}, inMsg: "events[0].tool_use_id: field is required"},
		{name: "confirmation without result", body: map[string]any{"events": []any{conf("tool_use_id", "sevt_1")}}, inMsg: "events[0].result: field is required"},
		{name: "confirmation bad result", body: map[string]any{"events": []any{conf("tool_use_id", "sevt_1", "result", "maybe")}}, inMsg: `events[0].result: unknown value "maybe"`},
		{name: "deny_message with allow", body: map[string]any{"events": []any{conf("tool_use_id", "sevt_1", "result", "allow", "deny_message", "no")}}, inMsg: "events[0].deny_message: only allowed when result is \"deny\""},
		{name: "deny_message not a string", body: map[string]any{"events": []any{conf("tool_use_id", "sevt_1", "result", "deny", "deny_message", 3)}}, inMsg: "events[0].deny_message: expected a string"},

		{name: "custom result without id", body: map[string]any{"events": []any{map[string]any{"type": "user.custom_tool_result", "content": []any{text("x")}}}}, inMsg: "events[0].custom_tool_use_id: field is required"},
		{name: "custom result obsolete shape", body: map[string]any{"events": []any{map[string]any{"type": "user.custom_tool_result", "tool_use_id": "sevt_1", "result": "x"}}}, inMsg: `events[0]: unknown field "result"`},
		{name: "custom result redacted block", body: map[string]any{"events": []any{map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": "sevt_1", "content": []any{map[string]any{"type": "redacted"}}}}}, inMsg: "events[0].content[0].type: redacted blocks are not allowed here"},
		{name: "custom result is_error not bool", body: map[string]any{"events": []any{map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": "sevt_1", "is_error": "yes"}}}, inMsg: "events[0].is_error: expected a boolean"},
		{name: "search_result without title", body: map[string]any{"events": []any{map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": "sevt_1", "content": []any{map[string]any{"type": "search_result", "source": "https://x", "content": []any{text("y")}}}}}}, inMsg: "events[0].content[0].title: field is required"},
		{name: "search_result empty content", body: map[string]any{"events": []any{map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": "sevt_1", "content": []any{map[string]any{"type": "search_result", "source": "https://x", "title": "t", "content": []any{}}}}}}, inMsg: "events[0].content[0].content: must not be empty"},

		{name: "tool_result on a cloud environment", body: map[string]any{"events": []any{map[string]any{"type": "user.tool_result", "tool_use_id": "sevt_1"}}}, inMsg: "events[0].type: user.tool_result is only accepted for sessions on self_hosted environments"},
		{name: "tool_result without id (self-hosted)", session: hosted, body: map[string]any{"events": []any{map[string]any{"type": "user.tool_result", "content": []any{text("x")}}}}, inMsg: "events[0].tool_use_id: field is required"},

		{name: "outcome without rubric", body: map[string]any{"events": []any{map[string]any{"type": "user.define_outcome", "description": "d"}}}, inMsg: "events[0].rubric: field is required"},
		{name: "outcome max_iterations", body: map[string]any{"events": []any{map[string]any{"type": "user.define_outcome", "description": "d", "rubric": map[string]any{"type": "text", "content": "c"}, "max_iterations": 0}}}, inMsg: "events[0].max_iterations"},

		{name: "two system messages", body: map[string]any{"events": []any{msg, sys, sys}}, inMsg: "events[2]: at most one system.message per request"},
		{name: "system message not last", body: map[string]any{"events": []any{msg, sys, msg}}, inMsg: "events[1]: a system.message must be the last event"},
		{name: "system message alone", body: map[string]any{"events": []any{sys}}, inMsg: "events[0]: a system.message must immediately follow"},
		{name: "system message after interrupt", body: map[string]any{"events": []any{map[string]any{"type": "user.interrupt"}, sys}}, inMsg: "events[1]: a system.message must immediately follow"},
		{name: "system message empty", body: map[string]any{"events": []any{msg, withContent("system.message")}}, inMsg: "events[1].content: must not be empty"},
		{name: "system message image", body: map[string]any{"events": []any{msg, withContent("system.message", img(map[string]any{"type": "url", "url": "https://x"}))}}, inMsg: "events[1].content[0].type: image blocks are not allowed here"},
		{name: "system message 1001 blocks", body: map[string]any{"events": []any{msg, withContent("system.message", many(1001, text("x"))...)}}, inMsg: "events[1].content: 1001 blocks; the limit is 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sid := id
			if tt.session != "" {
				sid = tt.session
			}
			e := do(t, srv, "POST", "/v1/sessions/"+sid+"/events", tt.body).apiErr(t, 400, "invalid_request_error")
			if msg, _ := e["message"].(string); !strings.Contains(msg, tt.inMsg) {
				t.Errorf("message %q does not contain %q", msg, tt.inMsg)
			}
		})
	}
	// Nothing of a rejected send was queued or logged.
	if evs, _ := srv.SessionEvents(id); len(evs) != 0 {
		t.Errorf("rejected sends left events: %s", evs)
	}
}

func TestSendSystemMessageWhileRequiresAction(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, map[string]any{"agent": toolAgent(srv, "agent_c", "", "lookup")})
	sendOK(t, srv, id, msgEvent("call: lookup"))
	waitIdle(t, srv, id)
	use := ofType(logEvents(t, srv, id), "agent.custom_tool_use")[0]
	e := sendEvents(t, srv, id,
		map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": use["id"]},
		map[string]any{"type": "system.message", "content": []any{text("x")}},
	).apiErr(t, 400, "invalid_request_error")
	if !strings.Contains(e["message"].(string), "events[1]: a system.message cannot be sent while session "+id+" is idle with stop_reason requires_action") {
		t.Errorf("message = %v", e["message"])
	}
	// The answer alone is fine; afterwards system messages are accepted again.
	sendOK(t, srv, id, map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": use["id"]})
	waitIdle(t, srv, id)
	sendOK(t, srv, id, msgEvent("again"), map[string]any{"type": "system.message", "content": []any{text("x")}})
}

func TestSendSessionStates(t *testing.T) {
	srv := newTestServer(t)
	msg := msgEvent("hi")

	e := sendEvents(t, srv, "sesn_01missing", msg).apiErr(t, 404, "not_found_error")
	if e["message"] != "Session sesn_01missing not found." {
		t.Errorf("unknown: message %v", e["message"])
	}

	deleted := newSessionID(t, srv, nil)
	do(t, srv, "DELETE", "/v1/sessions/"+deleted, nil).ok(t)
	sendEvents(t, srv, deleted, msg).apiErr(t, 404, "not_found_error")

	archived := newSessionID(t, srv, nil)
	do(t, srv, "POST", "/v1/sessions/"+archived+"/archive", nil).ok(t)
	e = sendEvents(t, srv, archived, msg).apiErr(t, 409, "conflict_error")
	if want := "Session " + archived + " is archived and cannot accept new events."; e["message"] != want {
		t.Errorf("archived: message %v, want %s", e["message"], want)
	}
	// Archiving terminates: the log says so.
	if got := types(logEvents(t, srv, archived)); !cmp.Equal(got, []string{"session.status_terminated"}) {
		t.Errorf("archived session events = %v", got)
	}

	// Terminated but not archived: 409 as well (the fake's choice).
	terminated := newSessionID(t, srv, nil)
	sendOK(t, srv, terminated, msgEvent("terminate: billing_error"))
	waitIdle(t, srv, terminated)
	e = sendEvents(t, srv, terminated, msg).apiErr(t, 409, "conflict_error")
	if want := "Session " + terminated + " is terminated and cannot accept new events."; e["message"] != want {
		t.Errorf("terminated: message %v, want %s", e["message"], want)
	}
	// The body is not even looked at for a state conflict.
	sendEvents(t, srv, terminated).apiErr(t, 409, "conflict_error")
}

// TestSendEchoes checks the echo of each of the seven client event types,
// byte for byte, and that each enters the log with the echo's ID.
func TestSendEchoes(t *testing.T) {
	clock := func() time.Time { return t0 }
	srv := newTestServer(t, WithClock(clock), WithScript(holdScript))
	srv.AddEnvironment("env_selfhosted", true)
	const at = "2026-11-26T10:14:04.118Z"
	result := []any{text("42"), map[string]any{"type": "search_result", "source": "https://x.example", "title": "X", "content": []any{text("x")}, "citations": map[string]any{"enabled": true}}}
	tests := []struct {
		name   string
		events []any
		want   []string // %s is the echo's id
	}{
		{"user.message", []any{map[string]any{"type": "user.message", "content": []any{
			text("look"),
			map[string]any{"type": "image", "source": map[string]any{"type": "base64", "media_type": "image/png", "data": "iVBO"}},
			map[string]any{"type": "document", "title": "T", "context": nil, "source": map[string]any{"type": "text", "media_type": "text/plain", "data": "abc"}},
			map[string]any{"type": "redacted"},
		}}}, []string{
			`{"type":"user.message","id":"%s","content":[{"text":"look","type":"text"},{"source":{"data":"iVBO","media_type":"image/png","type":"base64"},"type":"image"},{"context":null,"source":{"data":"abc","media_type":"text/plain","type":"text"},"title":"T","type":"document"},{"type":"redacted"}],"processed_at":null}`}},
		{"user.interrupt", []any{map[string]any{"type": "user.interrupt"}, map[string]any{"type": "user.interrupt", "session_thread_id": "sthr_01a"}}, []string{
			`{"type":"user.interrupt","id":"%s","processed_at":null}`,
			`{"type":"user.interrupt","id":"%s","session_thread_id":"sthr_01a","processed_at":null}`}},
		{"user.tool_confirmation", []any{
			map[string]any{"type": "user.tool_confirmation", "tool_use_id": "sevt_01a", "result": "allow"},
			map[string]any{"type": "user.tool_confirmation", "tool_use_id": "sevt_01b", "result": "deny", "deny_message": "No."},
		}, []string{
			`{"type":"user.tool_confirmation","id":"%s","tool_use_id":"sevt_01a","result":"allow","processed_at":null}`,
			`{"type":"user.tool_confirmation","id":"%s","tool_use_id":"sevt_01b","result":"deny","deny_message":"No.","processed_at":null}`}},
		{"user.custom_tool_result", []any{
			map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": "sevt_01c", "content": result, "is_error": false},
			map[string]any{"type": "user.custom_tool_result", "custom_tool_use_id": "sevt_01d"},
		}, []string{
			`{"type":"user.custom_tool_result","id":"%s","custom_tool_use_id":"sevt_01c","content":[{"text":"42","type":"text"},{"citations":{"enabled":true},"content":[{"text":"x","type":"text"}],"source":"https://x.example","title":"X","type":"search_result"}],"is_error":false,"processed_at":null}`,
			`{"type":"user.custom_tool_result","id":"%s","custom_tool_use_id":"sevt_01d","processed_at":null}`}},
		{"user.tool_result", []any{map[string]any{"type": "user.tool_result", "tool_use_id": "sevt_01e", "content": []any{text("out")}, "is_error": true}}, []string{
			`{"type":"user.tool_result","id":"%s","tool_use_id":"sevt_01e","content":[{"text":"out","type":"text"}],"is_error":true,"processed_at":null}`}},
		{"user.define_outcome", []any{map[string]any{"type": "user.define_outcome", "description": "A changelog", "rubric": map[string]any{"type": "text", "content": "complete"}}}, []string{
			`{"type":"user.define_outcome","id":"%s","description":"A changelog","rubric":{"content":"complete","type":"text"},"max_iterations":3,"outcome_id":"%s","processed_at":"` + at + `"}`}},
		{"system.message", []any{msgEvent("q"), map[string]any{"type": "system.message", "content": []any{text("Answer in one sentence.")}}}, []string{
			`{"type":"user.message","id":"%s","content":[{"text":"q","type":"text"}],"processed_at":null}`,
			`{"type":"system.message","id":"%s","content":[{"text":"Answer in one sentence.","type":"text"}],"processed_at":null}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh self-hosted session per case, so that each log holds
			// only that case's events.
			id := newSessionID(t, srv, map[string]any{"environment_id": "env_selfhosted"})
			r := sendEvents(t, srv, id, tt.events...)
			var body struct{ Data []json.RawMessage }
			if r.status != 200 || json.Unmarshal(r.body, &body) != nil || len(body.Data) != len(tt.want) {
				t.Fatalf("status %d body %s", r.status, r.body)
			}
			if strings.Contains(string(r.body), "prev_page") || !strings.HasPrefix(string(r.body), `{"data":[`) {
				t.Errorf("body = %s", r.body)
			}
			for i, raw := range body.Data {
				var ev map[string]any
				_ = json.Unmarshal(raw, &ev)
				if !eventIDRE.MatchString(ev["id"].(string)) {
					t.Errorf("id = %v", ev["id"])
				}
				want := fmt.Sprintf(tt.want[i], ev["id"])
				if oid, ok := ev["outcome_id"].(string); ok {
					if !strings.HasPrefix(oid, "outc_01") {
						t.Errorf("outcome_id = %q", oid)
					}
					want = fmt.Sprintf(tt.want[i], ev["id"], oid)
				}
				if string(raw) != want {
					t.Errorf("echo %d:\n got %s\nwant %s", i, raw, want)
				}
			}
			// Every event is processed with the echo's ID (the interrupts and
			// answers find no turn to act on).
			evs := waitLog(t, srv, id, func(evs []map[string]any) bool { return len(evs) >= len(tt.want) })
			for i, raw := range body.Data {
				var echo map[string]any
				_ = json.Unmarshal(raw, &echo)
				if evs[i]["id"] != echo["id"] || evs[i]["processed_at"] != at {
					t.Errorf("log event %d = %v, want id %v processed", i, evs[i], echo["id"])
				}
			}
		})
	}
}

// TestSendQueueing: events are echoed unprocessed, processed in order later,
// and the worker starts only after the response.
func TestSendQueueing(t *testing.T) {
	release := make(chan struct{})
	script := func(ctx context.Context, t *Turn) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return DefaultScript(ctx, t)
	}
	srv := newTestServer(t, WithScript(script))
	id := newSessionID(t, srv, nil)
	first := sendOK(t, srv, id, msgEvent("one"))
	second := sendOK(t, srv, id, msgEvent("two"), msgEvent("three"))
	for _, e := range append(first, second...) {
		if e["processed_at"] != nil {
			t.Errorf("echo processed_at = %v", e["processed_at"])
		}
	}
	// "one" is being processed (the script waits); "two" and "three" are
	// queued and absent from the log and from history.
	waitLog(t, srv, id, func(evs []map[string]any) bool { return len(evs) == 1 })
	if evs, _ := historyQuery(t, srv, id, ""); len(evs) != 1 || evs[0]["id"] != first[0]["id"] {
		t.Errorf("history while queued = %v", evs)
	}
	close(release)
	waitIdle(t, srv, id)
	msgs := ofType(logEvents(t, srv, id), "user.message")
	if diff := cmp.Diff([]string{first[0]["id"].(string), second[0]["id"].(string), second[1]["id"].(string)}, eventIDs(msgs)); diff != "" {
		t.Errorf("processing order (-want +got):\n%s", diff)
	}
	replies := ofType(logEvents(t, srv, id), "agent.message")
	var texts []string
	for _, r := range replies {
		texts = append(texts, textOf(r))
	}
	if diff := cmp.Diff([]string{"Echo: one", "Echo: two", "Echo: three"}, texts); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
}
