package managedagentstest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Delivery. The session log's hook (Fake.webhookEvent, under f.mu) only
// appends to the sender's bounded list of pending deliveries, under the
// sender's own mutex, and wakes its goroutine; it never waits for a
// receiver. The goroutine, started by the first AddWebhook, launches each
// due delivery as an attempt on a goroutine of its own (at most
// `concurrency` at once); an attempt that fails goes back into the list
// with the time of its retry. Lock order: f.mu before webhookSender.mu;
// the sender never takes f.mu.

// webhookSender is the fake's webhook deliverer.
type webhookSender struct {
	cfg    webhookConfig
	active atomic.Bool // an endpoint is registered; read by the hook without the lock

	ctx    context.Context // ends every attempt; cancelled by close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the loop and the attempts
	client *http.Client
	wake   chan struct{} // buffered 1: something changed for the loop

	mu        sync.Mutex
	started   bool
	closed    bool
	ids       *idGen
	endpoints []*webhookEndpoint
	pending   []*webhookDelivery // waiting for their first attempt or a retry, in queue order
	inflight  int
	changed   chan struct{} // closed and replaced whenever live() may have dropped
	faults    webhookFaults
	log       []WebhookAttempt
	stats     WebhookStats
}

// webhookDelivery is one event on its way to one endpoint.
type webhookDelivery struct {
	ep        *webhookEndpoint
	id        string // webhook-id, the envelope's id
	typ       string
	sessionID string
	threadID  string
	body      []byte
	attempts  int       // made so far
	due       time.Time // not before; zero: at once
	duplicate bool      // a copy sent by DuplicateNextWebhooks
	copyAfter bool      // send a duplicate once this one is delivered
}

func newWebhookSender(cfg webhookConfig, seed int64) *webhookSender {
	ctx, cancel := context.WithCancel(context.Background())
	// A transport of its own, so that closing the fake closes its idle
	// connections and leaves no goroutine behind.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	return &webhookSender{
		cfg:    cfg,
		ctx:    ctx,
		cancel: cancel,
		client: &http.Client{
			Transport: transport,
			// The real sender never follows a redirect; a 3xx disables
			// the endpoint.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		wake:    make(chan struct{}, 1),
		ids:     newIDGen(seed ^ 0x3eb0),
		changed: make(chan struct{}),
	}
}

// add registers an endpoint and starts the loop if it is not running.
func (ws *webhookSender) add(ep *webhookEndpoint) error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.closed {
		return errClosed
	}
	ws.endpoints = append(ws.endpoints, ep)
	ws.active.Store(true)
	if !ws.started {
		ws.started = true
		ws.wg.Add(1)
		go ws.run()
	}
	return nil
}

// live counts the deliveries waiting, held or in flight. The caller holds
// ws.mu.
func (ws *webhookSender) live() int {
	return len(ws.pending) + len(ws.faults.held) + ws.inflight
}

// signal wakes the loop and every WaitWebhooks. The caller holds ws.mu.
func (ws *webhookSender) signal() {
	select {
	case ws.wake <- struct{}{}:
	default:
	}
	close(ws.changed)
	ws.changed = make(chan struct{})
}

// enqueue queues the delivery of one event to every endpoint that takes
// its type, applying the faults injected for new deliveries. It does not
// block.
func (ws *webhookSender) enqueue(typ, sessionID, threadID string, at time.Time) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var id string
	var body []byte
	for _, ep := range ws.endpoints {
		if ep.disabled != "" || (ep.types != nil && !ep.types[typ]) {
			continue
		}
		if ws.closed || ws.live() >= ws.cfg.queue {
			ws.stats.Dropped++
			continue
		}
		if id == "" {
			id = ws.ids.next("whe_")
			body = webhookBody(id, typ, sessionID, threadID, at)
		}
		d := &webhookDelivery{ep: ep, id: id, typ: typ, sessionID: sessionID, threadID: threadID, body: body}
		ws.stats.Queued++
		ws.faults.apply(ws, d)
	}
	ws.signal()
}

// run is the loop: it launches due deliveries and sleeps until the next
// one is due or something changes.
func (ws *webhookSender) run() {
	defer ws.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		ws.mu.Lock()
		if ws.closed {
			ws.mu.Unlock()
			return
		}
		now := time.Now()
		next := ws.faults.release(ws, now)
		var launch []*webhookDelivery
		for i := 0; i < len(ws.pending); {
			d := ws.pending[i]
			switch {
			case d.due.After(now):
				if next.IsZero() || d.due.Before(next) {
					next = d.due
				}
				i++
			case ws.inflight < ws.cfg.concurrency:
				ws.pending = slices.Delete(ws.pending, i, i+1)
				ws.inflight++
				launch = append(launch, d)
			default:
				i++
			}
		}
		for _, d := range launch {
			ws.wg.Add(1)
			go ws.attempt(d)
		}
		ws.mu.Unlock()

		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		timer.Reset(wait) // since Go 1.23, Reset also discards a stale tick
		select {
		case <-ws.wake:
		case <-timer.C:
		case <-ws.ctx.Done():
			return
		}
	}
}

