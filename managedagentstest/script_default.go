package managedagentstest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// DefaultScript is the scripted agent of a fake unless [WithScript]
// replaces it. It is deterministic: no randomness, fixed texts, token counts
// derived from text lengths.
//
// A plain user.message gets one model request and an echo:
//
//	user.message (processed)
//	session.status_running
//	span.model_request_start
//	agent.thinking
//	agent.message            content [{"type":"text","text":"Echo: <the user's text>"}]
//	span.model_request_end   model_request_start_id, is_error false, model_usage
//	session.usage            cumulative usage and budget
//	session.status_idle      stop_reason {"type":"end_turn"}, stop_details null
//
// The user's text (the message's text blocks joined with newlines) may hold
// directives, one per line, each "name: argument" at the start of the line
// (leading spaces allowed). Lines that are not directives are echoed.
//
//	run: <command>
//	    A built-in bash call: agent.tool_use {name "bash", input {"command":
//	    <command>}}. With bash's resolved permission policy (its
//	    agent_toolset_20260401 config, else the toolset's default_config;
//	    always_allow when the agent has no toolset) always_allow or auto, it
//	    is allowed (evaluated_permission "allow", evaluation always_allow or
//	    the auto form) and agent.tool_result follows with the text
//	    "ran: <command>". With always_ask it is "ask": the turn idles with
//	    requires_action until a user.tool_confirmation arrives; allow runs
//	    it, deny does not (no tool result) and the reply quotes the
//	    deny_message. With bash disabled the call is denied before any
//	    policy (evaluated_permission "deny", no evaluation) and a synthetic
//	    error tool result follows. On a self-hosted environment an allowed
//	    call waits (requires_action) for the client's user.tool_result.
//	call: <custom tool name> <JSON object input>
//	    An agent.custom_tool_use {name, input} (input {} when omitted) if the
//	    agent has a custom tool of that name; the turn idles with
//	    requires_action until the user.custom_tool_result arrives. Otherwise
//	    the reply says there is no such tool (or that the input is not a
//	    JSON object) and no tool use is emitted.
//	fail: [error type]
//	    A transient failure before the turn: span.model_request_start,
//	    session.error {type (default model_overloaded_error), message,
//	    retry_status retrying}, span.model_request_end with is_error true,
//	    session.status_rescheduled, session.status_running; then the turn
//	    goes on. Repeat the line for several retries.
//	fail-exhausted: [error type]
//	    The turn dies: session.error with retry_status exhausted, then
//	    session.usage and an idle with retries_exhausted (queued events are
//	    dropped).
//	refuse: [explanation]
//	    The model refuses: an idle with stop_reason refusal and stop_details
//	    {"type":"refusal","category":"general_harms","explanation":...}.
//	terminate: [error type]
//	    A terminal error: session.error (default unknown_error) with
//	    retry_status terminal, then session.status_terminated; the session
//	    accepts no more events.
//	delegate: <agent name> <task>
//	    The coordinator hands the task to a child thread running that agent
//	    (a name with spaces goes in double quotes). See below.
//	auto: <allow|ask|deny> [reason code]
//	    How the server's auto policy judges the message's run: calls when
//	    bash's policy is auto (default allow). ask: evaluated_permission
//	    "ask", evaluation {"type":"auto","evaluated_permission":{"type":
//	    "ask","reason_code":…}} (default reason indeterminate), and the call
//	    waits for a confirmation as with always_ask. deny: the same with
//	    "deny" (default reason high_risk); the call never runs and a
//	    synthetic error tool result follows.
//	cost: <cents> [<web_fetch requests> [<web_search requests>]]
//	    Adds that list cost (US cents) and those server tool requests to the
//	    session's usage before the turn ([Turn.AddCost]): from then on the
//	    session's usage and session.usage carry list_cost and
//	    server_tool_use instead of null. Several lines add up.
//	redact:
//	    The reply's agent.message content ends with a {"type":"redacted"}
//	    block after its text.
//
// A session.error of a repository_* type (fail: repository_clone_error,
// …) carries repository_url: the session's first github_repository
// resource, or null without one.
//
// All run: and call: lines of a message are tool uses of one model request;
// the requires_action idle lists every use that waits, and answering only
// some re-emits the idle with the rest. When all are settled, a second model
// request produces the reply: one line per tool call ("Tool <name> returned:
// <result text>", "Tool <name> failed: <text>" for an is_error result, "I
// did not run "<command>" because you denied it: "<deny_message>"", …),
// then "Echo: <the other lines>" when there are any. The first of
// fail-exhausted:, refuse: and terminate: ends the turn, after any fail:
// lines, and the tool lines are then ignored.
//
// A message with delegate: lines is a coordinator turn (its run: and call:
// lines are ignored). Its first model request (span.model_request_start,
// agent.thinking, span.model_request_end) hands out every task, each with
// [Turn.Delegate]: session.thread_created (unless an idle thread of that
// agent is reused), session.thread_status_running, agent.thread_message_sent
// on the primary thread and agent.thread_message_received on the child. All
// delegated threads run at once, so at most 24 tasks of a message get a
// thread; the reply reports the others as refused. Then each child plays its
// turn in its own history (span.model_request_start, agent.thinking,
// agent.message "Done: <task>", span.model_request_end) and replies
// ([ChildThread.Finish]: session.thread_status_idle, the child's
// agent.thread_message_sent and the primary thread's
// agent.thread_message_received). A task "run: <command>" makes the child
// call bash first when its agent allows it without asking (agent.tool_use,
// cross-posted to the session with session_thread_id, and agent.tool_result
// in a first model request; the reply is then "Tool bash returned: ran:
// <command>"); a child whose bash asks or is disabled says so instead. A
// second model request of the coordinator replies with a line "<agent
// name> replied: <reply>" per task, then the echo of the other lines,
// followed by session.usage and the idle. Child tokens follow the rules
// below, counting the task as the user's text.
//
// Token counts: the first model request has input_tokens 50 + the length in
// characters of the user's text (and of an accompanying system.message),
// output_tokens 10 + the length of what it produced (the reply, or the JSON
// inputs of its tool uses), cache_read_input_tokens 0; a second request has
// input_tokens = the first's input + output + the length of the tool result
// texts, and cache_read_input_tokens = the first's input. Failed requests
// count zero.
func DefaultScript(ctx context.Context, t *Turn) error {
	text := t.Text()
	p := parseDirectives(text)
	r := &scriptRun{t: t, tools: parseAgentTools(t.Agent()), selfHosted: t.SelfHosted(), extras: p.extras}
	r.chargeCost()
	input := int64(50 + runes(text) + runes(contentText(t.SystemMessage())))

	for _, typ := range p.fails {
		r.transientFailure(typ)
	}
	if p.end != nil {
		r.endTurn(*p.end, input)
		return r.err
	}
	if r.err != nil {
		return r.err
	}
	if len(p.delegates) > 0 {
		r.coordinate(p, input)
		return r.err
	}

	// First model request: the tool uses, or the reply at once.
	start := r.emit("span.model_request_start")
	r.emit("agent.thinking")
	calls := make([]*toolCall, len(p.tools))
	output := int64(10)
	uses := 0
	for i, d := range p.tools {
		c := r.useTool(d)
		calls[i] = c
		if c.id != "" {
			uses++
			output += int64(runes(string(c.input)))
		}
	}
	if uses == 0 {
		reply := buildReply(calls, p.echo)
		r.message(reply)
		r.endRequest(start, modelUsage{InputTokens: input, OutputTokens: int64(10 + runes(reply))}, false)
		r.finish(endTurn, nil)
		return r.err
	}
	r.endRequest(start, modelUsage{InputTokens: input, OutputTokens: output}, false)

	// Results of calls that need no client, then the client's answers.
	var waiting []*toolCall
	for _, c := range calls {
		switch c.state {
		case stateAllowed:
			if r.selfHosted {
				waiting = append(waiting, c)
			} else {
				r.runBash(c)
			}
		case stateDisabled:
			r.toolResult(c, "Tool call denied: bash is not enabled for this agent.", true)
			c.line = fmt.Sprintf("I could not run %q: the bash tool is not enabled for this agent.", c.arg)
		case stateAsk, stateCustom:
			waiting = append(waiting, c)
		case stateAutoDenied:
			r.autoDenied(c)
		}
	}
	for len(waiting) > 0 && r.err == nil {
		ids := make([]string, len(waiting))
		for i, c := range waiting {
			ids[i] = c.id
		}
		answers, err := t.RequireAction(ids...)
		if err != nil {
			return err
		}
		var again []*toolCall
		for i, c := range waiting {
			if r.answer(c, answers[i]) {
				again = append(again, c)
			}
		}
		waiting = again
	}

	// Second model request: the reply.
	results := int64(0)
	for _, c := range calls {
		results += int64(runes(c.result))
	}
	reply := buildReply(calls, p.echo)
	start = r.emit("span.model_request_start")
	r.message(reply)
	r.endRequest(start, modelUsage{InputTokens: input + output + results, OutputTokens: int64(10 + runes(reply)), CacheReadInputTokens: input}, false)
	r.finish(endTurn, nil)
	return r.err
}

