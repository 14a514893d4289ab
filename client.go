package managedagents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
)

const (
	// Version is this library's version, sent in the user-agent header.
	Version = "0.1.0"
	// DefaultBaseURL is where the API lives.
	DefaultBaseURL = "https://api.anthropic.com"
	// DefaultAPIVersion is the anthropic-version header sent by default.
	DefaultAPIVersion = "2023-06-01"
	// BetaManagedAgents is the beta that selects the Managed Agents routes; it
	// is sent on every request.
	BetaManagedAgents = "managed-agents-2026-04-01"
	// DefaultMaxRetries is how many times a failed request is retried.
	DefaultMaxRetries = 2
)

// Size limits for response bodies read into memory.
const (
	maxResponseBody = 64 << 20 // a page of sessions with large agent configs
	maxErrorRead    = 1 << 20  // error envelopes are small; proxies' pages are not
)

// Client talks to the Claude Managed Agents Sessions API. Create one with
// NewClient and share it: it is safe for concurrent use.
type Client struct {
	// Sessions creates, reads, updates, archives and deletes sessions.
	Sessions *SessionsService
	// Events sends events to sessions and reads their history.
	Events *EventsService
	// Threads reads the threads of multi-agent sessions and their
	// histories, and archives threads.
	Threads *ThreadsService
	// Resources lists, adds, reads, updates and removes what is mounted
	// into sessions.
	Resources *ResourcesService

	baseURL string
	// cred is the API key, or the auth token when bearer is set. Its type
	// keeps it out of anything that prints the Client.
	cred     credential
	bearer   bool
	header   http.Header // fixed headers sent on every request
	rc       *retryablehttp.Client
	streamRC *retryablehttp.Client // like rc, without a whole-request timeout
	logger   *slog.Logger
	tracing  *tracing
}

// NewClient returns a client configured by opts. The API key comes from
// WithAPIKey or WithAuthToken, else from ANTHROPIC_API_KEY; the base URL from
// WithBaseURL, else ANTHROPIC_BASE_URL, else DefaultBaseURL. A client without
// credentials is an error here rather than at the first call.
//
// ANTHROPIC_API_KEY is not used for a loopback base URL given with
// WithBaseURL (localhost, 127.0.0.0/8, ::1): such a URL in code is almost
// always a test server, which must not receive a real key. Pass the key with
// WithAPIKey, or set ANTHROPIC_BASE_URL, to talk to a local proxy that needs
// it.
func NewClient(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("managedagents: option %d is nil", i)
		}
		if err := opt(cfg); err != nil {
			return nil, fmt.Errorf("managedagents: %w", err)
		}
	}
	// envKeyWithheld: ANTHROPIC_API_KEY is set, but not sent to the loopback
	// URL of WithBaseURL.
	envKeyWithheld := false
	if !cfg.noEnv {
		if cfg.apiKey == nil && cfg.authToken == nil {
			switch k := strings.TrimSpace(os.Getenv("ANTHROPIC_API_KEY")); {
			case k == "":
			case cfg.baseURL != "" && loopbackURL(cfg.baseURL):
				envKeyWithheld = true
			default:
				if err := checkHeaderValue(k); err != nil {
					return nil, fmt.Errorf("managedagents: ANTHROPIC_API_KEY: %w", err)
				}
				cfg.apiKey = newCredential(k)
			}
		}
		if cfg.baseURL == "" {
			if raw := strings.TrimSpace(os.Getenv("ANTHROPIC_BASE_URL")); raw != "" {
				u, err := parseBaseURL(raw)
				if err != nil {
					return nil, fmt.Errorf("managedagents: ANTHROPIC_BASE_URL: %w", err)
				}
				cfg.baseURL = u
			}
		}
	}
	switch {
	case cfg.apiKey != nil && cfg.authToken != nil:
		return nil, errors.New("managedagents: both an API key and an auth token are set; the API accepts only one")
	case cfg.apiKey == nil && cfg.authToken == nil && envKeyWithheld:
		return nil, fmt.Errorf("managedagents: no credentials: ANTHROPIC_API_KEY is not sent to %s, a loopback URL given with WithBaseURL "+
			"(a test server, most likely); pass WithAPIKey or WithAuthToken", cfg.baseURL)
	case cfg.apiKey == nil && cfg.authToken == nil:
		return nil, errors.New("managedagents: no credentials: set ANTHROPIC_API_KEY, or pass WithAPIKey or WithAuthToken")
	}
	if cfg.baseURL == "" {
		cfg.baseURL = DefaultBaseURL
	}

	base := cfg.httpClient
	if base == nil {
		base = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	callHTTP := *base
	if cfg.requestTimeout > 0 {
		callHTTP.Timeout = cfg.requestTimeout
	}
	streamHTTP := *base
	streamHTTP.Timeout = 0

	c := &Client{
		baseURL: cfg.baseURL,
		cred:    cfg.apiKey,
		header:  fixedHeaders(cfg),
		logger:  cfg.logger,
		tracing: newTracing(cfg.tracerProvider, cfg.baseURL),
	}
	if cfg.authToken != nil {
		c.cred, c.bearer = cfg.authToken, true
	}
	c.rc = c.newRetryClient(&callHTTP, cfg)
	c.streamRC = c.newRetryClient(&streamHTTP, cfg)
	c.Sessions = &SessionsService{client: c}
	c.Events = &EventsService{client: c}
	c.Threads = &ThreadsService{client: c}
	c.Resources = &ResourcesService{client: c}
	return c, nil
}

