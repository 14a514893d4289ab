package managedagentstest

import "time"

// Interrupting one thread: a user.interrupt with the session_thread_id of
// a child thread (see DefaultScript and ChildThread).

// interruptChild handles a user.interrupt aimed at a child thread of s and
// reports whether it was one. The caller holds f.mu.
func (f *Fake) interruptChild(s *session, id string, members []field, now time.Time) (event, bool) {
	var threadID string
	for _, m := range members {
		if m.key == "session_thread_id" {
			threadID, _ = m.value.(string)
		}
	}
	th := f.findThread(s, threadID)
	if th == nil || th.isPrimary() {
		return event{}, false
	}
	ev := f.appendEventID(s, id, "user.interrupt", now, members...)
	th.events = append(th.events, ev)
	if th.interrupt != nil {
		th.interrupt(ErrInterrupted)
		// The worker wakes from its wait for answers and carries on; until
		// then the session has not settled.
		f.setActive(s, true)
	}
	return ev, true
}
