package managedagentstest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The resource endpoints: list, add, get, update and delete the resources
// of a session. They work on the same list as the session's resources
// member: what was given at creation is listed and addressable, and what
// is added or deleted here shows in GET /v1/sessions/{id}. Memory-store
// resources are listed but have no id, so they cannot be fetched, updated
// or deleted (404). Changes bump the session's updated_at and emit no
// event (session.updated has no resources member).
//
// Archived and terminated sessions keep their resources readable; adding,
// updating and deleting answer 409 conflict_error there, as sending events
// does (the reference does not say; the fake treats them as state
// conflicts).

// resourceInfo returns a resource's id ("" for a memory store), its key for
// cursors (the id, or the memory store's ID) and its created_at (the
// session's for a memory store, attached when the session was created).
func resourceInfo(s *session, res any) (id, key string, createdAt time.Time) {
	switch r := res.(type) {
	case *githubResource:
		return r.ID, r.ID, time.Time(r.CreatedAt)
	case *fileResource:
		return r.ID, r.ID, time.Time(r.CreatedAt)
	case *memoryStoreResource:
		return "", r.MemoryStoreID, s.createdAt
	}
	return "", "", s.createdAt
}

func errResourceNotFound(id string) *apiError {
	return errNotFound("Session resource %s not found.", id)
}

// findResource returns the index of the session's addressable resource
// with this id, or -1. The caller holds f.mu.
func findResource(s *session, id string) int {
	return slices.IndexFunc(s.resources, func(res any) bool {
		rid, _, _ := resourceInfo(s, res)
		return rid != "" && rid == id
	})
}

// lookupSession returns the session of the request path. The caller holds
// f.mu.
func (f *Fake) lookupSession(r *http.Request) (*session, *apiError) {
	id := r.PathValue("session_id")
	s, ok := f.sessions[id]
	if !ok {
		return nil, errSessionNotFound(id)
	}
	return s, nil
}

// checkResourcesWritable rejects changes to the resources of an archived or
// terminated session. The caller holds f.mu.
func checkResourcesWritable(s *session) *apiError {
	if s.archivedAt != nil {
		return errConflict("Session %s is archived and its resources cannot be changed.", s.id)
	}
	if s.status == statusTerminated {
		return errConflict("Session %s is terminated and its resources cannot be changed.", s.id)
	}
	return nil
}

// listResources handles GET /v1/sessions/{session_id}/resources: the
// session's resources in the order the session lists them. Without limit
// the page holds every resource; with one (1 to 1000), next_page follows.
// A cursor names the last resource of its page. If that resource has been
// deleted since, the next page starts at the first resource created at or
// after it: items may repeat then, but none is skipped.
func (f *Fake) listResources(r *http.Request) (any, error) {
	fq, err := parseForwardQuery(r.URL.Query(), 0)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.lookupSession(r)
	if err != nil {
		return nil, err
	}
	res := s.resources
	start := 0
	if c := fq.cursor; c != nil {
		i := slices.IndexFunc(res, func(x any) bool {
			_, key, _ := resourceInfo(s, x)
			return key == c.ID
		})
		if i >= 0 {
			start = i + 1
		} else {
			start = slices.IndexFunc(res, func(x any) bool {
				_, _, at := resourceInfo(s, x)
				return !at.Before(c.CreatedAt)
			})
			if start < 0 {
				start = len(res)
			}
		}
	}
	return fq.page(len(res), start,
		func(i int) (string, time.Time) {
			_, key, at := resourceInfo(s, res[i])
			return key, at
		},
		func(int) bool { return true },
		func(i int) json.RawMessage { return mustMarshal(res[i]) },
	), nil
}

