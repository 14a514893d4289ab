package managedagents

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrameBytes bounds the data of one frame on an event stream
// (and so each of its lines). A frame carries one event, and the API accepts request bodies of
// up to 32 MB, which is also the longest line the official Go SDK reads; a
// frame over the bound ends its connection with a *FrameTooLargeError.
const DefaultMaxFrameBytes = 32 << 20

// sseBufferSize is the read buffer of one stream: the size of the buffer a
// bufio.Scanner starts with, so an idle stream costs what a plain line
// reader costs. Longer lines are gathered in a separate buffer.
const sseBufferSize = 4096

// FrameTooLargeError reports a line or a frame on an event stream longer
// than StreamParams.MaxFrameBytes. The connection it arrived on is closed;
// a resuming stream reconnects and reads the event from the history, which
// has no such limit.
type FrameTooLargeError struct {
	// Limit is the MaxFrameBytes in force.
	Limit int
}

// Error names the limit.
func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("managedagents: event stream frame exceeds MaxFrameBytes (%d bytes)", e.Limit)
}

// sseFrame is one dispatched event-stream frame.
type sseFrame struct {
	// event is the frame's event field, empty when it had none.
	event string
	// data is the frame's data lines joined with "\n". It is a fresh slice
	// owned by the receiver: a decoded event keeps it as its raw JSON.
	data []byte
	// id is the last event ID seen on the connection (the id field
	// persists across frames, as in the WHATWG rules).
	id string
}

// sseReader reads event-stream frames following the WHATWG rules: lines
// end in LF, CR or CRLF; a leading byte-order mark is skipped; lines
// starting with ":" are comments; "field:value" loses one optional space
// after the colon; a line without a colon is a field with an empty value;
// data lines are joined with "\n"; a blank line dispatches a frame that
// has data; a frame still open at the end of the input is dropped. The
// retry field is ignored. It runs on the caller's goroutine and takes time
// linear in its input.
type sseReader struct {
	r   *bufio.Reader
	max int

	// long gathers a line longer than the read buffer; it is dropped
	// after a frame over longKeep so that an idle stream does not hold
	// the memory of its largest frame.
	long []byte
	// skipLF is set after a line ended in CR: a LF right after it belongs
	// to the same line ending.
	skipLF bool
	// started is set once the optional byte-order mark has been checked.
	started bool

	// The frame being read.
	event   string
	data    []byte
	hasData bool
	// open is set once the frame has a field line; partial while a line
	// has begun but not ended. Either at the end of the input means a
	// frame was cut off.
	open, partial bool
	// lineIsLong says that the line just read is in d.long.
	lineIsLong bool
	lastID     string

	// onData, when set, is called after each read that brought bytes.
	onData func()
}

// longKeep is the largest long-line buffer kept between frames.
const longKeep = 64 << 10

// lineSlack lets a line exceed the frame limit by a field name and its
// colon, so that a data line can carry exactly the limit.
const lineSlack = 64

func newSSEReader(r io.Reader, maxFrame int) *sseReader {
	return newSSEReaderSize(r, maxFrame, sseBufferSize)
}

// newSSEReaderSize is newSSEReader with a read buffer of bufSize bytes
// (at least 16); tests use small ones to reach every path.
func newSSEReaderSize(r io.Reader, maxFrame, bufSize int) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, bufSize), max: maxFrame}
}

// eventNames interns the event names the API uses, so that reading one
// does not allocate.
var eventNames = func() map[string]string {
	m := map[string]string{"ping": "ping", "error": "error"}
	for name := range eventTypes {
		m[name] = name
	}
	return m
}()

func eventName(b []byte) string {
	if s, ok := eventNames[string(b)]; ok {
		return s
	}
	return string(b)
}

// next returns the next frame. At the end of the input it returns io.EOF
// when no frame was open and io.ErrUnexpectedEOF when one was (it is
// dropped); other read errors are returned as they are. A line or frame
// over the limit is a *FrameTooLargeError.
func (d *sseReader) next() (sseFrame, error) {
	if !d.started {
		if err := d.skipBOM(); err != nil {
			return sseFrame{}, err
		}
	}
	for {
		line, err := d.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) && (d.open || d.partial) {
				err = io.ErrUnexpectedEOF
			}
			d.resetFrame()
			return sseFrame{}, err
		}
		if len(line) == 0 {
			d.open = false
			if !d.hasData {
				d.event = ""
				continue
			}
			f := sseFrame{event: d.event, data: d.data, id: d.lastID}
			d.event, d.data, d.hasData = "", nil, false
			if cap(d.long) > longKeep {
				d.long = nil
			}
			return f, nil
		}
		if err := d.field(line); err != nil {
			d.resetFrame()
			return sseFrame{}, err
		}
	}
}

