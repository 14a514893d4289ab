package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event is the JSON body of a webhook delivery: a small envelope whose
// [Data] names what happened and to which resource. It carries no state;
// fetch the resource (the session, for instance) to see it, which is also
// why a retried delivery is never stale.
type Event struct {
	// ID is the event's unique "whe_…" ID; the sender puts the same value
	// in the webhook-id header of every attempt.
	ID string
	// CreatedAt is when the event occurred (zero if the payload had none).
	// Use it, not the delivery's timestamp, to order events.
	CreatedAt time.Time
	// Type is the envelope type, always "event".
	Type string
	// Data is the payload: one of the types of this package (always a
	// pointer) chosen by data.type, or an [*UnknownData].
	Data Data

	raw json.RawMessage
}

// RawJSON returns the body exactly as it was received. Do not modify it.
func (e Event) RawJSON() json.RawMessage { return e.raw }

// SessionID returns the ID of the session the event is about, and false
// for an event that is not about a session (an [*UnknownData]).
func (e Event) SessionID() (string, bool) {
	if s, ok := e.Data.(SessionPayload); ok {
		return s.Session().SessionID, true
	}
	return "", false
}

// Data is the data member of an [Event]. Its concrete type is a pointer to
// one of the session and thread types of this package, selected by
// data.type (use a type switch), or [*UnknownData] for any other type:
// vaults, agents, deployments, environments, memory stores and
// organization events, and types newer than this package. The interface
// is sealed.
type Data interface {
	// DataType is data.type, such as "session.status_idled".
	DataType() string
	// RawJSON is exactly the bytes of the data member. Do not modify it.
	RawJSON() json.RawMessage
	isData()
}

// SessionPayload is implemented by the data of every session and thread
// type, so one branch can serve them all.
type SessionPayload interface {
	Data
	// Session returns the fields that the session and thread types share.
	Session() *SessionData
}

// The session and thread webhook types this package decodes into their own
// Go types. See https://platform.claude.com/docs/en/managed-agents/webhooks.
const (
	// TypeSessionStatusRunStarted: the session started running (each time
	// it does).
	TypeSessionStatusRunStarted = "session.status_run_started"
	// TypeSessionStatusIdled: the session went idle, waiting for input or
	// for a tool result or confirmation (stop reason requires_action); the
	// stop reason is on the session's status event, not in the payload.
	TypeSessionStatusIdled = "session.status_idled"
	// TypeSessionStatusRescheduled: a transient error; the session retries
	// on its own.
	TypeSessionStatusRescheduled = "session.status_rescheduled"
	// TypeSessionStatusTerminated: an unrecoverable error, or the session
	// was archived.
	TypeSessionStatusTerminated = "session.status_terminated"
	// TypeSessionBudgetReached: the session paused at its budget (once per
	// budget value).
	TypeSessionBudgetReached = "session.budget_reached"
	// TypeSessionOutcomeEvaluationEnded: one iteration of an outcome
	// evaluation ended.
	TypeSessionOutcomeEvaluationEnded = "session.outcome_evaluation_ended"
	// TypeSessionUpdated: the session was updated.
	TypeSessionUpdated = "session.updated"
	// TypeSessionDeleted: the session was deleted; there is nothing left to
	// fetch.
	TypeSessionDeleted = "session.deleted"

	// TypeSessionCreated and the five types after it are declared by the
	// official SDK but not by the webhook documentation; whether they are
	// ever sent is not known.
	TypeSessionCreated        = "session.created"
	TypeSessionPending        = "session.pending"         // see TypeSessionCreated
	TypeSessionRunning        = "session.running"         // see TypeSessionCreated
	TypeSessionIdled          = "session.idled"           // see TypeSessionCreated
	TypeSessionRequiresAction = "session.requires_action" // see TypeSessionCreated
	TypeSessionArchived       = "session.archived"        // see TypeSessionCreated

	// TypeSessionThreadCreated: a child or advisor thread was created.
	TypeSessionThreadCreated = "session.thread_created"
	// TypeSessionThreadIdled: a thread went idle.
	TypeSessionThreadIdled = "session.thread_idled"
	// TypeSessionThreadTerminated: a child thread was archived or ran out
	// of retries.
	TypeSessionThreadTerminated = "session.thread_terminated"
)

// SessionData holds the fields of every session and thread type; each of
// those types embeds it (through [ThreadData] for the thread types), which
// provides their methods.
type SessionData struct {
	// Type is data.type.
	Type string `json:"type"`
	// SessionID is the session's "sesn_…" ID (data.id).
	SessionID string `json:"id"`
	// OrganizationID is the organization's ID.
	OrganizationID string `json:"organization_id"`
	// WorkspaceID is the workspace's ID.
	WorkspaceID string `json:"workspace_id"`

	raw json.RawMessage
}

// DataType returns data.type.
func (d *SessionData) DataType() string { return d.Type }

// RawJSON returns the bytes of the data member.
func (d *SessionData) RawJSON() json.RawMessage { return d.raw }

