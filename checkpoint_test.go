package managedagents

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sampleCheckpoint is a session checkpoint as a stream would take it: two
// events at the boundary timestamp, one a second earlier, and a floor.
func sampleCheckpoint() Checkpoint {
	at := time.Date(2026, 11, 26, 10, 15, 2, 114_000_000, time.UTC).UnixNano()
	return Checkpoint{
		sessionID: "sesn_011CZkZAtmR3yMPDzynEDxu7",
		last:      "sevt_01i71qHFE8q6mqc5fV215DEag1",
		newest:    at,
		floor:     at - 3*int64(time.Second),
		entries: []checkpointEntry{
			{hash: idHash("sevt_a") | processedBit, at: at - int64(time.Second)},
			{hash: idHash("sevt_b") | processedBit, at: at},
			{hash: idHash("sevt_01i71qHFE8q6mqc5fV215DEag1") | processedBit, at: at},
		},
	}
}

func sampleThreadCheckpoint() Checkpoint {
	return Checkpoint{
		thread:    true,
		sessionID: "sesn_1",
		threadID:  "sthr_1",
		cursor:    "eyJvcmRlciI6ImFzYyIsImFmdGVyIjoic2V2dF8xMjMifQ",
		last:      "sevt_123",
		newest:    1,
	}
}

// TestCheckpointTextRoundTrip: text and JSON give back the same checkpoint;
// the text is URL-safe; the zero Checkpoint is empty text.
func TestCheckpointTextRoundTrip(t *testing.T) {
	for _, c := range []Checkpoint{sampleCheckpoint(), sampleThreadCheckpoint(), {}} {
		text, err := c.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsFunc(string(text), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) {
			t.Errorf("text %q is not URL-safe", text)
		}
		var back Checkpoint
		if err := back.UnmarshalText(text); err != nil {
			t.Fatalf("UnmarshalText(%q): %v", text, err)
		}
		if diff := cmp.Diff(c, back, cmp.AllowUnexported(Checkpoint{}, checkpointEntry{})); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		js, err := json.Marshal(struct{ C Checkpoint }{c})
		if err != nil {
			t.Fatal(err)
		}
		var viaJSON struct{ C Checkpoint }
		if err := json.Unmarshal(js, &viaJSON); err != nil || viaJSON.C.String() != string(text) {
			t.Errorf("JSON %s: got %q, %v; want %q", js, viaJSON.C.String(), err, text)
		}
		t.Logf("%d bytes: %s", len(text), text)
	}
}

// reencode returns c's binary form after edit, with its checksum fixed.
func reencode(t *testing.T, c Checkpoint, edit func([]byte)) []byte {
	t.Helper()
	text, _ := c.MarshalText()
	bin, err := base64.RawURLEncoding.DecodeString(string(text))
	if err != nil {
		t.Fatal(err)
	}
	body := bin[:len(bin)-4]
	edit(body)
	bin = binary.LittleEndian.AppendUint32(body, crc32.ChecksumIEEE(body))
	return []byte(base64.RawURLEncoding.EncodeToString(bin))
}

