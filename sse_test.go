package managedagents

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/launchdarkly/eventsource"
)

// frameView is a frame as the tests compare it.
type frameView struct{ Event, Data, ID string }

// fv parses "event|data|id", for short test tables.
func fv(s string) frameView {
	p := strings.SplitN(s, "|", 3)
	return frameView{p[0], p[1], p[2]}
}

// readFrames reads every frame of input with a reader limited to max,
// through r (which may split the input into small reads), and returns the
// frames and the final error.
func readFrames(r io.Reader, max int) ([]frameView, error) {
	return readFramesSize(r, max, sseBufferSize)
}

// readFramesSize is readFrames with a read buffer of bufSize bytes.
func readFramesSize(r io.Reader, max, bufSize int) ([]frameView, error) {
	d := newSSEReaderSize(r, max, bufSize)
	var out []frameView
	for {
		f, err := d.next()
		if err != nil {
			return out, err
		}
		out = append(out, frameView{f.event, string(f.data), f.id})
	}
}

func TestSSEReader(t *testing.T) {
	big := strings.Repeat("x", 10_000) // longer than the read buffer
	tests := []struct {
		name  string
		input string
		max   int
		want  []string
		err   error
	}{
		{name: "LF", input: "event: a\ndata: {}\n\n", want: []string{"a|{}|"}, err: io.EOF},
		{name: "CRLF", input: "event: a\r\ndata: {}\r\n\r\n", want: []string{"a|{}|"}, err: io.EOF},
		{name: "CR only", input: "event: a\rdata: {}\r\revent: b\rdata: 1\r\r", want: []string{"a|{}|", "b|1|"}, err: io.EOF},
		{name: "mixed endings", input: "data: 1\r\n\ndata: 2\n\r\n", want: []string{"|1|", "|2|"}, err: io.EOF},
		{name: "byte-order mark", input: "\xEF\xBB\xBFevent: a\ndata: 1\n\n", want: []string{"a|1|"}, err: io.EOF},
		{name: "a second mark is data", input: "\xEF\xBB\xBF\xEF\xBB\xBFdata: 1\n\ndata: 2\n\n", want: []string{"|2|"}, err: io.EOF},
		{name: "a lone first byte of a mark", input: "\xEFdata: 1\n\ndata: 2\n\n", want: []string{"|2|"}, err: io.EOF},
		{name: "comments", input: ": hi\n:\nevent: a\n: between\ndata: 1\n\n: keepalive\n\n", want: []string{"a|1|"}, err: io.EOF},
		{name: "one optional space", input: "data:1\n\ndata:  2\n\n", want: []string{"|1|", "| 2|"}, err: io.EOF},
		{name: "multi-line data", input: "data: {\"a\":\ndata: 1}\ndata:\n\n", want: []string{"|{\"a\":\n1}\n|"}, err: io.EOF},
		{name: "field without colon", input: "data\n\n", want: []string{"||"}, err: io.EOF},
		{name: "event without data is no frame", input: "event: a\n\ndata: 1\n\n", want: []string{"|1|"}, err: io.EOF},
		{name: "blank lines", input: "\n\n\r\n\rdata: 1\n\n\n", want: []string{"|1|"}, err: io.EOF},
		{name: "id persists and retry is ignored", input: "id: 7\nretry: 3000\ndata: 1\n\ndata: 2\n\nid\ndata: 3\n\n",
			want: []string{"|1|7", "|2|7", "|3|"}, err: io.EOF},
		{name: "id with NUL is ignored", input: "id: 1\ndata: a\n\nid: 2\x00\ndata: b\n\n", want: []string{"|a|1", "|b|1"}, err: io.EOF},
		{name: "unknown fields", input: "foo: bar\nDATA: x\ndata: 1\n\n", want: []string{"|1|"}, err: io.EOF},
		{name: "frame open at EOF", input: "data: 1\n\ndata: 2\n", want: []string{"|1|"}, err: io.ErrUnexpectedEOF},
		{name: "line cut at EOF", input: "data: 1\n\ndata: {\"a", want: []string{"|1|"}, err: io.ErrUnexpectedEOF},
		{name: "comment cut at EOF", input: "data: 1\n\n: keep", want: []string{"|1|"}, err: io.ErrUnexpectedEOF},
		{name: "long line", input: "event: a\ndata: " + big + "\n\n", want: []string{"a|" + big + "|"}, err: io.EOF},
		{name: "long lines joined", input: "data: " + big + "\ndata: " + big + "\n\n", want: []string{"|" + big + "\n" + big + "|"}, err: io.EOF},
		{name: "data at the limit", input: "data: 12345678\n\n", max: 8, want: []string{"|12345678|"}, err: io.EOF},
		{name: "line over the limit", input: "data: 1\n\ndata: 123456789\n\n", max: 8, want: []string{"|1|"}, err: &FrameTooLargeError{Limit: 8}},
		{name: "frame over the limit", input: "data: 1234\ndata: 5678\n\n", max: 8, err: &FrameTooLargeError{Limit: 8}},
		{name: "endless line over the limit", input: strings.Repeat("y", 20_000), max: 10_000, err: &FrameTooLargeError{Limit: 10_000}},
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"halves":   func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for rname, reader := range readers {
			for _, bufSize := range []int{sseBufferSize, 16} {
				t.Run(fmt.Sprint(tt.name, "/", rname, "/", bufSize), func(t *testing.T) {
					max := tt.max
					if max == 0 {
						max = DefaultMaxFrameBytes
					}
					got, err := readFramesSize(reader(tt.input), max, bufSize)
					var want []frameView
					for _, w := range tt.want {
						want = append(want, fv(w))
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("frames (-want +got):\n%s", diff)
					}
					if fmt.Sprint(err) != fmt.Sprint(tt.err) {
						t.Errorf("error = %v, want %v", err, tt.err)
					}
					var tooLarge *FrameTooLargeError
					if _, want := tt.err.(*FrameTooLargeError); want && !errors.As(err, &tooLarge) {
						t.Errorf("error %T is not a *FrameTooLargeError", err)
					}
				})
			}
		}
	}
}

