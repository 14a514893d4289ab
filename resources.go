package managedagents

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strings"
	"time"
)

// ResourcesService lists, adds, reads, updates and removes what is mounted
// into a session's sandbox. Get it from Client.Resources.
type ResourcesService struct {
	client *Client
}

// Resource types: the Type of a Resource and of a ResourceParam.
const (
	// ResourceGitHubRepository is a GitHub repository, cloned into the
	// sandbox.
	ResourceGitHubRepository = "github_repository"
	// ResourceFile is a file uploaded with the Files API.
	ResourceFile = "file"
	// ResourceMemoryStore is a memory store. It can only be attached when
	// the session is created, at most 8 per session, and has no ID.
	ResourceMemoryStore = "memory_store"
)

// Resource is something mounted into the session's sandbox, a union on
// Type: a GitHub repository, a file or a memory store. Which fields are set
// depends on Type; a resource of a type this library does not know keeps its
// JSON (RawJSON) and re-encodes it unchanged. Memory stores have no ID.
// Null strings decode as "".
type Resource struct {
	// Type is one of the Resource constants, or a newer type.
	Type string `json:"type"`
	// ID is the resource's "sesrsc_…" ID; empty for a memory store.
	ID string `json:"id,omitempty"`
	// MountPath is where it is mounted.
	MountPath string `json:"mount_path,omitempty"`
	// URL is a github_repository's URL.
	URL string `json:"url,omitempty"`
	// Checkout is the branch or commit of a github_repository; nil when the
	// API gives none. The authorization token is never returned.
	Checkout *Checkout `json:"checkout,omitempty"`
	// FileID is the session-scoped copy of a file resource.
	FileID string `json:"file_id,omitempty"`
	// MemoryStoreID is a memory_store's "memstore_…" ID.
	MemoryStoreID string `json:"memory_store_id,omitempty"`
	// Access is a memory_store's access, "read_write" or "read_only".
	Access string `json:"access,omitempty"`
	// Name is a memory_store's name.
	Name string `json:"name,omitempty"`
	// Description is a memory_store's description.
	Description string `json:"description,omitempty"`
	// Instructions are a memory_store's instructions to the agent.
	Instructions string `json:"instructions,omitempty"`
	// CreatedAt is when the resource was mounted; zero for a memory store.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// UpdatedAt is when the resource last changed; zero for a memory
	// store.
	UpdatedAt time.Time `json:"updated_at,omitzero"`

	raw json.RawMessage // set for unknown types only
}

func knownResourceType(t string) bool {
	return t == ResourceGitHubRepository || t == ResourceFile || t == ResourceMemoryStore
}

// RawJSON returns the JSON of a resource of a type this library does not
// know; nil for the known types.
func (r *Resource) RawJSON() json.RawMessage { return r.raw }

// MarshalJSON encodes the resource; an unknown one is written back
// unchanged.
func (r Resource) MarshalJSON() ([]byte, error) {
	type plain Resource
	return marshalOpen(plain(r), r.Type, r.raw, knownResourceType)
}

// UnmarshalJSON decodes any resource in one pass, keeping the JSON of
// unknown types.
func (r *Resource) UnmarshalJSON(b []byte) error {
	type plain Resource
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownResourceType)
	if err != nil {
		return err
	}
	*r = Resource(p)
	r.raw = raw
	return nil
}

// Checkout is the branch or commit of a mounted repository.
type Checkout struct {
	// Type is "branch" or "commit".
	Type string `json:"type"`
	// Name is the branch of a branch checkout.
	Name string `json:"name,omitempty"`
	// SHA is the commit of a commit checkout.
	SHA string `json:"sha,omitempty"`
}

// ResourceListParams pages Resources.List. The zero value lists every
// resource of the session in one page: without a Limit the API returns
// them all.
type ResourceListParams struct {
	// Limit is the page size, at most 1000; zero omits it, which lists
	// every resource.
	Limit int
	// Page is a cursor from ResourcePage.NextPage.
	Page string
}

// ResourcePage is one page of a session's resources.
type ResourcePage struct {
	// Data holds the resources of the page.
	Data []Resource `json:"data"`
	// NextPage is the cursor of the next page, empty on the last one.
	NextPage string `json:"next_page"`
}

// AddFileResourceParams mounts a file, uploaded with the Files API, into a
// running session. Only files can be added after creation; repositories
// and memory stores are given to Sessions.Create.
type AddFileResourceParams struct {
	// FileID names the uploaded file; required. The mounted resource gets
	// a different, session-scoped file ID.
	FileID string
	// MountPath is an absolute path; empty means
	// /mnt/session/uploads/<file_id>.
	MountPath string
}

// MarshalJSON encodes the file resource param, type included.
func (p AddFileResourceParams) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type      string `json:"type"`
		FileID    string `json:"file_id"`
		MountPath string `json:"mount_path,omitempty"`
	}{ResourceFile, p.FileID, p.MountPath})
}

func (p *AddFileResourceParams) validate() error {
	if p.FileID == "" {
		return invalidParams("FileID is required")
	}
	if p.MountPath != "" && !strings.HasPrefix(p.MountPath, "/") {
		return invalidParams("MountPath %q is not an absolute path", p.MountPath)
	}
	return nil
}

