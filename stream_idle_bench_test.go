package managedagents_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// BenchmarkIdleStreams measures what idle open streams cost the client
// process: 1,000 streams (Events.Stream with the default StreamParams, each
// followed by a goroutine ranging over Events) against a baseline in the
// same run, 1,000 plain GETs of /v1/sessions/{id}/events/stream, each read
// line by line by a goroutine with a bufio.Scanner. Both use the same
// http.Transport settings, sized for 1,000 connections.
//
// The fake server runs in a child process (this test binary, re-executed
// to run TestHelperFakeServer), so the figures hold only the client's
// side: per stream, goroutines (the change of runtime.NumGoroutine), heap
// bytes (the change of HeapAlloc after a GC), stack bytes (the change of
// StackInuse), and heap+stack, measured once all streams are open and
// their readers blocked. The ratio of Stream to Baseline is the figure.
// Run with:
//
//	go test -run XXX -bench BenchmarkIdleStreams -benchtime 3x .
func BenchmarkIdleStreams(b *testing.B) {
	const n = 1000
	fake := startFakeProcess(b)

	b.Run("Stream", func(b *testing.B) {
		measureIdle(b, fake, n, func(hc *http.Client) func(*sync.WaitGroup) func() {
			c, err := managedagents.NewClient(
				managedagents.WithBaseURL(fake.url),
				managedagents.WithAPIKey("test-key"),
				managedagents.WithoutEnvironment(),
				managedagents.WithHTTPClient(hc),
			)
			if err != nil {
				b.Fatal(err)
			}
			return func(ready *sync.WaitGroup) func() {
				st, err := c.Events.Stream(b.Context(), fake.sessionID, managedagents.StreamParams{})
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
			}
		})
	})

	b.Run("Baseline", func(b *testing.B) {
		measureIdle(b, fake, n, func(hc *http.Client) func(*sync.WaitGroup) func() {
			return func(ready *sync.WaitGroup) func() {
				req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, fake.url+"/v1/sessions/"+fake.sessionID+"/events/stream", nil)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("x-api-key", "test-key")
				req.Header.Set("anthropic-version", "2023-06-01")
				req.Header.Set("anthropic-beta", managedagents.BetaManagedAgents)
				req.Header.Set("accept", "text/event-stream")
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				if resp.StatusCode != http.StatusOK {
					resp.Body.Close()
					b.Fatalf("GET stream: %s", resp.Status)
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
			}
		})
	})
}

// idleTransport is the transport of both sub-benchmarks: enough
// connections to one host for every stream, and the rest as
// http.DefaultTransport has it.
func idleTransport(n int) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // the fake is on loopback; no environment proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * n,
		MaxIdleConnsPerHost: 2 * n,
		MaxConnsPerHost:     2 * n,
		IdleConnTimeout:     90 * time.Second,
	}
}

// measureIdle opens n streams per iteration with the opener that setup
// returns, waits until the fake counts them all open and the process's
// goroutines have settled, and records what they added; then it closes
// them and waits for their goroutines to end. It reports the averages per
// stream.
func measureIdle(b *testing.B, fake *fakeProcess, n int, setup func(*http.Client) func(ready *sync.WaitGroup) func()) {
	tr := idleTransport(n)
	defer tr.CloseIdleConnections()
	open := setup(&http.Client{Transport: tr})
	var goroutines, heap, stack float64
	runs := 0
	for b.Loop() {
		tr.CloseIdleConnections()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()

		var ready sync.WaitGroup
		ready.Add(n)
		closers := make([]func(), 0, n)
		for range n {
			closers = append(closers, open(&ready))
		}
		ready.Wait()
		waitUntil(b, "the fake to count every stream open", func() bool { return fake.openStreams(b) == n })
		settle()
		runtime.GC()
		runtime.ReadMemStats(&after)
		g1 := runtime.NumGoroutine()

		goroutines += float64(g1-g0) / float64(n)
		heap += float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
		stack += float64(int64(after.StackInuse)-int64(before.StackInuse)) / float64(n)
		runs++

		for _, closeStream := range closers {
			closeStream()
		}
		tr.CloseIdleConnections()
		waitUntil(b, "the streams' goroutines to end", func() bool { return runtime.NumGoroutine() <= g0 })
		waitUntil(b, "the fake to see every stream closed", func() bool { return fake.openStreams(b) == 0 })
	}
	if runs == 0 || goroutines <= 0 {
		b.Fatalf("%d runs, %.1f goroutines per stream: nothing was measured", runs, goroutines)
	}
	b.ReportMetric(goroutines/float64(runs), "goroutines/stream")
	b.ReportMetric(heap/float64(runs), "heap-B/stream")
	b.ReportMetric(stack/float64(runs), "stack-B/stream")
	b.ReportMetric((heap+stack)/float64(runs), "heap+stack-B/stream")
}

