package managedagents

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodeEvent checks that DecodeEvent never panics and never loses
// input: a decoded event keeps the exact bytes and re-encodes to valid JSON,
// and an object with a string type either decodes or fails with a
// *DecodeError holding the input. It also checks that the one-pass decoding
// agrees with decodeEventTwoPass, with and without a hint.
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
		// The type by the rules of encoding/json, whatever the fast path guesses.
		`{"id":"e","content":[{"type":"text","text":"a"}],"type":"agent.message"}`,
		`{"typ\u0065":"agent.thinking"}`, `{"type":"agent.thinkin\u0067"}`, `{"TYPE":"agent.thinking"}`,
		`{"type":"agent.thinking","type":"session.deleted"}`, `{"type":"x.y","type":"agent.thinking"}`,
		`{"type":"agent.thinking","type":"x.y","id":5}`, `{"type":"agent.thinking","type":null}`,
		`{"type":"agent.message","content":7,"type":"x.y"}`, `{"type":"x.y","id":"e","processed_at":"then"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvent(data)
		// The one-pass decoding, with or without a hint, gives what reading
		// the type first and then the event gives.
		want, werr := decodeEventTwoPass(bytes.Clone(data))
		for _, hint := range []string{"", EventAgentMessage, eventTypeOf(want)} {
			got, gerr := ev, err
			if hint != "" {
				got, gerr = decodeEvent(bytes.Clone(data), hint)
			}
			if (gerr != nil) != (werr != nil) || gerr != nil && gerr.Error() != werr.Error() {
				t.Fatalf("%q, hint %q: error %v, two passes give %v", data, hint, gerr, werr)
			}
			if diff := cmp.Diff(want, got, eventCmpOpts); diff != "" {
				t.Fatalf("%q, hint %q (-two passes +one):\n%s", data, hint, diff)
			}
		}
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

// eventTypeOf returns the type of ev, or "" for nil.
func eventTypeOf(ev Event) string {
	if ev == nil {
		return ""
	}
	return ev.EventType()
}
