package managedagents

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestThreadStreamDeltasFallback: a thread stream answering 400 to
// event_deltas[] is opened again without it, once, and the stream goes on
// without previews; a resuming stream reads the thread history forward.
func TestThreadStreamDeltasFallback(t *testing.T) {
	checkLeaks(t)
	const thread = "/v1/sessions/sesn_1/threads/sthr_1"
	srv := newRouteServer(t, func(r *http.Request) step {
		switch {
		case r.URL.Path == thread+"/stream" && r.URL.Query().Has("event_deltas[]"):
			return errorStep(http.StatusBadRequest)
		case r.URL.Path == thread+"/stream":
			return framesStep(ev(EventAgentMessage, 2, true))
		case r.URL.Path == thread+"/events":
			return pageStep(ev(EventAgentThinking, 1, true))
		}
		return nil
	})
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	st, err := c.Threads.Stream(ctx, "sesn_1", "sthr_1", StreamParams{EventDeltas: []string{EventAgentMessage}, NoResume: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, err := range st.Events() {
		got = append(got, describe(e, err))
	}
	want := []string{"agent.message sevt_2", "error managedagents: event stream dropped: EOF"}
	if len(got) == 2 && strings.HasPrefix(got[1], "error managedagents: event stream dropped") {
		got[1] = want[1]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("yielded (-want +got):\n%s", diff)
	}
	var queries []string
	for _, r := range srv.requests() {
		queries = append(queries, r.Path+"?"+r.RawQuery)
	}
	wantQ := []string{thread + "/stream?event_deltas%5B%5D=agent.message", thread + "/stream?"}
	if diff := cmp.Diff(wantQ, queries); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestThreadStreamRefusesOtherErrors: only a 400 with event_deltas[] is
// retried; a 404 is returned at once.
func TestThreadStreamRefusesOtherErrors(t *testing.T) {
	checkLeaks(t)
	srv := newScriptServer(t, errorStep(http.StatusNotFound))
	c := newTestClient(t, srv.URL)
	_, err := c.Threads.Stream(t.Context(), "sesn_1", "sthr_1", StreamParams{EventDeltas: []string{EventAgentMessage}, NoResume: true})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want a 404", err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestThreadStreamDeltasFallbackOnReconnect: a server that accepted
// event_deltas[] at the open and answers 400 to it on a reconnect (an
// older server behind the same address) gets the stream again without
// previews, instead of ending it.
func TestThreadStreamDeltasFallbackOnReconnect(t *testing.T) {
	checkLeaks(t)
	const thread = "/v1/sessions/sesn_1/threads/sthr_1"
	var withDeltas atomic.Int32
	srv := newRouteServer(t, func(r *http.Request) step {
		switch {
		case r.URL.Path == thread+"/stream" && r.URL.Query().Has("event_deltas[]"):
			if withDeltas.Add(1) == 1 {
				return framesStep(ev(EventAgentMessage, 2, true)) // then a drop
			}
			return errorStep(http.StatusBadRequest)
		case r.URL.Path == thread+"/stream":
			return framesStep(ev(EventAgentMessage, 3, true), ev(EventSessionStatusTerminated, 4, true))
		case r.URL.Path == thread+"/events":
			return pageStep(ev(EventAgentThinking, 1, true))
		}
		return nil
	})
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	st, err := c.Threads.Stream(ctx, "sesn_1", "sthr_1", StreamParams{
		EventDeltas: []string{EventAgentMessage}, ReconnectMin: time.Millisecond, ReconnectMax: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, err := range st.Events() {
		got = append(got, describe(e, err))
	}
	want := []string{"agent.message sevt_2", "agent.message sevt_3", "session.status_terminated sevt_4"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("yielded (-want +got):\n%s", diff)
	}
	var streams []string
	for _, r := range srv.requests() {
		if r.Path == thread+"/stream" {
			streams = append(streams, r.RawQuery)
		}
	}
	wantQ := []string{"event_deltas%5B%5D=agent.message", "event_deltas%5B%5D=agent.message", ""}
	if diff := cmp.Diff(wantQ, streams); diff != "" {
		t.Errorf("stream requests (-want +got):\n%s", diff)
	}
}
