package managedagentstest

import (
	"slices"
	"time"
)

// Webhook faults. They live in webhookSender.faults, under the sender's
// mutex, and are used up in the order the deliveries are queued (each
// endpoint's delivery of an event counts as one).

// reorderHold is how long ReorderNextWebhooks waits for its batch to fill.
const reorderHold = 500 * time.Millisecond

// webhookFaults are the pending injections.
type webhookFaults struct {
	duplicate    int                // DuplicateNextWebhooks
	badSignature int                // BadSignatureNextWebhooks; counts attempts
	delays       []webhookDelay     // DelayNextWebhooks, first come first served
	reorder      int                // ReorderNextWebhooks: deliveries still to hold
	held         []*webhookDelivery // held for reordering, in queue order
	heldSince    time.Time
}

type webhookDelay struct {
	n int
	d time.Duration
}

// apply gives a new delivery its faults and queues it (or holds it). The
// caller holds ws.mu.
func (ft *webhookFaults) apply(ws *webhookSender, d *webhookDelivery) {
	if ft.duplicate > 0 {
		ft.duplicate--
		d.copyAfter = true
	}
	if len(ft.delays) > 0 {
		d.due = time.Now().Add(ft.delays[0].d)
		if ft.delays[0].n--; ft.delays[0].n == 0 {
			ft.delays = ft.delays[1:]
		}
	}
	if ft.reorder > 0 {
		if len(ft.held) == 0 {
			ft.heldSince = time.Now()
		}
		ft.held = append(ft.held, d)
		if ft.reorder--; ft.reorder == 0 {
			ft.flush(ws)
		}
		return
	}
	ws.pending = append(ws.pending, d)
}

// flush queues the held deliveries, last first.
func (ft *webhookFaults) flush(ws *webhookSender) {
	slices.Reverse(ft.held)
	ws.pending = append(ws.pending, ft.held...)
	ft.held = nil
}

// release flushes a held batch that waited reorderHold without filling,
// and returns when the current batch is due to be flushed (zero: none).
// The caller holds ws.mu.
func (ft *webhookFaults) release(ws *webhookSender, now time.Time) time.Time {
	if len(ft.held) == 0 {
		return time.Time{}
	}
	if deadline := ft.heldSince.Add(reorderHold); now.Before(deadline) {
		return deadline
	}
	ft.reorder = 0
	ft.flush(ws)
	return time.Time{}
}

// DuplicateNextWebhooks makes each of the next n deliveries arrive twice:
// once it has been answered 2xx, the same delivery (same webhook-id and
// body, a fresh timestamp and signature) is sent again, as an
// at-least-once sender may. The copy shows in [Fake.WebhookAttempts] with
// Duplicate set. n ≤ 0 does nothing.
func (f *Fake) DuplicateNextWebhooks(n int) {
	ws := f.webhooks
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.faults.duplicate += max(n, 0)
}

// BadSignatureNextWebhooks signs the next n delivery attempts with a key
// that is not the endpoint's secret. Each spoils one attempt only: a
// receiver that refuses it (any non-2xx) gets the delivery again after the
// backoff, signed right, as long as attempts are left
// ([WithWebhookRetries]). n ≤ 0 does nothing.
func (f *Fake) BadSignatureNextWebhooks(n int) {
	ws := f.webhooks
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.faults.badSignature += max(n, 0)
}

// DelayNextWebhooks holds each of the next n deliveries back for d before
// its first attempt; deliveries queued after them may overtake them. The
// entries queue up behind those of earlier calls. n ≤ 0 or d ≤ 0 does
// nothing.
func (f *Fake) DelayNextWebhooks(n int, d time.Duration) {
	if n <= 0 || d <= 0 {
		return
	}
	ws := f.webhooks
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.faults.delays = append(ws.faults.delays, webhookDelay{n: n, d: d})
}

// ReorderNextWebhooks holds the next n deliveries back until all n are
// queued and then sends them last first. A batch that has not filled
// 500 ms after its first delivery is sent as it is, reversed. n < 2 does
// nothing; a call while a batch is filling adds to it.
func (f *Fake) ReorderNextWebhooks(n int) {
	if n < 2 {
		return
	}
	ws := f.webhooks
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.faults.reorder += n
	ws.signal()
}
