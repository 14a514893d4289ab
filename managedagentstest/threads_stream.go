package managedagentstest

import "net/http"

// GET /v1/sessions/{session_id}/threads/{thread_id}/stream.
//
// A thread stream is a session stream that follows one thread's history
// instead of the session's log, with everything else shared: the 200 is
// flushed once the subscription is live, no replay, fan-out to every
// subscriber, heartbeats, live previews for event_deltas[] (of the thread's
// own agent.message and agent.thinking events; the reference once said
// thread streams reject event_deltas[], the current SDK sends it, and the
// fake accepts it), the end after session.deleted (and, with
// [WithCloseStreamsOnTerminate], after session.status_terminated), and the
// injected cuts and stalls, which count thread streams like the others. The
// primary thread's stream publishes the session's log, like the session
// stream.

// streamThread serves a thread stream; an unknown thread is a 404 before
// the stream starts.
func (f *Fake) streamThread(w http.ResponseWriter, r *http.Request) {
	threadID := r.PathValue("thread_id")
	f.serveStream(w, r, func(s *session) (func() []event, *apiError) {
		th := f.findThread(s, threadID)
		if th == nil {
			return nil, errThreadNotFound(threadID)
		}
		return func() []event { return f.threadLog(s, th) }, nil
	})
}
