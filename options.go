package managedagents

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// An Option configures a Client. Options check their input: a bad value makes
// NewClient return an error; no option panics.
type Option func(*config) error

// config is what the options build; NewClient turns it into a Client. The
// credentials are of type credential, so printing a config cannot show them.
type config struct {
	apiKey, authToken credential
	baseURL           string
	httpClient        *http.Client
	maxRetries        int
	retryWaitMin      time.Duration
	retryWaitMax      time.Duration
	requestTimeout    time.Duration
	header            http.Header
	apiVersion        string
	betas             []string
	userAgent         string
	logger            *slog.Logger
	noEnv             bool
	tracerProvider    trace.TracerProvider // nil: the global one
}

func defaultConfig() *config {
	return &config{
		maxRetries:   DefaultMaxRetries,
		retryWaitMin: 500 * time.Millisecond,
		retryWaitMax: 8 * time.Second,
		header:       http.Header{},
		apiVersion:   DefaultAPIVersion,
	}
}

// WithAPIKey sets the API key, sent as x-api-key. Without it the client reads
// ANTHROPIC_API_KEY (unless WithoutEnvironment is given).
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("WithAPIKey: the key is empty")
		}
		if err := checkHeaderValue(key); err != nil {
			return fmt.Errorf("WithAPIKey: %w", err)
		}
		c.apiKey = newCredential(key)
		return nil
	}
}

// WithAuthToken sets an OAuth access token (or an API key in bearer form),
// sent as "Authorization: Bearer <token>" instead of x-api-key. It cannot be
// combined with WithAPIKey: the API rejects requests that carry both.
func WithAuthToken(token string) Option {
	return func(c *config) error {
		if strings.TrimSpace(token) == "" {
			return errors.New("WithAuthToken: the token is empty")
		}
		if err := checkHeaderValue(token); err != nil {
			return fmt.Errorf("WithAuthToken: %w", err)
		}
		c.authToken = newCredential(token)
		return nil
	}
}

