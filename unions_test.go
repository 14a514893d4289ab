package managedagents

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenUnionsOnePass checks the one-pass decoding of the unions whose
// variants share one struct against the rules of encoding/json: the type
// key matches in any case, the last of duplicate keys wins, null leaves it
// unset, and a known type is strict while an unknown one is lenient.
func TestOpenUnionsOnePass(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    StopReason
		wantErr bool
	}{
		{"known", `{"type":"requires_action","event_ids":["a"]}`, StopReason{Type: StopReasonRequiresAction, EventIDs: []string{"a"}}, false},
		{"spaced", " {\n\t\"type\" : \"end_turn\" } ", StopReason{Type: StopReasonEndTurn}, false},
		{"key in upper case", `{"TYPE":"end_turn"}`, StopReason{Type: StopReasonEndTurn}, false},
		{"escaped key", `{"typ\u0065":"end_turn"}`, StopReason{Type: StopReasonEndTurn}, false},
		{"escaped value", `{"type":"end\u005fturn"}`, StopReason{Type: StopReasonEndTurn}, false},
		{"unknown then known", `{"type":"paused","type":"end_turn"}`, StopReason{Type: StopReasonEndTurn}, false},
		{"known then unknown", `{"type":"end_turn","type":"paused"}`,
			StopReason{Type: "paused", raw: json.RawMessage(`{"type":"end_turn","type":"paused"}`)}, false},
		{"null after a type", `{"type":"end_turn","type":null}`, StopReason{Type: StopReasonEndTurn}, false},
		{"unknown with odd fields", `{"type":"paused","event_ids":"x"}`,
			StopReason{Type: "paused", raw: json.RawMessage(`{"type":"paused","event_ids":"x"}`)}, false},
		{"unknown with an odd field after a known type", `{"type":"requires_action","event_ids":7,"type":"paused"}`,
			StopReason{Type: "paused", raw: json.RawMessage(`{"type":"requires_action","event_ids":7,"type":"paused"}`)}, false},
		{"known with an odd field", `{"type":"requires_action","event_ids":"x"}`, StopReason{}, true},
		{"known with an odd field after an unknown type", `{"type":"paused","event_ids":"x","type":"requires_action"}`, StopReason{}, true},
		{"type not a string", `{"type":1}`, StopReason{}, true},
		{"invalid", `{"type":"paused",}`, StopReason{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got StopReason
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(StopReason{})); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}

	var src BlockSource
	in := `{"type":"s3","url":5}`
	if err := json.Unmarshal([]byte(in), &src); err != nil || src.Type != "s3" || string(src.RawJSON()) != in {
		t.Errorf("unknown source with an odd field: %+v, %v", src, err)
	}
	if err := json.Unmarshal([]byte(`{"type":"url","url":5}`), &src); err == nil {
		t.Errorf("known source with an odd field decoded: %+v", src)
	}
	if err := json.Unmarshal([]byte(`{"Type":"file","FILE_ID":"f"}`), &src); err != nil || src.Type != SourceTypeFile || src.FileID != "f" || src.RawJSON() != nil {
		t.Errorf("keys in other cases: %+v, %v", src, err)
	}
}
