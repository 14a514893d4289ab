package webhooks_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go/webhooks"
)

// TestVerifyWorkedExample verifies the documentation's worked example: the
// library signs it to the published signature, and the verifier accepts it
// at its own time and decodes it.
func TestVerifyWorkedExample(t *testing.T) {
	h := sign(t, testSecret, exampleID, exampleTime, []byte(exampleBody))
	if got := h.Get("webhook-signature"); got != exampleSig {
		t.Fatalf("signature = %s, want %s", got, exampleSig)
	}
	v, err := webhooks.NewVerifier(testSecret, webhooks.WithClock(atExample))
	if err != nil {
		t.Fatal(err)
	}
	d, err := v.Verify([]byte(exampleBody), h)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != exampleID || !d.Timestamp.Equal(exampleTime) || d.Event.ID != exampleID {
		t.Errorf("delivery = %q at %v, event %q", d.ID, d.Timestamp, d.Event.ID)
	}
	idled, ok := d.Event.Data.(*webhooks.SessionStatusIdled)
	if !ok {
		t.Fatalf("data is %T, want *SessionStatusIdled", d.Event.Data)
	}
	if idled.SessionID != exampleSessID || idled.OrganizationID != "org_011CZkZZAe0sMna4vkBdtrfx" || idled.WorkspaceID != "wrkspc_011CZkZaBF1tNoB5wlCeusgy" {
		t.Errorf("data = %+v", idled.SessionData)
	}
	if want := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC); !d.Event.CreatedAt.Equal(want) {
		t.Errorf("created_at = %v, want %v", d.Event.CreatedAt, want)
	}
	if string(d.Event.RawJSON()) != exampleBody {
		t.Errorf("RawJSON differs from the body")
	}

	// The bare base64 key is the same secret.
	bare, err := webhooks.NewVerifier("c2VjcmV0Cg==", webhooks.WithClock(atExample))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Verify([]byte(exampleBody), h); err != nil {
		t.Errorf("bare key: %v", err)
	}
}