// settle waits until the number of goroutines has not changed for 50 ms:
// every reader is blocked in its read.
func settle() {
	last, still := runtime.NumGoroutine(), 0
	for deadline := time.Now().Add(5 * time.Second); still < 5 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		if g := runtime.NumGoroutine(); g == last {
			still++
		} else {
			last, still = g, 0
		}
	}
}

func waitUntil(b *testing.B, what string, cond func() bool) {
	b.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %s", what)
		}
	}
}

// fakeServerEnv makes TestHelperFakeServer run as the benchmark's server.
const fakeServerEnv = "MANAGEDAGENTS_IDLE_BENCH_FAKE_SERVER"

// fakeProcess is the child process serving the fake: its base URL, the
// session it created, and the pipes to ask it how many streams are open.
type fakeProcess struct {
	url, sessionID string
	stdin          io.WriteCloser
	stdout         *bufio.Reader
}

// startFakeProcess re-executes the test binary to run TestHelperFakeServer
// and reads the base URL and session ID it prints. The child is killed when
// b ends, whether the benchmark passed or not.
func startFakeProcess(b *testing.B) *fakeProcess {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFakeServer$", "-test.count=1")
	cmd.Env = append(os.Environ(), fakeServerEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the child's signal to stop, should the kill not land
		cmd.Process.Kill()
		cmd.Wait()
	})
	p := &fakeProcess{stdin: stdin, stdout: bufio.NewReader(stdout)}
	fields, err := p.line("fake")
	if err != nil || len(fields) != 2 {
		b.Fatalf("the fake server process did not start: %q, %v", fields, err)
	}
	p.url, p.sessionID = fields[0], fields[1]
	u, err := url.Parse(p.url)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "::1") {
		b.Fatalf("the fake server process listens on %q, not on loopback", p.url)
	}
	return p
}

// openStreams asks the child how many stream handlers are active.
func (p *fakeProcess) openStreams(b *testing.B) int {
	b.Helper()
	if _, err := io.WriteString(p.stdin, "streams\n"); err != nil {
		b.Fatal(err)
	}
	fields, err := p.line("streams")
	if err != nil || len(fields) != 1 {
		b.Fatalf("asking the fake for its streams: %q, %v", fields, err)
	}
	n, err := strconv.Atoi(fields[0])
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// line reads the child's next line starting with prefix, skipping others
// (such as the test framework's), and returns its fields after the prefix.
func (p *fakeProcess) line(prefix string) ([]string, error) {
	for {
		s, err := p.stdout.ReadString('\n')
		if f := strings.Fields(s); len(f) > 0 && f[0] == prefix {
			return f[1:], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// TestHelperFakeServer is the server process of BenchmarkIdleStreams, not a
// test: it skips itself unless the benchmark started it. It serves the
// fake on 127.0.0.1 without heartbeats (so idle streams stay silent),
// creates one session, prints "fake <base URL> <session ID>", then answers
// each "streams" line on its stdin with "streams <open streams>" until
// stdin closes.
func TestHelperFakeServer(t *testing.T) {
	if os.Getenv(fakeServerEnv) != "1" {
		t.Skip("the server process of BenchmarkIdleStreams; it runs only when the benchmark starts it")
	}
	srv, c := newFakeWith(t, []managedagentstest.Option{managedagentstest.WithHeartbeat(0)})
	s := create(t, c, "idle")
	fmt.Printf("fake %s %s\n", srv.URL(), s.ID)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "streams" {
			fmt.Printf("streams %d\n", srv.OpenStreams())
		}
	}
}
