package managedagentstest

import (
	"encoding/json"
	"math"
	"time"
)

// Session statuses.
const (
	statusIdle         = "idle"
	statusRunning      = "running"
	statusRescheduling = "rescheduling"
	statusTerminated   = "terminated"
)

var sessionStatuses = []string{statusIdle, statusRunning, statusRescheduling, statusTerminated}

// session is the fake's state for one session. All access happens under
// Fake.mu.
type session struct {
	id            string
	status        string // change it only through Fake.setStatus
	title         *string
	environmentID string
	agent         sessionAgent
	metadata      map[string]string // replaced, never mutated in place
	resources     []any             // *githubResource, *fileResource, *memoryStoreResource
	vaultIDs      []string
	outcomeEvals  []json.RawMessage
	usage         usage
	activeSeconds float64
	budget        *budget
	// createdWithBudget records whether the session was created with a
	// budget: only such sessions may have it replaced, and once removed it
	// cannot come back.
	createdWithBudget bool
	deploymentID      *string
	createdAt         time.Time
	updatedAt         time.Time
	archivedAt        *time.Time
	// endedAt freezes duration_seconds once the session is terminated.
	endedAt *time.Time
	// events is the session's event log, in order (see events.go).
	events []event
	// work is the scripted agent's state for the session (see worker.go).
	work *sessionWork
	// threads are the primary thread, then the child threads in spawn
	// order (see threads.go).
	threads []*thread
}

// usage is a session's cumulative SessionUsage. list_cost and
// server_tool_use stay null until something tracks them.
type usage struct {
	InputTokens          int64          `json:"input_tokens"`
	OutputTokens         int64          `json:"output_tokens"`
	CacheReadInputTokens int64          `json:"cache_read_input_tokens"`
	CacheCreation        cacheCreation  `json:"cache_creation"`
	ActiveSeconds        float64        `json:"active_seconds"`
	ListCost             *money         `json:"list_cost"`
	ServerToolUse        *serverToolUse `json:"server_tool_use"`
}

type cacheCreation struct {
	Ephemeral1hInputTokens int64 `json:"ephemeral_1h_input_tokens"`
	Ephemeral5mInputTokens int64 `json:"ephemeral_5m_input_tokens"`
}

type serverToolUse struct {
	WebFetchRequests  int64 `json:"web_fetch_requests"`
	WebSearchRequests int64 `json:"web_search_requests"`
}

type stats struct {
	ActiveSeconds   float64 `json:"active_seconds"`
	DurationSeconds float64 `json:"duration_seconds"`
}

// sessionJSON is the Session object, with its fields in the order the API
// sends them. Every required field is always present; empty collections are
// [] or {}, never null.
type sessionJSON struct {
	Type               string            `json:"type"`
	ID                 string            `json:"id"`
	Status             string            `json:"status"`
	Title              *string           `json:"title"`
	EnvironmentID      string            `json:"environment_id"`
	Agent              sessionAgent      `json:"agent"`
	Metadata           map[string]string `json:"metadata"`
	Resources          []any             `json:"resources"`
	VaultIDs           []string          `json:"vault_ids"`
	OutcomeEvaluations []json.RawMessage `json:"outcome_evaluations"`
	Stats              stats             `json:"stats"`
	Usage              usage             `json:"usage"`
	Budget             *budget           `json:"budget"`
	CreatedAt          timestamp         `json:"created_at"`
	UpdatedAt          timestamp         `json:"updated_at"`
	ArchivedAt         *timestamp        `json:"archived_at"`
	DeploymentID       *string           `json:"deployment_id"`
}

// render returns the session's JSON as of now. The caller holds f.mu; the
// result shares nothing with the session.
func (s *session) render(now time.Time) json.RawMessage {
	end := now
	if s.endedAt != nil {
		end = *s.endedAt
	}
	duration := max(end.Sub(s.createdAt).Seconds(), 0)
	v := sessionJSON{
		Type:               "session",
		ID:                 s.id,
		Status:             s.status,
		Title:              s.title,
		EnvironmentID:      s.environmentID,
		Agent:              s.agent,
		Metadata:           nonNilMap(s.metadata),
		Resources:          nonNil(s.resources),
		VaultIDs:           nonNil(s.vaultIDs),
		OutcomeEvaluations: nonNil(s.outcomeEvals),
		Stats:              stats{ActiveSeconds: s.threadActiveSeconds(now), DurationSeconds: math.Round(duration*1000) / 1000},
		Usage:              s.usage,
		Budget:             s.budget,
		CreatedAt:          timestamp(s.createdAt),
		UpdatedAt:          timestamp(s.updatedAt),
		ArchivedAt:         optTime(s.archivedAt),
		DeploymentID:       s.deploymentID,
	}
	return mustMarshal(v)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// busy reports whether the session is working, which blocks delete, archive
// and agent updates. The API documents this for running only; the fake treats
// rescheduling (a retry in progress) the same way, as the work resumes on
// its own.
func (s *session) busy() bool {
	return s.status == statusRunning || s.status == statusRescheduling
}

// setStatus is the one place a session's status changes. It bumps
// updated_at and freezes the duration on termination. The event machinery
// hooks in here to emit the matching session.status_* event and to notify
// stream subscribers. The caller holds f.mu.
func (f *Fake) setStatus(s *session, status string, now time.Time) {
	if s.status == status {
		return
	}
	f.threadsBeforeStatus(s, status, now)
	old := s.status
	s.status = status
	s.updatedAt = now
	if status == statusTerminated && s.endedAt == nil {
		s.endedAt = &now
	}
	f.statusChanged(s, old, now)
	f.threadsAfterStatus(s, now)
}

// Session returns the current JSON of a session, as GET would return it,
// and whether it exists.
func (f *Fake) Session(id string) (json.RawMessage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return nil, false
	}
	return s.render(f.now()), true
}

// SessionIDs returns the IDs of all sessions (archived included, deleted
// excluded), oldest first.
func (f *Fake) SessionIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	all := f.sortedSessions("asc")
	ids := make([]string, len(all))
	for i, s := range all {
		ids[i] = s.id
	}
	return ids
}
