package managedagents

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"time"
)

// checkpointVersion is the version of the checkpoint encoding this library
// writes and reads.
const checkpointVersion = 1

// checkpointMarginEntries is how many delivered events of the last
// resumeMargin a session checkpoint remembers besides those processed at
// the newest timestamp and those delivered while queued.
const checkpointMarginEntries = 8

// maxCheckpointText bounds the text UnmarshalText accepts.
const maxCheckpointText = 64 << 10

// Checkpoint is where a stream stands: what a new Stream, in this process
// or another, needs to continue after the events the old one delivered.
// Get one from Stream.Checkpoint after any event, store its text form
// (MarshalText, or JSON, where it is a string) and pass it back as
// StreamParams.After.
//
// A checkpoint guarantees that a stream opened from it yields every
// persisted event delivered after it was taken exactly once, in order, and
// then follows live, as long as the history still holds those events. It
// holds the session ID (and the thread ID for a thread stream), the ID and
// processed_at of the last event delivered, and the 8-byte hashes of the
// events that the next history read returns again: for a session, those
// processed at the same instant as the last one (so several events sharing
// one processed_at are neither lost nor repeated), up to 8 more of the
// last 5 s, and client events delivered while queued (whose processed copy
// is then still delivered, as an update); for a thread, the cursor of the
// history page holding the last event delivered.
//
// It does not replay live previews (event_start, event_delta), which are
// never persisted. Events with an empty ID cannot be told apart: on a
// session stream, those of the 5 s before the checkpoint may be delivered
// again. A session event that appears in the history after the checkpoint
// but is stamped earlier than the last event (another worker's clock) is
// delivered if it is stamped within 5 s of it and after the ninth-newest
// event the checkpoint remembers; stamped earlier still, it is taken as
// delivered. A thread checkpoint assumes that the thread's history keeps
// its order; if its last event is no longer found after its cursor, Stream
// returns an error instead of guessing. A checkpoint is taken after an
// event was handed to the loop: save it after handling the event, and a
// crash between the two makes the next process see that event again.
//
// The text form is URL-safe base64 with a version and a checksum: a
// corrupt text, or one of an unknown version, fails to decode, and Stream
// refuses a checkpoint of another session or thread. It takes about 130
// to 350 characters (a thread's holds the server's history cursor), and
// about 12 more per event that shares the last event's processed_at. The
// zero Checkpoint marshals to empty text and means "no checkpoint".
type Checkpoint struct {
	thread    bool
	sessionID string
	threadID  string
	// last is the ID of the last processed event delivered.
	last string
	// newest and floor are the deliveredSet's, in Unix nanoseconds (0 for
	// the zero time).
	newest, floor int64
	// cursor is a thread stream's history cursor: the page holding last.
	cursor  string
	entries []checkpointEntry
	// err is set by a failed UnmarshalText, so that a checkpoint that did
	// not decode is refused by Stream too.
	err error
}

// checkpointEntry is one remembered delivered event: the deliveredSet's
// hash (with its processed bit) and processed_at in Unix nanoseconds.
type checkpointEntry struct {
	hash uint64
	at   int64
}

// IsZero reports whether c is the zero Checkpoint ("no checkpoint").
func (c Checkpoint) IsZero() bool {
	return c.sessionID == "" && c.err == nil
}

// SessionID returns the ID of the session whose stream c was taken from.
func (c Checkpoint) SessionID() string { return c.sessionID }

// ThreadID returns the ID of the thread whose stream c was taken from, or
// "" for a session stream.
func (c Checkpoint) ThreadID() string { return c.threadID }

// LastEventID returns the ID of the last processed event the stream had
// delivered (or, for a stream that opened at "now", the newest event then
// in the history); "" when there was none.
func (c Checkpoint) LastEventID() string { return c.last }

// String returns the text form, or "" for the zero Checkpoint or one that
// did not decode.
func (c Checkpoint) String() string {
	b, _ := c.MarshalText()
	return string(b)
}

// MarshalText encodes c as URL-safe base64 text; the zero Checkpoint
// encodes as empty text.
func (c Checkpoint) MarshalText() ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.IsZero() {
		return []byte{}, nil
	}
	bin := c.appendBinary(make([]byte, 0, 128))
	out := make([]byte, base64.RawURLEncoding.EncodedLen(len(bin)))
	base64.RawURLEncoding.Encode(out, bin)
	return out, nil
}

