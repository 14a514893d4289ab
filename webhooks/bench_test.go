package webhooks_test

import (
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/managedagents/managedagents-go/webhooks"
)

// BenchmarkVerify measures a full Verify (headers, tolerance, signature,
// decode) against its baseline, the standard-webhooks library's Verify of
// the same delivery, which checks the signature and nothing else.
func BenchmarkVerify(b *testing.B) {
	body := []byte(exampleBody)
	h := sign(b, testSecret, exampleID, exampleTime, body)
	b.Run("library", func(b *testing.B) {
		wh, err := standardwebhooks.NewWebhook(testSecret[len("whsec_"):])
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			// The library's own tolerance reads time.Now, so the stale
			// example is checked without it.
			if err := wh.VerifyIgnoringTimestamp(body, h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("webhooks", func(b *testing.B) {
		v, err := webhooks.NewVerifier(testSecret, webhooks.WithClock(atExample))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(body, h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := webhooks.DecodeEvent(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
