package managedagentstest

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds the default script's directives for the rarer shapes of
// the wire format, which a plain turn never produces: the verdicts of the
// auto permission policy other than allow, cost tracking (list_cost and
// server_tool_use in session.usage), the redacted content block, and the
// repository_url of repository session.error events.

// extras are the auto:, cost: and redact: directives of a message.
type extras struct {
	// verdict is the auto policy's verdict on the message's run: calls:
	// "allow" (the default), "ask" or "deny".
	verdict string
	// reason is the verdict's reason_code (ask and deny only).
	reason string
	// cost holds the cost: lines, summed.
	cents, webFetch, webSearch int64
	costed                     bool
	// redact appends a redacted block to the reply.
	redact bool
}

// Default reason codes of the auto policy's verdicts.
var autoReasons = map[string]string{"ask": "indeterminate", "deny": "high_risk"}

// parseExtra checks an auto:, cost: or redact: line; a malformed one is not
// a directive and is echoed.
func parseExtra(d directive) (directive, bool) {
	fields := strings.Fields(d.arg)
	switch d.name {
	case "auto":
		if len(fields) == 0 || len(fields) > 2 {
			return d, false
		}
		_, known := autoReasons[fields[0]]
		return d, known || fields[0] == "allow" && len(fields) == 1
	case "cost":
		if len(fields) == 0 || len(fields) > 3 {
			return d, false
		}
		for _, f := range fields {
			if n, err := strconv.ParseInt(f, 10, 64); err != nil || n < 0 {
				return d, false
			}
		}
		return d, true
	case "redact":
		return d, true
	}
	return d, false
}

// add records a directive that parseExtra accepted.
func (e *extras) add(d directive) {
	fields := strings.Fields(d.arg)
	switch d.name {
	case "auto":
		e.verdict, e.reason = fields[0], autoReasons[fields[0]]
		if len(fields) == 2 {
			e.reason = fields[1]
		}
	case "cost":
		n := make([]int64, 3)
		for i, f := range fields {
			n[i], _ = strconv.ParseInt(f, 10, 64)
		}
		e.cents += n[0]
		e.webFetch += n[1]
		e.webSearch += n[2]
		e.costed = true
	case "redact":
		e.redact = true
	}
}

// chargeCost applies the message's cost: lines before anything is emitted,
// so that the turn's session.usage carries them.
func (r *scriptRun) chargeCost() {
	if e := r.extras; r.err == nil && e.costed {
		r.err = r.t.AddCost(e.cents, e.webFetch, e.webSearch)
	}
}

// AddCost adds cents (US cents at list price) to the session's list_cost
// and webFetch and webSearch to its server_tool_use counters. From the
// first call on, the session's usage, and the session.usage events that
// report it, carry list_cost and server_tool_use instead of null. The
// amounts count toward the session's budget (an update must raise it above
// what is consumed); the fake does not stop a turn that exceeds it.
func (t *Turn) AddCost(cents, webFetch, webSearch int64) error {
	if cents < 0 || webFetch < 0 || webSearch < 0 {
		return fmt.Errorf("managedagentstest: AddCost: negative amount")
	}
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	if err := t.err(); err != nil {
		return err
	}
	u := &t.s.usage
	if u.ListCost == nil {
		u.ListCost = &money{Amount: "0", Currency: "USD"}
	}
	have, _ := strconv.ParseInt(u.ListCost.Amount, 10, 64)
	u.ListCost = &money{Amount: strconv.FormatInt(have+cents, 10), Currency: "USD"}
	if u.ServerToolUse == nil {
		u.ServerToolUse = &serverToolUse{}
	}
	u.ServerToolUse.WebFetchRequests += webFetch
	u.ServerToolUse.WebSearchRequests += webSearch
	return nil
}

// autoEvaluation gives a run: call under the auto policy the message's
// verdict: its state and the members of its agent.tool_use.
func (r *scriptRun) autoEvaluation(c *toolCall, members []field) []field {
	verdict := orderedObject{{"type", "allow"}}
	switch r.extras.verdict {
	case "ask":
		c.state = stateAsk
		verdict = orderedObject{{"type", "ask"}, {"reason_code", r.extras.reason}}
	case "deny":
		c.state = stateAutoDenied
		verdict = orderedObject{{"type", "deny"}, {"reason_code", r.extras.reason}}
	default:
		c.state = stateAllowed
	}
	return append(members, field{"evaluated_permission", verdict[0].value},
		field{"evaluation", orderedObject{{"type", "auto"}, {"evaluated_permission", verdict}}})
}

// stateAutoDenied is a built-in call that the auto policy denied: the
// server appends a synthetic error result and the call never runs.
const stateAutoDenied = stateCustom + 1

// autoDenied plays the synthetic result of a call the auto policy denied.
func (r *scriptRun) autoDenied(c *toolCall) {
	r.toolResult(c, fmt.Sprintf("Tool call denied by the auto permission policy (%s).", r.extras.reason), true)
	c.line = fmt.Sprintf("I could not run %q: the auto permission policy denied it (%s).", c.arg, r.extras.reason)
}

// replyContent is the content of the reply: its text, then a redacted
// block when the message had a redact: line.
func (r *scriptRun) replyContent(text string) []any {
	if r.extras.redact {
		return []any{textBlock(text), orderedObject{{"type", "redacted"}}}
	}
	return []any{textBlock(text)}
}

// errorMember is sessionError plus, for the repository_* error types, the
// required repository_url: the session's first github_repository resource,
// or null when it has none.
func (r *scriptRun) errorMember(typ, retry string) field {
	f := sessionError(typ, retry)
	if !strings.HasPrefix(typ, "repository_") {
		return f
	}
	var url any // null
	r.t.f.mu.Lock()
	for _, res := range r.t.s.resources {
		if g, ok := res.(*githubResource); ok {
			url = g.URL
			break
		}
	}
	r.t.f.mu.Unlock()
	f.value = append(f.value.(orderedObject), field{"repository_url", url})
	return f
}