// kind bytes of the encoding.
const (
	checkpointSession = 1
	checkpointThread  = 2
)

func (c Checkpoint) appendBinary(b []byte) []byte {
	b = append(b, checkpointVersion)
	if c.thread {
		b = append(b, checkpointThread)
	} else {
		b = append(b, checkpointSession)
	}
	b = appendString(b, c.sessionID)
	if c.thread {
		b = appendString(b, c.threadID)
		b = appendString(b, c.cursor)
	}
	b = appendString(b, c.last)
	b = binary.AppendVarint(b, c.newest)
	b = binary.AppendVarint(b, c.newest-c.floor)
	b = binary.AppendUvarint(b, uint64(len(c.entries)))
	for _, e := range c.entries {
		b = binary.LittleEndian.AppendUint64(b, e.hash)
		b = binary.AppendVarint(b, c.newest-e.at)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// UnmarshalText decodes a checkpoint from its text form; empty text gives
// the zero Checkpoint. A text that is not a checkpoint, is damaged, or has
// a version this library does not know is an error matching
// ErrInvalidParams, and leaves c refused by Stream as well.
func (c *Checkpoint) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*c = Checkpoint{}
		return nil
	}
	d, err := decodeCheckpoint(text)
	if err != nil {
		*c = Checkpoint{err: err}
		return err
	}
	*c = d
	return nil
}