var endTurn = orderedObject{{"type", "end_turn"}}

// plan is what the directives of a message ask for.
type plan struct {
	echo  string      // the lines that are not directives
	fails []string    // fail: error types, in order
	end   *directive  // the first fail-exhausted:, refuse: or terminate:
	tools []directive // run: and call:, in order
	// delegates are the delegate: lines, in order (see script_multiagent.go).
	delegates []directive
	// extras are the auto:, cost: and redact: lines (see script_extras.go).
	extras extras
}

type directive struct{ name, arg string }

// parseDirectives splits a message's text into directives and echo text.
func parseDirectives(text string) plan {
	var p plan
	var echo []string
	for line := range strings.SplitSeq(text, "\n") {
		d, ok := parseDirective(line)
		if !ok {
			echo = append(echo, line)
			continue
		}
		switch d.name {
		case "run", "call":
			p.tools = append(p.tools, d)
		case "fail":
			p.fails = append(p.fails, d.arg)
		case "delegate":
			p.delegates = append(p.delegates, d)
		case "auto", "cost", "redact":
			p.extras.add(d)
		default:
			if p.end == nil {
				p.end = &d
			}
		}
	}
	p.echo = strings.TrimSpace(strings.Join(echo, "\n"))
	return p
}

func parseDirective(line string) (directive, bool) {
	name, arg, ok := strings.Cut(strings.TrimSpace(line), ":")
	if !ok {
		return directive{}, false
	}
	d := directive{name: name, arg: strings.TrimSpace(arg)}
	switch name {
	case "run", "call":
		return d, d.arg != ""
	case "delegate":
		_, _, ok := parseDelegate(d.arg)
		return d, ok
	case "auto", "cost", "redact":
		return parseExtra(d)
	case "fail", "fail-exhausted":
		if d.arg == "" {
			d.arg = "model_overloaded_error"
		}
	case "terminate":
		if d.arg == "" {
			d.arg = "unknown_error"
		}
	case "refuse":
		if d.arg == "" {
			d.arg = "The request was refused."
		}
	default:
		return directive{}, false
	}
	return d, true
}

