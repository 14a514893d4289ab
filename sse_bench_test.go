package managedagents

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/launchdarkly/eventsource"
)

// BenchmarkSSEManyDataLines reads one frame of 100,000 short data lines
// (about 1 MiB) with our reader and, in the same run, with
// launchdarkly/eventsource's Decoder (which joins data lines by string
// concatenation) and with a bufio.Scanner that only splits the same bytes
// into lines (the floor):
//
//	go test -run XXX -bench BenchmarkSSEManyDataLines -benchmem -count 6 .
//
// The figures are the ratios of the three times.
func BenchmarkSSEManyDataLines(b *testing.B) {
	var in bytes.Buffer
	in.WriteString("event: agent.message\n")
	for range 100_000 {
		in.WriteString("data: 0123\n")
	}
	in.WriteString("\n")
	input := in.Bytes()
	wantData := 100_000*5 - 1

	b.Run("Ours", func(b *testing.B) {
		b.SetBytes(int64(len(input)))
		for b.Loop() {
			f, err := newSSEReader(bytes.NewReader(input), DefaultMaxFrameBytes).next()
			if err != nil || len(f.data) != wantData {
				b.Fatalf("read %d bytes of data, %v", len(f.data), err)
			}
		}
	})
	b.Run("Eventsource", func(b *testing.B) {
		b.SetBytes(int64(len(input)))
		for b.Loop() {
			ev, err := eventsource.NewDecoder(bytes.NewReader(input)).Decode()
			if err != nil || len(ev.Data()) != wantData {
				b.Fatalf("read a frame, %v", err)
			}
		}
	})
	b.Run("Lines", func(b *testing.B) {
		b.SetBytes(int64(len(input)))
		for b.Loop() {
			sc := bufio.NewScanner(bytes.NewReader(input))
			n := 0
			for sc.Scan() {
				n++
			}
			if n != 100_002 {
				b.Fatalf("%d lines", n)
			}
		}
	})
}

// endlessLine is an io.Reader of n bytes of "data: aaaa…" with no line
// ending, generated as it is read.
type endlessLine struct{ left int64 }

func (r *endlessLine) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	r.left -= n
	return int(n), nil
}

// BenchmarkSSEEndlessLine offers our reader a 1 GiB line with no line
// ending and reports how much it read before it gave up with a
// *FrameTooLargeError, and the peak heap it used, at the default
// MaxFrameBytes (32 MiB):
//
//	go test -run XXX -bench BenchmarkSSEEndlessLine -benchtime 3x .
//
// The figures are read-MiB (bytes consumed before the error) and
// peak-heap-MiB (the highest HeapAlloc sampled while reading, less the
// heap before).
func BenchmarkSSEEndlessLine(b *testing.B) {
	const size = 1 << 30
	var readMiB, peakMiB float64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		src := &endlessLine{left: size}
		sampler := &heapSampler{r: src}
		_, err := newSSEReader(sampler, DefaultMaxFrameBytes).next()
		var tooLarge *FrameTooLargeError
		if !errors.As(err, &tooLarge) {
			b.Fatalf("err = %v, want a *FrameTooLargeError", err)
		}
		readMiB = float64(size-src.left) / (1 << 20)
		peakMiB = float64(sampler.peak-before.HeapAlloc) / (1 << 20)
	}
	b.ReportMetric(readMiB, "read-MiB")
	b.ReportMetric(peakMiB, "peak-heap-MiB")
}

// heapSampler reads from r and samples the heap every 4 MiB.
type heapSampler struct {
	r     io.Reader
	n     int
	peak  uint64
	stats runtime.MemStats
}

func (h *heapSampler) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += n
	if h.n >= 4<<20 {
		h.n = 0
		runtime.ReadMemStats(&h.stats)
		h.peak = max(h.peak, h.stats.HeapAlloc)
	}
	return n, err
}

// TestSSEEndlessLineIsBounded is the benchmark's guarantee as a test, on a
// smaller scale: a 64 MiB line against a 1 MiB limit is refused after
// about 1 MiB of input.
func TestSSEEndlessLineIsBounded(t *testing.T) {
	src := &endlessLine{left: 64 << 20}
	_, err := newSSEReader(src, 1<<20).next()
	var tooLarge *FrameTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Limit != 1<<20 {
		t.Fatalf("err = %v, want a *FrameTooLargeError of 1 MiB", err)
	}
	if read := 64<<20 - src.left; read > 1<<20+2*sseBufferSize {
		t.Errorf("read %d bytes before giving up", read)
	}
	if !strings.Contains(err.Error(), "MaxFrameBytes (1048576 bytes)") {
		t.Errorf("error %q does not name the limit", err)
	}
}
