package mcp

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/managedagents/managedagents-go"
)

// TestDecodeEventParam checks that each client event type decodes into the
// library's param and encodes back to the same wire JSON.
func TestDecodeEventParam(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string // the wire JSON sent; "" means in
		typ  any
	}{
		{"user.message", `{"type":"user.message","content":[{"type":"text","text":"hi"},{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}`, "", managedagents.UserMessageParam{}},
		{"user.message shorthand", `{"type":"user.message","content":"hi"}`, `{"type":"user.message","content":[{"type":"text","text":"hi"}]}`, managedagents.UserMessageParam{}},
		{"user.message document", `{"type":"user.message","content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"d"},"title":null}]}`, "", managedagents.UserMessageParam{}},
		{"user.interrupt", `{"type":"user.interrupt"}`, "", managedagents.InterruptParam{}},
		{"user.interrupt thread", `{"type":"user.interrupt","session_thread_id":"sthr_1"}`, "", managedagents.InterruptParam{}},
		{"user.tool_confirmation allow", `{"type":"user.tool_confirmation","tool_use_id":"sevt_1","result":"allow"}`, "", managedagents.ToolConfirmationParam{}},
		{"user.tool_confirmation deny", `{"type":"user.tool_confirmation","tool_use_id":"sevt_1","result":"deny","deny_message":"no"}`, "", managedagents.ToolConfirmationParam{}},
		{"user.custom_tool_result", `{"type":"user.custom_tool_result","custom_tool_use_id":"sevt_2","content":[{"type":"text","text":"42"}],"is_error":true}`, "", managedagents.CustomToolResultParam{}},
		{"user.custom_tool_result shorthand", `{"type":"user.custom_tool_result","custom_tool_use_id":"sevt_2","content":"42"}`, `{"type":"user.custom_tool_result","custom_tool_use_id":"sevt_2","content":[{"type":"text","text":"42"}]}`, managedagents.CustomToolResultParam{}},
		{"user.tool_result", `{"type":"user.tool_result","tool_use_id":"sevt_3","content":[{"type":"search_result","source":"https://s","title":"t","content":[{"type":"text","text":"x"}]}]}`, "", managedagents.ToolResultParam{}},
		{"user.define_outcome", `{"type":"user.define_outcome","description":"ship it","rubric":{"type":"text","content":"tests pass"},"max_iterations":5}`, "", managedagents.DefineOutcomeParam{}},
		{"user.define_outcome file rubric", `{"type":"user.define_outcome","description":"d","rubric":{"type":"file","file_id":"file_1"}}`, "", managedagents.DefineOutcomeParam{}},
		{"user.define_outcome rubric shorthand", `{"type":"user.define_outcome","description":"d","rubric":"be good"}`, `{"type":"user.define_outcome","description":"d","rubric":{"type":"text","content":"be good"}}`, managedagents.DefineOutcomeParam{}},
		{"system.message", `{"type":"system.message","content":[{"type":"text","text":"be brief"}]}`, "", managedagents.SystemMessageParam{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decodeEventParam([]byte(tc.in))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got, want := typeName(p), typeName(tc.typ); got != want {
				t.Errorf("param type = %s, want %s", got, want)
			}
			out, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if diff := cmp.Diff(jsonValue(t, []byte(want)), jsonValue(t, out)); diff != "" {
				t.Errorf("wire JSON (-want +got):\n%s", diff)
			}
		})
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func TestDecodeEventParamErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"unknown type", `{"type":"user.shout"}`, `unknown client event type "user.shout" (a client can send user.message, `},
		{"server event type", `{"type":"agent.message","content":[]}`, `unknown client event type "agent.message"`},
		{"no type", `{"content":"hi"}`, `missing "type"`},
		{"not an object", `[1,2]`, `not an event object`},
		{"unknown field", `{"type":"user.interrupt","why":"bored"}`, `user.interrupt: json: unknown field "why"`},
		{"wrong field type", `{"type":"user.custom_tool_result","custom_tool_use_id":"x","is_error":"yes"}`, `user.custom_tool_result: json: cannot unmarshal string`},
		{"bad rubric field", `{"type":"user.define_outcome","description":"d","rubric":{"type":"text","text":"x"}}`, `rubric: json: unknown field "text"`},
		{"bad content", `{"type":"user.message","content":7}`, `user.message: json: cannot unmarshal number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeEventParam([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// decodeEventParams names the index.
	_, err := decodeEventParams([]map[string]any{{"type": "user.message", "content": "ok"}, {"type": "nope"}})
	if err == nil || !strings.HasPrefix(err.Error(), `events[1]: unknown client event type "nope"`) {
		t.Errorf("err = %v", err)
	}
}