// wrongKey signs the attempts that BadSignatureNextWebhooks spoils.
var wrongKey, _ = standardwebhooks.NewWebhookRaw([]byte("managedagentstest: not the endpoint's secret"))

// attempt sends one attempt of d and decides what follows: done, a
// duplicate, a retry, or giving up.
func (ws *webhookSender) attempt(d *webhookDelivery) {
	defer ws.wg.Done()
	ws.mu.Lock()
	d.attempts++
	bad := ws.faults.badSignature > 0
	if bad {
		ws.faults.badSignature--
	}
	ws.mu.Unlock()

	sent := time.Now()
	signer := d.ep.hook
	if bad {
		signer = wrongKey
	}
	status, errText := ws.post(d, signer, sent)

	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.inflight--
	ws.stats.Attempts++
	ws.log = append(ws.log, WebhookAttempt{
		URL: d.ep.url, WebhookID: d.id, Type: d.typ, SessionID: d.sessionID, ThreadID: d.threadID,
		Attempt: d.attempts, Status: status, Err: errText, BadSignature: bad, Duplicate: d.duplicate,
		Body: d.body, At: sent,
	})
	switch {
	case ws.closed:
		ws.stats.Dropped++
	case status >= 200 && status < 300:
		ws.stats.Delivered++
		if d.copyAfter {
			ws.stats.Queued++
			ws.pending = append(ws.pending, &webhookDelivery{ep: d.ep, id: d.id, typ: d.typ,
				sessionID: d.sessionID, threadID: d.threadID, body: d.body, duplicate: true})
		}
	case status >= 300 && status < 400:
		ws.disable(d.ep, "auto-disabled: endpoint URL returned a redirect (3xx)")
		ws.stats.Failed++
	case d.attempts < ws.cfg.attempts:
		ws.stats.Retried++
		d.due = time.Now().Add(ws.backoff(d.attempts))
		ws.pending = append(ws.pending, d)
	default:
		ws.stats.Failed++
	}
	ws.signal()
}

// post sends one request and returns the status, or the reason there was
// none.
func (ws *webhookSender) post(d *webhookDelivery, signer *standardwebhooks.Webhook, at time.Time) (int, string) {
	sig, err := signer.Sign(d.id, at, d.body)
	if err != nil {
		return 0, err.Error()
	}
	ctx, cancel := context.WithTimeout(ws.ctx, ws.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.ep.url, bytes.NewReader(d.body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "managedagentstest-webhooks")
	req.Header.Set("webhook-id", d.id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := ws.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	// Drain a little so the connection can be reused; receivers answer
	// with short bodies.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
	return resp.StatusCode, ""
}

// backoff is the wait after the n-th failed attempt: first, doubling,
// capped.
func (ws *webhookSender) backoff(n int) time.Duration {
	d := ws.cfg.firstBackoff
	for i := 1; i < n && d < ws.cfg.maxBackoff; i++ {
		d *= 2
	}
	return min(d, ws.cfg.maxBackoff)
}

// disable turns an endpoint off, as the real sender does after a 3xx, and
// gives up its pending deliveries. The caller holds ws.mu.
func (ws *webhookSender) disable(ep *webhookEndpoint, reason string) {
	if ep.disabled != "" {
		return
	}
	ep.disabled = reason
	keep := func(ds []*webhookDelivery) []*webhookDelivery {
		return slices.DeleteFunc(ds, func(d *webhookDelivery) bool {
			if d.ep == ep {
				ws.stats.Failed++
				return true
			}
			return false
		})
	}
	ws.pending = keep(ws.pending)
	ws.faults.held = keep(ws.faults.held)
}

// wait blocks until no delivery is waiting, held or in flight, or ctx
// ends.
func (ws *webhookSender) wait(ctx context.Context) error {
	for {
		ws.mu.Lock()
		if ws.live() == 0 || ws.closed {
			ws.mu.Unlock()
			return nil
		}
		ch := ws.changed
		ws.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// close stops the loop and every attempt, drops what is pending and waits
// for the goroutines. It is idempotent.
func (ws *webhookSender) close() {
	ws.mu.Lock()
	if !ws.closed {
		ws.closed = true
		ws.stats.Dropped += len(ws.pending) + len(ws.faults.held)
		ws.pending, ws.faults.held = nil, nil
		ws.active.Store(false)
		ws.signal()
	}
	ws.mu.Unlock()
	ws.cancel()
	ws.wg.Wait()
	ws.client.CloseIdleConnections()
}

// WaitWebhooks blocks until every delivery queued so far has been
// delivered or given up (retries included) and nothing is held back by a
// fault, or until ctx ends. It returns at once when no endpoint is
// registered or the fake is closed.
func (f *Fake) WaitWebhooks(ctx context.Context) error { return f.webhooks.wait(ctx) }
