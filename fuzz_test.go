package managedagents

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecodeEvent checks that DecodeEvent never panics and never loses
// input: a decoded event keeps the exact bytes and re-encodes to valid JSON,
// and an object with a string type either decodes or fails with a
// *DecodeError holding the input.
func FuzzDecodeEvent(f *testing.F) {
	for _, b := range readFixtures(f) {
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `{"type":""}`, `{"type":5}`, `{"type":"x.y"}`,
		`{"type":"agent.message","content":[{"type":"text","text":"a"},{"type":"image","source":{"type":"zip"}}]}`,
		`{"type":"session.error","error":{"type":"repository_clone_error","retry_status":{"type":"retrying"},"repository_url":null}}`,
		`{"type":"session.updated","title":null,"budget":null,"metadata":{}}`,
		`{"type":"user.interrupt","id":"","processed_at":"2026-11-26T10:15:02+01:00"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvent(data)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			if !bytes.Equal(de.Raw, data) {
				t.Fatalf("DecodeError.Raw = %q, want the input %q", de.Raw, data)
			}
			_ = err.Error()
			return
		}
		if ev == nil {
			t.Fatal("nil event without an error")
		}
		if !bytes.Equal(ev.RawJSON(), data) {
			t.Fatalf("RawJSON = %q, want the input %q", ev.RawJSON(), data)
		}
		if ev.EventType() == "" {
			t.Fatal("decoded event without a type")
		}
		_, _ = ev.EventProcessedAt()
		_ = ev.EventID()
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("re-encoding %q: %v", data, err)
		}
		if !json.Valid(out) {
			t.Fatalf("re-encoded to invalid JSON: %q", out)
		}
		// The re-encoding is itself decodable to the same type.
		back, err := DecodeEvent(out)
		if err != nil {
			t.Fatalf("decoding the re-encoding %s: %v", out, err)
		}
		if back.EventType() != ev.EventType() {
			t.Fatalf("type changed from %q to %q", ev.EventType(), back.EventType())
		}
	})
}
