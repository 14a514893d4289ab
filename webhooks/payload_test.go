package webhooks_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/managedagents/managedagents-go/webhooks"
)

// TestDecodeEveryType decodes a payload of every session and thread type
// into its own Go type, with its fields and its raw JSON. The expected Go
// type of each data.type is spelled out here, independently of the
// package's table.
func TestDecodeEveryType(t *testing.T) {
	cases := []struct {
		typ  string
		want webhooks.Data
	}{
		{"session.status_run_started", &webhooks.SessionStatusRunStarted{}},
		{"session.status_idled", &webhooks.SessionStatusIdled{}},
		{"session.status_rescheduled", &webhooks.SessionStatusRescheduled{}},
		{"session.status_terminated", &webhooks.SessionStatusTerminated{}},
		{"session.budget_reached", &webhooks.SessionBudgetReached{}},
		{"session.outcome_evaluation_ended", &webhooks.SessionOutcomeEvaluationEnded{}},
		{"session.updated", &webhooks.SessionUpdated{}},
		{"session.deleted", &webhooks.SessionDeleted{}},
		{"session.created", &webhooks.SessionCreated{}},
		{"session.pending", &webhooks.SessionPending{}},
		{"session.running", &webhooks.SessionRunning{}},
		{"session.idled", &webhooks.SessionIdled{}},
		{"session.requires_action", &webhooks.SessionRequiresAction{}},
		{"session.archived", &webhooks.SessionArchived{}},
		{"session.thread_created", &webhooks.SessionThreadCreated{}},
		{"session.thread_idled", &webhooks.SessionThreadIdled{}},
		{"session.thread_terminated", &webhooks.SessionThreadTerminated{}},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			thread := ""
			if bytes.Contains([]byte(c.typ), []byte("thread")) {
				thread = "sthr_7"
			}
			body := eventBody("whe_1", c.typ, "sesn_9", thread)
			ev, err := webhooks.DecodeEvent(body)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprintf("%T", ev.Data), fmt.Sprintf("%T", c.want); got != want {
				t.Fatalf("data is %s, want %s", got, want)
			}
			sp := ev.Data.(webhooks.SessionPayload)
			s := sp.Session()
			if s.Type != c.typ || ev.Data.DataType() != c.typ || s.SessionID != "sesn_9" || s.OrganizationID != "org_1" || s.WorkspaceID != "wrkspc_1" {
				t.Errorf("session data = %+v", *s)
			}
			if id, ok := ev.SessionID(); !ok || id != "sesn_9" {
				t.Errorf("SessionID() = %q, %v", id, ok)
			}
			th, isThread := ev.Data.(webhooks.ThreadPayload)
			if isThread != (thread != "") || (isThread && th.Thread().SessionThreadID != thread) {
				t.Errorf("thread payload %v, thread data %+v", isThread, th)
			}
			if !bytes.Equal(ev.RawJSON(), body) {
				t.Errorf("event RawJSON differs")
			}
			if want := body[bytes.Index(body, []byte(`{"id":"sesn_9"`)):bytes.LastIndex(body, []byte(`,"type":"event"`))]; !bytes.Equal(ev.Data.RawJSON(), want) {
				t.Errorf("data RawJSON = %s\n want %s", ev.Data.RawJSON(), want)
			}
		})
	}
}

// TestDecodeUnknownTypesKeepEverything: types without a Go type of their
// own (other resources, organization events, future types) decode to
// *UnknownData with every member in its raw JSON, and members of an
// unexpected JSON type do not make the event fail.
func TestDecodeUnknownTypesKeepEverything(t *testing.T) {
	for _, body := range []string{
		`{"type":"event","id":"whe_1","created_at":"2026-03-18T14:05:22Z","data":{"type":"vault_credential.refresh_failed","id":"vcrd_1","vault_id":"vlt_1","organization_id":"org_1","workspace_id":"wrkspc_1"}}`,
		`{"type":"event","id":"whe_2","data":{"type":"user_profile.enforcement_action_opened","id":"up_1","enforcement_action_id":"enac_1","organization_id":"org_1"}}`,
		`{"type":"event","id":"whe_3","data":{"type":"session.status_scheduled","id":"sesn_1","new":{"deep":[1,2]}}}`,
		`{"type":"event","id":"whe_4","data":{"type":"agent.created","id":42,"organization_id":null}}`,
	} {
		ev, err := webhooks.DecodeEvent([]byte(body))
		if err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		u, ok := ev.Data.(*webhooks.UnknownData)
		if !ok {
			t.Errorf("%s: data is %T", body, ev.Data)
			continue
		}
		if _, ok := ev.SessionID(); ok {
			t.Errorf("%s: an unknown type claims a session", body)
		}
		if !bytes.Contains([]byte(body), u.RawJSON()) || !bytes.HasPrefix(u.RawJSON(), []byte(`{"type":`)) || u.Type == "" {
			t.Errorf("%s: raw data %s, type %q", body, u.RawJSON(), u.Type)
		}
	}
	ev, err := webhooks.DecodeEvent([]byte(`{"type":"event","id":"whe_1","data":{"type":"vault.created","id":"vlt_1","organization_id":"org_1","workspace_id":"w_1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if u := ev.Data.(*webhooks.UnknownData); u.ID != "vlt_1" || u.OrganizationID != "org_1" || u.WorkspaceID != "w_1" || u.DataType() != "vault.created" {
		t.Errorf("unknown data = %+v", *u)
	}
}

// TestDecodeEventCopiesItsInput: the Event's raw JSON does not change when
// the caller reuses its buffer.
func TestDecodeEventCopiesItsInput(t *testing.T) {
	body := []byte(exampleBody)
	ev, err := webhooks.DecodeEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'x'
	}
	if string(ev.RawJSON()) != exampleBody || string(ev.Data.RawJSON())[:7] != `{"id":"` {
		t.Errorf("raw JSON follows the caller's buffer: %s", ev.RawJSON())
	}
	if _, err := webhooks.DecodeEvent(body); !errors.Is(err, webhooks.ErrMalformedPayload) {
		t.Errorf("garbage: %v", err)
	}
}
