package webhooks

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// DefaultTolerance is how far webhook-timestamp may be from the clock, in
// either direction, before a delivery is refused: five minutes, as the
// Standard Webhooks libraries and the official SDKs use.
const DefaultTolerance = 5 * time.Minute

// DefaultMaxBodyBytes is the default body limit, 64 KiB. A delivery carries
// only a type and a few IDs (well under 1 KiB), and no limit is published,
// so this leaves ample room while bounding what a stranger can make the
// receiver read.
const DefaultMaxBodyBytes = 64 << 10

// DefaultDedupeCapacity is how many webhook IDs the Handler's built-in
// store remembers (about a megabyte): far more than the deliveries that
// arrive within the sender's retry window.
const DefaultDedupeCapacity = 10_000

// An Option configures a [Verifier] or a [Handler]. Options check their
// input: a bad value makes NewVerifier or NewHandler return an error; no
// option panics. [WithLogger], [WithStore] and [WithDedupeCapacity]
// configure a Handler only, and NewVerifier refuses them.
type Option func(*config) error

// config is what the options build.
type config struct {
	extraSecrets []string
	tolerance    time.Duration
	now          func() time.Time
	maxBody      int64

	// Handler only.
	handlerOnly []string // names of the handler options given, for NewVerifier's error
	logger      *slog.Logger
	store       Store
	capacity    int
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		tolerance: DefaultTolerance,
		now:       time.Now,
		maxBody:   DefaultMaxBodyBytes,
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("webhooks: nil Option")
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.store != nil && c.capacity != 0 {
		return nil, errors.New("webhooks: WithDedupeCapacity sizes the built-in store and cannot be combined with WithStore")
	}
	return c, nil
}

// WithSecrets adds signing secrets: a delivery is authentic when its
// signature matches the main secret or any of these. Use it while rotating
// a secret, with the old one here until the sender only uses the new one.
// Each secret has the form of the main one (see [NewVerifier]).
func WithSecrets(secrets ...string) Option {
	return func(c *config) error {
		if len(secrets) == 0 {
			return errors.New("webhooks: WithSecrets: no secrets given")
		}
		c.extraSecrets = append(c.extraSecrets, secrets...)
		return nil
	}
}

// WithTolerance sets how far webhook-timestamp may be from the clock, in
// either direction (default [DefaultTolerance]). It must be positive: a
// verifier always bounds the age of what it accepts, which is what makes
// a captured delivery useless for replay once the tolerance has passed and
// the webhook ID has left the Handler's store.
func WithTolerance(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("webhooks: WithTolerance: the tolerance must be positive, got %v", d)
		}
		c.tolerance = d
		return nil
	}
}

// WithClock sets the clock that webhook-timestamp is checked against
// (default [time.Now]), for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("webhooks: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithMaxBodyBytes sets the body limit in bytes (default
// [DefaultMaxBodyBytes]). A larger body is refused with [ErrBodyTooLarge]
// after reading at most n+1 bytes of it.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("webhooks: WithMaxBodyBytes: the limit must be positive, got %d", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithLogger sets the logger of a [Handler] (default [slog.Default]). It
// logs every refused delivery at Warn, with the reason and the HTTP status;
// a failed or panicking [HandlerFunc] and a failing [Store] at Error;
// duplicates at Debug. Records never hold the secret or the body.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("webhooks: WithLogger: nil logger")
		}
		c.handlerOnly = append(c.handlerOnly, "WithLogger")
		c.logger = l
		return nil
	}
}

// WithStore makes a [Handler] remember handled webhook IDs in s instead of
// its built-in bounded memory: a database table, for instance, shared by
// every process that receives the endpoint's deliveries.
func WithStore(s Store) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("webhooks: WithStore: nil store")
		}
		c.handlerOnly = append(c.handlerOnly, "WithStore")
		c.store = s
		return nil
	}
}

// WithDedupeCapacity sets how many webhook IDs the built-in store of a
// [Handler] remembers (default [DefaultDedupeCapacity]); the oldest are
// forgotten first.
func WithDedupeCapacity(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("webhooks: WithDedupeCapacity: the capacity must be positive, got %d", n)
		}
		c.handlerOnly = append(c.handlerOnly, "WithDedupeCapacity")
		c.capacity = n
		return nil
	}
}
