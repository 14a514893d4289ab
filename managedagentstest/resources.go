package managedagentstest

import (
	"encoding/json"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// Session resources: github_repository, file and memory_store, as params of
// a create and as the objects sessions report. The session keeps them as
// these pointer types in session.resources; the fields are in the order the
// API sends them.

const (
	maxFileResources   = 999
	maxMemoryStores    = 8
	maxInstructionsLen = 4096
)

type githubResource struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	URL       string          `json:"url"`
	MountPath string          `json:"mount_path"`
	Checkout  json.RawMessage `json:"checkout"` // null when the default branch is used
	CreatedAt timestamp       `json:"created_at"`
	UpdatedAt timestamp       `json:"updated_at"`
	// token is kept for the session's lifetime but never rendered: the API
	// never returns repository tokens.
	token string
}

type fileResource struct {
	Type      string    `json:"type"`
	ID        string    `json:"id"`
	FileID    string    `json:"file_id"` // the session-scoped copy
	MountPath string    `json:"mount_path"`
	CreatedAt timestamp `json:"created_at"`
	UpdatedAt timestamp `json:"updated_at"`
}

// memoryStoreResource has no id: memory stores are attached, not mounted
// copies.
type memoryStoreResource struct {
	Type          string  `json:"type"`
	MemoryStoreID string  `json:"memory_store_id"`
	Access        string  `json:"access"`
	Name          *string `json:"name"`
	Description   string  `json:"description"`
	Instructions  *string `json:"instructions"`
	MountPath     *string `json:"mount_path"`
}