// Session returns d.
func (d *SessionData) Session() *SessionData { return d }

func (d *SessionData) isData() {}

// ThreadData holds the fields of the thread types: those of [SessionData]
// and the thread's ID.
type ThreadData struct {
	SessionData
	// SessionThreadID is the thread's "sthr_…" ID.
	SessionThreadID string `json:"session_thread_id"`
}

// Thread returns d.
func (d *ThreadData) Thread() *ThreadData { return d }

// ThreadPayload is implemented by the data of the thread types
// (session.thread_*), so one branch can serve them all.
type ThreadPayload interface {
	SessionPayload
	// Thread returns the fields that the thread types share.
	Thread() *ThreadData
}

// The Go types of the session webhook types, one per data.type.
type (
	// SessionStatusRunStarted is the data of [TypeSessionStatusRunStarted].
	SessionStatusRunStarted struct{ SessionData }
	// SessionStatusIdled is the data of [TypeSessionStatusIdled].
	SessionStatusIdled struct{ SessionData }
	// SessionStatusRescheduled is the data of [TypeSessionStatusRescheduled].
	SessionStatusRescheduled struct{ SessionData }
	// SessionStatusTerminated is the data of [TypeSessionStatusTerminated].
	SessionStatusTerminated struct{ SessionData }
	// SessionBudgetReached is the data of [TypeSessionBudgetReached].
	SessionBudgetReached struct{ SessionData }
	// SessionOutcomeEvaluationEnded is the data of
	// [TypeSessionOutcomeEvaluationEnded].
	SessionOutcomeEvaluationEnded struct{ SessionData }
	// SessionUpdated is the data of [TypeSessionUpdated].
	SessionUpdated struct{ SessionData }
	// SessionDeleted is the data of [TypeSessionDeleted].
	SessionDeleted struct{ SessionData }
	// SessionCreated is the data of [TypeSessionCreated].
	SessionCreated struct{ SessionData }
	// SessionPending is the data of [TypeSessionPending].
	SessionPending struct{ SessionData }
	// SessionRunning is the data of [TypeSessionRunning].
	SessionRunning struct{ SessionData }
	// SessionIdled is the data of [TypeSessionIdled].
	SessionIdled struct{ SessionData }
	// SessionRequiresAction is the data of [TypeSessionRequiresAction].
	SessionRequiresAction struct{ SessionData }
	// SessionArchived is the data of [TypeSessionArchived].
	SessionArchived struct{ SessionData }
	// SessionThreadCreated is the data of [TypeSessionThreadCreated].
	SessionThreadCreated struct{ ThreadData }
	// SessionThreadIdled is the data of [TypeSessionThreadIdled].
	SessionThreadIdled struct{ ThreadData }
	// SessionThreadTerminated is the data of [TypeSessionThreadTerminated].
	SessionThreadTerminated struct{ ThreadData }
)

// UnknownData is the data of any type without a Go type of its own in this
// package. Nothing is lost: RawJSON keeps every member.
type UnknownData struct {
	// Type is data.type.
	Type string `json:"type"`
	// ID is data.id: the ID of the resource the event is about.
	ID string `json:"id"`
	// OrganizationID is the organization's ID.
	OrganizationID string `json:"organization_id"`
	// WorkspaceID is the workspace's ID; empty for organization events.
	WorkspaceID string `json:"workspace_id"`

	raw json.RawMessage
}

// DataType returns data.type.
func (d *UnknownData) DataType() string { return d.Type }

// RawJSON returns the bytes of the data member.
func (d *UnknownData) RawJSON() json.RawMessage { return d.raw }

func (d *UnknownData) isData() {}

// sessionTypes builds the Go value of each session and thread type.
var sessionTypes = map[string]func() SessionPayload{
	TypeSessionStatusRunStarted:       func() SessionPayload { return new(SessionStatusRunStarted) },
	TypeSessionStatusIdled:            func() SessionPayload { return new(SessionStatusIdled) },
	TypeSessionStatusRescheduled:      func() SessionPayload { return new(SessionStatusRescheduled) },
	TypeSessionStatusTerminated:       func() SessionPayload { return new(SessionStatusTerminated) },
	TypeSessionBudgetReached:          func() SessionPayload { return new(SessionBudgetReached) },
	TypeSessionOutcomeEvaluationEnded: func() SessionPayload { return new(SessionOutcomeEvaluationEnded) },
	TypeSessionUpdated:                func() SessionPayload { return new(SessionUpdated) },
	TypeSessionDeleted:                func() SessionPayload { return new(SessionDeleted) },
	TypeSessionCreated:                func() SessionPayload { return new(SessionCreated) },
	TypeSessionPending:                func() SessionPayload { return new(SessionPending) },
	TypeSessionRunning:                func() SessionPayload { return new(SessionRunning) },
	TypeSessionIdled:                  func() SessionPayload { return new(SessionIdled) },
	TypeSessionRequiresAction:         func() SessionPayload { return new(SessionRequiresAction) },
	TypeSessionArchived:               func() SessionPayload { return new(SessionArchived) },
	TypeSessionThreadCreated:          func() SessionPayload { return new(SessionThreadCreated) },
	TypeSessionThreadIdled:            func() SessionPayload { return new(SessionThreadIdled) },
	TypeSessionThreadTerminated:       func() SessionPayload { return new(SessionThreadTerminated) },
}