// addResource handles POST /v1/sessions/{session_id}/resources. Only file
// resources can be added after creation ({type: "file", file_id,
// mount_path?}, the file seeded with [Fake.AddFile]); the resource gets a
// new, session-scoped file_id like a file given at creation. At most 999
// file resources per session. Adding is not idempotent: the same file can
// be mounted twice.
func (f *Fake) addResource(r *http.Request) (any, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	s, err := f.lookupSession(r)
	if err != nil {
		return nil, err
	}
	if err := checkResourcesWritable(s); err != nil {
		return nil, err
	}
	typ, err := body.requiredString("type", "")
	if err != nil {
		return nil, err
	}
	switch typ {
	case "file":
	case "github_repository", "memory_store":
		return nil, errInvalid(`type: only "file" resources can be added to a session; %s resources are given when the session is created`, typ)
	default:
		return nil, errInvalid(`type: unknown resource type %q; expected "file"`, typ)
	}
	if m, err := body.optionalString("mount_path", ""); err != nil {
		return nil, err
	} else if m != nil && !strings.HasPrefix(*m, "/") {
		return nil, errInvalid("mount_path: must be an absolute path")
	}
	files := 0
	for _, res := range s.resources {
		if _, ok := res.(*fileResource); ok {
			files++
		}
	}
	if files >= maxFileResources {
		return nil, errInvalid("session %s already has %d file resources; the limit is %d", s.id, files, maxFileResources)
	}
	fr, err := f.parseFileResource(body, "", now)
	if err != nil {
		return nil, err
	}
	s.resources = append(s.resources, fr)
	f.files[fr.FileID] = true
	s.updatedAt = now
	return fr, nil
}

// lookupResource finds the session and the index of the resource the
// request's path names; an unknown session or resource is a 404. The
// caller holds f.mu.
func (f *Fake) lookupResource(r *http.Request) (*session, int, string, error) {
	s, err := f.lookupSession(r)
	if err != nil {
		return nil, 0, "", err
	}
	id := r.PathValue("resource_id")
	i := findResource(s, id)
	if i < 0 {
		return nil, 0, id, errResourceNotFound(id)
	}
	return s, i, id, nil
}

// getResource handles GET /v1/sessions/{session_id}/resources/{resource_id}.
func (f *Fake) getResource(r *http.Request) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, i, _, err := f.lookupResource(r)
	if err != nil {
		return nil, err
	}
	return s.resources[i], nil
}

// updateResource handles POST /v1/sessions/{session_id}/resources/{resource_id}:
// {authorization_token} (required, non-empty) rotates a github_repository
// resource's token; other resource types answer 400. The token is kept and
// never returned, and the request log shows it as "REDACTED".
func (f *Fake) updateResource(r *http.Request) (any, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	s, i, id, lerr := f.lookupResource(r)
	if lerr != nil {
		return nil, lerr
	}
	if err := checkResourcesWritable(s); err != nil {
		return nil, err
	}
	if err := body.only("", "authorization_token"); err != nil {
		return nil, err
	}
	token, err := body.requiredString("authorization_token", "")
	if err != nil {
		return nil, err
	}
	gh, ok := s.resources[i].(*githubResource)
	if !ok {
		_, isFile := s.resources[i].(*fileResource)
		typ := "memory_store"
		if isFile {
			typ = "file"
		}
		return nil, errInvalid("authorization_token: only github_repository resources can be updated; resource %s is a %s resource", id, typ)
	}
	gh.token = token
	gh.UpdatedAt = timestamp(now)
	s.updatedAt = now
	return gh, nil
}

// deleteResource handles DELETE /v1/sessions/{session_id}/resources/{resource_id}.
// A second delete of the same resource answers 404.
func (f *Fake) deleteResource(r *http.Request) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	s, i, id, err := f.lookupResource(r)
	if err != nil {
		return nil, err
	}
	if err := checkResourcesWritable(s); err != nil {
		return nil, err
	}
	s.resources = slices.Delete(s.resources, i, i+1)
	s.updatedAt = now
	return orderedObject{{"id", id}, {"type", "session_resource_deleted"}}, nil
}