// TestCheckpointRefused: a damaged checkpoint, one of an unknown version,
// of another session or thread or stream kind, or combined with FromStart
// or NoResume is an ErrInvalidParams from Stream, before any request.
func TestCheckpointRefused(t *testing.T) {
	checkLeaks(t)
	srv := newScriptServer(t) // any request fails the test
	c := newTestClient(t, srv.URL)
	good := sampleCheckpoint()
	text, _ := good.MarshalText()
	flipped := []byte(string(text))
	flipped[len(flipped)/2] ^= 'a' ^ 'b'
	if flipped[len(flipped)/2] == text[len(text)/2] {
		t.Fatal("no flip")
	}
	decoded := func(text []byte) Checkpoint {
		var ck Checkpoint
		if err := ck.UnmarshalText(text); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("UnmarshalText(%q) = %v, want ErrInvalidParams", text, err)
		}
		return ck
	}
	cases := []struct {
		name            string
		session, thread string
		params          StreamParams
		want            string
	}{
		{"damaged", good.sessionID, "", StreamParams{After: decoded(flipped)}, "damaged"},
		{"cut short", good.sessionID, "", StreamParams{After: decoded(text[:len(text)-4])}, "damaged"},
		{"not base64", good.sessionID, "", StreamParams{After: decoded([]byte("not a checkpoint!"))}, "not a checkpoint"},
		{"unknown version", good.sessionID, "", StreamParams{After: decoded(reencode(t, good, func(b []byte) { b[0] = 2 }))}, "version 2"},
		{"another session", "sesn_other", "", StreamParams{After: good}, "is of session"},
		{"thread checkpoint, session stream", "sesn_1", "", StreamParams{After: sampleThreadCheckpoint()}, "cannot open a session stream"},
		{"session checkpoint, thread stream", good.sessionID, "sthr_1", StreamParams{After: good}, "cannot open a thread stream"},
		{"another thread", "sesn_1", "sthr_2", StreamParams{After: sampleThreadCheckpoint()}, "is of thread"},
		{"with FromStart", good.sessionID, "", StreamParams{After: good, FromStart: true}, "FromStart"},
		{"with NoResume", good.sessionID, "", StreamParams{After: good, NoResume: true}, "NoResume"},
	}
	for _, tc := range cases {
		var err error
		if tc.thread == "" {
			_, err = c.Events.Stream(t.Context(), tc.session, tc.params)
		} else {
			_, err = c.Threads.Stream(t.Context(), tc.session, tc.thread, tc.params)
		}
		if !errors.Is(err, ErrInvalidParams) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalidParams saying %q", tc.name, err, tc.want)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

// FuzzCheckpointUnmarshalText: no input panics, every error is an
// ErrInvalidParams, and a text that decodes marshals back to itself.
func FuzzCheckpointUnmarshalText(f *testing.F) {
	for _, c := range []Checkpoint{sampleCheckpoint(), sampleThreadCheckpoint()} {
		text, _ := c.MarshalText()
		f.Add(text)
		f.Add(text[:len(text)-1])
	}
	f.Add([]byte(""))
	f.Add([]byte("AQ"))
	f.Fuzz(func(t *testing.T, text []byte) {
		var c Checkpoint
		err := c.UnmarshalText(text)
		if err != nil {
			if !errors.Is(err, ErrInvalidParams) {
				t.Fatalf("UnmarshalText(%q) = %v, not an ErrInvalidParams", text, err)
			}
			if _, merr := c.MarshalText(); merr == nil {
				t.Fatalf("a checkpoint that failed to decode marshals")
			}
			return
		}
		again, err := c.MarshalText()
		if err != nil || string(again) != string(text) {
			t.Fatalf("UnmarshalText(%q) then MarshalText = %q, %v", text, again, err)
		}
	})
}

// BenchmarkCheckpoint measures taking and marshalling a session stream's
// checkpoint after an event, with a full dedupe window (1,024 events, 1 ms
// apart, so that the whole window lies within the 5 s resume margin),
// against decoding one agent.message frame, which the stream does for every
// event anyway. Both run in turn within each op; compare the ratio:
//
//	go test -run XXX -bench BenchmarkCheckpoint -benchtime 20000x -count 5 .
func BenchmarkCheckpoint(b *testing.B) {
	st := &Stream{sessionID: "sesn_011CZkZAtmR3yMPDzynEDxu7", hist: sessionHistory{}, seen: deliveredSet{max: DefaultDedupeWindow}}
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for i := range DefaultDedupeWindow {
		at := start.Add(time.Duration(i) * time.Millisecond)
		st.seen.check(&AgentMessageEvent{EventMeta: EventMeta{ID: fmt.Sprintf("sevt_01i71qHFE8q6mqc5fV2%07d", i), ProcessedAt: &at}}, true)
	}
	frame := []byte(`{"type":"agent.message","id":"sevt_01sjN7JVAX0pzpGarBa6yiKwia","content":[{"type":"text","text":"The repository contains 37 Go test files (*_test.go)."}],"processed_at":"2026-11-26T10:15:06.512Z"}`)
	var decode, checkpoint time.Duration
	var size int
	for b.Loop() {
		t0 := time.Now()
		if _, err := DecodeEvent(frame); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		ck, _ := st.Checkpoint()
		text, err := ck.MarshalText()
		if err != nil {
			b.Fatal(err)
		}
		size = len(text)
		t2 := time.Now()
		decode += t1.Sub(t0)
		checkpoint += t2.Sub(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(decode.Nanoseconds())/n, "decode-ns/op")
	b.ReportMetric(float64(checkpoint.Nanoseconds())/n, "checkpoint-ns/op")
	b.ReportMetric(float64(checkpoint)/float64(decode), "checkpoint/decode")
	b.ReportMetric(float64(size), "text-bytes")
}