// TestSSEReaderCRThenLF checks that a CR ending one read and an LF starting
// the next make one line ending, and that a CR-terminated frame is
// dispatched before the next byte arrives (a live stream must not wait for
// it).
func TestSSEReaderCRThenLF(t *testing.T) {
	pr, pw := io.Pipe()
	d := newSSEReader(pr, DefaultMaxFrameBytes)
	go pw.Write([]byte("data: 1\r\r"))
	f, err := d.next()
	if err != nil || string(f.data) != "1" {
		t.Fatalf("first frame %q, %v", f.data, err)
	}
	go func() {
		pw.Write([]byte("\ndata: 2\r"))
		pw.Write([]byte("\n\r\n"))
		pw.Close()
	}()
	f, err = d.next()
	if err != nil || string(f.data) != "2" {
		t.Fatalf("second frame %q, %v", f.data, err)
	}
	if _, err := d.next(); err != io.EOF {
		t.Fatalf("end: %v, want EOF", err)
	}
}

// TestSSEReaderDataIsOwned checks that a frame's data is not overwritten by
// later reads: it becomes an event's raw JSON.
func TestSSEReaderDataIsOwned(t *testing.T) {
	input := "data: first\n\n" + "data: " + strings.Repeat("z", 9000) + "\n\n" + "data: third\n\n"
	d := newSSEReader(iotest.HalfReader(strings.NewReader(input)), DefaultMaxFrameBytes)
	var frames []sseFrame
	for {
		f, err := d.next()
		if err != nil {
			break
		}
		frames = append(frames, f)
	}
	if len(frames) != 3 || string(frames[0].data) != "first" || len(frames[1].data) != 9000 || string(frames[2].data) != "third" {
		t.Fatalf("frames changed after later reads: %d frames, first %q", len(frames), frames[0].data)
	}
}

// TestSSEReaderLongBufferReleased checks that the buffer of a large line is
// not kept once its frame is read, so an idle stream does not hold the
// memory of its largest frame.
func TestSSEReaderLongBufferReleased(t *testing.T) {
	input := ": " + strings.Repeat("c", 200_000) + "\ndata: 1\n\n"
	d := newSSEReader(strings.NewReader(input), DefaultMaxFrameBytes)
	if _, err := d.next(); err != nil {
		t.Fatal(err)
	}
	if cap(d.long) > longKeep {
		t.Errorf("kept a %d-byte line buffer after the frame", cap(d.long))
	}
}

