package managedagents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The mixed transcript, testdata/sse/mixed_2000.sse, is what the decode
// benchmarks read: 2,000 event frames of a long session, built from the
// recorded fixtures under testdata/events and the recorded turn
// testdata/sse/turn.sse, with ping heartbeats and a few ": keepalive"
// comments between them. TestMixedTranscript generates it; the committed
// file must be exactly what the generator produces. After changing the
// generator or a fixture, rewrite it with:
//
//	go test -run TestMixedTranscript -update .

const (
	mixedTranscriptFile   = "sse/mixed_2000.sse"
	mixedTranscriptEvents = 2000
)

// A step of an episode names a fixture under testdata/events (without
// .json), or one of these.
const (
	stepTurn      = "<turn>"      // the twelve events and the heartbeat of sse/turn.sse
	stepPing      = "<ping>"      // an event: ping heartbeat
	stepKeepalive = "<keepalive>" // a ": keepalive" comment
)

// Episodes are the building blocks of the session: a user turn, a tool
// loop, a multi-agent exchange, … Each lists its frames in stream order;
// previews (event_start, event_delta) come right before the event they
// preview.
var (
	epTurn = []string{stepTurn}
	epChat = []string{
		"user.message", "session.status_running",
		"span.model_request_start", "agent.thinking", "agent.message", "span.model_request_end",
		"session.usage", "session.status_idle",
	}
	epPreviews = []string{
		"system.message", "user.message", "session.status_running",
		"span.model_request_start", "event_start.thinking", "agent.thinking",
		"event_start", "event_delta", "event_delta", "event_delta", "agent.message", "span.model_request_end",
		"session.status_idle",
	}
	epToolLoop = []string{
		"user.message.blocks", "session.status_running",
		"span.model_request_start", "agent.thinking", "agent.tool_use", "span.model_request_end.fast", "agent.tool_result",
		"span.model_request_start", "agent.thinking", "agent.tool_use.legacy", "span.model_request_end", "agent.tool_result.blocks",
		"span.model_request_start", "agent.tool_use", "span.model_request_end", "<ping>", "agent.tool_result",
		"span.model_request_start", "agent.thinking", "agent.message", "span.model_request_end",
		"session.usage", "session.status_idle",
	}

	// The rare episodes: one of them after each cycle of common ones.
	rareEpisodes = [][]string{
		{ // a custom tool answered by the client
			"user.message", "session.status_running",
			"span.model_request_start", "agent.custom_tool_use", "span.model_request_end",
			"session.status_idle.requires_action", "user.custom_tool_result", "session.status_running",
			"span.model_request_start", "agent.message", "span.model_request_end", "session.status_idle",
		},
		{ // a tool call the user refuses, and one the policy denies
			"user.message", "session.status_running",
			"span.model_request_start", "agent.thinking", "agent.tool_use.ask", "span.model_request_end",
			"user.tool_confirmation",
			"span.model_request_start", "agent.tool_use.deny", "span.model_request_end", "agent.tool_result.denied",
			"span.model_request_start", "agent.message.redacted", "span.model_request_end",
			"session.usage.uncapped", "session.status_idle",
		},
		{ // an MCP server that needed a retry
			"user.message", "session.status_running", "session.error.mcp_connection_failed_error",
			"span.model_request_start", "agent.mcp_tool_use", "span.model_request_end", "agent.mcp_tool_result",
			"span.model_request_start", "agent.message", "span.model_request_end", "session.status_idle",
		},
		{ // an outcome and its evaluation
			"user.define_outcome", "session.status_running",
			"span.model_request_start", "agent.message", "span.model_request_end",
			"span.outcome_evaluation_start", "span.outcome_evaluation_ongoing", "span.outcome_evaluation_end",
			"user.define_outcome.file", "session.status_idle",
		},
		{ // a multi-agent exchange with a delegated confirmation
			"user.message", "session.status_running",
			"session.thread_created", "session.thread_status_running", "agent.thread_message_sent",
			"agent.tool_use.child_thread", "session.thread_status_idle", "user.tool_confirmation.allow",
			"user.tool_result", "session.thread_status_rescheduled", "agent.thread_message_received",
			"session.thread_status_terminated", "session.thread_created.delegated", "user.interrupt",
			"span.model_request_start", "agent.message", "span.model_request_end", "session.status_idle",
		},
		{ // a workflow run, then one that fails
			"workflow_run.created", "workflow_run.status_running", "workflow_run.phase_started",
			"workflow_run.phase_ended", "workflow_run.status_idle", "workflow_run.status_ended",
			"workflow_run.error", "workflow_run.status_ended.error", "workflow_run.error.max_workflow_runs_error",
			"workflow_run.status_ended.unknown_result",
		},
		{ // an overloaded model, retried after a reschedule
			"user.message", "session.status_running",
			"span.model_request_start", "span.model_request_end.error", "session.error", "session.status_rescheduled",
			"session.status_running", "span.model_request_start", "agent.message", "span.model_request_end",
			"session.status_idle",
		},
		{ // setup errors and the other ways a turn stops
			"session.error.repository_clone_error", "session.error.repository_not_found_error",
			"session.error.credential_host_unreachable_error", "session.error.unknown_type",
			"user.message", "session.status_running", "session.error.tool_use_limit_reached_error",
			"session.status_idle.retries_exhausted", "session.status_idle.budget_reached",
			"session.status_idle.refusal", "session.status_idle.unknown_reason",
		},
		{ // updates, compaction and event types this library does not know
			"session.updated", "session.updated.agent", "agent.thread_context_compacted",
			"unknown.session.checkpoint_created", "agent.thread_context_compacted.tokens",
			"unknown.agent.session_thread_message_sent",
		},
	}

	// commonCycle is the usual flow of the session between rare episodes.
	commonCycle = [][]string{epTurn, epToolLoop, epChat, epTurn, epPreviews, epToolLoop, epTurn, epChat, epToolLoop, epTurn}
)

