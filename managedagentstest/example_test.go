package managedagentstest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/managedagents/managedagents-go/managedagentstest"
)

// A test starts a fake, points its client at URL, and can then inspect what
// the fake received. Plain net/http stands in for the client here.
func ExampleNewServer() {
	srv := managedagentstest.NewServer(
		managedagentstest.WithClock(func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) }),
	)
	defer srv.Close()

	body := `{"agent":"` + managedagentstest.DefaultAgentID + `","environment_id":"` + managedagentstest.DefaultEnvironmentID + `","title":"demo"}`
	req, _ := http.NewRequest("POST", srv.URL()+"/v1/sessions", strings.NewReader(body))
	req.Header.Set("x-api-key", "any-key")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("anthropic-beta", managedagentstest.BetaHeader)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	var s struct {
		Status    string `json:"status"`
		Title     string `json:"title"`
		CreatedAt string `json:"created_at"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&s)
	fmt.Println(resp.StatusCode, s.Status, s.Title, s.CreatedAt)
	fmt.Println(srv.Count("POST", "/v1/sessions"), srv.Requests()[0].Header.Get("x-api-key"))
	// Output:
	// 200 idle demo 2026-11-26T10:00:00.000Z
	// 1 REDACTED
}

// FailNext injects API errors, here an overload that the client should
// retry after the retry-after hint that FailWithRetryAfter adds (without
// it, the client waits only its own backoff).
func ExampleFake_FailNext() {
	srv := managedagentstest.NewServer()
	defer srv.Close()
	srv.FailNext(1, 529, managedagentstest.FailOnly("GET", "/v1/sessions"), managedagentstest.FailWithRetryAfter(time.Second))

	req, _ := http.NewRequest("GET", srv.URL()+"/v1/sessions", nil)
	req.Header.Set("x-api-key", "any-key")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("anthropic-beta", managedagentstest.BetaHeader)
	for range 2 {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("retry-after"))
	}
	// Output:
	// 529 1
	// 200
}
