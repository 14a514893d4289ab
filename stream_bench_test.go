package managedagents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// The decode benchmarks compare, in one run, the whole Stream path (HTTP
// response → eventsource Decoder → DecodeEvent → iterator) with a plain
// baseline: a bufio line scanner and encoding/json into the same concrete
// types. Run with:
//
//	go test -run XXX -bench 'BenchmarkStreamDecode' -benchmem -count 6 .
//
// and compare the two with the ratio of their MB/s (the machine's absolute
// speed does not matter). Both read the same transcript from memory.

// mixedTranscript repeats the recorded turn of reference §9.7 (agent
// messages, tool uses, spans, status events, a heartbeat) n times.
func mixedTranscript(tb testing.TB, n int) ([]byte, int) {
	turn := readFixture(tb, "sse/turn.sse")
	events := bytes.Count(turn, []byte("\nevent: ")) + 1 - bytes.Count(turn, []byte("event: ping"))
	return bytes.Repeat(turn, n), events * n
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

func BenchmarkStreamDecode(b *testing.B) {
	transcript, events := mixedTranscript(b, 200)

	b.Run("Stream", func(b *testing.B) {
		c, err := NewClient(WithAPIKey("k"), WithoutEnvironment(), WithHTTPClient(&http.Client{Transport: memTransport{transcript}}))
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(transcript)))
		reportPerEvent(b, events, func() int {
			st, err := c.Events.Stream(b.Context(), "sesn_1", StreamParams{NoResume: true})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for ev, err := range st.Events() {
				if err != nil {
					break // the transcript's end reads as a drop
				}
				_ = ev
				n++
			}
			return n
		})
	})

	b.Run("Baseline", func(b *testing.B) {
		b.SetBytes(int64(len(transcript)))
		reportPerEvent(b, events, func() int {
			return baselineDecode(b, bytes.NewReader(transcript))
		})
	})
}

// baselineDecode is the plain reading of an SSE body: lines from a
// bufio.Scanner, and each data line unmarshalled into the concrete type
// its event name selects.
func baselineDecode(b *testing.B, r io.Reader) int {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 32<<20)
	n := 0
	name := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = line[len("event: "):]
		case strings.HasPrefix(line, "data: ") && name != "ping":
			newEvent, ok := eventTypes[name]
			if !ok {
				continue
			}
			ev := newEvent()
			if err := json.Unmarshal([]byte(line[len("data: "):]), ev); err != nil {
				b.Fatal(err)
			}
			n++
		case line == "":
			name = ""
		}
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
