package managedagentstest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
)

// The session endpoints: create, get, update, delete, archive. List is in
// list.go.

// createSession handles POST /v1/sessions.
func (f *Fake) createSession(r *http.Request) (any, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if err := body.only("", "agent", "environment_id", "title", "metadata", "resources", "vault_ids", "initial_events", "budget"); err != nil {
		return nil, err
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()

	agent, err := f.resolveAgent(body["agent"])
	if err != nil {
		return nil, err
	}
	envID, err := body.requiredString("environment_id", "")
	if err != nil {
		return nil, err
	}
	if _, ok := f.envs[envID]; !ok {
		return nil, errNotFound("Environment %s not found.", envID)
	}
	title, err := body.optionalString("title", "")
	if err != nil {
		return nil, err
	}
	metadata, err := parseMetadata(body["metadata"])
	if err != nil {
		return nil, err
	}
	resources, err := f.parseResources(body["resources"], now)
	if err != nil {
		return nil, err
	}
	vaultIDs, err := f.parseVaultIDs(body["vault_ids"])
	if err != nil {
		return nil, err
	}
	var b *budget
	if raw, ok := body["budget"]; ok && !isNull(raw) {
		if b, err = parseBudget(raw); err != nil {
			return nil, err
		}
	}
	initial, err := f.parseInitialEvents(body["initial_events"])
	if err != nil {
		return nil, err
	}

	s := &session{
		id:                f.ids.next("sesn_"),
		status:            statusIdle,
		title:             title,
		environmentID:     envID,
		agent:             agent,
		metadata:          metadata,
		resources:         resources,
		vaultIDs:          vaultIDs,
		budget:            b,
		createdWithBudget: b != nil,
		createdAt:         now,
		updatedAt:         now,
	}
	f.sessions[s.id] = s
	f.addPrimaryThread(s)
	// Mounted files are session-scoped copies; make them known like any
	// other file.
	for _, res := range resources {
		if fr, ok := res.(*fileResource); ok {
			f.files[fr.FileID] = true
		}
	}
	// A session created with initial_events starts working at once.
	if len(initial) > 0 {
		for _, ev := range initial {
			f.appendEvent(s, ev.typ, now, ev.members...)
		}
		f.setStatus(s, statusRunning, now)
		f.startProcessing(s)
	}
	return s.render(now), nil
}

// parseVaultIDs reads vault_ids: seeded vault IDs. The caller holds f.mu.
func (f *Fake) parseVaultIDs(raw json.RawMessage) ([]string, *apiError) {
	if raw == nil || isNull(raw) {
		return []string{}, nil
	}
	items, err := parseArray(raw, "vault_ids")
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(items))
	for i, item := range items {
		id, err := parseString(item, index("vault_ids", i))
		if err != nil {
			return nil, err
		}
		if !f.vaults[id] {
			return nil, errNotFound("Vault %s not found.", id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// getSession handles GET /v1/sessions/{session_id}. Archived sessions remain
// retrievable; deleted ones are gone.
func (f *Fake) getSession(r *http.Request) (any, error) {
	id := r.PathValue("session_id")
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return nil, errSessionNotFound(id)
	}
	return s.render(f.now()), nil
}

// updateSession handles POST /v1/sessions/{session_id}.
// Every field is validated before anything is applied, so a rejected update
// changes nothing. A successful update bumps updated_at; a session.updated
// event is logged only when something actually changed, carrying only the
// changed fields.
func (f *Fake) updateSession(r *http.Request) (any, error) {
	id := r.PathValue("session_id")
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	s, ok := f.sessions[id]
	if !ok {
		return nil, errSessionNotFound(id)
	}
	if err := body.only("", "title", "metadata", "agent", "budget", "vault_ids"); err != nil {
		return nil, err
	}
	// The API does not document the answer for archived or terminated
	// sessions (409 or 400); the fake answers 409, like other state
	// conflicts.
	if s.archivedAt != nil {
		return nil, errConflict("Session %s is archived and cannot be updated.", id)
	}
	if s.status == statusTerminated {
		return nil, errConflict("Session %s is terminated and cannot be updated.", id)
	}
	// vault_ids is reserved in the update schema: rejected if set.
	if body.has("vault_ids") {
		return nil, errInvalid("vault_ids: cannot be updated")
	}

	var changes []field // the session.updated members, in the API's order
	changed := false    // whether anything changed; metadata cleared to {} adds no member

	title := s.title
	if body.has("title") {
		if title, err = body.optionalString("title", ""); err != nil {
			return nil, err
		}
		if !equalStringPtr(title, s.title) {
			changes = append(changes, field{"title", title})
		}
	}

	metadata := s.metadata
	if raw, ok := body["metadata"]; ok {
		if metadata, err = patchMetadata(s.metadata, raw); err != nil {
			return nil, err
		}
		// The event carries the full map when it is non-empty and leaves it
		// out when it was cleared, as the API does; the event is still sent.
		if !maps.Equal(metadata, s.metadata) {
			changed = true
			if len(metadata) > 0 {
				changes = append(changes, field{"metadata", metadata})
			}
		}
	}

	agent := s.agent
	agentChanged := false
	if raw, ok := body["agent"]; ok {
		if agent, err = f.updateAgent(s, raw); err != nil {
			return nil, err
		}
		agentChanged = !bytes.Equal(agent.Tools, s.agent.Tools) || !bytes.Equal(agent.MCPServers, s.agent.MCPServers)
		if agentChanged {
			changes = append(changes, field{"agent", agent})
		}
	}

	b := s.budget
	if raw, ok := body["budget"]; ok {
		if b, err = updateBudget(s, raw); err != nil {
			return nil, err
		}
		if !equalBudget(b, s.budget) {
			changes = append(changes, field{"budget", b})
		}
	}

	s.title, s.metadata, s.agent, s.budget = title, metadata, agent, b
	s.updatedAt = now
	if changed || len(changes) > 0 {
		f.appendEvent(s, "session.updated", now, changes...)
	}
	return s.render(now), nil
}

// updateAgent applies an update's agent member: only tools and mcp_servers,
// each a full replacement, and only while the session is not working.
func (f *Fake) updateAgent(s *session, raw json.RawMessage) (sessionAgent, *apiError) {
	o, err := parseObject(raw, "agent")
	if err != nil {
		return sessionAgent{}, err
	}
	for _, k := range slices.Sorted(maps.Keys(o)) {
		if k != "tools" && k != "mcp_servers" {
			return sessionAgent{}, errInvalid("agent.%s: cannot be updated; only tools and mcp_servers can", k)
		}
	}
	if s.busy() {
		return sessionAgent{}, errInvalid("agent: cannot be updated while session %s is %s; interrupt it and wait for idle first", s.id, s.status)
	}
	agent := s.agent
	if agent.Tools, agent.MCPServers, err = updateToolset(&s.agent, o, "agent"); err != nil {
		return sessionAgent{}, err
	}
	return agent, nil
}

// updateBudget applies an update's budget member: an object replaces the
// budget of a session created with one and not since removed, when its
// max_list_cost exceeds the cost already consumed; null removes the budget
// for good. Like the API, it reports its reasons (budget_create_only,
// budget_not_raised) in the message; no error_code exists for them.
func updateBudget(s *session, raw json.RawMessage) (*budget, *apiError) {
	if isNull(raw) {
		return nil, nil
	}
	b, err := parseBudget(raw)
	if err != nil {
		return nil, err
	}
	if !s.createdWithBudget {
		return nil, errInvalid("budget_create_only: a budget can only be set when the session is created")
	}
	if s.budget == nil {
		return nil, errInvalid("budget_create_only: the budget was removed and cannot be added again")
	}
	consumed := "0"
	if s.usage.ListCost != nil {
		consumed = s.usage.ListCost.Amount
	}
	if compareAmounts(b.MaxListCost.Amount, consumed) <= 0 {
		return nil, errInvalid("budget_not_raised: max_list_cost %s must exceed the %s already consumed", b.MaxListCost.Amount, consumed)
	}
	return b, nil
}

func equalStringPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func equalBudget(a, b *budget) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// deleteSession handles DELETE /v1/sessions/{session_id}.
func (f *Fake) deleteSession(r *http.Request) (any, error) {
	id := r.PathValue("session_id")
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return nil, errSessionNotFound(id)
	}
	// One guide reports 400 for deleting a running session, and it may be
	// 409; the fake answers 409 conflict_error, the status of state
	// conflicts.
	if s.busy() {
		return nil, errConflict("Session %s is %s and cannot be deleted; interrupt it and wait for idle first.", id, s.status)
	}
	delete(f.sessions, id)
	f.sessionDeleted(s)
	return orderedObject{{"id", id}, {"type", "session_deleted"}}, nil
}

// archiveSession handles POST /v1/sessions/{session_id}/archive. Archiving
// sets archived_at and, per the newer docs, terminates the session.
func (f *Fake) archiveSession(r *http.Request) (any, error) {
	id := r.PathValue("session_id")
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	s, ok := f.sessions[id]
	if !ok {
		return nil, errSessionNotFound(id)
	}
	// The API does not document re-archiving; the fake treats it as a no-op
	// and returns the session unchanged, which keeps archive safe to retry.
	if s.archivedAt != nil {
		return s.render(now), nil
	}
	// Archiving a running session is rejected like deleting one: 409.
	if s.busy() {
		return nil, errConflict("Session %s is %s and cannot be archived; interrupt it and wait for idle first.", id, s.status)
	}
	s.archivedAt = &now
	f.setStatus(s, statusTerminated, now)
	s.updatedAt = now
	return s.render(now), nil
}
