package webhooks_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/managedagents/managedagents-go/webhooks"
)

// FuzzDecodeEvent: any input decodes without a panic, to an error that
// matches ErrMalformedPayload or to a complete Event that keeps the input.
func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(exampleBody))
	f.Add(eventBody("whe_1", "session.thread_idled", "sesn_1", "sthr_1"))
	f.Add([]byte(`{"type":"event","id":"whe_1","data":{"type":"vault.created","id":"vlt_1"}}`))
	f.Add([]byte(`{"type":"event","id":"whe_1","data":{"type":"session.updated","id":{}}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"type":"event","id":"x","created_at":"2026-13-99T00:00:00Z","data":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := webhooks.DecodeEvent(body)
		if err != nil {
			if !errors.Is(err, webhooks.ErrMalformedPayload) {
				t.Fatalf("error %v does not match ErrMalformedPayload", err)
			}
			if len(body) > 12 && bytes.Contains([]byte(err.Error()), body) {
				t.Fatalf("error quotes the body: %v", err)
			}
			return
		}
		if ev.Type != "event" || ev.ID == "" || ev.Data == nil || ev.Data.DataType() == "" {
			t.Fatalf("incomplete event: %+v", ev)
		}
		if !bytes.Equal(ev.RawJSON(), body) || len(ev.Data.RawJSON()) == 0 {
			t.Fatalf("raw JSON lost")
		}
		if s, ok := ev.Data.(webhooks.SessionPayload); ok && s.Session().SessionID == "" {
			t.Fatalf("session payload without a session ID")
		}
	})
}

// FuzzHandler posts fuzzed deliveries to a Handler. Whatever the input,
// nothing panics, the answer is never 3xx, and the function is called only
// for a delivery that the standard-webhooks library itself finds signed by
// the secret. When the input asks for a correct signature on a valid
// payload, the function is called.
func FuzzHandler(f *testing.F) {
	f.Add("whe_1", int64(0), []byte(exampleBody), true, "")
	f.Add("whe_1", int64(-400), []byte(exampleBody), true, "")
	f.Add("whe_2", int64(0), []byte(`{"type":"event"}`), true, "")
	f.Add("whe_3", int64(0), []byte(exampleBody), false, "v1,"+exampleSig[3:])
	f.Add("", int64(0), []byte{}, false, "v1,a v1,b")
	f.Add("whe_4", int64(1<<40), eventBody("whe_4", "session.thread_created", "sesn_1", "sthr_1"), true, "v2,x")
	lib, err := standardwebhooks.NewWebhook(testSecret[len("whsec_"):])
	if err != nil {
		f.Fatal(err)
	}
	var called int
	h, err := webhooks.NewHandler(testSecret, func(context.Context, webhooks.Delivery) error {
		called++
		return nil
	}, webhooks.WithClock(atExample), webhooks.WithLogger(discardLogger()), webhooks.WithMaxBodyBytes(4096))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id string, offset int64, body []byte, signRight bool, extraSig string) {
		ts := exampleUnix + offset
		header := http.Header{}
		header.Set("Webhook-Id", id)
		header.Set("Webhook-Timestamp", strconv.FormatInt(ts, 10))
		sig := extraSig
		if signRight {
			s, err := lib.Sign(id, time.Unix(ts, 0), body)
			if err != nil {
				t.Fatal(err)
			}
			sig = extraSig + " " + s
		}
		header.Set("Webhook-Signature", sig)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		for k, vs := range header {
			if len(vs) > 0 && validHeaderValue(vs[0]) {
				req.Header[k] = vs
			}
		}
		before := called
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 300 && rec.Code < 400 {
			t.Fatalf("answered %d", rec.Code)
		}
		if called > before {
			if err := lib.VerifyIgnoringTimestamp(body, req.Header); err != nil {
				t.Fatalf("function called for a delivery the library refuses: %v", err)
			}
			if rec.Code != http.StatusNoContent {
				t.Fatalf("handled, answered %d", rec.Code)
			}
		}
		_, decodeErr := webhooks.DecodeEvent(body)
		fresh := offset >= -300 && offset <= 300
		complete := id != "" && validHeaderValue(id) && validHeaderValue(sig) && req.Header.Get("Webhook-Signature") != ""
		if signRight && fresh && complete && decodeErr == nil && len(body) <= 4096 && rec.Code/100 != 2 {
			t.Fatalf("a valid delivery was answered %d: %s", rec.Code, rec.Body)
		}
	})
}

// validHeaderValue reports whether net/http could send v as a header value.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
