package managedagentstest

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Session threads.
//
// Every session has a primary thread from the moment it is created: its
// parent_thread_id is null, it runs the session's agent, its status is the
// session's status, and its history is the session's own log (the primary
// thread is the session-level event stream). Scripts spawn child threads
// with [Turn.Delegate]; the default agent does so for delegate: lines. A
// child thread keeps a log of its own, which its history endpoint pages and
// its stream follows.
//
// Which events go where:
//
//   - session.thread_created, and agent.thread_message_sent and
//     agent.thread_message_received of the primary thread, are in the
//     session's log only;
//   - a child's session.thread_status_* events are in both logs (one event,
//     one ID): the session stream carries the lifecycle of every thread,
//     and the child's history shows its own status changes;
//   - a child's tool-use events (agent.tool_use, agent.mcp_tool_use,
//     agent.custom_tool_use) carry session_thread_id and are cross-posted:
//     the same event is in both logs, so the session stream shows every
//     tool call a client may have to answer;
//   - everything else a child emits (spans, agent.message, tool results,
//     its own agent.thread_message_* events) is in the child's log only;
//   - session.status_terminated and session.deleted, which end the whole
//     session, are also written to every child's log, so that thread
//     streams see the session end like session streams do.
//
// The session status aggregates its threads: a session whose status
// changes to idle first idles every running child thread (end_turn), and one
// that terminates first terminates every child thread, each with its
// session.thread_status_* event. So no thread runs while the session is
// idle, and any running thread means a running session. At most 25 threads
// (the primary one included) run at once.

// Thread limits and list defaults.
const (
	// maxRunningThreads is the number of threads that may run at once.
	maxRunningThreads = 25
	// defaultThreadsLimit is the default page size of the threads list and
	// of a thread's history.
	defaultThreadsLimit = 1000
)

// thread is the fake's state for one session thread. All access happens
// under Fake.mu.
type thread struct {
	id        string
	parentID  *string         // nil for the primary thread
	agent     json.RawMessage // the thread's agent union, as rendered
	agentName string
	status    string // the primary thread's status is the session's; see threadStatus
	createdAt time.Time
	updatedAt time.Time
	// archivedAt is set by the archive endpoint; child threads only.
	archivedAt *time.Time
	// started is set at the first status transition (stats are null
	// before), idled at the first idle (usage is null before).
	started, idled bool
	// activeSeconds and activeMark count a child's running time; endedAt
	// freezes its duration once it is terminated.
	activeSeconds float64
	activeMark    time.Time
	endedAt       *time.Time
	// events is a child thread's own log. The primary thread has none: its
	// history is the session's log.
	events []event
	// workflowRunID is set for a thread a workflow run started.
	workflowRunID *string
	// interrupt stops the child's turn while it plays one (see
	// ChildThread); nil otherwise.
	interrupt context.CancelCauseFunc
}

func (th *thread) isPrimary() bool { return th.parentID == nil }

// threadAgentJSON is a thread's agent: {"type":"agent", id, version, …} for
// a saved agent, {"type":"inline", …} without id and version for an agent
// defined when the thread was spawned. Field order follows the reference.
type threadAgentJSON struct {
	Type              string            `json:"type"`
	ID                string            `json:"id,omitempty"`
	Version           int64             `json:"version,omitempty"`
	Name              string            `json:"name"`
	Description       *string           `json:"description"`
	System            *string           `json:"system"`
	Model             modelConfig       `json:"model"`
	Tools             json.RawMessage   `json:"tools"`
	Skills            json.RawMessage   `json:"skills"`
	MCPServers        json.RawMessage   `json:"mcp_servers"`
	ExecutionIdentity executionIdentity `json:"execution_identity"`
}

