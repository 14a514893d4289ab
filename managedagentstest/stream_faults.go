package managedagentstest

// Stream fault injection and counters. All of it lives in Fake.streams,
// under f.mu.

// streamState is the fake-wide stream bookkeeping.
type streamState struct {
	open       int   // stream handlers active now
	opened     int   // streams accepted (200) so far
	dropAfter  int   // DropStreamsAfter; 0: off
	dropNext   []int // DropNextStreams, first come first served
	stallAfter int   // StallStreamsAfter; 0: off
}

// accept counts a newly accepted stream and returns its plan, using up one
// DropNextStreams entry if any is pending. The caller holds f.mu.
func (st *streamState) accept() streamPlan {
	st.open++
	st.opened++
	plan := streamPlan{dropAfter: -1, stallAfter: -1}
	switch {
	case len(st.dropNext) > 0:
		plan.dropAfter = st.dropNext[0] // negative: this stream is not cut
		st.dropNext = st.dropNext[1:]
	case st.dropAfter > 0:
		plan.dropAfter = st.dropAfter
	}
	if plan.dropAfter < 0 {
		plan.dropAfter = -1
	}
	if st.stallAfter > 0 {
		plan.stallAfter = st.stallAfter
	}
	return plan
}

// streamEnded counts a stream handler out.
func (f *Fake) streamEnded() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.streams.open--
}

// DropStreamsAfter makes every stream opened from now on break after it has
// written n event frames (heartbeats and live previews do not count; the
// previews of the event that would come next are not written either). The
// cut looks like a network failure: no final frame, the connection is
// closed in the middle of the chunked body, and an HTTP/1.1 client reading
// the body gets io.ErrUnexpectedEOF (see [Fake.DropNextStreams] for a
// one-off cut). n ≤ 0 turns it off. Streams already open keep the setting
// they started with.
func (f *Fake) DropStreamsAfter(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.streams.dropAfter = max(n, 0)
}

// DropNextStreams makes the next len(ns) streams opened break after ns[0],
// ns[1], … event frames respectively, the way [Fake.DropStreamsAfter] does;
// 0 breaks a stream right after its 200 and headers, a negative value
// lets that stream through uncut. Later streams follow DropStreamsAfter
// again. The entries queue up behind those of earlier calls. Only accepted
// streams (200) use an entry; requests answered with an error do not.
func (f *Fake) DropNextStreams(ns ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.streams.dropNext = append(f.streams.dropNext, ns...)
}

// StallStreamsAfter makes every stream opened from now on go silent after
// it has written n event frames: no more events and no heartbeats, with the
// connection left open until the client goes away or the fake is closed —
// for testing a client's read-idle watchdog. A cut from DropStreamsAfter or
// DropNextStreams at the same count wins. n ≤ 0 turns it off.
func (f *Fake) StallStreamsAfter(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.streams.stallAfter = max(n, 0)
}

// OpenStreams returns how many stream handlers are active now (session and
// thread streams alike). A stream counts from the moment it is accepted until its
// handler returns, which happens shortly after its client goes away.
func (f *Fake) OpenStreams() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.streams.open
}

// StreamsOpened returns how many streams have been accepted (answered 200)
// since the fake was built, for counting a client's reconnects. Stream
// requests answered with an error (404, an injected failure, …) do not
// count; they show in [Fake.Count] like any request.
func (f *Fake) StreamsOpened() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.streams.opened
}
