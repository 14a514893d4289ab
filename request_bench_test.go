package managedagents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/managedagents/managedagents-go"
)

// BenchmarkRequest measures the request path of a call that answers JSON:
// Sessions.Get of the recorded session fixture and Sessions.List of a page
// of 100 copies of it, each against, in the same run, a plain baseline: an
// http.Client sending the same headers and decoding the body with
// encoding/json into the same types. Both sides use their own
// http.Transport with the same settings and talk to the same httptest
// server on loopback; the server runs in this process, so its work is in
// both figures. The ratios of Ours to Raw, in ns/op and allocs/op, are the
// figures; cpu-ns/op, the process's CPU time (user and system, the
// server's included) per call where the platform reports it, varies less
// than ns/op on a busy machine:
//
//	go test -run XXX -bench BenchmarkRequest -benchmem -count 6 .
func BenchmarkRequest(b *testing.B) {
	session, err := os.ReadFile(filepath.Join("testdata", "sessions", "session.json"))
	if err != nil {
		b.Fatal(err)
	}
	list := listPageOf(b, session, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := session
		if r.URL.Path == "/v1/sessions" {
			body = list
		}
		w.Header().Set("content-type", "application/json")
		w.Header().Set("request-id", "req_bench")
		w.Write(body)
	}))
	defer srv.Close()
	const key = "sk-ant-bench-key"

	ours, err := managedagents.NewClient(
		managedagents.WithBaseURL(srv.URL),
		managedagents.WithAPIKey(key),
		managedagents.WithoutEnvironment(),
		managedagents.WithHTTPClient(&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}),
	)
	if err != nil {
		b.Fatal(err)
	}
	raw := &rawClient{
		hc:   &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		base: srv.URL,
		key:  key,
	}
	ctx := b.Context()

	b.Run("Get/Ours", func(b *testing.B) {
		loopWithCPU(b, func() {
			s, err := ours.Sessions.Get(ctx, "sesn_01uJqyNu7X49rEympmSxudQ5tS")
			if err != nil || s.ID != "sesn_01uJqyNu7X49rEympmSxudQ5tS" {
				b.Fatalf("Get: %v, %v", s, err)
			}
		})
	})
	b.Run("Get/Raw", func(b *testing.B) {
		loopWithCPU(b, func() {
			var s managedagents.Session
			if err := raw.get(ctx, "/v1/sessions/sesn_01uJqyNu7X49rEympmSxudQ5tS", &s); err != nil || s.ID != "sesn_01uJqyNu7X49rEympmSxudQ5tS" {
				b.Fatalf("get: %v, %v", s.ID, err)
			}
		})
	})
	b.Run("List100/Ours", func(b *testing.B) {
		loopWithCPU(b, func() {
			p, err := ours.Sessions.List(ctx, managedagents.SessionListParams{Limit: 100})
			if err != nil || len(p.Data) != 100 {
				b.Fatalf("List: %v", err)
			}
		})
	})
	b.Run("List100/Raw", func(b *testing.B) {
		loopWithCPU(b, func() {
			var p managedagents.SessionPage
			if err := raw.get(ctx, "/v1/sessions?limit=100", &p); err != nil || len(p.Data) != 100 {
				b.Fatalf("get: %v", err)
			}
		})
	})
}

// loopWithCPU runs f in b.Loop and reports the process's CPU time per
// iteration as cpu-ns/op, when processCPU can tell it.
func loopWithCPU(b *testing.B, f func()) {
	start := processCPU()
	for b.Loop() {
		f()
	}
	if used := processCPU() - start; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// listPageOf builds a sessions list page holding n copies of session, each
// with its own ID.
func listPageOf(b *testing.B, session []byte, n int) []byte {
	var compact bytes.Buffer
	if err := json.Compact(&compact, session); err != nil {
		b.Fatal(err)
	}
	one := compact.String()
	const id = `"id":"sesn_01uJqyNu7X49rEympmSxudQ5tS"`
	if !strings.Contains(one, id) {
		b.Fatal("the fixture's ID is not where expected")
	}
	items := make([]string, n)
	for i := range items {
		items[i] = strings.Replace(one, id, fmt.Sprintf(`"id":"sesn_bench%04d"`, i), 1)
	}
	return []byte(`{"data":[` + strings.Join(items, ",") + `],"next_page":"cGFnZTI","prev_page":null}`)
}

// rawClient is the baseline: net/http and encoding/json, with the headers
// the API needs and nothing else.
type rawClient struct {
	hc   *http.Client
	base string
	key  string
}

func (c *rawClient) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("x-api-key", c.key)
	req.Header.Set("anthropic-version", managedagents.DefaultAPIVersion)
	req.Header.Set("anthropic-beta", managedagents.BetaManagedAgents)
	req.Header.Set("user-agent", "raw/"+managedagents.Version)
	req.Header.Set("accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.Unmarshal(body, out)
}