// savedThreadAgent is the thread agent of a saved agent configuration.
func savedThreadAgent(a sessionAgent) threadAgentJSON {
	return threadAgentJSON{
		Type: "agent", ID: a.ID, Version: a.Version, Name: a.Name,
		Description: a.Description, System: a.System, Model: a.Model,
		Tools: nonNilRaw(a.Tools), Skills: nonNilRaw(a.Skills), MCPServers: nonNilRaw(a.MCPServers),
		ExecutionIdentity: a.ExecutionIdentity,
	}
}

func nonNilRaw(raw json.RawMessage) json.RawMessage {
	if raw == nil {
		return json.RawMessage("[]")
	}
	return raw
}

// inlineToolset is the tools of an inline thread agent: the built-in
// toolset, every tool allowed.
var inlineToolset = json.RawMessage(`[{"type":"` + agentToolset + `","default_config":{"enabled":true,"permission_policy":{"type":"always_allow"}},"configs":[]}]`)

// childAgent returns the agent of a child thread spawned for agentName. A
// seeded agent whose name is agentName runs as itself (its latest version;
// the lowest ID wins when several agents share the name). Any other name
// gets an inline agent with the coordinator's model and the built-in
// toolset, every tool allowed. The caller holds f.mu.
func (f *Fake) childAgent(s *session, agentName string) json.RawMessage {
	for _, id := range slices.Sorted(maps.Keys(f.agents)) {
		versions := f.agents[id]
		if a := versions[len(versions)-1]; a.Name == agentName {
			return mustMarshal(savedThreadAgent(baseAgent(a)))
		}
	}
	desc := "Inline agent " + agentName + ", spawned by the coordinator."
	system := "You are " + agentName + ". Carry out the task the coordinator sends and reply with the result."
	return mustMarshal(threadAgentJSON{
		Type: "inline", Name: agentName, Description: &desc, System: &system,
		Model: s.agent.Model, Tools: inlineToolset, Skills: json.RawMessage("[]"), MCPServers: json.RawMessage("[]"),
		ExecutionIdentity: executionIdentity{Type: "service_account"},
	})
}

// threadsOf returns the session's threads, the primary one first, then the
// children in spawn order, creating the primary thread if the session has
// none yet. The caller holds f.mu.
func (f *Fake) threadsOf(s *session) []*thread {
	if len(s.threads) == 0 {
		f.addPrimaryThread(s)
	}
	return s.threads
}

// addPrimaryThread gives a new session its primary thread, which runs a
// snapshot of the session's agent. The caller holds f.mu.
func (f *Fake) addPrimaryThread(s *session) {
	if len(s.threads) > 0 {
		return
	}
	s.threads = []*thread{{
		id:        f.ids.next("sthr_"),
		agent:     mustMarshal(savedThreadAgent(s.agent)),
		agentName: s.agent.Name,
		status:    s.status,
		createdAt: s.createdAt,
		updatedAt: s.createdAt,
	}}
}

// primaryThread returns the session's primary thread. The caller holds
// f.mu.
func (f *Fake) primaryThread(s *session) *thread { return f.threadsOf(s)[0] }

// findThread returns the session's thread with this ID, or nil. The caller
// holds f.mu.
func (f *Fake) findThread(s *session, id string) *thread {
	for _, th := range f.threadsOf(s) {
		if th.id == id {
			return th
		}
	}
	return nil
}

// threadLog returns a thread's history: the session's log for the primary
// thread, the thread's own log for a child. The caller holds f.mu.
func (f *Fake) threadLog(s *session, th *thread) []event {
	if th.isPrimary() {
		return s.events
	}
	return th.events
}

// runningThreads counts the session's threads that are running or
// rescheduling. The caller holds f.mu.
func (f *Fake) runningThreads(s *session) int {
	n := 0
	for _, th := range f.threadsOf(s) {
		if isBusy(f.threadStatus(s, th)) {
			n++
		}
	}
	return n
}

// threadStatus is a thread's status: the session's for the primary thread.
// The caller holds f.mu.
func (f *Fake) threadStatus(s *session, th *thread) string {
	if th.isPrimary() {
		return s.status
	}
	return th.status
}

