package interop

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"runtime"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	managedagents "github.com/managedagents/managedagents-go"
)

// BenchmarkStreamDecodeVsSDK measures, in one run, how fast three readers
// decode the main module's mixed transcript (../testdata/sse/mixed_2000.sse:
// 2,000 events of a long session, every type of the catalog, two of them
// unknown, with heartbeats and comments), served from memory:
//
//   - Ours: this module's client, Events.Stream with NoResume, ranging over
//     Stream.Events (the transcript ends with session.deleted, which ends
//     the loop).
//   - SDK: the official Go SDK v2.15.0, Beta.Sessions.Events.StreamEvents,
//     reading every event with Next and Current and calling AsAny on each,
//     as a consumer switching on the event type does.
//   - Baseline: a bufio.Scanner and encoding/json into our concrete types,
//     json.RawMessage for unknown types.
//
// Both clients talk to an in-memory transport that answers with the
// transcript as text/event-stream; their base URL is a loopback address
// that is never dialled. Every reader counts what it yields and fails
// unless it is all 2,000 events. The figures are the ratios of MB/s, Ours
// to SDK, and of time, Ours to Baseline; absolute times do not matter. Run
// with:
//
//	cd interop && go test -run XXX -bench StreamDecodeVsSDK -benchmem -count 6 .
func BenchmarkStreamDecodeVsSDK(b *testing.B) {
	transcript, err := os.ReadFile("../testdata/sse/mixed_2000.sse")
	if err != nil {
		b.Fatal(err)
	}
	const (
		events = 2000
		// The SDK yields events of unknown types too (since v1.83), with
		// their type and raw JSON; AsAny returns nil for them. The
		// transcript holds two: session.checkpoint_created and
		// agent.session_thread_message_sent.
		unknown = 2
	)
	httpClient := &http.Client{Transport: memSSE{body: transcript}}

	b.Run("Ours", func(b *testing.B) {
		c, err := managedagents.NewClient(
			managedagents.WithBaseURL(memBaseURL),
			managedagents.WithAPIKey(apiKey),
			managedagents.WithoutEnvironment(),
			managedagents.WithHTTPClient(httpClient),
			managedagents.WithMaxRetries(0),
		)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(transcript)))
		benchPerEvent(b, events, func() int {
			st, err := c.Events.Stream(b.Context(), "sesn_1", managedagents.StreamParams{NoResume: true})
			if err != nil {
				b.Fatal(err)
			}
			n, unknownSeen := 0, 0
			for ev, err := range st.Events() {
				if err != nil {
					b.Fatalf("after %d events: %v", n, err)
				}
				if _, ok := ev.(*managedagents.UnknownEvent); ok {
					unknownSeen++
				}
				n++
			}
			if unknownSeen != unknown {
				b.Fatalf("%d unknown events, want %d", unknownSeen, unknown)
			}
			return n
		})
	})

	b.Run("SDK", func(b *testing.B) {
		sdk := anthropic.NewClient(
			option.WithoutEnvironmentDefaults(),
			option.WithBaseURL(memBaseURL),
			option.WithAPIKey(apiKey),
			option.WithHTTPClient(httpClient),
			option.WithMaxRetries(0),
		)
		b.SetBytes(int64(len(transcript)))
		benchPerEvent(b, events, func() int {
			stream := sdk.Beta.Sessions.Events.StreamEvents(b.Context(), "sesn_1", anthropic.BetaSessionEventStreamParams{})
			defer stream.Close()
			n, untyped := 0, 0
			for stream.Next() {
				if stream.Current().AsAny() == nil {
					untyped++
				}
				n++
			}
			if err := stream.Err(); err != nil {
				b.Fatalf("after %d events: %v", n, err)
			}
			if untyped != unknown {
				b.Fatalf("AsAny was nil for %d events, want %d (the unknown types)", untyped, unknown)
			}
			return n
		})
	})

	b.Run("Baseline", func(b *testing.B) {
		b.SetBytes(int64(len(transcript)))
		benchPerEvent(b, events, func() int {
			n, err := baselineDecode(bytes.NewReader(transcript))
			if err != nil {
				b.Fatal(err)
			}
			return n
		})
	})
}

// memBaseURL is the clients' base URL: a loopback address that memSSE
// answers in memory, so nothing is ever dialled.
const memBaseURL = "http://127.0.0.1:9"

// memSSE answers the stream request with body as text/event-stream. It
// refuses any other host or path, so a client's default cannot make it
// reach further.
type memSSE struct{ body []byte }

func (m memSSE) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "127.0.0.1:9" || r.URL.Path != "/v1/sessions/sesn_1/events/stream" {
		return nil, fmt.Errorf("interop: memSSE refuses %s %s", r.Method, r.URL)
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"text/event-stream"}},
		Body:       io.NopCloser(bytes.NewReader(m.body)),
		Request:    r,
	}, nil
}

// baselineDecode is the plain reading of an SSE body: lines from a
// bufio.Scanner (with room for 32 MiB lines), and each data line
// unmarshalled into the concrete type its event name selects, or kept as
// json.RawMessage for a type it does not know. Heartbeats and comments
// are skipped. It returns the number of events decoded.
func baselineDecode(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 32<<20)
	var (
		n       int
		inFrame bool // an event line was read
		ping    bool
		typ     reflect.Type // nil for an unknown type
	)
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			inFrame = false
		case bytes.HasPrefix(line, []byte("event: ")):
			name := line[len("event: "):]
			inFrame, ping = true, string(name) == "ping"
			typ = streamEventTypes[string(name)]
		case bytes.HasPrefix(line, []byte("data: ")) && inFrame && !ping:
			data := line[len("data: "):]
			var err error
			if typ != nil {
				err = json.Unmarshal(data, reflect.New(typ.Elem()).Interface())
			} else {
				var raw json.RawMessage
				err = json.Unmarshal(data, &raw)
			}
			if err != nil {
				return n, err
			}
			n++
		}
	}
	return n, sc.Err()
}

// TestBaselineDecodeTypes: the baseline knows every stream type but the
// transcript's two unknown ones, so its work matches the clients'.
func TestBaselineDecodeTypes(t *testing.T) {
	if len(streamEventTypes) != 44 {
		t.Errorf("%d stream types, want 42 history types and 2 previews", len(streamEventTypes))
	}
}

// streamEventTypes maps every type the stream can carry, the history types
// and the two previews, to our concrete type for it.
var streamEventTypes = func() map[string]reflect.Type {
	m := map[string]reflect.Type{
		"event_start": reflect.TypeFor[*managedagents.EventStartEvent](),
		"event_delta": reflect.TypeFor[*managedagents.EventDeltaEvent](),
	}
	for name, typ := range ourEventTypes {
		m[name] = typ
	}
	return m
}()

// benchPerEvent runs decode b.N times, fails unless each run yields events,
// and reports allocations and bytes allocated per event.
func benchPerEvent(b *testing.B, events int, decode func() int) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	runs := 0
	for b.Loop() {
		if got := decode(); got != events {
			b.Fatalf("decoded %d events, want %d", got, events)
		}
		runs++
	}
	runtime.ReadMemStats(&after)
	total := float64(events * runs)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/event")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/event")
}