// ldFrames reads input with launchdarkly/eventsource's Decoder and returns
// the frames that carry data, in readFrames' form. The Decoder does not
// skip a byte-order mark, so one is removed first.
func ldFrames(input []byte) []frameView {
	dec := eventsource.NewDecoder(bytes.NewReader(bytes.TrimPrefix(input, utf8BOM)))
	var out []frameView
	for {
		ev, err := dec.Decode()
		if err != nil {
			return out
		}
		if ev.Data() == "" {
			continue
		}
		id := ""
		if e, ok := ev.(eventsource.EventWithLastID); ok {
			id = e.LastEventID()
		}
		out = append(out, frameView{ev.Event(), ev.Data(), id})
	}
}

func dataFrames(frames []frameView) []frameView {
	var out []frameView
	for _, f := range frames {
		if f.Data != "" {
			out = append(out, f)
		}
	}
	return out
}

func sseSeeds(f *testing.F) {
	for _, name := range []string{"turn.sse", "turn_crlf.sse", "odd_frames.sse", "multiline_comments.sse", "previews.sse", "cut_mid_frame.sse", "error_frame.sse"} {
		f.Add(readFixture(f, "sse/"+name))
	}
	for _, s := range []string{
		"", "\n", "\r", "\r\n", ":\n\n", "data\n\n", "data:\n\n", "data: a\rdata: b\r\r", "\xEF\xBB\xBFdata: 1\n\n",
		"id: 1\x00\ndata: x\n\n", "event: a\nid: 9\nretry: 1\ndata: x\n\ndata: y\n\n", "data: 1\r\n\r\ndata: 2\n\r\r",
		"event:x\n\ndata:y\n\n", "data: a\n", "data: a", "data:  two spaces\n\n", "\rdata:\r\n\r",
	} {
		f.Add([]byte(s))
	}
}

// FuzzSSEReaderMatchesEventsource requires our reader and
// launchdarkly/eventsource's Decoder to agree on the frames of any input
// (event name, data, last event ID), comparing the frames that carry data:
// the Decoder also dispatches frames with no data line, which the WHATWG
// rules and our reader do not, and which a stream skips either way.
func FuzzSSEReaderMatchesEventsource(f *testing.F) {
	sseSeeds(f)
	f.Fuzz(func(t *testing.T, input []byte) {
		ours, err := readFrames(bytes.NewReader(input), 1<<20)
		if err != io.EOF && err != io.ErrUnexpectedEOF {
			t.Fatalf("unexpected error %v", err)
		}
		theirs := ldFrames(input)
		if diff := cmp.Diff(theirs, dataFrames(ours)); diff != "" {
			t.Fatalf("frames of %q differ (-eventsource +ours):\n%s", input, diff)
		}
	})
}

// FuzzSSEReader checks that the reader never panics, keeps every frame
// within its limit, reports only the errors it documents, and reads the
// same frames however the input is split into reads and whatever the size
// of its buffer.
func FuzzSSEReader(f *testing.F) {
	sseSeeds(f)
	f.Fuzz(func(t *testing.T, input []byte) {
		const max = 64
		whole, werr := readFrames(bytes.NewReader(input), max)
		for _, small := range []io.Reader{iotest.OneByteReader(bytes.NewReader(input)), iotest.HalfReader(bytes.NewReader(input))} {
			// A 16-byte buffer gathers most lines as longer than it.
			split, serr := readFramesSize(small, max, 16)
			if diff := cmp.Diff(whole, split); diff != "" || fmt.Sprint(werr) != fmt.Sprint(serr) {
				t.Fatalf("split reads or a small buffer changed the result of %q: %v vs %v\n%s", input, werr, serr, diff)
			}
		}
		var tooLarge *FrameTooLargeError
		if werr != io.EOF && werr != io.ErrUnexpectedEOF && !errors.As(werr, &tooLarge) {
			t.Fatalf("undocumented error %v", werr)
		}
		for _, fr := range whole {
			if len(fr.Data) > max {
				t.Fatalf("frame data of %d bytes over the limit %d", len(fr.Data), max)
			}
		}
	})
}
