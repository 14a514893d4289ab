package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
)

// HandlerFunc handles one verified delivery. Returning nil acknowledges it
// (the Handler answers 2xx and remembers its ID); returning an error makes
// the Handler answer 500, so that the sender delivers it again. ctx is the
// request's context: it ends if the sender gives up waiting.
type HandlerFunc func(ctx context.Context, d Delivery) error

// Handler is an [http.Handler] for a webhook endpoint. For each request it:
//
//   - answers 405 to anything but POST;
//   - verifies the delivery with a [Verifier] and answers 400, 401 or 413
//     when it fails (see the Err… variables), logging the reason at Warn;
//   - answers 200 to a delivery whose webhook ID it has handled before
//     (a duplicate), without calling the function;
//   - otherwise calls its [HandlerFunc] and answers 204 when it returned
//     nil, 500 when it returned an error or panicked. Only a 204 marks the
//     ID as handled, so the sender's retry of a failed delivery is handled.
//
// Deliveries of one webhook ID that arrive while the first is being handled
// wait for it, so the function never runs twice at once for one ID. It
// never answers 3xx, which makes the sender disable the endpoint. A
// Handler is safe for concurrent use.
//
// The function should be quick: the sender waits for the answer and treats
// a slow one as a failure. Long work belongs in a queue of the receiver's
// own, fed by the function.
type Handler struct {
	verifier *Verifier
	fn       HandlerFunc
	store    Store
	log      *slog.Logger

	mu       sync.Mutex
	inflight map[string]chan struct{} // webhook IDs being handled; closed when done
}

// NewHandler returns a Handler that verifies deliveries with secret (see
// [NewVerifier]) and passes each new, authentic one to fn. Without
// [WithStore], handled IDs are kept in a [MemoryStore] of
// [DefaultDedupeCapacity] IDs.
func NewHandler(secret string, fn HandlerFunc, opts ...Option) (*Handler, error) {
	if fn == nil {
		return nil, errors.New("webhooks: NewHandler: nil HandlerFunc")
	}
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	v, err := newVerifier(secret, c)
	if err != nil {
		return nil, err
	}
	h := &Handler{verifier: v, fn: fn, store: c.store, log: c.logger, inflight: map[string]chan struct{}{}}
	if h.store == nil {
		capacity := c.capacity
		if capacity == 0 {
			capacity = DefaultDedupeCapacity
		}
		if h.store, err = NewMemoryStore(capacity); err != nil {
			return nil, err
		}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	return h, nil
}

// ServeHTTP handles one delivery as the [Handler] doc describes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(ctx, w, r, http.StatusMethodNotAllowed, "webhooks: method "+logValue(r.Method)+" is not POST")
		return
	}
	d, err := h.verifier.ReadRequest(r)
	if err != nil {
		h.refuse(ctx, w, r, statusOf(err), err.Error())
		return
	}
	release, err := h.claim(ctx, d.ID)
	if err != nil {
		// The sender went away while a twin of this delivery was handled.
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	defer release()
	attrs := []any{"webhook_id", d.ID, "type", d.Event.Data.DataType()}
	seen, err := h.store.Seen(ctx, d.ID)
	if err != nil {
		h.log.ErrorContext(ctx, "webhooks: the store failed; the delivery is left for a retry", append(attrs, "err", err)...)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	if seen {
		h.log.DebugContext(ctx, "webhooks: duplicate delivery dropped", attrs...)
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := h.call(ctx, d); err != nil {
		h.log.ErrorContext(ctx, "webhooks: the handler failed; the delivery is left for a retry", append(attrs, "err", err)...)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	if err := h.store.MarkSeen(ctx, d.ID); err != nil {
		h.log.ErrorContext(ctx, "webhooks: the delivery was handled but the store could not record it", append(attrs, "err", err)...)
	}
	w.WriteHeader(http.StatusNoContent)
}

// refuse answers a delivery that was not verified and logs why.
func (h *Handler) refuse(ctx context.Context, w http.ResponseWriter, r *http.Request, status int, reason string) {
	attrs := []any{"status", status, "reason", reason, "remote_addr", r.RemoteAddr}
	if id := r.Header.Get(HeaderID); id != "" {
		attrs = append(attrs, "webhook_id", logValue(id))
	}
	h.log.WarnContext(ctx, "webhooks: delivery refused", attrs...)
	http.Error(w, http.StatusText(status), status)
}

// logValue shortens a value a stranger chose before it is logged.
func logValue(s string) string {
	const most = 80
	if len(s) > most {
		return s[:most] + "…"
	}
	return s
}

// claim makes the caller the only one handling id until it calls release,
// waiting while another request handles the same ID. It fails only when ctx
// ends first.
func (h *Handler) claim(ctx context.Context, id string) (release func(), err error) {
	for {
		h.mu.Lock()
		busy, ok := h.inflight[id]
		if !ok {
			done := make(chan struct{})
			h.inflight[id] = done
			h.mu.Unlock()
			return func() {
				h.mu.Lock()
				delete(h.inflight, id)
				h.mu.Unlock()
				close(done)
			}, nil
		}
		h.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// call runs the function, turning a panic into an error so that the
// delivery is answered 500 and retried rather than dropping the connection.
func (h *Handler) call(ctx context.Context, d Delivery) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = fmt.Errorf("webhooks: the HandlerFunc panicked: %v", p)
		}
	}()
	return h.fn(ctx, d)
}
