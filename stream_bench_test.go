package managedagents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// BenchmarkStreamDecode measures decoding throughput over the mixed
// transcript testdata/sse/mixed_2000.sse (2,000 events of a long session,
// every type of the catalog, heartbeats and comments), read from memory.
//
//   - Stream is the whole public path: Events.Stream over an in-memory
//     HTTP transport (no network), with NoResume, ranging over
//     Stream.Events; the transcript ends with session.deleted, which ends
//     the loop.
//   - Baseline is the plain way to read the same bytes: a bufio.Scanner
//     over the body and encoding/json into the concrete type the frame's
//     event name selects (json.RawMessage for unknown types).
//
// Both count their events and fail unless they see all 2,000. Each reports
// MB/s, allocs/event and B/event; the figure is the ratio of Stream to
// Baseline in one run, never an absolute time. Run with:
//
//	go test -run XXX -bench BenchmarkStreamDecode -benchmem -count 6 .
func BenchmarkStreamDecode(b *testing.B) {
	transcript := readFixture(b, mixedTranscriptFile)
	const events = mixedTranscriptEvents

	b.Run("Stream", func(b *testing.B) {
		c := newMemClient(b, transcript)
		b.SetBytes(int64(len(transcript)))
		reportPerEvent(b, events, func() int { return streamDecode(b, c) })
	})

	b.Run("Baseline", func(b *testing.B) {
		b.SetBytes(int64(len(transcript)))
		reportPerEvent(b, events, func() int {
			return baselineDecode(b, bytes.NewReader(transcript))
		})
	})

	// Paired times both in every iteration and reports the ratio of their
	// totals, which holds steady on a machine too busy for two separate
	// runs to be compared.
	b.Run("Paired", func(b *testing.B) {
		c := newMemClient(b, transcript)
		var ours, base time.Duration
		for b.Loop() {
			t0 := time.Now()
			if n := streamDecode(b, c); n != events {
				b.Fatalf("stream decoded %d events, want %d", n, events)
			}
			t1 := time.Now()
			if n := baselineDecode(b, bytes.NewReader(transcript)); n != events {
				b.Fatalf("baseline decoded %d events, want %d", n, events)
			}
			ours, base = ours+t1.Sub(t0), base+time.Since(t1)
		}
		b.ReportMetric(float64(ours)/float64(base), "stream/baseline")
	})
}

// newMemClient returns a client whose every request is answered with body.
func newMemClient(b *testing.B, body []byte) *Client {
	c, err := NewClient(WithAPIKey("k"), WithoutEnvironment(), WithHTTPClient(&http.Client{Transport: memTransport{body}}))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// streamDecode reads the whole transcript through Events.Stream and
// returns the number of events it yielded.
func streamDecode(b *testing.B, c *Client) int {
	st, err := c.Events.Stream(b.Context(), "sesn_1", StreamParams{NoResume: true})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	var last Event
	for ev, err := range st.Events() {
		if err != nil {
			b.Fatalf("after %d events: %v", n, err)
		}
		last = ev
		n++
	}
	if last == nil || last.EventType() != EventSessionDeleted {
		b.Fatalf("the stream ended after %d events without session.deleted", n)
	}
	return n
}

// memTransport answers every request with body, without a network.
type memTransport struct{ body []byte }

func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"text/event-stream"}},
		Body:       io.NopCloser(bytes.NewReader(t.body)),
		Request:    r,
	}, nil
}

// baselineDecode is the plain reading of an SSE body: lines from a
// bufio.Scanner (with room for 32 MiB lines), and each data line
// unmarshalled into the concrete type its event name selects, or kept as
// json.RawMessage for a type it does not know. Heartbeats and comments
// are skipped. It returns the number of events decoded.
func baselineDecode(b *testing.B, r io.Reader) int {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 32<<20)
	var (
		n        int
		inFrame  bool // an event line was read
		ping     bool
		newEvent func() Event // nil for an unknown type
	)
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			inFrame = false
		case bytes.HasPrefix(line, []byte("event: ")):
			name := line[len("event: "):]
			inFrame, ping = true, string(name) == "ping"
			newEvent = eventTypes[string(name)]
		case bytes.HasPrefix(line, []byte("data: ")) && inFrame && !ping:
			data := line[len("data: "):]
			var err error
			if newEvent != nil {
				err = json.Unmarshal(data, newEvent())
			} else {
				var raw json.RawMessage
				err = json.Unmarshal(data, &raw)
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

// reportPerEvent runs decode b.N times and reports allocations and bytes
// allocated per event.
func reportPerEvent(b *testing.B, events int, decode func() int) {
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
