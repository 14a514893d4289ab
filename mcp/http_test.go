package mcp

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"0"}}}`

// newHTTPServer serves NewServer over NewHTTPHandler on 127.0.0.1.
func newHTTPServer(t *testing.T, opts ...HTTPOption) *httptest.Server {
	t.Helper()
	client, err := managedagents.NewClient(managedagents.WithAPIKey("k"), managedagents.WithBaseURL("http://127.0.0.1:1"), managedagents.WithoutEnvironment())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(client)
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHTTPHandler(srv, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		for ss := range srv.Sessions() {
			ss.Close()
		}
		ts.Close()
	})
	return ts
}

// bearerTransport adds a bearer token to every request.
type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// TestHTTPWithSDKClient connects the SDK's Streamable HTTP client, with and
// without the token.
func TestHTTPWithSDKClient(t *testing.T) {
	ts := newHTTPServer(t, HTTPLoopbackOnly(), HTTPBearerToken("s3cret-token"))
	connect := func(token string) (*sdk.ClientSession, error) {
		hc := &http.Client{Transport: http.DefaultTransport}
		if token != "" {
			hc.Transport = bearerTransport{token, http.DefaultTransport}
		}
		c := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "0"}, nil)
		return c.Connect(t.Context(), &sdk.StreamableClientTransport{Endpoint: ts.URL, HTTPClient: hc, MaxRetries: -1}, nil)
	}
	cs, err := connect("s3cret-token")
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	res, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tools) != len(allTools) {
		t.Errorf("%d tools over HTTP", len(res.Tools))
	}
	for _, bad := range []string{"", "wrong"} {
		if cs, err := connect(bad); err == nil {
			cs.Close()
			t.Errorf("connected with token %q", bad)
		}
	}
}

func TestHTTPGuard(t *testing.T) {
	big := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 2<<20) + `"}}`
	for _, tc := range []struct {
		name    string
		opts    []HTTPOption
		host    string
		header  map[string]string
		body    string
		chunked bool
		want    int
	}{
		{"plain initialize", nil, "", nil, initializeBody, false, 200},
		{"token: missing", []HTTPOption{HTTPBearerToken("tok")}, "", nil, initializeBody, false, 401},
		{"token: wrong", []HTTPOption{HTTPBearerToken("tok")}, "", map[string]string{"Authorization": "Bearer tok2"}, initializeBody, false, 401},
		{"token: wrong scheme", []HTTPOption{HTTPBearerToken("tok")}, "", map[string]string{"Authorization": "Basic tok"}, initializeBody, false, 401},
		{"token: right", []HTTPOption{HTTPBearerToken("tok")}, "", map[string]string{"Authorization": "Bearer tok"}, initializeBody, false, 200},
		{"token: scheme is case-insensitive", []HTTPOption{HTTPBearerToken("tok")}, "", map[string]string{"Authorization": "bearer tok"}, initializeBody, false, 200},
		{"loopback: foreign origin", []HTTPOption{HTTPLoopbackOnly()}, "", map[string]string{"Origin": "http://evil.example"}, initializeBody, false, 403},
		{"loopback: null origin", []HTTPOption{HTTPLoopbackOnly()}, "", map[string]string{"Origin": "null"}, initializeBody, false, 403},
		{"loopback: loopback origin", []HTTPOption{HTTPLoopbackOnly()}, "", map[string]string{"Origin": "http://localhost:6274"}, initializeBody, false, 200},
		{"loopback: foreign host", []HTTPOption{HTTPLoopbackOnly()}, "evil.example", nil, initializeBody, false, 403},
		{"loopback: foreign host with port", []HTTPOption{HTTPLoopbackOnly()}, "evil.example:9090", nil, initializeBody, false, 403},
		{"loopback: localhost", []HTTPOption{HTTPLoopbackOnly()}, "localhost:9090", nil, initializeBody, false, 200},
		{"loopback: [::1]", []HTTPOption{HTTPLoopbackOnly()}, "[::1]:9090", nil, initializeBody, false, 200},
		{"allowed hosts", []HTTPOption{HTTPAllowedHosts("mcp.example.com", "127.0.0.1")}, "mcp.example.com", nil, initializeBody, false, 200},
		{"allowed hosts: other", []HTTPOption{HTTPAllowedHosts("mcp.example.com", "127.0.0.1")}, "other.example.com", nil, initializeBody, false, 403},
		{"default: any origin refused", nil, "", map[string]string{"Origin": "http://127.0.0.1:3000"}, initializeBody, false, 403},
		{"allowed origin", []HTTPOption{HTTPAllowedOrigins("https://app.example.com")}, "", map[string]string{"Origin": "https://app.example.com"}, initializeBody, false, 200},
		{"allowed origin: other", []HTTPOption{HTTPAllowedOrigins("https://app.example.com")}, "", map[string]string{"Origin": "https://app.example.org"}, initializeBody, false, 403},
		{"host checked before the token", []HTTPOption{HTTPLoopbackOnly(), HTTPBearerToken("tok")}, "evil.example", nil, initializeBody, false, 403},
		{"oversized body", []HTTPOption{HTTPMaxRequestBytes(1 << 20)}, "", nil, big, false, 413},
		{"oversized chunked body", []HTTPOption{HTTPMaxRequestBytes(1 << 20)}, "", nil, big, true, 413},
		{"body within a raised limit", []HTTPOption{HTTPMaxRequestBytes(4 << 20)}, "", nil, big, false, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newHTTPServer(t, tc.opts...)
			var body io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				body = io.MultiReader(bytes.NewReader([]byte(tc.body))) // unknown length: sent chunked
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.want, got)
			}
			switch tc.want {
			case 200:
				if tc.body == initializeBody && !strings.Contains(string(got), `"serverInfo"`) {
					t.Errorf("body = %s", got)
				}
			case 401:
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate header")
				}
			}
		})
	}
}