// parseResources reads the create body's resources. New resource and file
// IDs come from the fake's generator. The caller holds f.mu.
func (f *Fake) parseResources(raw json.RawMessage, now time.Time) ([]any, *apiError) {
	const p = "resources"
	if raw == nil || isNull(raw) {
		return []any{}, nil
	}
	items, err := parseArray(raw, p)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	var files int
	stores := map[string]bool{}
	for i, item := range items {
		ip := index(p, i)
		o, err := parseObject(item, ip)
		if err != nil {
			return nil, err
		}
		typ, err := o.requiredString("type", ip)
		if err != nil {
			return nil, err
		}
		var res any
		switch typ {
		case "github_repository":
			res, err = f.parseGitHubResource(o, ip, now)
		case "file":
			files++
			if files > maxFileResources {
				return nil, errInvalid("%s: more than %d file resources", p, maxFileResources)
			}
			res, err = f.parseFileResource(o, ip, now)
		case "memory_store":
			var m *memoryStoreResource
			m, err = f.parseMemoryStoreResource(o, ip)
			if err == nil {
				if stores[m.MemoryStoreID] {
					return nil, errInvalid("%s.memory_store_id: memory store %s is attached twice", ip, m.MemoryStoreID)
				}
				stores[m.MemoryStoreID] = true
				if len(stores) > maxMemoryStores {
					return nil, errInvalid("%s: more than %d memory stores", p, maxMemoryStores)
				}
			}
			res = m
		default:
			err = errInvalid(`%s.type: unknown resource type %q; expected "github_repository", "file" or "memory_store"`, ip, typ)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

func (f *Fake) parseGitHubResource(o object, p string, now time.Time) (*githubResource, *apiError) {
	if err := o.only(p, "type", "url", "authorization_token", "mount_path", "checkout"); err != nil {
		return nil, err
	}
	repoURL, err := o.requiredString("url", p)
	if err != nil {
		return nil, err
	}
	token, err := o.optionalString("authorization_token", p)
	if err != nil {
		return nil, err
	}
	mount, err := o.optionalString("mount_path", p)
	if err != nil {
		return nil, err
	}
	r := &githubResource{
		Type:      "github_repository",
		ID:        f.ids.next("sesrsc_"),
		URL:       repoURL,
		Checkout:  json.RawMessage("null"),
		CreatedAt: timestamp(now),
		UpdatedAt: timestamp(now),
	}
	if token != nil {
		r.token = *token
	}
	if mount != nil && *mount != "" {
		r.MountPath = *mount
	} else {
		r.MountPath = "/workspace/" + repoName(repoURL)
	}
	if raw, ok := o["checkout"]; ok && !isNull(raw) {
		if r.Checkout, err = parseCheckout(raw, at(p, "checkout")); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// repoName is the last path segment of a repository URL without ".git",
// which names the default mount directory.
func repoName(repoURL string) string {
	p := repoURL
	if u, err := url.Parse(repoURL); err == nil && u.Path != "" {
		p = u.Path
	}
	name := strings.TrimSuffix(path.Base(strings.TrimRight(p, "/")), ".git")
	if name == "" || name == "." || name == "/" {
		return "repository"
	}
	return name
}

func parseCheckout(raw json.RawMessage, p string) (json.RawMessage, *apiError) {
	o, err := parseObject(raw, p)
	if err != nil {
		return nil, err
	}
	typ, err := o.requiredString("type", p)
	if err != nil {
		return nil, err
	}
	var key string
	switch typ {
	case "branch":
		key = "name"
	case "commit":
		key = "sha"
	default:
		return nil, errInvalid(`%s.type: unknown value %q; expected "branch" or "commit"`, p, typ)
	}
	if err := o.only(p, "type", key); err != nil {
		return nil, err
	}
	v, err := o.requiredString(key, p)
	if err != nil {
		return nil, err
	}
	return mustMarshal(orderedObject{{"type", typ}, {key, v}}), nil
}

// parseFileResource mounts a seeded file. The resource gets a new,
// session-scoped file_id, as the API does. The API's default mount path is
// /mnt/session/uploads/<file_id>; the fake uses the file_id the caller sent,
// the one the caller knows.
func (f *Fake) parseFileResource(o object, p string, now time.Time) (*fileResource, *apiError) {
	if err := o.only(p, "type", "file_id", "mount_path"); err != nil {
		return nil, err
	}
	fileID, err := o.requiredString("file_id", p)
	if err != nil {
		return nil, err
	}
	if !f.files[fileID] {
		return nil, errNotFound("File %s not found.", fileID)
	}
	mount := "/mnt/session/uploads/" + fileID
	if m, err := o.optionalString("mount_path", p); err != nil {
		return nil, err
	} else if m != nil {
		if !strings.HasPrefix(*m, "/") {
			return nil, errInvalid("%s.mount_path: must be an absolute path", p)
		}
		mount = *m
	}
	return &fileResource{
		Type:      "file",
		ID:        f.ids.next("sesrsc_"),
		FileID:    f.ids.next("file_"),
		MountPath: mount,
		CreatedAt: timestamp(now),
		UpdatedAt: timestamp(now),
	}, nil
}

// parseMemoryStoreResource attaches a seeded memory store. The API does not
// document which access applies when none is given; the fake uses
// read_write. Nor does it document the mount path; the fake uses
// /mnt/memory/<store name>.
func (f *Fake) parseMemoryStoreResource(o object, p string) (*memoryStoreResource, *apiError) {
	if err := o.only(p, "type", "memory_store_id", "access", "instructions"); err != nil {
		return nil, err
	}
	id, err := o.requiredString("memory_store_id", p)
	if err != nil {
		return nil, err
	}
	store, ok := f.memStores[id]
	if !ok {
		return nil, errNotFound("Memory store %s not found.", id)
	}
	access := "read_write"
	if a, err := o.optionalString("access", p); err != nil {
		return nil, err
	} else if a != nil {
		if !slices.Contains([]string{"read_write", "read_only"}, *a) {
			return nil, errInvalid(`%s.access: unknown value %q; expected "read_write" or "read_only"`, p, *a)
		}
		access = *a
	}
	instructions, err := o.optionalString("instructions", p)
	if err != nil {
		return nil, err
	}
	if instructions != nil && runes(*instructions) > maxInstructionsLen {
		return nil, errInvalid("%s.instructions: %d characters; the limit is %d", p, runes(*instructions), maxInstructionsLen)
	}
	r := &memoryStoreResource{
		Type:          "memory_store",
		MemoryStoreID: id,
		Access:        access,
		Description:   store.description,
		Instructions:  instructions,
	}
	dir := store.name
	if dir != "" {
		r.Name = &store.name
	} else {
		dir = id
	}
	mount := "/mnt/memory/" + dir
	r.MountPath = &mount
	return r, nil
}