// TestVerifyRefusals covers every way Verify refuses a delivery, with the
// exact message and the sentinel it matches.
func TestVerifyRefusals(t *testing.T) {
	body := []byte(exampleBody)
	good := func() http.Header { return sign(t, testSecret, exampleID, exampleTime, body) }
	with := func(key, value string) http.Header {
		h := good()
		if value == "" {
			h.Del(key)
		} else {
			h.Set(key, value)
		}
		return h
	}
	resigned := func(b string) (string, http.Header) {
		return b, sign(t, testSecret, exampleID, exampleTime, []byte(b))
	}
	type tc struct {
		name   string
		body   string
		header http.Header
		kind   error
		msg    string
	}
	cases := []tc{
		{"no webhook-id", exampleBody, with("webhook-id", ""), webhooks.ErrMissingHeader, "webhooks: missing webhook-id header"},
		{"no webhook-timestamp", exampleBody, with("webhook-timestamp", ""), webhooks.ErrMissingHeader, "webhooks: missing webhook-timestamp header"},
		{"no webhook-signature", exampleBody, with("webhook-signature", ""), webhooks.ErrMissingHeader, "webhooks: missing webhook-signature header"},
		{"timestamp not a number", exampleBody, with("webhook-timestamp", "1773568805.5"), webhooks.ErrInvalidTimestamp, "webhooks: webhook-timestamp is not an integer number of Unix seconds"},
		{"timestamp in milliseconds", exampleBody, with("webhook-timestamp", "1773568805000"), webhooks.ErrTimestampOutOfRange, "webhooks: webhook-timestamp is more than 290 years after the clock, beyond the tolerance of 5m0s"},
		{"timestamp too old", exampleBody, with("webhook-timestamp", "1773568504"), webhooks.ErrTimestampOutOfRange, "webhooks: webhook-timestamp is 5m1s before the clock, beyond the tolerance of 5m0s"},
		{"timestamp too new", exampleBody, with("webhook-timestamp", "1773569106"), webhooks.ErrTimestampOutOfRange, "webhooks: webhook-timestamp is 5m1s after the clock, beyond the tolerance of 5m0s"},
		{"most negative timestamp", exampleBody, with("webhook-timestamp", "-9223372036854775808"), webhooks.ErrTimestampOutOfRange, "webhooks: webhook-timestamp is more than 290 years before the clock, beyond the tolerance of 5m0s"},
		{"wrong signature", exampleBody, with("webhook-signature", "v1,AAAAfWbRoj/FQBFXQitEoDwwj2cv4DuBfj1mFmh1sww="), webhooks.ErrSignatureMismatch, "webhooks: no v1 signature in webhook-signature matches the signing secret"},
		{"right signature, other version", exampleBody, with("webhook-signature", "v2,"+exampleSig[3:]), webhooks.ErrSignatureMismatch, "webhooks: no v1 signature in webhook-signature matches the signing secret"},
		{"signature without version", exampleBody, with("webhook-signature", exampleSig[3:]), webhooks.ErrSignatureMismatch, "webhooks: no v1 signature in webhook-signature matches the signing secret"},
		{"signed by another secret", exampleBody, sign(t, otherSecret, exampleID, exampleTime, body), webhooks.ErrSignatureMismatch, "webhooks: no v1 signature in webhook-signature matches the signing secret"},
		{"body changed", strings.Replace(exampleBody, "idled", "run_started", 1), good(), webhooks.ErrSignatureMismatch, "webhooks: no v1 signature in webhook-signature matches the signing secret"},
		{"id changed", exampleBody, with("webhook-id", "whe_other"), webhooks.ErrSignatureMismatch, "webhooks: no v1 signature in webhook-signature matches the signing secret"},
		{"body too large", exampleBody + strings.Repeat(" ", 1<<16), good(), webhooks.ErrBodyTooLarge, "webhooks: body is larger than the limit of 65536 bytes"},
	}
	malformed := []struct{ name, body, msg string }{
		{"empty body", ``, "the body is empty"},
		{"not JSON", `not json`, "not valid JSON (after 2 bytes)"},
		{"cut short", `{"type":"event"`, "not valid JSON (after 15 bytes)"},
		{"an array", `[]`, "a JSON array, not an object"},
		{"null", `null`, `"type" is not "event"`},
		{"empty object", `{}`, `"type" is not "event"`},
		{"other type", `{"type":"ping","id":"whe_1","data":{"type":"session.updated","id":"sesn_1"}}`, `"type" is not "event"`},
		{"no id", `{"type":"event","data":{"type":"session.updated","id":"sesn_1"}}`, `no "id"`},
		{"id a number", `{"type":"event","id":7,"data":{"type":"session.updated","id":"sesn_1"}}`, "id is a JSON number, not a string"},
		{"no data", `{"type":"event","id":"whe_1"}`, `"data" is not an object`},
		{"data a string", `{"type":"event","id":"whe_1","data":"x"}`, `"data" is not an object`},
		{"no data.type", `{"type":"event","id":"whe_1","data":{"id":"sesn_1"}}`, "no data.type"},
		{"data.type a number", `{"type":"event","id":"whe_1","data":{"type":1}}`, "data.type is a JSON number, not a string"},
		{"session without id", `{"type":"event","id":"whe_1","data":{"type":"session.status_idled"}}`, "no data.id for session.status_idled"},
		{"thread without thread id", `{"type":"event","id":"whe_1","data":{"type":"session.thread_idled","id":"sesn_1"}}`, "no data.session_thread_id for session.thread_idled"},
		{"session id an object", `{"type":"event","id":"whe_1","data":{"type":"session.updated","id":{}}}`, "data.id is a JSON object, not a string"},
		{"created_at not a time", `{"type":"event","id":"whe_1","created_at":"yesterday","data":{"type":"session.updated","id":"sesn_1"}}`, "created_at is not an RFC 3339 time"},
		{"created_at a number", `{"type":"event","id":"whe_1","created_at":5,"data":{"type":"session.updated","id":"sesn_1"}}`, "created_at is a JSON number, not a string"},
	}
	for _, m := range malformed {
		b, h := resigned(m.body)
		cases = append(cases, tc{"malformed: " + m.name, b, h, webhooks.ErrMalformedPayload, "webhooks: malformed payload: " + m.msg})
	}
	v, err := webhooks.NewVerifier(testSecret, webhooks.WithClock(atExample))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := v.Verify([]byte(c.body), c.header)
			if err == nil {
				t.Fatalf("accepted: %+v", d)
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error %q does not match %v", err, c.kind)
			}
			if err.Error() != c.msg {
				t.Errorf("error = %q\n want %q", err, c.msg)
			}
			if strings.Contains(err.Error(), "c2VjcmV0") || (len(c.body) > 8 && strings.Contains(err.Error(), c.body)) {
				t.Errorf("error quotes the secret or the body: %q", err)
			}
			if d.ID != "" || d.Event.Data != nil {
				t.Errorf("refused delivery is not empty: %+v", d)
			}
		})
	}
}