// WithBaseURL sets the API's base URL, such as a proxy or a fake server.
// Without it the client reads ANTHROPIC_BASE_URL, and else uses
// https://api.anthropic.com. A path prefix is kept; a trailing slash is not.
// The URL needs its scheme ("http://127.0.0.1:8080", not "127.0.0.1:8080")
// and no /v1, which the client adds to every path. A loopback URL set here
// is never sent ANTHROPIC_API_KEY (see NewClient).
func WithBaseURL(rawURL string) Option {
	return func(c *config) error {
		u, err := parseBaseURL(rawURL)
		if err != nil {
			return fmt.Errorf("WithBaseURL: %w", err)
		}
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient sets the *http.Client that carries requests (for a custom
// transport, proxy or TLS set-up). The client is copied; a per-attempt
// timeout from WithRequestTimeout is applied to the copy.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("WithHTTPClient: the client is nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithMaxRetries sets how many times a failed request is retried (default 2,
// so 3 attempts). Zero turns retries off. Which failures are retried depends
// on whether the call is idempotent; see the package documentation.
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("WithMaxRetries: %d is negative", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryWait sets the computed backoff: the first retry waits about min,
// each later one twice as long, never more than max (defaults 0.5 s and 8 s),
// less up to 25 % jitter. A server hint (retry-after-ms, retry-after) takes
// precedence, capped at one minute.
func WithRetryWait(min, max time.Duration) Option {
	return func(c *config) error {
		if min < 0 || max < 0 {
			return fmt.Errorf("WithRetryWait: negative duration (%v, %v)", min, max)
		}
		if min > max {
			return fmt.Errorf("WithRetryWait: min %v is greater than max %v", min, max)
		}
		c.retryWaitMin, c.retryWaitMax = min, max
		return nil
	}
}

// WithRequestTimeout bounds each attempt of a request, from sending it to
// reading the whole response. It is never applied to a live event stream,
// which may stay open for hours. Zero means no timeout (the default).
func WithRequestTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithRequestTimeout: %v is negative", d)
		}
		c.requestTimeout = d
		return nil
	}
}

// WithHeader adds a header to every request, such as anthropic-workspace-id.
// Credentials cannot be set this way (use WithAPIKey or WithAuthToken), nor
// can the headers the client manages (anthropic-version, anthropic-beta,
// user-agent, content-type).
func WithHeader(name, value string) Option {
	return func(c *config) error {
		if !validHeaderName(name) {
			return fmt.Errorf("WithHeader: %q is not a valid header name", name)
		}
		switch strings.ToLower(name) {
		case "x-api-key", "authorization":
			return fmt.Errorf("WithHeader: set credentials with WithAPIKey or WithAuthToken, not %s", name)
		case "anthropic-version":
			return errors.New("WithHeader: use WithAPIVersion for anthropic-version")
		case "anthropic-beta":
			return errors.New("WithHeader: use WithBetas for anthropic-beta")
		case "user-agent":
			return errors.New("WithHeader: use WithUserAgent for user-agent")
		case "content-type", "content-length", "host", "accept":
			return fmt.Errorf("WithHeader: %s is set by the client", name)
		}
		if err := checkHeaderValue(value); err != nil {
			return fmt.Errorf("WithHeader %s: %w", name, err)
		}
		c.header.Add(name, value)
		return nil
	}
}

// WithAPIVersion sets the anthropic-version header (default "2023-06-01").
func WithAPIVersion(version string) Option {
	return func(c *config) error {
		if strings.TrimSpace(version) == "" {
			return errors.New("WithAPIVersion: the version is empty")
		}
		if err := checkHeaderValue(version); err != nil {
			return fmt.Errorf("WithAPIVersion: %w", err)
		}
		c.apiVersion = version
		return nil
	}
}

// WithBetas adds beta names to the anthropic-beta header. The Managed Agents
// beta (managed-agents-2026-04-01) is always sent; all names go in one
// comma-joined header line.
func WithBetas(betas ...string) Option {
	return func(c *config) error {
		for _, b := range betas {
			b = strings.TrimSpace(b)
			if b == "" || strings.ContainsAny(b, ", \t\r\n") {
				return fmt.Errorf("WithBetas: %q is not a beta name", b)
			}
			c.betas = append(c.betas, b)
		}
		return nil
	}
}

// WithUserAgent puts a product token (such as "myapp/1.2") in front of the
// library's own in the user-agent header.
func WithUserAgent(product string) Option {
	return func(c *config) error {
		if strings.TrimSpace(product) == "" {
			return errors.New("WithUserAgent: the user agent is empty")
		}
		if err := checkHeaderValue(product); err != nil {
			return fmt.Errorf("WithUserAgent: %w", err)
		}
		c.userAgent = product
		return nil
	}
}

// WithLogger logs each request, retry and response at debug level: method,
// path, attempt, status, request ID and wait. Credentials, headers and bodies
// are never logged. Without it the client logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithoutEnvironment stops NewClient from reading ANTHROPIC_API_KEY and
// ANTHROPIC_BASE_URL, so that only options configure the client.
func WithoutEnvironment() Option {
	return func(c *config) error {
		c.noEnv = true
		return nil
	}
}

// parseBaseURL checks and normalises a base URL. A host and port without a
// scheme, and a path that already ends in the API's /v1, are refused with
// the URL to use instead.
func parseBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw != "" && !strings.Contains(raw, "://") && !strings.HasPrefix(raw, "/") {
		// "127.0.0.1:8080" and "localhost:8080" are not URLs to url.Parse
		// (or are, with "localhost" as the scheme).
		if fixed, err := url.Parse("http://" + raw); err == nil && fixed.Host != "" && fixed.User == nil {
			return "", fmt.Errorf("URL %q has no scheme; add one, as in %q", raw, schemeFor(fixed.Hostname())+raw)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("malformed URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("URL %q must start with http:// or https://", u.Redacted())
	}
	if u.Host == "" {
		return "", fmt.Errorf("URL %q has no host", u.Redacted())
	}
	if u.User != nil {
		return "", errors.New("URL must not contain credentials; use WithAPIKey or WithAuthToken")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("URL %q must not have a query or fragment", u.Redacted())
	}
	base := strings.TrimRight(u.String(), "/")
	if strings.HasSuffix(base, "/v1") {
		return "", fmt.Errorf("URL %q ends in /v1, which the client adds to every path; drop it, as in %q", u.Redacted(), strings.TrimSuffix(base, "/v1"))
	}
	return base, nil
}

// schemeFor is the scheme to suggest for a base URL given without one:
// http:// for a loopback host (a local proxy or a fake server), else
// https://.
func schemeFor(host string) string {
	if isLoopbackHost(host) {
		return "http://"
	}
	return "https://"
}

// loopbackURL reports whether a base URL, as parseBaseURL returns it, names
// a loopback host.
func loopbackURL(base string) bool {
	u, err := url.Parse(base)
	return err == nil && isLoopbackHost(u.Hostname())
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP
// address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// checkHeaderValue rejects values net/http would refuse to send. The error
// does not quote the value, which may be a secret.
func checkHeaderValue(v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return errors.New("value contains a control character")
		}
	}
	return nil
}
