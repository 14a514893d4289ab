package webhooks

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The headers of a delivery, as the Standard Webhooks specification names
// them (https://www.standardwebhooks.com).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Delivery is one verified webhook delivery.
type Delivery struct {
	// ID is the webhook-id header: the same on every attempt to deliver
	// one event, and the key the [Handler] drops duplicates by. The sender
	// sets it to Event.ID.
	ID string
	// Timestamp is the webhook-timestamp header: when this attempt was
	// signed. It is not when the event occurred (Event.CreatedAt).
	Timestamp time.Time
	// Event is the parsed body.
	Event Event
}

// Verifier checks webhook deliveries: the Standard Webhooks signature (an
// HMAC-SHA256 over the webhook ID, the timestamp and the body, computed and
// compared in constant time by the standard-webhooks library that the
// official SDKs use), the timestamp's distance from the clock, and the size
// of the body. It is safe for concurrent use.
type Verifier struct {
	hooks     []*standardwebhooks.Webhook // one per accepted secret
	tolerance time.Duration
	now       func() time.Time
	maxBody   int64
}

// NewVerifier returns a Verifier for the endpoint's signing secret: the
// "whsec_…" value the Console shows (the prefix and then the key in
// standard, padded base64), or the bare base64 key. Surrounding white space
// is ignored. More secrets can be accepted with [WithSecrets]; see [Option]
// for the rest. A secret that does not decode is an error that does not
// quote it.
func NewVerifier(secret string, opts ...Option) (*Verifier, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if len(c.handlerOnly) > 0 {
		return nil, fmt.Errorf("webhooks: %s configures a Handler; NewVerifier does not take it", c.handlerOnly[0])
	}
	return newVerifier(secret, c)
}

func newVerifier(secret string, c *config) (*Verifier, error) {
	v := &Verifier{tolerance: c.tolerance, now: c.now, maxBody: c.maxBody}
	for i, s := range append([]string{secret}, c.extraSecrets...) {
		wh, err := newWebhook(s)
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("webhooks: the signing secret %s", err)
			}
			return nil, fmt.Errorf("webhooks: WithSecrets: secret %d %s", i, err)
		}
		v.hooks = append(v.hooks, wh)
	}
	return v, nil
}

// newWebhook builds the library's verifier for one secret. Its errors
// complete a sentence that names the secret, and never quote it.
func newWebhook(secret string) (*standardwebhooks.Webhook, error) {
	secret = strings.TrimSpace(secret)
	key := strings.TrimPrefix(secret, "whsec_")
	if key == "" {
		return nil, errors.New("is empty")
	}
	wh, err := standardwebhooks.NewWebhook(key)
	if err != nil {
		// The library's error quotes nothing of the secret either, but
		// ours says what the expected form is.
		return nil, errors.New(`is not "whsec_" followed by standard, padded base64`)
	}
	return wh, nil
}

// ReadRequest reads the body of r, reading at most the limit plus one
// byte, and verifies it as [Verifier.Verify] does. It does not check the
// method; the [Handler] does.
func (v *Verifier) ReadRequest(r *http.Request) (Delivery, error) {
	if r.ContentLength > v.maxBody {
		return Delivery{}, v.tooLarge()
	}
	if r.Body == nil {
		return v.Verify(nil, r.Header)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, v.maxBody+1))
	if err != nil {
		return Delivery{}, &rejection{kind: ErrReadBody, msg: "webhooks: reading the body failed: " + err.Error()}
	}
	return v.Verify(body, r.Header)
}

func (v *Verifier) tooLarge() error {
	return reject(ErrBodyTooLarge, fmt.Sprintf("webhooks: body is larger than the limit of %d bytes", v.maxBody))
}

// Verify checks one delivery, its body exactly as received and its
// headers, and parses the body with [DecodeEvent]. In order: the body
// size, the three headers present, webhook-timestamp an integer within the
// tolerance of the clock, then a v1 signature in webhook-signature (a
// space-separated list; one match suffices) that matches one of the
// secrets. The body is parsed only once it is known to be authentic. Each
// failure is an error that matches one of the Err… variables of this
// package.
//
// header is read with [http.Header.Get], so a header built by hand needs
// canonical keys (use Set, or "Webhook-Id").
func (v *Verifier) Verify(body []byte, header http.Header) (Delivery, error) {
	if int64(len(body)) > v.maxBody {
		return Delivery{}, v.tooLarge()
	}
	for _, name := range []string{HeaderID, HeaderTimestamp, HeaderSignature} {
		if header.Get(name) == "" {
			return Delivery{}, reject(ErrMissingHeader, "webhooks: missing "+name+" header")
		}
	}
	// The library parses the timestamp the same way; it is parsed here too
	// because the library's own check has a fixed tolerance and reads
	// time.Now.
	secs, err := strconv.ParseInt(header.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return Delivery{}, reject(ErrInvalidTimestamp, "webhooks: webhook-timestamp is not an integer number of Unix seconds")
	}
	ts := time.Unix(secs, 0)
	if err := v.checkTime(ts); err != nil {
		return Delivery{}, err
	}
	if !v.authentic(body, header) {
		return Delivery{}, reject(ErrSignatureMismatch, v.mismatchMessage())
	}
	ev, err := DecodeEvent(body)
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{ID: header.Get(HeaderID), Timestamp: ts, Event: ev}, nil
}

// checkTime refuses a timestamp further than the tolerance from the clock.
// It works in whole seconds, as the header does, so that no timestamp can
// overflow the arithmetic: now ± the tolerance is always in range.
func (v *Verifier) checkTime(ts time.Time) error {
	now, secs := v.now().Unix(), ts.Unix()
	limit := int64(v.tolerance / time.Second)
	var way string
	var d uint64 // the distance in seconds; unsigned, so it cannot overflow
	switch {
	case secs < now-limit:
		way, d = "before", uint64(now)-uint64(secs)
	case secs > now+limit:
		way, d = "after", uint64(secs)-uint64(now)
	default:
		return nil
	}
	age := "more than 290 years"
	if d < uint64(time.Duration(1<<62)/time.Second) {
		age = (time.Duration(d) * time.Second).String()
	}
	return reject(ErrTimestampOutOfRange, fmt.Sprintf("webhooks: webhook-timestamp is %s %s the clock, beyond the tolerance of %s", age, way, v.tolerance))
}

// authentic reports whether the signature matches under any secret. The
// library compares every v1 entry in constant time.
func (v *Verifier) authentic(body []byte, header http.Header) bool {
	for _, wh := range v.hooks {
		if wh.VerifyIgnoringTimestamp(body, header) == nil {
			return true
		}
	}
	return false
}

func (v *Verifier) mismatchMessage() string {
	if len(v.hooks) == 1 {
		return "webhooks: no v1 signature in webhook-signature matches the signing secret"
	}
	return fmt.Sprintf("webhooks: no v1 signature in webhook-signature matches any of the %d signing secrets", len(v.hooks))
}