// fixedHeaders builds the headers every request carries, credentials aside.
func fixedHeaders(cfg *config) http.Header {
	h := cfg.header.Clone()
	h.Set("anthropic-version", cfg.apiVersion)
	betas := []string{}
	seen := map[string]bool{}
	for _, b := range cfg.betas {
		if !seen[b] {
			seen[b] = true
			betas = append(betas, b)
		}
	}
	if !seen[BetaManagedAgents] {
		betas = append(betas, BetaManagedAgents)
	}
	h.Set("anthropic-beta", strings.Join(betas, ","))
	ua := fmt.Sprintf("managedagents-go/%s (%s; %s/%s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if cfg.userAgent != "" {
		ua = cfg.userAgent + " " + ua
	}
	h.Set("user-agent", ua)
	return h
}

// request describes one API call.
type request struct {
	method string
	path   string // escaped, starting with /v1/
	query  url.Values
	body   any // JSON-encoded when non-nil
	// idempotent calls are retried on any transient failure; the others
	// only when the server certainly did not act.
	idempotent bool
	// what names the decoded value in a DecodeError ("Session").
	what string
}

// doValue is do for a call whose answer is one JSON value of type T.
func doValue[T any](ctx context.Context, c *Client, r request) (*T, error) {
	var out T
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// do sends r and decodes a 2xx JSON answer into out (when out is non-nil).
// A non-2xx answer is an *APIError. A failed non-idempotent call that may
// nevertheless have been applied matches ErrOutcomeUnknown.
func (c *Client) do(ctx context.Context, r request, out any) (err error) {
	if ctx == nil {
		return invalidParams("nil context")
	}
	var payload []byte
	if r.body != nil {
		var err error
		payload, err = json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("%w: encoding the request: %w", ErrInvalidParams, err)
		}
	}
	a := &callState{method: r.method, path: r.path, idempotent: r.idempotent}
	ctx, a.tr = c.tracing.startCall(ctx, a, r.query)
	defer func() { a.tr.end(err) }()
	req, err := c.newRequest(a.attach(ctx), r, payload)
	if err != nil {
		return err
	}
	req.SetResponseHandler(a.readBody)
	resp, err := a.result(c.rc.Do(req))
	if err != nil {
		return err
	}
	if len(a.body) > maxResponseBody {
		return fmt.Errorf("managedagents: %s %s: response body exceeds %d bytes", r.method, r.path, maxResponseBody)
	}
	if out == nil {
		// The caller wants no value (delete): any 2xx body, 204 or empty
		// included, is a success.
		return nil
	}
	return decodeBody(r.what, resp.StatusCode, a.body, out)
}

