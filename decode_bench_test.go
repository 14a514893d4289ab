package managedagents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// BenchmarkDecodeMix measures DecodeEvent on a realistic mix of events
// against a baseline in the same run: encoding/json decoding the same bytes
// into flat structs with json tags only, the type of each event being
// known beforehand. Compare the ratios, not the absolute figures:
//
//	go test -run XXX -bench BenchmarkDecodeMix -benchmem -count 6 .
//
// One op decodes the whole mix once. "Hinted" is the path of a stream,
// which passes the frame's event name along. "Paired" decodes the mix both
// ways in turn within each op and reports the time of each and their
// ratio, which holds up better on a busy machine than that of two
// benchmarks run one after the other.
func BenchmarkDecodeMix(b *testing.B) {
	mix := decodeMix(b)
	var size int64
	for _, m := range mix {
		size += int64(len(m.data))
	}

	b.Run("DecodeEvent", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			for _, m := range mix {
				if _, err := DecodeEvent(m.data); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("Hinted", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			for _, m := range mix {
				if _, err := decodeEvent(bytes.Clone(m.data), m.typ); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("Paired", func(b *testing.B) {
		var ours, flat time.Duration
		for b.Loop() {
			t0 := time.Now()
			for _, m := range mix {
				if _, err := DecodeEvent(m.data); err != nil {
					b.Fatal(err)
				}
			}
			t1 := time.Now()
			for _, m := range mix {
				if err := json.Unmarshal(m.data, flatEventTypes[m.typ]()); err != nil {
					b.Fatal(err)
				}
			}
			t2 := time.Now()
			ours += t1.Sub(t0)
			flat += t2.Sub(t1)
		}
		b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "ns-DecodeEvent/op")
		b.ReportMetric(float64(flat.Nanoseconds())/float64(b.N), "ns-Flat/op")
		b.ReportMetric(float64(ours)/float64(flat), "DecodeEvent/Flat")
	})
	b.Run("Flat", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			for _, m := range mix {
				if err := json.Unmarshal(m.data, flatEventTypes[m.typ]()); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// mixEvent is one event of the benchmark mix, with its type.
type mixEvent struct {
	typ  string
	data []byte
}

// benchFixtures are the fixtures of testdata/events in the mix, on top of
// the recorded turn: messages with text, redacted and other blocks, tool
// calls and results, spans, idles with a stop reason, and an error.
var benchFixtures = []string{
	"agent.message.json",
	"agent.message.redacted.json",
	"agent.tool_use.json",
	"agent.tool_use.ask.json",
	"agent.tool_result.json",
	"agent.tool_result.blocks.json",
	"agent.mcp_tool_use.json",
	"agent.mcp_tool_result.json",
	"agent.custom_tool_use.json",
	"user.message.json",
	"user.custom_tool_result.json",
	"span.model_request_start.json",
	"span.model_request_end.json",
	"session.status_running.json",
	"session.status_idle.json",
	"session.status_idle.requires_action.json",
	"session.status_idle.refusal.json",
	"session.error.json",
}

// decodeMix returns the data lines of testdata/sse/turn.sse (but the ping,
// which a stream drops before decoding) followed by benchFixtures.
func decodeMix(tb testing.TB) []mixEvent {
	var mix []mixEvent
	sc := bufio.NewScanner(bytes.NewReader(readFixture(tb, "sse/turn.sse")))
	name := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = line[len("event: "):]
		case strings.HasPrefix(line, "data: ") && name != "ping":
			mix = append(mix, mixEvent{name, []byte(line[len("data: "):])})
		}
	}
	for _, f := range benchFixtures {
		data := bytes.TrimSpace(readFixture(tb, "events/"+f))
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			tb.Fatal(err)
		}
		mix = append(mix, mixEvent{head.Type, data})
	}
	for _, m := range mix {
		if flatEventTypes[m.typ] == nil {
			tb.Fatalf("no flat type for %s", m.typ)
		}
	}
	return mix
}

// The flat types hold the same fields as the package's types, with json
// tags only. A block's source is a string in a search result and an object
// elsewhere, so it stays raw here.
type (
	flatMeta struct {
		ID          string     `json:"id"`
		Type        string     `json:"type"`
		ProcessedAt *time.Time `json:"processed_at"`
	}
	flatBlock struct {
		Type      string          `json:"type"`
		Text      string          `json:"text"`
		Source    json.RawMessage `json:"source"`
		Title     *string         `json:"title"`
		Context   *string         `json:"context"`
		Content   []flatBlock     `json:"content"`
		Citations *struct {
			Enabled bool `json:"enabled"`
		} `json:"citations"`
	}
	flatMessage struct {
		flatMeta
		Content []flatBlock `json:"content"`
	}
	flatToolUse struct {
		flatMeta
		MCPServerName       string          `json:"mcp_server_name"`
		Name                string          `json:"name"`
		Input               json.RawMessage `json:"input"`
		EvaluatedPermission string          `json:"evaluated_permission"`
		Evaluation          *struct {
			Type                string `json:"type"`
			EvaluatedPermission *struct {
				Type       string `json:"type"`
				ReasonCode string `json:"reason_code"`
			} `json:"evaluated_permission"`
		} `json:"evaluation"`
		SessionThreadID string `json:"session_thread_id"`
	}
	flatToolResult struct {
		flatMeta
		ToolUseID       string      `json:"tool_use_id"`
		MCPToolUseID    string      `json:"mcp_tool_use_id"`
		CustomToolUseID string      `json:"custom_tool_use_id"`
		Content         []flatBlock `json:"content"`
		IsError         *bool       `json:"is_error"`
	}
	flatIdle struct {
		flatMeta
		StopReason struct {
			Type     string   `json:"type"`
			EventIDs []string `json:"event_ids"`
		} `json:"stop_reason"`
		StopDetails *struct {
			Type        string  `json:"type"`
			Category    *string `json:"category"`
			Explanation *string `json:"explanation"`
		} `json:"stop_details"`
	}
	flatSessionError struct {
		flatMeta
		Error struct {
			Type        string `json:"type"`
			Message     string `json:"message"`
			RetryStatus struct {
				Type string `json:"type"`
			} `json:"retry_status"`
			MCPServerName *string `json:"mcp_server_name"`
			CredentialID  *string `json:"credential_id"`
			VaultID       *string `json:"vault_id"`
			RepositoryURL *string `json:"repository_url"`
		} `json:"error"`
	}
	flatSpanEnd struct {
		flatMeta
		ModelRequestStartID string `json:"model_request_start_id"`
		IsError             bool   `json:"is_error"`
		ModelUsage          struct {
			InputTokens              int64   `json:"input_tokens"`
			OutputTokens             int64   `json:"output_tokens"`
			CacheCreationInputTokens int64   `json:"cache_creation_input_tokens"`
			CacheReadInputTokens     int64   `json:"cache_read_input_tokens"`
			Speed                    *string `json:"speed"`
		} `json:"model_usage"`
	}
)

// flatEventTypes maps the types of the mix to constructors of flat types.
var flatEventTypes = map[string]func() any{
	EventUserMessage:           func() any { return new(flatMessage) },
	EventAgentMessage:          func() any { return new(flatMessage) },
	EventAgentThinking:         func() any { return new(flatMeta) },
	EventAgentToolUse:          func() any { return new(flatToolUse) },
	EventAgentMCPToolUse:       func() any { return new(flatToolUse) },
	EventAgentCustomToolUse:    func() any { return new(flatToolUse) },
	EventAgentToolResult:       func() any { return new(flatToolResult) },
	EventAgentMCPToolResult:    func() any { return new(flatToolResult) },
	EventUserCustomToolResult:  func() any { return new(flatToolResult) },
	EventSpanModelRequestStart: func() any { return new(flatMeta) },
	EventSpanModelRequestEnd:   func() any { return new(flatSpanEnd) },
	EventSessionStatusRunning:  func() any { return new(flatMeta) },
	EventSessionStatusIdle:     func() any { return new(flatIdle) },
	EventSessionError:          func() any { return new(flatSessionError) },
}