func decodeCheckpoint(text []byte) (Checkpoint, error) {
	if len(text) > maxCheckpointText {
		return Checkpoint{}, invalidParams("checkpoint: %d bytes of text, more than %d", len(text), maxCheckpointText)
	}
	bin := make([]byte, base64.RawURLEncoding.DecodedLen(len(text)))
	n, err := base64.RawURLEncoding.Strict().Decode(bin, text)
	if err != nil {
		return Checkpoint{}, invalidParams("checkpoint: not a checkpoint (not URL-safe base64)")
	}
	bin = bin[:n]
	if len(bin) < 1+4 {
		return Checkpoint{}, invalidParams("checkpoint: too short")
	}
	if bin[0] != checkpointVersion {
		return Checkpoint{}, invalidParams("checkpoint: version %d is not supported (this library reads version %d)", bin[0], checkpointVersion)
	}
	body, sum := bin[:len(bin)-4], binary.LittleEndian.Uint32(bin[len(bin)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return Checkpoint{}, invalidParams("checkpoint: damaged (checksum mismatch)")
	}
	r := checkpointReader{b: body[1:]}
	var c Checkpoint
	switch r.byte() {
	case checkpointSession:
	case checkpointThread:
		c.thread = true
	default:
		return Checkpoint{}, invalidParams("checkpoint: unknown stream kind")
	}
	c.sessionID = r.string()
	if c.thread {
		c.threadID = r.string()
		c.cursor = r.string()
	}
	c.last = r.string()
	c.newest = r.varint()
	c.floor = c.newest - r.varint()
	count := r.uvarint()
	if r.err == nil && count > uint64(len(r.b))/9 { // each entry takes 9 bytes at least
		r.err = errors.New("entry count out of range")
	}
	for i := uint64(0); i < count && r.err == nil; i++ {
		h := r.uint64()
		c.entries = append(c.entries, checkpointEntry{hash: h, at: c.newest - r.varint()})
	}
	switch {
	case r.err != nil:
		return Checkpoint{}, invalidParams("checkpoint: damaged (%v)", r.err)
	case len(r.b) != 0:
		return Checkpoint{}, invalidParams("checkpoint: damaged (trailing bytes)")
	case c.sessionID == "" || (c.thread && c.threadID == ""):
		return Checkpoint{}, invalidParams("checkpoint: no session or thread ID")
	}
	// One text per checkpoint: a decoded checkpoint marshals back to the
	// same text, so that stored checkpoints can be compared.
	if again, _ := c.MarshalText(); string(again) != string(text) {
		return Checkpoint{}, invalidParams("checkpoint: damaged (not in canonical form)")
	}
	return c, nil
}

// checkpointReader reads the binary form; the first failure sticks.
type checkpointReader struct {
	b   []byte
	err error
}

func (r *checkpointReader) fail(what string) {
	if r.err == nil {
		r.err = errors.New(what)
	}
	r.b = nil
}

func (r *checkpointReader) byte() byte {
	if len(r.b) < 1 {
		r.fail("cut short")
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *checkpointReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// varint reads a zig-zag signed number, as binary.AppendVarint writes it.
func (r *checkpointReader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *checkpointReader) uint64() uint64 {
	if len(r.b) < 8 {
		r.fail("cut short")
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *checkpointReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("string cut short")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// Checkpoint returns where the stream stands after the events it has
// delivered so far, for StreamParams.After; false for a stream with
// NoResume, which keeps no position, and for a stream opened at "now"
// whose first history read failed and has not been read again yet (it
// does not know yet which events of its start instant predate it). Call
// it from the goroutine ranging
// over Events (typically in the loop body, after handling an event), or
// after the loop ended: the event just yielded counts as delivered.
func (st *Stream) Checkpoint() (Checkpoint, bool) {
	if st.params.NoResume || st.startID != "" {
		return Checkpoint{}, false
	}
	s := &st.seen
	c := Checkpoint{
		sessionID: st.sessionID,
		last:      s.last,
		newest:    ckNanos(s.newest),
		floor:     ckNanos(s.floor),
	}
	if th, ok := st.hist.(*threadHistory); ok {
		c.thread, c.threadID, c.cursor = true, th.threadID, th.anchorPage
		// A thread resumes from the cursor, skipping up to the last event,
		// and judges no event by its time: only events delivered while
		// queued need remembering.
		c.newest, c.floor = 0, 0
		for i, h := range s.hashes {
			if h&processedBit == 0 {
				c.entries = append(c.entries, checkpointEntry{hash: h, at: ckAt(s.ats[i])})
			}
		}
		return c, true
	}
	from := nanos(s.resumeFrom())
	newest := nanos(s.newest)
	extra := 0
	for i := len(s.hashes) - 1; i >= 0; i-- {
		h, at := s.hashes[i], s.ats[i]
		queued := h&processedBit == 0
		switch {
		case queued || (at == newest && !s.newest.IsZero()):
		case at < from:
			continue // before the resume read: never seen again
		case extra < checkpointMarginEntries:
			extra++
		default:
			// Left out: history events processed up to it count as
			// delivered.
			if at+1 > c.floor {
				c.floor = at + 1
			}
			continue
		}
		c.entries = append(c.entries, checkpointEntry{hash: h, at: ckAt(at)})
	}
	slices.Reverse(c.entries) // delivery order, oldest first
	return c, true
}

// ckNanos is t in Unix nanoseconds, 0 for the zero time.
func ckNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// ckAt maps a deliveredSet time (math.MinInt64 for the zero time) to a
// checkpoint time (0 for it).
func ckAt(at int64) int64 {
	if at == nanos(time.Time{}) {
		return 0
	}
	return at
}

// ckTime maps a checkpoint time back to a time.Time.
func ckTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// checkAfter validates p.After for a stream of this session (and thread,
// "" for a session stream), before any I/O.
func (p *StreamParams) checkAfter(sessionID, threadID string) error {
	c := p.After
	if c.IsZero() {
		return nil
	}
	switch {
	case c.err != nil:
		return c.err
	case p.FromStart:
		return invalidParams("After and FromStart both set: a stream starts at one place")
	case p.NoResume:
		return invalidParams("After and NoResume both set: a stream from a checkpoint reads the history")
	case c.thread && threadID == "":
		return invalidParams("After: a checkpoint of thread %s cannot open a session stream", c.threadID)
	case !c.thread && threadID != "":
		return invalidParams("After: a checkpoint of a session stream cannot open a thread stream")
	case c.sessionID != sessionID:
		return invalidParams("After: the checkpoint is of session %s, not %s", c.sessionID, sessionID)
	case c.threadID != threadID:
		return invalidParams("After: the checkpoint is of thread %s, not %s", c.threadID, threadID)
	}
	return nil
}

// restore sets the delivered set from c.
func (s *deliveredSet) restore(c Checkpoint) {
	s.last = c.last
	s.newest, s.floor = ckTime(c.newest), ckTime(c.floor)
	for _, e := range c.entries {
		at := e.at
		if at == 0 {
			at = nanos(time.Time{})
		}
		if len(s.hashes) >= s.max {
			s.drop(1)
		}
		s.hashes = append(s.hashes, e.hash)
		s.ats = append(s.ats, at)
	}
}

// errCheckpointLost reports a thread checkpoint whose last event is not in
// the history after its cursor.
func errCheckpointLost(c Checkpoint) error {
	return fmt.Errorf("managedagents: After: event %s of the checkpoint is not in thread %s's history after its cursor", c.last, c.threadID)
}
