package mcp

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

const (
	// DefaultMaxRequestBytes is the default limit on a request body.
	DefaultMaxRequestBytes = 4 << 20
	// DefaultSessionTimeout is how long an MCP session may stay without a
	// request before the handler closes it.
	DefaultSessionTimeout = 30 * time.Minute
)

// An HTTPOption configures NewHTTPHandler and HTTPHandler.
type HTTPOption func(*httpConfig) error

type httpConfig struct {
	tokenHash       *[sha256.Size]byte
	hosts           map[string]bool
	loopbackHosts   bool
	origins         map[string]bool
	loopbackOrigins bool
	maxBytes        int64
	sessionTimeout  time.Duration
	stateless       bool
	logger          *slog.Logger
}

// HTTPBearerToken requires "Authorization: Bearer <token>" on every request;
// a request without it, or with another token, gets 401. The comparison
// takes the same time whatever the token sent.
func HTTPBearerToken(token string) HTTPOption {
	return func(c *httpConfig) error {
		if token == "" {
			return errors.New("HTTPBearerToken: the token is empty")
		}
		for i := 0; i < len(token); i++ {
			if b := token[i]; b <= ' ' || b == 0x7f {
				return errors.New("HTTPBearerToken: the token holds a space or a control character")
			}
		}
		h := sha256.Sum256([]byte(token))
		c.tokenHash = &h
		return nil
	}
}

// HTTPAllowedHosts accepts only requests whose Host header names one of
// hosts (any port), refusing the others with 403. It defeats DNS
// rebinding, where a web page reaches a local server under the page's own
// host name. It replaces the SDK's own check, which refuses a non-loopback
// Host on a loopback connection (and stays on without this option).
// Without it, or HTTPLoopbackOnly, any Host is accepted on a non-loopback
// connection.
func HTTPAllowedHosts(hosts ...string) HTTPOption {
	return func(c *httpConfig) error {
		if len(hosts) == 0 {
			return errors.New("HTTPAllowedHosts: no hosts")
		}
		if c.hosts == nil {
			c.hosts = map[string]bool{}
		}
		for _, h := range hosts {
			h = strings.ToLower(strings.TrimSpace(h))
			if h == "" || strings.ContainsAny(h, "/ ") {
				return fmt.Errorf("HTTPAllowedHosts: %q is not a host name", h)
			}
			if host, _, err := net.SplitHostPort(h); err == nil {
				h = host
			}
			c.hosts[strings.Trim(h, "[]")] = true
		}
		return nil
	}
}

// HTTPAllowedOrigins accepts browser requests (those with an Origin header)
// only from these origins, such as "https://app.example.com"; others get
// 403. Requests without an Origin (MCP clients that are not browsers) are
// not affected. By default every request with an Origin is refused, but for
// those HTTPLoopbackOnly allows.
func HTTPAllowedOrigins(origins ...string) HTTPOption {
	return func(c *httpConfig) error {
		if len(origins) == 0 {
			return errors.New("HTTPAllowedOrigins: no origins")
		}
		if c.origins == nil {
			c.origins = map[string]bool{}
		}
		for _, o := range origins {
			u, err := url.Parse(strings.TrimSpace(o))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
				return fmt.Errorf("HTTPAllowedOrigins: %q is not an origin like https://app.example.com", o)
			}
			c.origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
		}
		return nil
	}
}

// HTTPLoopbackOnly is for a server listening on a loopback address: it
// accepts only the Host names 127.0.0.1, localhost and [::1] (any port),
// and browser Origins on those hosts.
func HTTPLoopbackOnly() HTTPOption {
	return func(c *httpConfig) error {
		c.loopbackHosts, c.loopbackOrigins = true, true
		return nil
	}
}

// HTTPMaxRequestBytes limits request bodies to n bytes (default 4 MiB);
// larger ones get 413.
func HTTPMaxRequestBytes(n int64) HTTPOption {
	return func(c *httpConfig) error {
		if n <= 0 {
			return fmt.Errorf("HTTPMaxRequestBytes: %d is not positive", n)
		}
		c.maxBytes = n
		return nil
	}
}

// HTTPSessionTimeout closes MCP sessions that received no request for d
// (default 30 minutes).
func HTTPSessionTimeout(d time.Duration) HTTPOption {
	return func(c *httpConfig) error {
		if d <= 0 {
			return fmt.Errorf("HTTPSessionTimeout: %v is not positive", d)
		}
		c.sessionTimeout = d
		return nil
	}
}