// agentTools is what the default script needs to know of the agent's
// resolved tools.
type agentTools struct {
	bashEnabled bool
	bashPolicy  string // always_allow, always_ask or auto
	custom      map[string]bool
}

type toolSettings struct {
	Enabled          *bool `json:"enabled"`
	PermissionPolicy *struct {
		Type string `json:"type"`
	} `json:"permission_policy"`
}

func (ts toolSettings) apply(enabled *bool, policy *string) {
	if ts.Enabled != nil {
		*enabled = *ts.Enabled
	}
	if ts.PermissionPolicy != nil && ts.PermissionPolicy.Type != "" {
		*policy = ts.PermissionPolicy.Type
	}
}

// parseAgentTools reads session.agent.tools. Seeded agents may carry tools
// in any shape; what does not parse counts as absent.
func parseAgentTools(agent json.RawMessage) agentTools {
	var a struct {
		Tools []struct {
			Type          string        `json:"type"`
			Name          string        `json:"name"`
			DefaultConfig *toolSettings `json:"default_config"`
			Configs       []struct {
				Name string `json:"name"`
				toolSettings
			} `json:"configs"`
		} `json:"tools"`
	}
	_ = json.Unmarshal(agent, &a)
	at := agentTools{bashEnabled: true, bashPolicy: "always_allow", custom: map[string]bool{}}
	for _, tool := range a.Tools {
		switch tool.Type {
		case agentToolset:
			if tool.DefaultConfig != nil {
				tool.DefaultConfig.apply(&at.bashEnabled, &at.bashPolicy)
			}
			for _, c := range tool.Configs {
				if c.Name == "bash" {
					c.toolSettings.apply(&at.bashEnabled, &at.bashPolicy)
				}
			}
		case "custom":
			at.custom[tool.Name] = true
		}
	}
	return at
}