// Thread status events.
var threadStatusEventTypes = map[string]string{
	statusIdle:         "session.thread_status_idle",
	statusRunning:      "session.thread_status_running",
	statusRescheduling: "session.thread_status_rescheduled",
	statusTerminated:   "session.thread_status_terminated",
}

// setThreadStatus moves a child thread to status and emits the matching
// session.thread_status_* event (session_thread_id, agent_name, then for an
// idle stop_reason — end_turn unless given — and stop_details, null unless
// given) into the session's log and the thread's own log. It keeps the
// thread's running time and timestamps. The caller holds f.mu.
func (f *Fake) setThreadStatus(s *session, th *thread, status string, now time.Time, stopReason, stopDetails any) {
	if th.isPrimary() || th.status == status {
		return
	}
	if isBusy(th.status) && !th.activeMark.IsZero() {
		th.activeSeconds = roundMillis(th.activeSeconds + max(now.Sub(th.activeMark).Seconds(), 0))
		th.activeMark = time.Time{}
	}
	if isBusy(status) && th.activeMark.IsZero() {
		th.activeMark = now
	}
	th.status = status
	th.updatedAt = now
	th.started = true
	members := []field{{"session_thread_id", th.id}, {"agent_name", th.agentName}}
	switch status {
	case statusIdle:
		th.idled = true
		if stopReason == nil {
			stopReason = endTurn
		}
		members = append(members, field{"stop_reason", stopReason}, field{"stop_details", stopDetails})
	case statusTerminated:
		th.endedAt = &now
	}
	ev := f.appendEvent(s, threadStatusEventTypes[status], now, members...)
	th.events = append(th.events, ev)
}

// appendThreadEvent appends an event to a child thread's own log (not to
// the session's), with a new ID, laid out like appendEvent's. Span ends
// count toward the session's cumulative usage, as every thread's do. The
// caller holds f.mu.
func (f *Fake) appendThreadEvent(s *session, th *thread, typ string, now time.Time, members ...field) event {
	f.tickActive(s, now)
	ev := event{id: f.ids.next("sevt_"), typ: typ, processedAt: now}
	obj := make(orderedObject, 0, len(members)+3)
	obj = append(obj, field{"type", typ}, field{"id", ev.id})
	obj = append(obj, members...)
	obj = append(obj, field{"processed_at", timestamp(now)})
	ev.raw = mustMarshal(obj)
	th.events = append(th.events, ev)
	f.countUsage(s, typ, ev.raw)
	f.notify(s)
	return ev
}

// crossPost writes an event of the session's log into every child
// thread's log too. The caller holds f.mu.
func (f *Fake) crossPost(s *session, ev event) {
	for _, th := range f.threadsOf(s)[1:] {
		th.events = append(th.events, ev)
	}
}

// threadsBeforeStatus is called by setStatus when the session's status is
// about to change to status, before its session.status_* event: a session
// going idle first idles its running child threads, one terminating first
// terminates every child thread not terminated yet. The caller holds f.mu.
func (f *Fake) threadsBeforeStatus(s *session, status string, now time.Time) {
	for _, th := range f.threadsOf(s)[1:] {
		switch {
		case status == statusTerminated && th.status != statusTerminated:
			f.setThreadStatus(s, th, statusTerminated, now, nil, nil)
		case status == statusIdle && isBusy(th.status):
			f.setThreadStatus(s, th, statusIdle, now, nil, nil)
		}
	}
}

// threadsAfterStatus is called by setStatus after the session's status
// changed and its session.status_* event is in the log: the primary thread
// records the transition, and a termination is written to every child's
// log. The caller holds f.mu.
func (f *Fake) threadsAfterStatus(s *session, now time.Time) {
	p := f.primaryThread(s)
	p.status = s.status
	p.updatedAt = now
	p.started = true
	if s.status == statusIdle {
		p.idled = true
	}
	if s.status == statusTerminated {
		if ev := f.workOf(s).lastStatusEvent; ev.typ == "session.status_terminated" {
			f.crossPost(s, ev)
		}
	}
}