// skipBOM skips a byte-order mark at the start of the input. It waits for
// more than one byte only when the first is the mark's first byte, so that
// a short first write is read at once.
func (d *sseReader) skipBOM() error {
	b, err := d.r.Peek(1)
	if err != nil {
		return err
	}
	if b[0] == utf8BOM[0] {
		if b, err = d.r.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
			d.r.Discard(len(utf8BOM))
		}
	}
	d.started = true
	return nil
}

var utf8BOM = []byte("\xEF\xBB\xBF")

func (d *sseReader) resetFrame() {
	d.event, d.data, d.hasData, d.open, d.partial, d.long = "", nil, false, false, false, nil
}

// field applies one non-empty line to the frame being read.
func (d *sseReader) field(line []byte) error {
	if line[0] == ':' {
		return nil // a comment
	}
	d.open = true
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		if d.hasData {
			if len(d.data)+1+len(value) > d.max {
				return &FrameTooLargeError{Limit: d.max}
			}
			d.data = appendBounded(d.data, 1+len(value), d.max)
			d.data = append(d.data, '\n')
			d.data = append(d.data, value...)
		} else {
			if len(value) > d.max {
				return &FrameTooLargeError{Limit: d.max}
			}
			// The first data line, usually the whole frame's data, which
			// becomes the event's raw JSON: a line gathered in d.long is
			// taken over as it is, a line in the read buffer is copied
			// once.
			if d.lineIsLong {
				d.data, d.long = value, nil
			} else {
				d.data = append(make([]byte, 0, len(value)), value...)
			}
			d.hasData = true
		}
	case "event":
		d.event = eventName(value)
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			d.lastID = string(value)
		}
	}
	return nil
}

// readLine returns the next line without its ending. The slice is valid
// until the next call. d.partial is set while a line has begun but not
// ended.
//
// A line that fits the read buffer is returned from it: when its end has
// not arrived yet, the buffer is asked for more (bufio moves the partial
// line to its start), so that an event split across two reads costs no
// copy. Only a line longer than the buffer is gathered in d.long.
func (d *sseReader) readLine() ([]byte, error) {
	long := false
	scanned := 0 // bytes of the buffered window known to hold no line end
	for {
		if d.r.Buffered() == 0 {
			if err := d.fill(1); err != nil {
				return nil, err
			}
		}
		buf, _ := d.r.Peek(d.r.Buffered())
		if d.skipLF {
			d.skipLF = false
			if buf[0] == '\n' {
				d.r.Discard(1)
				continue
			}
		}
		i := lineEnd(buf[scanned:])
		if i < 0 {
			d.partial = true
			gathered := 0
			if long {
				gathered = len(d.long)
			}
			if gathered+len(buf) > d.max+lineSlack {
				d.long = nil
				return nil, &FrameTooLargeError{Limit: d.max}
			}
			if !long && len(buf) < d.r.Size() {
				// Wait for more of this line in the buffer itself.
				scanned = len(buf)
				if err := d.fill(len(buf) + 1); err != nil {
					return nil, err
				}
				continue
			}
			// Longer than the buffer: gather it and read on.
			if !long {
				d.long = d.long[:0]
				long = true
			}
			d.long = appendBounded(d.long, len(buf), d.max+lineSlack)
			d.long = append(d.long, buf...)
			d.r.Discard(len(buf))
			scanned = 0
			continue
		}
		i += scanned
		d.partial = false
		d.lineIsLong = long
		line := buf[:i]
		d.skipLF = buf[i] == '\r'
		if long {
			if len(d.long)+i > d.max+lineSlack {
				d.long = nil
				return nil, &FrameTooLargeError{Limit: d.max}
			}
			d.long = appendBounded(d.long, i, d.max+lineSlack)
			d.long = append(d.long, line...)
			line = d.long
		} else if i > d.max+lineSlack {
			return nil, &FrameTooLargeError{Limit: d.max}
		}
		d.r.Discard(i + 1)
		return line, nil
	}
}

// fill waits until n bytes are buffered, and tells onData that bytes came.
func (d *sseReader) fill(n int) error {
	if _, err := d.r.Peek(n); err != nil {
		return err
	}
	if d.onData != nil {
		d.onData()
	}
	return nil
}

// appendBounded makes room in b for n more bytes, doubling its capacity
// but never past limit, so that gathering a long line or frame copies at
// most twice its length and never allocates much beyond the limit.
func appendBounded(b []byte, n, limit int) []byte {
	need := len(b) + n
	if need <= cap(b) {
		return b
	}
	c := min(max(2*cap(b), need, sseBufferSize), max(limit, need))
	return append(make([]byte, 0, c), b...)
}

// lineEnd is the index of the first CR or LF in b, or -1. Two IndexByte
// scans are much faster than bytes.IndexAny on long lines.
func lineEnd(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	limit := b
	if i >= 0 {
		limit = b[:i]
	}
	if j := bytes.IndexByte(limit, '\r'); j >= 0 {
		return j
	}
	return i
}