// linkFields are the references the generator points at the newest event
// of a type, so that results, span ends, answers and phase ends refer to an
// event of the transcript. Other references (requires_action event IDs,
// previews) follow the fixture that was referred to.
var linkFields = map[string]string{
	"tool_use_id":                 EventAgentToolUse,
	"custom_tool_use_id":          EventAgentCustomToolUse,
	"mcp_tool_use_id":             EventAgentMCPToolUse,
	"model_request_start_id":      EventSpanModelRequestStart,
	"outcome_evaluation_start_id": EventSpanOutcomeEvaluationStart,
	"phase_started_id":            EventWorkflowRunPhaseStarted,
}

var (
	linkFieldRE   = regexp.MustCompile(`"([a-z_]+)":"(sevt_[0-9A-Za-z]+)"`)
	eventIDRE     = regexp.MustCompile(`"sevt_[0-9A-Za-z]+"`)
	processedAtRE = regexp.MustCompile(`"processed_at":(null|"[^"]*")`)
)

// mixedGen writes the transcript frame by frame.
type mixedGen struct {
	tb       testing.TB
	out      bytes.Buffer
	events   int // event frames written, previews included
	ids      int // IDs handed out
	at       time.Time
	fixtures map[string][]byte
	turn     [][2]string       // the frames of sse/turn.sse: name, data
	renamed  map[string]string // a fixture's event ID -> the ID it got last
	newest   map[string]string // event type -> the ID of the newest such event
}

