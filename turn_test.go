package managedagents

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const emptyHistory = `{"data":[],"next_page":null}`

// TestSendAndWaitFixtures replays recorded transcripts: the helper opens
// the stream (reading where "now" is first), sends, reads the history from
// there, and collects the turn from the stream.
func TestSendAndWaitFixtures(t *testing.T) {
	type turnCase struct {
		name       string
		transcript string // a fixture file, or the transcript itself
		wantStop   string
		wantText   string
		wantEvents int
		wantIn     int64
		deleted    bool
	}
	tests := []turnCase{
		{name: "end_turn with a tool call", transcript: "sse/turn.sse", wantStop: StopReasonEndTurn,
			wantText: "The repository contains 37 Go test files (*_test.go).", wantEvents: 11, wantIn: 4210 + 4342},
	}
	// A turn cut short: the session is deleted while the agent works.
	userMessage := strings.SplitAfter(string(readFixture(t, "sse/turn.sse")), "\n\n")[0]
	deleted := userMessage + strings.Join(strings.SplitAfter(string(readFixture(t, "sse/deleted.sse")), "\n\n")[:2], "")
	tests = append(tests, turnCase{name: "deleted mid-turn", transcript: deleted, wantEvents: 3, deleted: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			transcript := []byte(tt.transcript)
			if strings.HasSuffix(tt.transcript, ".sse") {
				transcript = readFixture(t, tt.transcript)
			}
			srv := newScriptServer(t,
				jsonStep(emptyHistory), // where "now" is
				sseStep(transcript),    // the stream
				jsonStep(emptyHistory), // the history since "now", read before Stream returns
				fileStep(t, "send/message.response.json"),
			)
			c := newTestClient(t, srv.URL)
			res, err := c.Events.SendAndWait(testContext(t), testSession,
				UserMessage("How many Go test files are in the repository?"), SystemMessage("Answer in one sentence."))
			if err != nil {
				t.Fatal(err)
			}
			if tt.deleted {
				if !res.Deleted || res.StopReason != nil {
					t.Errorf("deleted %v, stop reason %+v; want deleted and no stop reason", res.Deleted, res.StopReason)
				}
			} else if res.StopReason == nil || res.StopReason.Type != tt.wantStop {
				t.Errorf("stop reason = %+v, want %s", res.StopReason, tt.wantStop)
			}
			if res.Text != tt.wantText || len(res.Events) != tt.wantEvents || res.Usage.InputTokens != tt.wantIn {
				t.Errorf("text %q, %d events, %d input tokens; want %q, %d, %d", res.Text, len(res.Events), res.Usage.InputTokens, tt.wantText, tt.wantEvents, tt.wantIn)
			}
			var methods []string
			for _, r := range srv.requests() {
				methods = append(methods, r.Method+" "+r.Path)
			}
			want := []string{
				"GET /v1/sessions/" + testSession + "/events",
				"GET /v1/sessions/" + testSession + "/events/stream",
				"GET /v1/sessions/" + testSession + "/events",
				"POST /v1/sessions/" + testSession + "/events",
			}
			if diff := cmp.Diff(want, methods); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSendAndWaitIgnoresEarlierActivity: events before the processing of
// what was sent (the end of an earlier turn) are not part of the turn.
func TestSendAndWaitIgnoresEarlierActivity(t *testing.T) {
	earlier := "event: session.status_idle\ndata: {\"type\":\"session.status_idle\",\"id\":\"sevt_old\",\"stop_reason\":{\"type\":\"end_turn\"},\"stop_details\":null,\"processed_at\":\"2026-11-26T10:15:01.000Z\"}\n\n"
	srv := newScriptServer(t,
		jsonStep(emptyHistory),
		sseStep(append([]byte(earlier), readFixture(t, "sse/turn.sse")...)),
		jsonStep(emptyHistory),
		fileStep(t, "send/message.response.json"),
	)
	c := newTestClient(t, srv.URL)
	res, err := c.Events.SendAndWait(testContext(t), testSession, UserMessage("How many Go test files are in the repository?"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Events[0].EventID() != "sevt_01i71qHFE8q6mqc5fV215DEag1" || len(res.Events) != 11 {
		t.Errorf("turn starts at %s with %d events; want the processed message and 11", res.Events[0].EventID(), len(res.Events))
	}
}

func TestSendAndWaitErrors(t *testing.T) {
	srv := newScriptServer(t)
	c := newTestClient(t, srv.URL)
	if _, err := c.Events.SendAndWait(testContext(t), testSession); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("no events: %v", err)
	}
	if _, err := c.Events.SendAndWait(testContext(t), "", UserMessage("x")); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("no session: %v", err)
	}
	if srv.count() != 0 {
		t.Errorf("invalid calls reached the server")
	}
}