// TestVerifyToleranceEdges accepts a timestamp exactly at the tolerance in
// either direction and refuses one a second beyond, with a custom
// tolerance.
func TestVerifyToleranceEdges(t *testing.T) {
	body := []byte(exampleBody)
	v, err := webhooks.NewVerifier(testSecret, webhooks.WithClock(atExample), webhooks.WithTolerance(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		offset time.Duration
		ok     bool
	}{{-30 * time.Second, true}, {30 * time.Second, true}, {-31 * time.Second, false}, {31 * time.Second, false}, {0, true}} {
		_, err := v.Verify(body, sign(t, testSecret, exampleID, exampleTime.Add(c.offset), body))
		if c.ok != (err == nil) {
			t.Errorf("offset %v: err = %v, want ok=%v", c.offset, err, c.ok)
		}
		if err != nil && !errors.Is(err, webhooks.ErrTimestampOutOfRange) {
			t.Errorf("offset %v: %v", c.offset, err)
		}
	}
}

// TestVerifySeveralSignaturesAndSecrets: one matching v1 entry among
// others suffices, and WithSecrets accepts deliveries signed with an old
// secret during a rotation.
func TestVerifySeveralSignaturesAndSecrets(t *testing.T) {
	body := []byte(exampleBody)
	v, err := webhooks.NewVerifier(testSecret, webhooks.WithClock(atExample))
	if err != nil {
		t.Fatal(err)
	}
	h := sign(t, testSecret, exampleID, exampleTime, body)
	other := sign(t, otherSecret, exampleID, exampleTime, body).Get("webhook-signature")
	for _, list := range []string{
		other + " " + exampleSig,
		"v2,abc  " + exampleSig + " garbage",
		exampleSig + " " + other,
	} {
		h.Set("webhook-signature", list)
		if _, err := v.Verify(body, h); err != nil {
			t.Errorf("%q: %v", list, err)
		}
	}

	oldSigned := sign(t, otherSecret, exampleID, exampleTime, body)
	if _, err := v.Verify(body, oldSigned); !errors.Is(err, webhooks.ErrSignatureMismatch) {
		t.Fatalf("old secret without WithSecrets: %v", err)
	}
	rotating, err := webhooks.NewVerifier(testSecret, webhooks.WithClock(atExample), webhooks.WithSecrets(otherSecret))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []http.Header{oldSigned, sign(t, testSecret, exampleID, exampleTime, body)} {
		if _, err := rotating.Verify(body, h); err != nil {
			t.Errorf("rotating: %v", err)
		}
	}
	h.Set("webhook-signature", "v1,AAAA")
	_, err = rotating.Verify(body, h)
	if want := "webhooks: no v1 signature in webhook-signature matches any of the 2 signing secrets"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// TestConstructorErrors: bad secrets and bad options are errors with exact
// messages that never quote the secret.
func TestConstructorErrors(t *testing.T) {
	nop := func(context.Context, webhooks.Delivery) error { return nil }
	cases := []struct {
		name string
		new  func() error
		msg  string
	}{
		{"empty secret", verifier(""), "webhooks: the signing secret is empty"},
		{"prefix only", verifier("whsec_"), "webhooks: the signing secret is empty"},
		{"unpadded base64", verifier("whsec_c2VjcmV0Cg"), `webhooks: the signing secret is not "whsec_" followed by standard, padded base64`},
		{"bad rotated secret", verifier(testSecret, webhooks.WithSecrets(testSecret, "whsec_%%%")), `webhooks: WithSecrets: secret 2 is not "whsec_" followed by standard, padded base64`},
		{"no rotated secrets", verifier(testSecret, webhooks.WithSecrets()), "webhooks: WithSecrets: no secrets given"},
		{"zero tolerance", verifier(testSecret, webhooks.WithTolerance(0)), "webhooks: WithTolerance: the tolerance must be positive, got 0s"},
		{"nil clock", verifier(testSecret, webhooks.WithClock(nil)), "webhooks: WithClock: nil clock"},
		{"zero limit", verifier(testSecret, webhooks.WithMaxBodyBytes(0)), "webhooks: WithMaxBodyBytes: the limit must be positive, got 0"},
		{"nil option", verifier(testSecret, nil, nil), "webhooks: nil Option"},
		{"handler option on a verifier", verifier(testSecret, webhooks.WithDedupeCapacity(3)), "webhooks: WithDedupeCapacity configures a Handler; NewVerifier does not take it"},
		{"nil logger", handler(nop, webhooks.WithLogger(nil)), "webhooks: WithLogger: nil logger"},
		{"nil store", handler(nop, webhooks.WithStore(nil)), "webhooks: WithStore: nil store"},
		{"zero capacity", handler(nop, webhooks.WithDedupeCapacity(0)), "webhooks: WithDedupeCapacity: the capacity must be positive, got 0"},
		{"store and capacity", handler(nop, webhooks.WithDedupeCapacity(5), webhooks.WithStore(mustStore(t, 1))), "webhooks: WithDedupeCapacity sizes the built-in store and cannot be combined with WithStore"},
		{"nil func", handler(nil), "webhooks: NewHandler: nil HandlerFunc"},
		{"memory store capacity", func() error { _, err := webhooks.NewMemoryStore(-1); return err }, "webhooks: NewMemoryStore: the capacity must be positive, got -1"},
	}
	for _, c := range cases {
		err := c.new()
		if err == nil || err.Error() != c.msg {
			t.Errorf("%s: err = %v\n want %s", c.name, err, c.msg)
		}
	}
}

func verifier(secret string, opts ...webhooks.Option) func() error {
	return func() error { _, err := webhooks.NewVerifier(secret, opts...); return err }
}

func handler(fn webhooks.HandlerFunc, opts ...webhooks.Option) func() error {
	return func() error { _, err := webhooks.NewHandler(testSecret, fn, opts...); return err }
}

func mustStore(t *testing.T, n int) *webhooks.MemoryStore {
	s, err := webhooks.NewMemoryStore(n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// countingReader counts the bytes read from an endless body.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	c.n += int64(len(p))
	return len(p), nil
}

// TestReadRequestReadsAtMostLimitPlusOne: an endless body of unknown length
// is refused after at most limit+1 bytes, and a declared Content-Length
// over the limit before any byte is read.
func TestReadRequestReadsAtMostLimitPlusOne(t *testing.T) {
	v, err := webhooks.NewVerifier(testSecret, webhooks.WithMaxBodyBytes(100))
	if err != nil {
		t.Fatal(err)
	}
	body := &countingReader{}
	r := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(io.LimitReader(body, 1<<30)))
	r.ContentLength = -1
	_, err = v.ReadRequest(r)
	if !errors.Is(err, webhooks.ErrBodyTooLarge) || err.Error() != "webhooks: body is larger than the limit of 100 bytes" {
		t.Fatalf("err = %v", err)
	}
	if body.n > 101 {
		t.Errorf("read %d bytes", body.n)
	}

	declared := &countingReader{}
	r = httptest.NewRequest(http.MethodPost, "/", io.NopCloser(declared))
	r.ContentLength = 101
	if _, err := v.ReadRequest(r); !errors.Is(err, webhooks.ErrBodyTooLarge) || declared.n != 0 {
		t.Errorf("declared length: err = %v after reading %d bytes", err, declared.n)
	}

	// Exactly the limit is fine as far as the size goes.
	exact := bytes.Repeat([]byte(" "), 100)
	r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(exact))
	if _, err := v.ReadRequest(r); !errors.Is(err, webhooks.ErrMissingHeader) {
		t.Errorf("a body of exactly the limit: %v", err)
	}
}