// threadStats is SessionThread.stats.
type threadStats struct {
	ActiveSeconds   float64 `json:"active_seconds"`
	DurationSeconds float64 `json:"duration_seconds"`
	StartupSeconds  float64 `json:"startup_seconds"`
}

// threadJSON is the SessionThread object, in the reference's field order.
type threadJSON struct {
	Type           string          `json:"type"`
	ID             string          `json:"id"`
	SessionID      string          `json:"session_id"`
	Agent          json.RawMessage `json:"agent"`
	Status         string          `json:"status"`
	ParentThreadID *string         `json:"parent_thread_id"`
	// WorkflowRunID is set for the threads of a workflow run.
	WorkflowRunID *string      `json:"workflow_run_id"`
	ArchivedAt    *timestamp   `json:"archived_at"`
	CreatedAt     timestamp    `json:"created_at"`
	UpdatedAt     timestamp    `json:"updated_at"`
	Stats         *threadStats `json:"stats"`
	Usage         *usage       `json:"usage"`
}

// renderThread returns a thread's JSON as of now. stats stay null until the
// thread's first status transition and usage until its first idle. The
// primary thread's running time is the session's; a thread's tokens are
// those of the span ends in its own history (the session's usage sums every
// thread's). startup_seconds is 0: the fake starts threads at once. The
// caller holds f.mu.
func (f *Fake) renderThread(s *session, th *thread, now time.Time) json.RawMessage {
	v := threadJSON{
		Type:           "session_thread",
		ID:             th.id,
		SessionID:      s.id,
		Agent:          th.agent,
		Status:         f.threadStatus(s, th),
		ParentThreadID: th.parentID,
		WorkflowRunID:  th.workflowRunID,
		ArchivedAt:     optTime(th.archivedAt),
		CreatedAt:      timestamp(th.createdAt),
		UpdatedAt:      timestamp(th.updatedAt),
	}
	active, end := th.activeSeconds, now
	if th.isPrimary() {
		active = s.activeSeconds
		if s.endedAt != nil {
			end = *s.endedAt
		}
	} else {
		if !th.activeMark.IsZero() {
			active = roundMillis(active + max(now.Sub(th.activeMark).Seconds(), 0))
		}
		if th.endedAt != nil {
			end = *th.endedAt
		}
	}
	if th.started {
		v.Stats = &threadStats{ActiveSeconds: active, DurationSeconds: roundMillis(max(end.Sub(th.createdAt).Seconds(), 0))}
	}
	if th.idled {
		var acc session
		for _, ev := range f.threadLog(s, th) {
			f.countUsage(&acc, ev.typ, ev.raw)
		}
		acc.usage.ActiveSeconds = active
		v.Usage = &acc.usage
	}
	return mustMarshal(v)
}

// threadActiveSeconds is session.stats.active_seconds: the running time of
// every thread, summed (the primary thread's is the session's own running
// time, which usage.active_seconds reports, overlapping threads counted
// once). The caller holds f.mu.
func (s *session) threadActiveSeconds(now time.Time) float64 {
	total := s.activeSeconds
	for _, th := range s.threads {
		if th.isPrimary() {
			continue
		}
		total += th.activeSeconds
		if !th.activeMark.IsZero() {
			total += max(now.Sub(th.activeMark).Seconds(), 0)
		}
	}
	return roundMillis(total)
}

func roundMillis(sec float64) float64 { return math.Round(sec*1000) / 1000 }

func errThreadNotFound(id string) *apiError {
	return errNotFound("Session thread %s not found.", id)
}

// lookupThread finds the session and thread of a thread request. The caller
// holds f.mu.
func (f *Fake) lookupThread(r *http.Request) (*session, *thread, *apiError) {
	sid, tid := r.PathValue("session_id"), r.PathValue("thread_id")
	s, ok := f.sessions[sid]
	if !ok {
		return nil, nil, errSessionNotFound(sid)
	}
	th := f.findThread(s, tid)
	if th == nil {
		return nil, nil, errThreadNotFound(tid)
	}
	return s, th, nil
}