// DecodeEvent parses a webhook body without verifying it; use it on bytes
// that [Verifier.Verify] accepted, or in tests. It requires what every
// delivery has: a JSON object with "type" "event", a non-empty "id" and a
// data object with a non-empty "type"; the session and thread types also
// need data.id, and the thread types data.session_thread_id. Anything else
// is an error matching [ErrMalformedPayload], never a half-filled Event.
// An unknown data.type is not an error: it gives an [*UnknownData]. The
// Event keeps a copy of body as its RawJSON.
func DecodeEvent(body []byte) (Event, error) {
	if len(body) == 0 {
		return Event{}, reject(ErrMalformedPayload, "webhooks: malformed payload: the body is empty")
	}
	body = bytes.Clone(body)
	var env struct {
		ID        string          `json:"id"`
		CreatedAt *string         `json:"created_at"`
		Type      string          `json:"type"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return Event{}, malformed("", err)
	}
	switch {
	case env.Type != "event":
		return Event{}, reject(ErrMalformedPayload, `webhooks: malformed payload: "type" is not "event"`)
	case env.ID == "":
		return Event{}, reject(ErrMalformedPayload, `webhooks: malformed payload: no "id"`)
	}
	data, err := decodeData(env.Data)
	if err != nil {
		return Event{}, err
	}
	ev := Event{ID: env.ID, Type: env.Type, Data: data, raw: body}
	if env.CreatedAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *env.CreatedAt)
		if err != nil {
			return Event{}, reject(ErrMalformedPayload, "webhooks: malformed payload: created_at is not an RFC 3339 time")
		}
		ev.CreatedAt = t
	}
	return ev, nil
}

// decodeData decodes the data member by its type. Every type of this
// package has the members of flatData and no others, so one decode serves
// them all; the typed value is then filled in from it.
func decodeData(raw json.RawMessage) (Data, error) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, reject(ErrMalformedPayload, `webhooks: malformed payload: "data" is not an object`)
	}
	var flat struct {
		Type            string `json:"type"`
		ID              string `json:"id"`
		OrganizationID  string `json:"organization_id"`
		WorkspaceID     string `json:"workspace_id"`
		SessionThreadID string `json:"session_thread_id"`
	}
	if err := json.Unmarshal(raw, &flat); err != nil {
		// A member of an unexpected JSON type: an error for the types of
		// this package, and for the others only when type itself is
		// unreadable; the raw JSON keeps all their members.
		var head struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(raw, &head) != nil || head.Type == "" || sessionTypes[head.Type] != nil {
			return nil, malformed("data.", err)
		}
		return &UnknownData{Type: head.Type, raw: raw}, nil
	}
	if flat.Type == "" {
		return nil, reject(ErrMalformedPayload, `webhooks: malformed payload: no data.type`)
	}
	newData, known := sessionTypes[flat.Type]
	if !known {
		return &UnknownData{Type: flat.Type, ID: flat.ID, OrganizationID: flat.OrganizationID, WorkspaceID: flat.WorkspaceID, raw: raw}, nil
	}
	if flat.ID == "" {
		return nil, reject(ErrMalformedPayload, "webhooks: malformed payload: no data.id for "+flat.Type)
	}
	d := newData()
	*d.Session() = SessionData{Type: flat.Type, SessionID: flat.ID, OrganizationID: flat.OrganizationID, WorkspaceID: flat.WorkspaceID, raw: raw}
	if th, isThread := d.(ThreadPayload); isThread {
		if flat.SessionThreadID == "" {
			return nil, reject(ErrMalformedPayload, "webhooks: malformed payload: no data.session_thread_id for "+flat.Type)
		}
		th.Thread().SessionThreadID = flat.SessionThreadID
	}
	return d, nil
}

// malformed describes a JSON decoding error without quoting the input: the
// offset of a syntax error, the field of a type mismatch (prefixed with
// prefix, the path of the member being decoded).
func malformed(prefix string, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return reject(ErrMalformedPayload, fmt.Sprintf("webhooks: malformed payload: not valid JSON (after %d bytes)", syntax.Offset))
	case errors.As(err, &typ) && typ.Field != "":
		return reject(ErrMalformedPayload, fmt.Sprintf("webhooks: malformed payload: %s%s is a JSON %s, not a %s", prefix, typ.Field, typ.Value, typ.Type))
	case errors.As(err, &typ):
		return reject(ErrMalformedPayload, fmt.Sprintf("webhooks: malformed payload: a JSON %s, not an object", typ.Value))
	default:
		return reject(ErrMalformedPayload, "webhooks: malformed payload: not valid JSON")
	}
}