// Tool call states.
const (
	stateNoTool   = iota // no tool use emitted (unknown tool, bad input)
	stateAllowed         // built-in, allowed
	stateAsk             // built-in, waiting for a confirmation
	stateDisabled        // built-in, denied before any policy
	stateCustom          // custom tool use
)

// toolCall is one run: or call: line being carried out.
type toolCall struct {
	directive
	state  int
	name   string          // tool name
	input  json.RawMessage // tool input
	id     string          // the tool-use event ID; "" when none was emitted
	result string          // result text, for token counts
	line   string          // the reply line
}

// modelUsage is span.model_request_end.model_usage.
type modelUsage struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
}

// scriptRun carries the default script's state; its methods do nothing once
// an emit failed, and the first error is kept.
type scriptRun struct {
	t          *Turn
	tools      agentTools
	selfHosted bool
	extras     extras
	err        error
}

func (r *scriptRun) emit(typ string, members ...field) string {
	if r.err != nil {
		return ""
	}
	id, err := r.t.emit(typ, members)
	r.err = err
	return id
}

func (r *scriptRun) endRequest(start string, u modelUsage, isError bool) {
	r.emit("span.model_request_end",
		field{"model_request_start_id", start}, field{"is_error", isError}, field{"model_usage", u})
}

func (r *scriptRun) message(text string) {
	r.emit("agent.message", field{"content", r.replyContent(text)})
}

// finish ends the turn: session.usage, then the idle.
func (r *scriptRun) finish(stopReason, stopDetails any) {
	r.emit("session.usage")
	members := []field{{"stop_reason", stopReason}}
	if stopDetails != nil {
		members = append(members, field{"stop_details", stopDetails})
	}
	r.emit("session.status_idle", members...)
}

func textBlock(text string) orderedObject {
	return orderedObject{{"type", "text"}, {"text", text}}
}

// sessionError is a session.error's error member.
func sessionError(typ, retry string) field {
	return field{"error", orderedObject{
		{"type", typ},
		{"message", errorMessage(typ)},
		{"retry_status", orderedObject{{"type", retry}}},
	}}
}

var errorMessages = map[string]string{
	"model_overloaded_error":       "The model is temporarily overloaded.",
	"model_rate_limited_error":     "The model is rate limited.",
	"model_request_failed_error":   "The model request failed.",
	"billing_error":                "The organization cannot make model requests.",
	"tool_use_limit_reached_error": "The turn reached the tool-use round limit.",
	"unknown_error":                "An unknown error occurred.",
}

func errorMessage(typ string) string {
	if m, ok := errorMessages[typ]; ok {
		return m
	}
	return "Simulated " + typ + "."
}

// transientFailure plays a failed model request that the platform retries.
func (r *scriptRun) transientFailure(typ string) {
	start := r.emit("span.model_request_start")
	r.emit("session.error", r.errorMember(typ, "retrying"))
	r.endRequest(start, modelUsage{}, true)
	r.emit("session.status_rescheduled")
	r.emit("session.status_running")
}

// endTurn plays fail-exhausted:, refuse: or terminate:.
func (r *scriptRun) endTurn(d directive, input int64) {
	start := r.emit("span.model_request_start")
	switch d.name {
	case "fail-exhausted":
		r.emit("session.error", r.errorMember(d.arg, "exhausted"))
		r.endRequest(start, modelUsage{}, true)
		r.finish(orderedObject{{"type", "retries_exhausted"}}, nil)
	case "terminate":
		r.emit("session.error", r.errorMember(d.arg, "terminal"))
		r.endRequest(start, modelUsage{}, true)
		r.emit("session.status_terminated")
	case "refuse":
		r.emit("agent.thinking")
		r.endRequest(start, modelUsage{InputTokens: input, OutputTokens: 10}, false)
		r.finish(orderedObject{{"type", "refusal"}},
			orderedObject{{"type", "refusal"}, {"category", "general_harms"}, {"explanation", d.arg}})
	}
}