// forwardQuery is the query of the forward-only lists (threads, a thread's
// history, resources): limit and page. limit 0 means no limit.
type forwardQuery struct {
	limit  int
	cursor *cursor
}

// parseForwardQuery reads limit (1 to 1000; def when absent, where def 0
// means every item) and page, a cursor made by one of the forward-only
// lists. Other parameters are ignored, as elsewhere in the fake.
func parseForwardQuery(q url.Values, def int) (forwardQuery, *apiError) {
	fq := forwardQuery{limit: def}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > maxPageSize {
			return fq, errInvalid("limit: expected an integer from 1 to %d, got %q", maxPageSize, q.Get("limit"))
		}
		fq.limit = n
	}
	if page := q.Get("page"); page != "" {
		c, err := decodeCursor(page)
		if err != nil {
			return fq, err
		}
		if c.Dir != "next" || c.Order != "asc" {
			return fq, errInvalid("page: invalid page cursor")
		}
		fq.cursor = &c
	}
	return fq, nil
}

// page builds one page of a forward-only list of n items in order: key
// gives item i's ID and time (for the cursor), include filters, render
// renders. The page starts after start and next_page is set only
// when another included item follows it.
func (fq forwardQuery) page(n, start int, key func(int) (string, time.Time), include func(int) bool, render func(int) json.RawMessage) eventsPage {
	page := eventsPage{Data: []json.RawMessage{}}
	last := -1
	for i := start; i < n; i++ {
		if !include(i) {
			continue
		}
		if fq.limit > 0 && len(page.Data) == fq.limit {
			id, at := key(last)
			next := cursor{Order: "asc", Dir: "next", ID: id, CreatedAt: at}.encode()
			page.NextPage = &next
			break
		}
		page.Data = append(page.Data, render(i))
		last = i
	}
	return page
}

// parseThreadStatuses reads statuses[] (or the bare repeated statuses):
// the statuses a thread may have, OR-ed.
func parseThreadStatuses(q url.Values) (map[string]bool, *apiError) {
	out := map[string]bool{}
	for _, st := range append(slices.Clone(q["statuses[]"]), q["statuses"]...) {
		if !slices.Contains(sessionStatuses, st) {
			return nil, errInvalid("statuses[]: unknown status %q; expected idle, running, rescheduling or terminated", st)
		}
		out[st] = true
	}
	return out, nil
}

// listThreads handles GET /v1/sessions/{session_id}/threads: the primary
// thread first, then the children in spawn order; forward-only pages. A
// cursor names the last thread of its page (threads are never deleted, so
// a cursor naming no thread of the session is a 400).
func (f *Fake) listThreads(r *http.Request) (any, error) {
	q := r.URL.Query()
	fq, err := parseForwardQuery(q, defaultThreadsLimit)
	if err != nil {
		return nil, err
	}
	statuses, err := parseThreadStatuses(q)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	s, lerr := f.lookupSession(r)
	if lerr != nil {
		return nil, lerr
	}
	threads := f.threadsOf(s)
	start := 0
	if c := fq.cursor; c != nil {
		i := slices.IndexFunc(threads, func(th *thread) bool { return th.id == c.ID })
		if i < 0 {
			return nil, errInvalid("page: invalid page cursor")
		}
		start = i + 1
	}
	return fq.page(len(threads), start,
		func(i int) (string, time.Time) { return threads[i].id, threads[i].createdAt },
		func(i int) bool { return len(statuses) == 0 || statuses[f.threadStatus(s, threads[i])] },
		func(i int) json.RawMessage { return f.renderThread(s, threads[i], now) },
	), nil
}

// getThread handles GET /v1/sessions/{session_id}/threads/{thread_id}.
func (f *Fake) getThread(r *http.Request) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, th, err := f.lookupThread(r)
	if err != nil {
		return nil, err
	}
	return f.renderThread(s, th, f.now()), nil
}

