package managedagents

import "context"

// AnswerPending answers the tool calls that the session waits for now and
// returns once every answer was posted, without following the turn: what
// a stateless worker does when a webhook says the session went idle with
// requires_action. It reads the session's history (every page of it) to
// find the calls still open: those listed by the last requires_action
// idle, and the tool uses since the last idle, minus those already
// answered. Each open custom tool call is answered as Run answers it,
// through the runner's Store (a recorded result is posted again and never
// recomputed; a call that started without a result is handled as
// Interrupted says), and each call that needs a confirmation is answered
// by Confirm.
//
// When the session's last turn has ended and nothing waits, it sends
// nothing and returns that turn's stop reason; otherwise it returns a nil
// stop reason (calls were answered, or the session is running).
//
// It returns the first error of a history read, a store or a post; the
// other calls are still answered. If ctx ends while a handler runs, that
// call is left recorded as started and AnswerPending returns ctx's error:
// the next AnswerPending or Run with the same store handles it as
// Interrupted says. Two AnswerPending (or Run) calls on one session at
// once, in one process or several, can each see the other's call started
// and not finished, and take it for interrupted: serialize the work on
// one session (a lock or a lease per session ID), as a worker pool behind
// a webhook endpoint must anyway. Calls for different sessions may run at
// once when Store is set; without a Store, use one Runner at a time.
func (r *Runner) AnswerPending(ctx context.Context, sessionID string) (ended *StopReason, err error) {
	if ctx == nil {
		return nil, invalidParams("nil context")
	}
	handlers, err := r.handlers()
	if err != nil {
		return nil, err
	}
	if _, err := escapeID("session ID", sessionID); err != nil {
		return nil, err
	}
	rs := &runState{r: r, handlers: handlers, ctx: ctx, sessionID: sessionID, store: r.store(),
		answered: map[string]bool{}, seen: map[string]Event{},
		stop: func() {}} // one call's failure leaves the others to finish
	ended, err = rs.answerPending()
	rs.wg.Wait()
	if err == nil {
		err = rs.sendError()
	}
	if err == nil {
		err = ctx.Err() // a call abandoned, or an answer not posted
	}
	if err != nil {
		return nil, err
	}
	return ended, nil
}