func TestHTTPOptionErrors(t *testing.T) {
	client, _ := managedagents.NewClient(managedagents.WithAPIKey("k"), managedagents.WithoutEnvironment())
	srv, _ := NewServer(client)
	for _, tc := range []struct {
		name string
		opt  HTTPOption
	}{
		{"empty token", HTTPBearerToken("")},
		{"token with a space", HTTPBearerToken("a b")},
		{"no hosts", HTTPAllowedHosts()},
		{"bad host", HTTPAllowedHosts("a/b")},
		{"no origins", HTTPAllowedOrigins()},
		{"bad origin", HTTPAllowedOrigins("app.example.com")},
		{"origin with a path", HTTPAllowedOrigins("https://app.example.com/x")},
		{"zero limit", HTTPMaxRequestBytes(0)},
		{"zero session timeout", HTTPSessionTimeout(0)},
		{"nil logger", HTTPLogger(nil)},
		{"nil option", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewHTTPHandler(srv, tc.opt); err == nil {
				t.Error("no error")
			}
			// HTTPHandler fails closed.
			rec := httptest.NewRecorder()
			HTTPHandler(srv, tc.opt).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(initializeBody)))
			if rec.Code != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", rec.Code)
			}
		})
	}
	if _, err := NewHTTPHandler(nil); err == nil {
		t.Error("NewHTTPHandler(nil) succeeded")
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	got := map[string]bool{}
	for _, addr := range []string{"127.0.0.1:9090", "localhost:0", "[::1]:80", "127.1.2.3:1", "0.0.0.0:9090", ":9090", "[::]:1", "example.com:80", "10.0.0.1:1", "nonsense"} {
		got[addr] = IsLoopbackAddr(addr)
	}
	want := map[string]bool{"127.0.0.1:9090": true, "localhost:0": true, "[::1]:80": true, "127.1.2.3:1": true,
		"0.0.0.0:9090": false, ":9090": false, "[::]:1": false, "example.com:80": false, "10.0.0.1:1": false, "nonsense": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