// archiveThread handles POST /v1/sessions/{session_id}/threads/{thread_id}/archive.
// It sets archived_at (and updated_at) and leaves the status as it is; an
// archived thread is never reused by a later delegation to its agent. The
// reference leaves the other rules open; the fake chose:
//
//   - the primary thread cannot be archived (400 invalid_request_error):
//     archive the session instead;
//   - a running or rescheduling thread cannot be archived (409
//     conflict_error, as for a busy session): interrupt it and wait for it to
//     idle;
//   - archiving an archived thread changes nothing and returns it, which
//     keeps archive safe to retry;
//   - idle and terminated child threads, of any session, can be archived.
func (f *Fake) archiveThread(r *http.Request) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	s, th, err := f.lookupThread(r)
	if err != nil {
		return nil, err
	}
	switch {
	case th.isPrimary():
		return nil, errInvalid("Thread %s is the primary thread of session %s and cannot be archived; archive the session instead.", th.id, s.id)
	case th.archivedAt != nil:
	case isBusy(th.status):
		return nil, errConflict("Thread %s is %s and cannot be archived; interrupt it and wait for idle first.", th.id, th.status)
	default:
		th.archivedAt = &now
		th.updatedAt = now
	}
	return f.renderThread(s, th, now), nil
}

// listThreadEvents handles GET /v1/sessions/{session_id}/threads/{thread_id}/events:
// the thread's own history, in log order (processing order), forward-only.
// Only limit and page apply. A cursor names the last event of its page; one
// naming no event of this thread's history is a 400.
func (f *Fake) listThreadEvents(r *http.Request) (any, error) {
	fq, aerr := parseForwardQuery(r.URL.Query(), defaultThreadsLimit)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, th, aerr := f.lookupThread(r)
	if aerr != nil {
		return nil, aerr
	}
	log := f.threadLog(s, th)
	start := 0
	if c := fq.cursor; c != nil {
		i := slices.IndexFunc(log, func(ev event) bool { return ev.id == c.ID })
		if i < 0 {
			return nil, errInvalid("page: invalid page cursor")
		}
		start = i + 1
	}
	return fq.page(len(log), start,
		func(i int) (string, time.Time) { return log[i].id, log[i].processedAt },
		func(int) bool { return true },
		func(i int) json.RawMessage { return log[i].raw },
	), nil
}

// sessionThread finds a session and one of its threads by ID; th is nil
// when either does not exist. The caller holds f.mu.
func (f *Fake) sessionThread(sessionID, threadID string) (s *session, th *thread) {
	s, ok := f.sessions[sessionID]
	if !ok {
		return nil, nil
	}
	return s, f.findThread(s, threadID)
}

// Thread returns the current JSON of a session thread, as GET would return
// it, and whether the session and thread exist.
func (f *Fake) Thread(sessionID, threadID string) (json.RawMessage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, th := f.sessionThread(sessionID, threadID)
	if th == nil {
		return nil, false
	}
	return f.renderThread(s, th, f.now()), true
}

// ThreadIDs returns the IDs of the session's threads, the primary thread
// first, then the children in spawn order, and whether the session exists.
func (f *Fake) ThreadIDs(sessionID string) ([]string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[sessionID]
	if !ok {
		return nil, false
	}
	var ids []string
	for _, th := range f.threadsOf(s) {
		ids = append(ids, th.id)
	}
	return ids, true
}

// ThreadEvents returns a thread's history as JSON, oldest first (the
// session's log for the primary thread), and whether the session and thread
// exist.
func (f *Fake) ThreadEvents(sessionID, threadID string) ([]json.RawMessage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, th := f.sessionThread(sessionID, threadID)
	if th == nil {
		return nil, false
	}
	log := f.threadLog(s, th)
	out := make([]json.RawMessage, len(log))
	for i, ev := range log {
		out[i] = slices.Clone(ev.raw)
	}
	return out, true
}