// generateMixedTranscript builds the transcript from the fixtures. It is
// deterministic: the same fixtures give the same bytes.
func generateMixedTranscript(tb testing.TB) []byte {
	g := &mixedGen{
		tb:       tb,
		at:       time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC),
		fixtures: map[string][]byte{},
		renamed:  map[string]string{},
		newest:   map[string]string{},
	}
	paths, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no event fixtures: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		g.fixtures[strings.TrimSuffix(filepath.Base(p), ".json")] = bytes.TrimSpace(data)
	}
	for frame := range strings.SplitSeq(strings.TrimSpace(string(readFixture(tb, "sse/turn.sse"))), "\n\n") {
		name, data, ok := strings.Cut(frame, "\n")
		if !ok || !strings.HasPrefix(name, "event: ") || !strings.HasPrefix(data, "data: ") {
			tb.Fatalf("sse/turn.sse: unexpected frame %q", frame)
		}
		g.turn = append(g.turn, [2]string{strings.TrimPrefix(name, "event: "), strings.TrimPrefix(data, "data: ")})
	}

	// Cycles of common episodes, each followed by a rare one, until the
	// transcript is long enough; it is then cut after event 1,999 and the
	// session is deleted, which ends the stream.
	last := mixedTranscriptEvents - 1
	rare := 0
	for g.events < last {
		for _, ep := range commonCycle {
			g.episode(ep, last)
		}
		g.episode(rareEpisodes[rare%len(rareEpisodes)], last)
		rare++
	}
	g.frame("session.deleted")
	return g.out.Bytes()
}

// episode writes the steps of one episode, stopping at limit events.
func (g *mixedGen) episode(steps []string, limit int) {
	if g.events >= limit {
		return
	}
	g.at = g.at.Add(41 * time.Second) // the user reads, thinks, types
	for _, s := range steps {
		if g.events >= limit {
			return
		}
		switch s {
		case stepTurn:
			for _, f := range g.turn {
				if g.events >= limit {
					return
				}
				if f[0] == "ping" {
					g.ping()
					continue
				}
				g.write(f[0], []byte(f[1]))
			}
		case stepPing:
			g.ping()
		case stepKeepalive:
			g.out.WriteString(": keepalive\n\n")
		default:
			g.frame(s)
		}
	}
}

// frame writes the fixture called name.
func (g *mixedGen) frame(name string) {
	data, ok := g.fixtures[name]
	if !ok {
		g.tb.Fatalf("no fixture testdata/events/%s.json", name)
	}
	var head struct{ Type string }
	if err := json.Unmarshal(data, &head); err != nil || head.Type == "" {
		g.tb.Fatalf("fixture %s: no type (%v)", name, err)
	}
	g.write(head.Type, data)
}

func (g *mixedGen) ping() {
	g.out.WriteString("event: ping\ndata: {\"type\":\"ping\"}\n\n")
}