// Reasons a 2xx body is not the JSON object the call answers with.
var (
	errEmptyBody = errors.New("the response body is empty")
	errNotObject = errors.New("the response body is not a JSON object")
)

// decodeBody decodes the 2xx body of a call that answers a JSON object.
// Anything else (an empty or blank body, markup, cut-off or other non-object
// JSON) is a *DecodeError with the status and the bytes, never a zero value
// passed off as a success.
func decodeBody(what string, status int, body []byte, out any) error {
	trimmed := bytes.TrimSpace(body)
	var err error
	switch {
	case len(trimmed) == 0:
		err = errEmptyBody
	case trimmed[0] != '{':
		// Catches a JSON null, which would decode into a zero value.
		if err = json.Unmarshal(trimmed, new(any)); err == nil {
			err = errNotObject
		}
	default:
		err = json.Unmarshal(body, out)
	}
	if err == nil {
		return nil
	}
	var de *DecodeError
	if errors.As(err, &de) {
		// An event list names the element that failed and keeps its bytes.
		de.StatusCode = status
		return de
	}
	return &DecodeError{What: what, StatusCode: status, Raw: truncate(body, maxErrorBody), Err: err}
}

// openStream sends an idempotent GET for a text/event-stream and returns the
// 200 response with its body unread. The connect is retried like any read;
// nothing after the 200 is. A non-2xx answer is an *APIError.
func (c *Client) openStream(ctx context.Context, path string, query url.Values) (resp *http.Response, err error) {
	r := request{method: http.MethodGet, path: path, query: query, idempotent: true}
	a := &callState{method: r.method, path: r.path, idempotent: true, stream: true}
	ctx, a.tr = c.tracing.startCall(ctx, a, r.query)
	defer func() { a.tr.end(err) }()
	req, err := c.newRequest(a.attach(ctx), r, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("accept", "text/event-stream")
	req.SetResponseHandler(a.readBody)
	return a.result(c.streamRC.Do(req))
}

// newRequest builds the retryable request with every header set.
func (c *Client) newRequest(ctx context.Context, r request, payload []byte) (*retryablehttp.Request, error) {
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body any
	if payload != nil {
		body = payload
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("managedagents: building %s %s: %w", r.method, r.path, err)
	}
	c.setHeaders(req.Header, "application/json")
	c.tracing.inject(ctx, req.Header)
	if payload != nil {
		req.Header.Set("content-type", "application/json")
	}
	return req, nil
}

// setHeaders sets the fixed headers, accept and the credential.
func (c *Client) setHeaders(h http.Header, accept string) {
	for k, vs := range c.header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("accept", accept)
	if c.bearer {
		h.Set("authorization", "Bearer "+c.cred.reveal())
	} else {
		h.Set("x-api-key", c.cred.reveal())
	}
}

// escapeID checks an ID and escapes it as one path segment. Like the official
// SDK, it refuses empty IDs, "." and "..", and IDs starting with ";".
func escapeID(what, id string) (string, error) {
	switch {
	case id == "":
		return "", invalidParams("%s is empty", what)
	case id == "." || id == "..":
		return "", invalidParams("%s %q is not a valid ID", what, id)
	case strings.HasPrefix(id, ";"):
		return "", invalidParams("%s must not start with ';'", what)
	}
	return url.PathEscape(id), nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		b = b[:n]
	}
	return append([]byte(nil), b...)
}

// String describes the client (its base URL and the kind of credential)
// without the credential itself. It, GoString and Format have value
// receivers, so a Client prints safely by value and by pointer, alone or as
// a field of a struct; and the credential is stored so that even a
// reflection dump of the Client's fields cannot show it.
func (c Client) String() string {
	cred := "x-api-key"
	if c.bearer {
		cred = "bearer token"
	}
	return fmt.Sprintf("managedagents.Client{baseURL: %s, credential: %s %s}", c.baseURL, cred, redacted)
}

// GoString is String, for the %#v verb.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb (quoted for %q), so that no verb
// falls back to printing the Client's fields.
func (c Client) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, strconv.Quote(c.String()))
		return
	}
	io.WriteString(f, c.String())
}