// ResourceUpdateParams rotates the token of a github_repository resource.
type ResourceUpdateParams struct {
	// AuthorizationToken is the new token; required. It is sent once and
	// never returned, printed, logged or put in an error.
	AuthorizationToken Secret
}

// resourcePath checks and escapes both IDs and returns the resource's
// path.
func resourcePath(sessionID, resourceID string) (string, error) {
	sid, err := escapeID("session ID", sessionID)
	if err != nil {
		return "", err
	}
	rid, err := escapeID("resource ID", resourceID)
	if err != nil {
		return "", err
	}
	return "/v1/sessions/" + sid + "/resources/" + rid, nil
}

// List returns one page of a session's resources, memory stores included
// (they have no ID, so they cannot be fetched, updated or removed).
//
// API: GET /v1/sessions/{session_id}/resources
// https://platform.claude.com/docs/en/api/beta/sessions/resources/list
func (s *ResourcesService) List(ctx context.Context, sessionID string, params ResourceListParams) (*ResourcePage, error) {
	id, err := escapeID("session ID", sessionID)
	if err != nil {
		return nil, err
	}
	q, err := listParams{limit: params.Limit, page: params.Page}.query()
	if err != nil {
		return nil, err
	}
	return doValue[ResourcePage](ctx, s.client, request{method: http.MethodGet, path: "/v1/sessions/" + id + "/resources", query: q, idempotent: true, what: "resource list"})
}

// All iterates over every resource of a session, fetching pages forward as
// needed (from params.Page when set). It stops fetching when the loop
// breaks. An error is yielded once, as the last pair. The sequence can be
// ranged over more than once; each run starts again from params.Page.
//
// API: GET /v1/sessions/{session_id}/resources (every page)
// https://platform.claude.com/docs/en/api/beta/sessions/resources/list
func (s *ResourcesService) All(ctx context.Context, sessionID string, params ResourceListParams) iter.Seq2[*Resource, error] {
	return allPages(ctx, params.Page, func(cursor string) ([]*Resource, string, error) {
		p := params
		p.Page = cursor
		page, err := s.List(ctx, sessionID, p)
		if err != nil {
			return nil, "", err
		}
		return addrs(page.Data), page.NextPage, nil
	})
}

// Add mounts a file into a session and returns the file resource. Add is
// not idempotent (a repeat mounts the file twice): it is retried only when
// the server certainly did not act, and an ambiguous failure returns an
// error matching ErrOutcomeUnknown; List the resources before trying again.
//
// API: POST /v1/sessions/{session_id}/resources
// https://platform.claude.com/docs/en/api/beta/sessions/resources/add
func (s *ResourcesService) Add(ctx context.Context, sessionID string, params AddFileResourceParams) (*Resource, error) {
	id, err := escapeID("session ID", sessionID)
	if err != nil {
		return nil, err
	}
	if err := params.validate(); err != nil {
		return nil, err
	}
	return doValue[Resource](ctx, s.client, request{method: http.MethodPost, path: "/v1/sessions/" + id + "/resources", body: params, idempotent: false, what: "Resource"})
}

// Get returns one resource of a session.
//
// API: GET /v1/sessions/{session_id}/resources/{resource_id}
// https://platform.claude.com/docs/en/api/beta/sessions/resources/retrieve
func (s *ResourcesService) Get(ctx context.Context, sessionID, resourceID string) (*Resource, error) {
	path, err := resourcePath(sessionID, resourceID)
	if err != nil {
		return nil, err
	}
	return doValue[Resource](ctx, s.client, request{method: http.MethodGet, path: path, idempotent: true, what: "Resource"})
}

// Update replaces the authorization token of a github_repository resource
// and returns the resource (without the token). Other resource types
// cannot be updated. Repeating it with the same token is safe.
//
// API: POST /v1/sessions/{session_id}/resources/{resource_id}
// https://platform.claude.com/docs/en/api/beta/sessions/resources/update
func (s *ResourcesService) Update(ctx context.Context, sessionID, resourceID string, params ResourceUpdateParams) (*Resource, error) {
	path, err := resourcePath(sessionID, resourceID)
	if err != nil {
		return nil, err
	}
	if params.AuthorizationToken == "" {
		return nil, invalidParams("AuthorizationToken is required")
	}
	body := struct {
		AuthorizationToken string `json:"authorization_token"`
	}{params.AuthorizationToken.reveal()}
	return doValue[Resource](ctx, s.client, request{method: http.MethodPost, path: path, body: body, idempotent: true, what: "Resource"})
}

// Delete removes a resource from a session and returns the API's
// confirmation. A 2xx answer without a body counts as success too. A
// repeated delete answers ErrNotFound.
//
// API: DELETE /v1/sessions/{session_id}/resources/{resource_id}
// https://platform.claude.com/docs/en/api/beta/sessions/resources/delete
func (s *ResourcesService) Delete(ctx context.Context, sessionID, resourceID string) (*Deleted, error) {
	path, err := resourcePath(sessionID, resourceID)
	if err != nil {
		return nil, err
	}
	return s.client.deleteCall(ctx, path, resourceID, DeletedResource, "resource deletion")
}