// write gives the event of type typ a fresh ID and processed_at, points its
// references at the transcript's events, and writes its frame. A
// ": keepalive" comment follows every 400th event but the last.
func (g *mixedGen) write(typ string, data []byte) {
	var head struct {
		ID *string `json:"id"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		g.tb.Fatalf("%s: %v", typ, err)
	}
	preview := typ == EventStart || typ == EventDelta
	next := fmt.Sprintf("sevt_01Mx%022d", g.ids+1)
	own := ""
	if head.ID != nil {
		own = *head.ID
	}
	out := linkFieldRE.ReplaceAllFunc(data, func(m []byte) []byte {
		sub := linkFieldRE.FindSubmatch(m)
		if id, ok := g.newest[linkFields[string(sub[1])]]; ok {
			return fmt.Appendf(nil, `"%s":"%s"`, sub[1], id)
		}
		return m
	})
	out = eventIDRE.ReplaceAllFunc(out, func(m []byte) []byte {
		old := string(m[1 : len(m)-1])
		switch {
		case preview: // a preview carries the ID of the event it previews, which comes next
			return []byte(`"` + next + `"`)
		case old == own:
			return []byte(`"` + next + `"`)
		case g.renamed[old] != "":
			return []byte(`"` + g.renamed[old] + `"`)
		}
		return m
	})
	if !preview {
		if head.ID == nil {
			g.tb.Fatalf("%s has no id", typ)
		}
		if own == "" { // an interrupt may arrive without ID; here every event gets one
			out = bytes.Replace(out, []byte(`"id":""`), []byte(`"id":"`+next+`"`), 1)
		}
		g.ids++
		g.renamed[own] = next
		g.newest[typ] = next
		// Events of a turn are milliseconds to seconds apart.
		g.at = g.at.Add(time.Duration(3+(g.ids*7919)%1700) * time.Millisecond)
		stamp := fmt.Appendf(nil, `"processed_at":"%s"`, g.at.Format("2006-01-02T15:04:05.000Z"))
		if !processedAtRE.Match(out) {
			g.tb.Fatalf("%s has no processed_at", typ)
		}
		out = processedAtRE.ReplaceAllLiteral(out, stamp)
	}
	if bytes.ContainsAny(out, "\r\n") || !json.Valid(out) {
		g.tb.Fatalf("%s: not one line of JSON: %s", typ, out)
	}
	fmt.Fprintf(&g.out, "event: %s\ndata: %s\n\n", typ, out)
	g.events++
	if g.events%400 == 0 && g.events < mixedTranscriptEvents {
		g.out.WriteString(": keepalive\n\n")
	}
}

// TestMixedTranscript regenerates the mixed transcript and compares it with
// the committed file (-update rewrites the file), then checks the file on
// its own: exactly 2,000 events besides heartbeats and comments, each
// decoding to its frame's type, distinct IDs, increasing processed_at, and
// every event type of the catalog present, unknown ones too.
func TestMixedTranscript(t *testing.T) {
	got := generateMixedTranscript(t)
	path := filepath.Join("testdata", mixedTranscriptFile)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestMixedTranscript -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := range max(len(gl), len(wl)) {
			var g, w []byte
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if !bytes.Equal(g, w) {
				t.Fatalf("%s differs from the generator's output at line %d (go test -run TestMixedTranscript -update rewrites it):\n got: %s\nwant: %s",
					mixedTranscriptFile, i+1, g, w)
			}
		}
	}

	// Check the committed file itself, frame by frame.
	var (
		events, pings, comments int
		types                   = map[string]int{}
		ids                     = map[string]bool{}
		lastAt                  time.Time
		lastName                string // of the last event frame
	)
	sc := bufio.NewScanner(bytes.NewReader(want))
	sc.Buffer(nil, 1<<20)
	name := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			name = ""
		case strings.HasPrefix(line, ":"):
			comments++
		case strings.HasPrefix(line, "event: "):
			if name != "" {
				t.Fatalf("two event lines in one frame: %q", line)
			}
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if name == "ping" {
				pings++
				continue
			}
			ev, err := DecodeEvent([]byte(strings.TrimPrefix(line, "data: ")))
			if err != nil {
				t.Fatalf("event %d: %v", events+1, err)
			}
			if ev.EventType() != name {
				t.Errorf("event %d: frame %q holds a %q", events+1, name, ev.EventType())
			}
			events++
			types[name]++
			lastName = name
			if name == EventStart || name == EventDelta {
				continue // previews have no ID or processed_at of their own
			}
			id := ev.EventID()
			if id == "" || ids[id] {
				t.Errorf("event %d (%s): ID %q is empty or repeated", events, name, id)
			}
			ids[id] = true
			at, ok := ev.EventProcessedAt()
			if !ok || !at.After(lastAt) {
				t.Errorf("event %d (%s): processed_at %v (set %v) not after %v", events, name, at, ok, lastAt)
			}
			lastAt = at
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if events != mixedTranscriptEvents || pings == 0 || comments == 0 {
		t.Errorf("%d events, %d pings, %d comments; want %d events and some of both others", events, pings, comments, mixedTranscriptEvents)
	}
	for typ := range eventTypes {
		// session.status_terminated would end the stream before the last
		// event; the transcript ends with session.deleted instead.
		if types[typ] == 0 && typ != EventSessionStatusTerminated {
			t.Errorf("no %s event", typ)
		}
	}
	for _, typ := range []string{"session.checkpoint_created", "agent.session_thread_message_sent"} {
		if types[typ] == 0 {
			t.Errorf("no event of the unknown type %s", typ)
		}
	}
	if types[EventSessionDeleted] != 1 || lastName != EventSessionDeleted || !bytes.HasSuffix(want, []byte("}\n\n")) {
		t.Errorf("the transcript does not end with its only session.deleted (%d of them, the last frame is %s)", types[EventSessionDeleted], lastName)
	}
	if testing.Verbose() {
		t.Logf("%d bytes, %d events, %d pings, %d comments; by type: %v", len(want), events, pings, comments, types)
	}
}