// useTool emits the tool use of a run: or call: line, if any.
func (r *scriptRun) useTool(d directive) *toolCall {
	c := &toolCall{directive: d}
	if d.name == "run" {
		c.name = "bash"
		c.input = mustMarshal(map[string]string{"command": d.arg})
		members := []field{{"name", "bash"}, {"input", c.input}}
		switch {
		case !r.tools.bashEnabled:
			c.state = stateDisabled
			members = append(members, field{"evaluated_permission", "deny"})
		case r.tools.bashPolicy == "always_ask":
			c.state = stateAsk
			members = append(members, field{"evaluated_permission", "ask"}, field{"evaluation", orderedObject{{"type", "always_ask"}}})
		case r.tools.bashPolicy == "auto":
			members = r.autoEvaluation(c, members)
		default:
			c.state = stateAllowed
			members = append(members, field{"evaluated_permission", "allow"}, field{"evaluation", orderedObject{{"type", "always_allow"}}})
		}
		c.id = r.emit("agent.tool_use", members...)
		return c
	}
	name, arg, _ := strings.Cut(d.arg, " ")
	c.name = name
	arg = strings.TrimSpace(arg)
	if arg == "" {
		arg = "{}"
	}
	switch {
	case !r.tools.custom[name]:
		c.line = fmt.Sprintf("I cannot call %s: the agent has no custom tool of that name.", name)
	case kind(json.RawMessage(arg)) != '{' || !json.Valid([]byte(arg)):
		c.line = fmt.Sprintf("I cannot call %s: its input is not a JSON object.", name)
	default:
		c.state = stateCustom
		c.input = compact(json.RawMessage(arg))
		c.id = r.emit("agent.custom_tool_use", field{"name", name}, field{"input", c.input})
	}
	return c
}

// toolResult emits an agent.tool_result for a built-in call.
func (r *scriptRun) toolResult(c *toolCall, text string, isError bool) {
	c.result = text
	r.emit("agent.tool_result", field{"tool_use_id", c.id}, field{"content", []any{textBlock(text)}}, field{"is_error", isError})
}

// runBash "runs" an allowed bash call.
func (r *scriptRun) runBash(c *toolCall) {
	out := "ran: " + c.arg
	r.toolResult(c, out, false)
	c.line = "Tool bash returned: " + out
}

// answer applies the client's answer to a waiting call and reports whether
// the call waits again (a self-hosted call allowed by a confirmation now
// waits for its user.tool_result).
func (r *scriptRun) answer(c *toolCall, raw json.RawMessage) bool {
	var a struct {
		Type        string `json:"type"`
		Result      string `json:"result"`
		DenyMessage string `json:"deny_message"`
		IsError     bool   `json:"is_error"`
	}
	_ = json.Unmarshal(raw, &a)
	switch a.Type {
	case "user.tool_confirmation":
		if a.Result != "allow" {
			c.line = fmt.Sprintf("I did not run %q because you denied it.", c.arg)
			if a.DenyMessage != "" {
				c.line = fmt.Sprintf("I did not run %q because you denied it: %q", c.arg, a.DenyMessage)
			}
			return false
		}
		if r.selfHosted {
			return true
		}
		r.runBash(c)
	default: // user.custom_tool_result, user.tool_result
		c.result = contentText(raw)
		verb := "returned"
		if a.IsError {
			verb = "failed"
		}
		c.line = fmt.Sprintf("Tool %s %s: %s", c.name, verb, c.result)
	}
	return false
}

// buildReply is the final agent.message text: a line per tool call, then
// the echo of the other lines.
func buildReply(calls []*toolCall, echo string) string {
	var lines []string
	for _, c := range calls {
		if c.line != "" {
			lines = append(lines, c.line)
		}
	}
	if echo != "" || len(lines) == 0 {
		if echo == "" {
			echo = "(no text)"
		}
		lines = append(lines, "Echo: "+echo)
	}
	return strings.Join(lines, "\n")
}
