package managedagents_test

import (
	"bufio"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
)

// BenchmarkIdleStreams measures what 1,000 open, idle streams cost, each
// followed by a goroutine ranging over it, against a baseline in the same
// run: 1,000 plain GETs of the same endpoint, each read line by line by a
// goroutine with bufio. The fake server runs in the same process, so both
// figures include its side of the connections; the ratio is the figure.
//
//	go test -run XXX -bench BenchmarkIdleStreams -benchtime 3x .
func BenchmarkIdleStreams(b *testing.B) {
	const n = 1000
	b.Run("Stream", func(b *testing.B) {
		measureIdle(b, n, func(c *managedagents.Client, sessionID string, ready *sync.WaitGroup) func() {
			st, err := c.Events.Stream(b.Context(), sessionID, managedagents.StreamParams{})
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				ready.Done()
				for range st.Events() {
				}
			}()
			return func() { st.Close(); <-done }
		})
	})
	b.Run("Baseline", func(b *testing.B) {
		measureIdle(b, n, func(c *managedagents.Client, sessionID string, ready *sync.WaitGroup) func() {
			req, _ := http.NewRequestWithContext(b.Context(), "GET", baseURL+"/v1/sessions/"+sessionID+"/events/stream", nil)
			req.Header.Set("x-api-key", "test-key")
			req.Header.Set("anthropic-version", "2023-06-01")
			req.Header.Set("anthropic-beta", managedagents.BetaManagedAgents)
			resp, err := rawClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatal(err, resp)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				ready.Done()
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
				}
			}()
			return func() { resp.Body.Close(); <-done }
		})
	})
}

// baseURL and rawClient serve the baseline; measureIdle sets baseURL.
var (
	baseURL   string
	rawClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}}
)

func measureIdle(b *testing.B, n int, open func(*managedagents.Client, string, *sync.WaitGroup) func()) {
	srv, c := newFake(b, managedagents.WithHTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}}))
	baseURL = srv.URL()
	s := create(b, c, "idle")
	var heapPer, goroutinesPer float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		var ready sync.WaitGroup
		ready.Add(n)
		closers := make([]func(), 0, n)
		for range n {
			closers = append(closers, open(c, s.ID, &ready))
		}
		ready.Wait()
		for srv.OpenStreams() < n {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // let every reader block
		runtime.GC()
		runtime.ReadMemStats(&after)
		heapPer = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
		goroutinesPer = float64(runtime.NumGoroutine()-g0) / float64(n)
		for _, closeStream := range closers {
			closeStream()
		}
	}
	b.ReportMetric(heapPer, "heap-B/stream")
	b.ReportMetric(goroutinesPer, "goroutines/stream")
}