// HTTPStateless serves every request on its own, with no MCP session kept
// between requests (no Mcp-Session-Id), so that several replicas behind one
// load balancer can serve the same client, each request reaching any of
// them. The tools keep no state of their own either: a wait that outlasts
// one call returns a cursor that carries where the next call goes on.
// Progress notifications still reach the client, on the response of the
// request they belong to; requests from the server to the client (none of
// the tools make any) are not possible.
func HTTPStateless() HTTPOption {
	return func(c *httpConfig) error { c.stateless = true; return nil }
}

// HTTPLogger logs refused requests (reason, method, path, remote address;
// never a header value) at warn level.
func HTTPLogger(l *slog.Logger) HTTPOption {
	return func(c *httpConfig) error {
		if l == nil {
			return errors.New("HTTPLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}

// NewHTTPHandler serves server over Streamable HTTP (stateful sessions,
// unless HTTPStateless) behind the checks the options configure, in this order: Host (403),
// Origin (403), bearer token (401), body size (413). Mount it at the MCP
// endpoint's path, such as /mcp.
func NewHTTPHandler(server *sdk.Server, opts ...HTTPOption) (http.Handler, error) {
	if server == nil {
		return nil, errors.New("mcp: NewHTTPHandler: the server is nil")
	}
	cfg := httpConfig{maxBytes: DefaultMaxRequestBytes, sessionTimeout: DefaultSessionTimeout}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("mcp: HTTP option %d is nil", i)
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("mcp: %w", err)
		}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	inner := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return server }, &sdk.StreamableHTTPOptions{
		MaxRequestBodyBytes: cfg.maxBytes,
		SessionTimeout:      cfg.sessionTimeout,
		Stateless:           cfg.stateless,
		// The SDK refuses a non-loopback Host on a loopback connection.
		// With an explicit allow-list (a local reverse proxy forwarding
		// mcp.example.com, say) the guard's check decides instead.
		DisableLocalhostProtection: cfg.hosts != nil,
	})
	return &guard{cfg: cfg, next: inner}, nil
}

// HTTPHandler is NewHTTPHandler for callers that cannot handle an error: an
// invalid option gives a handler that refuses every request with 500 (it
// fails closed), and logs why to slog's default logger once.
func HTTPHandler(server *sdk.Server, opts ...HTTPOption) http.Handler {
	h, err := NewHTTPHandler(server, opts...)
	if err != nil {
		slog.Error("mcp: HTTPHandler is misconfigured and refuses every request", "error", err)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "MCP endpoint misconfigured", http.StatusInternalServerError)
		})
	}
	return h
}

// guard applies the checks before the SDK's handler.
type guard struct {
	cfg  httpConfig
	next http.Handler
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !g.hostAllowed(r.Host) {
		g.refuse(w, r, http.StatusForbidden, "host not allowed", "Forbidden: invalid Host header")
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" && !g.originAllowed(origin) {
		g.refuse(w, r, http.StatusForbidden, "origin not allowed", "Forbidden: cross-origin requests are not allowed")
		return
	}
	if g.cfg.tokenHash != nil && !g.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mcp"`)
		g.refuse(w, r, http.StatusUnauthorized, "missing or wrong bearer token", "Unauthorized")
		return
	}
	if r.ContentLength > g.cfg.maxBytes {
		g.refuse(w, r, http.StatusRequestEntityTooLarge, "request body too large",
			fmt.Sprintf("Request body exceeds %d bytes", g.cfg.maxBytes))
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, g.cfg.maxBytes)
	}
	g.next.ServeHTTP(w, r)
}

func (g *guard) refuse(w http.ResponseWriter, r *http.Request, status int, reason, msg string) {
	g.cfg.logger.Warn("mcp: request refused", "reason", reason, "status", status,
		"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	http.Error(w, msg, status)
}

func (g *guard) hostAllowed(hostport string) bool {
	if g.cfg.hosts == nil && !g.cfg.loopbackHosts {
		return true
	}
	host := strings.ToLower(hostport)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return g.cfg.hosts[host] || g.cfg.loopbackHosts && isLoopbackHost(host)
}

func (g *guard) originAllowed(origin string) bool {
	origin = strings.ToLower(strings.TrimSpace(origin))
	if g.cfg.origins[origin] {
		return true
	}
	if !g.cfg.loopbackOrigins {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false // includes the opaque origin "null"
	}
	return isLoopbackHost(u.Hostname())
}

// authorized compares the bearer token in constant time (of hashes, so the
// length of the expected token does not leak either).
func (g *guard) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], g.cfg.tokenHash[:]) == 1
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address such as "127.0.0.1:9090"
// or "[::1]:0" is on a loopback interface. An empty host (all interfaces)
// is not.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	return isLoopbackHost(host)
}
