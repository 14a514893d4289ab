package managedagentstest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// resourceSession creates a session with a repository, a file and a memory
// store, and returns it.
func resourceSession(t *testing.T, srv *Server) map[string]any {
	t.Helper()
	srv.AddFile("file_01source")
	srv.AddMemoryStore("memstore_01notes", "release-notes", "Notes from previous releases.")
	return createSession(t, srv, map[string]any{"resources": []any{
		map[string]any{"type": "github_repository", "url": "https://github.com/acme/widgets", "authorization_token": "ghp_SECRET"},
		map[string]any{"type": "file", "file_id": "file_01source", "mount_path": "/data/source.csv"},
		map[string]any{"type": "memory_store", "memory_store_id": "memstore_01notes"},
	}})
}

func resourcesPath(id string) string { return "/v1/sessions/" + id + "/resources" }

// resourcePage lists resources with a raw query and returns the items and
// next_page, checking the page has data and next_page only.
func resourcePage(t *testing.T, srv *Server, id, query string) ([]any, string) {
	t.Helper()
	page := do(t, srv, "GET", resourcesPath(id)+"?"+query, nil).ok(t)
	if got := strings.Join(keys(page), ","); got != "data,next_page" {
		t.Fatalf("page keys = %s", got)
	}
	next, _ := page["next_page"].(string)
	if next == "" && page["next_page"] != nil {
		t.Errorf("next_page = %v, want null or a cursor", page["next_page"])
	}
	return page["data"].([]any), next
}

func TestListResources(t *testing.T) {
	srv := newTestServer(t)
	s := resourceSession(t, srv)
	id := s["id"].(string)

	// The list is the session's resources member, all of it when there is
	// no limit.
	all, next := resourcePage(t, srv, id, "")
	if next != "" {
		t.Errorf("next_page %q without a limit", next)
	}
	if diff := cmp.Diff(compactJSON(t, s["resources"]), compactJSON(t, all)); diff != "" {
		t.Errorf("list vs session.resources (-session +list):\n%s", diff)
	}
	if len(all) != 3 || dig(all, 2, "id") != nil {
		t.Errorf("list = %v; the memory store is listed, without an id", all)
	}

	// Page by one: three pages, the last without a cursor.
	var paged []any
	query := "limit=1"
	for range 5 {
		items, next := resourcePage(t, srv, id, query)
		paged = append(paged, items...)
		if next == "" {
			break
		}
		query = "limit=1&page=" + qesc(next)
	}
	if diff := cmp.Diff(compactJSON(t, all), compactJSON(t, paged)); diff != "" {
		t.Errorf("paged vs all:\n%s", diff)
	}
	items, next := resourcePage(t, srv, id, "limit=3")
	if len(items) != 3 || next != "" {
		t.Errorf("limit=3: %d items, next_page %q; no cursor after the last page", len(items), next)
	}

	// The cursor of a deleted resource resumes at the first resource
	// created at or after it: nothing is skipped.
	_, next = resourcePage(t, srv, id, "limit=1")
	do(t, srv, "DELETE", resourcesPath(id)+"/"+dig(all, 0, "id").(string), nil).ok(t)
	items, _ = resourcePage(t, srv, id, "page="+qesc(next))
	if len(items) != 2 {
		t.Errorf("after deleting the cursor's resource: %v", items)
	}

	other := newSessionID(t, srv, nil)
	items, next = resourcePage(t, srv, other, "")
	if len(items) != 0 || next != "" {
		t.Errorf("a session without resources lists %v, %q", items, next)
	}

	for _, tt := range []struct {
		name, path string
		status     int
		typ        string
	}{
		{"unknown session", resourcesPath("sesn_01missing"), 404, "not_found_error"},
		{"limit 0", resourcesPath(id) + "?limit=0", 400, "invalid_request_error"},
		{"limit 1001", resourcesPath(id) + "?limit=1001", 400, "invalid_request_error"},
		{"limit not a number", resourcesPath(id) + "?limit=all", 400, "invalid_request_error"},
		{"garbage cursor", resourcesPath(id) + "?page=nope", 400, "invalid_request_error"},
		{"a sessions-list cursor", resourcesPath(id) + "?page=" + qesc(cursor{Order: "desc", Dir: "next", ID: "x", CreatedAt: t0}.encode()), 400, "invalid_request_error"},
		{"a prev cursor", resourcesPath(id) + "?page=" + qesc(cursor{Order: "asc", Dir: "prev", ID: "x", CreatedAt: t0}.encode()), 400, "invalid_request_error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			do(t, srv, "GET", tt.path, nil).apiErr(t, tt.status, tt.typ)
		})
	}
}

func TestAddResource(t *testing.T) {
	clock := stepClock(t0, time.Second)
	srv := newTestServer(t, WithClock(clock))
	srv.AddFile("file_01report")
	id := newSessionID(t, srv, nil)

	res := do(t, srv, "POST", resourcesPath(id), map[string]any{"type": "file", "file_id": "file_01report"}).ok(t)
	if got := strings.Join(keys(res), ","); got != "created_at,file_id,id,mount_path,type,updated_at" {
		t.Errorf("FileResource keys = %s", got)
	}
	rid, _ := res["id"].(string)
	fid, _ := res["file_id"].(string)
	if !strings.HasPrefix(rid, "sesrsc_01") || !strings.HasPrefix(fid, "file_01") || fid == "file_01report" {
		t.Errorf("id %q, file_id %q: want a new resource and a session-scoped file copy", rid, fid)
	}
	if res["type"] != "file" || res["mount_path"] != "/mnt/session/uploads/file_01report" || res["created_at"] != res["updated_at"] {
		t.Errorf("resource = %v", res)
	}
	mounted := do(t, srv, "POST", resourcesPath(id), map[string]any{"type": "file", "file_id": "file_01report", "mount_path": "/data/r.pdf"}).ok(t)
	if mounted["mount_path"] != "/data/r.pdf" || mounted["id"] == rid {
		t.Errorf("second mount = %v; adding is not idempotent", mounted)
	}
	// The copy is a file like any other: it can be mounted again.
	do(t, srv, "POST", resourcesPath(id), map[string]any{"type": "file", "file_id": fid}).ok(t)

	s := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	if n := len(s["resources"].([]any)); n != 3 || dig(s, "resources", 0, "id") != rid {
		t.Errorf("session.resources = %v", s["resources"])
	}
	if s["updated_at"] == s["created_at"] {
		t.Errorf("updated_at not bumped")
	}

	archived := newSessionID(t, srv, nil)
	do(t, srv, "POST", "/v1/sessions/"+archived+"/archive", nil).ok(t)
	for _, tt := range []struct {
		name, id string
		body     any
		status   int
		inMsg    string
	}{
		{"unknown session", "sesn_01missing", map[string]any{"type": "file", "file_id": "file_01report"}, 404, "sesn_01missing"},
		{"archived session", archived, map[string]any{"type": "file", "file_id": "file_01report"}, 409, "archived"},
		{"no body", id, nil, 400, "empty"},
		{"not JSON", id, `{"type":`, 400, "not valid JSON"},
		{"no type", id, map[string]any{"file_id": "file_01report"}, 400, "type"},
		{"a repository", id, map[string]any{"type": "github_repository", "url": "https://github.com/acme/widgets"}, 400, "github_repository"},
		{"a memory store", id, map[string]any{"type": "memory_store", "memory_store_id": "memstore_01x"}, 400, "memory_store"},
		{"unknown type", id, map[string]any{"type": "folder"}, 400, "folder"},
		{"no file_id", id, map[string]any{"type": "file"}, 400, "file_id"},
		{"unknown file", id, map[string]any{"type": "file", "file_id": "file_01nope"}, 404, "file_01nope"},
		{"relative mount path", id, map[string]any{"type": "file", "file_id": "file_01report", "mount_path": "data/x"}, 400, "mount_path"},
		{"unknown field", id, map[string]any{"type": "file", "file_id": "file_01report", "access": "read_only"}, 400, "access"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := do(t, srv, "POST", resourcesPath(tt.id), tt.body).apiErr(t, tt.status, errorType(tt.status))
			if msg, _ := e["message"].(string); !strings.Contains(msg, tt.inMsg) {
				t.Errorf("message %q does not mention %q", msg, tt.inMsg)
			}
		})
	}
	if n := len(do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)["resources"].([]any)); n != 3 {
		t.Errorf("failed adds changed the resources: %d", n)
	}
}

func TestAddResourceLimit(t *testing.T) {
	srv := newTestServer(t)
	srv.AddFile("file_01many")
	id := newSessionID(t, srv, nil)
	srv.mu.Lock()
	s := srv.sessions[id]
	for range maxFileResources {
		s.resources = append(s.resources, &fileResource{Type: "file", ID: srv.ids.next("sesrsc_"), FileID: "file_01copy"})
	}
	srv.mu.Unlock()
	e := do(t, srv, "POST", resourcesPath(id), map[string]any{"type": "file", "file_id": "file_01many"}).apiErr(t, 400, "invalid_request_error")
	if msg, _ := e["message"].(string); !strings.Contains(msg, "999") {
		t.Errorf("message = %q", msg)
	}
}

func TestGetUpdateDeleteResource(t *testing.T) {
	clock := stepClock(t0, time.Second)
	srv := newTestServer(t, WithClock(clock))
	s := resourceSession(t, srv)
	id := s["id"].(string)
	repo := dig(s, "resources", 0).(map[string]any)
	file := dig(s, "resources", 1).(map[string]any)
	repoPath := resourcesPath(id) + "/" + repo["id"].(string)
	filePath := resourcesPath(id) + "/" + file["id"].(string)

	t.Run("get", func(t *testing.T) {
		for _, want := range []map[string]any{repo, file} {
			got := do(t, srv, "GET", resourcesPath(id)+"/"+want["id"].(string), nil).ok(t)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("get vs session.resources (-want +got):\n%s", diff)
			}
		}
	})

	t.Run("update a repository token", func(t *testing.T) {
		got := do(t, srv, "POST", repoPath, map[string]any{"authorization_token": "ghp_NEW"}).ok(t)
		if got["updated_at"] == repo["updated_at"] || got["created_at"] != repo["created_at"] || got["url"] != repo["url"] {
			t.Errorf("updated = %v, was %v", got, repo)
		}
		if strings.Contains(compactJSON(t, got), "ghp_NEW") || strings.Contains(compactJSON(t, got), "authorization_token") {
			t.Errorf("the token is echoed: %v", got)
		}
		again := do(t, srv, "GET", repoPath, nil).ok(t)
		if again["updated_at"] != got["updated_at"] {
			t.Errorf("get after update = %v", again)
		}
	})

	archived := resourceSession(t, srv)
	archivedID := archived["id"].(string)
	archivedRepo := resourcesPath(archivedID) + "/" + dig(archived, "resources", 0, "id").(string)
	do(t, srv, "POST", "/v1/sessions/"+archivedID+"/archive", nil).ok(t)
	do(t, srv, "GET", archivedRepo, nil).ok(t) // archived sessions keep their resources readable

	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		inMsg              string
	}{
		{"get unknown session", "GET", resourcesPath("sesn_01missing") + "/x", nil, 404, "sesn_01missing"},
		{"get unknown resource", "GET", resourcesPath(id) + "/sesrsc_01missing", nil, 404, "sesrsc_01missing"},
		{"get a memory store by its store ID", "GET", resourcesPath(id) + "/memstore_01notes", nil, 404, "memstore_01notes"},
		{"update unknown resource", "POST", resourcesPath(id) + "/sesrsc_01missing", map[string]any{"authorization_token": "t"}, 404, "sesrsc_01missing"},
		{"update a file", "POST", filePath, map[string]any{"authorization_token": "t"}, 400, "github_repository"},
		{"update without a token", "POST", repoPath, map[string]any{}, 400, "authorization_token"},
		{"update with an empty token", "POST", repoPath, map[string]any{"authorization_token": ""}, 400, "authorization_token"},
		{"update with a null token", "POST", repoPath, `{"authorization_token":null}`, 400, "authorization_token"},
		{"update with another field", "POST", repoPath, map[string]any{"authorization_token": "t", "url": "u"}, 400, "url"},
		{"update without a body", "POST", repoPath, nil, 400, "empty"},
		{"update in an archived session", "POST", archivedRepo, map[string]any{"authorization_token": "t"}, 409, "archived"},
		{"delete in an archived session", "DELETE", archivedRepo, nil, 409, "archived"},
		{"delete unknown resource", "DELETE", resourcesPath(id) + "/sesrsc_01missing", nil, 404, "sesrsc_01missing"},
		{"delete unknown session", "DELETE", resourcesPath("sesn_01missing") + "/x", nil, 404, "sesn_01missing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := do(t, srv, tt.method, tt.path, tt.body).apiErr(t, tt.status, errorType(tt.status))
			if msg, _ := e["message"].(string); !strings.Contains(msg, tt.inMsg) {
				t.Errorf("message %q does not mention %q", msg, tt.inMsg)
			}
		})
	}

	t.Run("delete", func(t *testing.T) {
		r := do(t, srv, "DELETE", filePath, nil)
		if got := string(r.ok(t)["id"].(string)); got != file["id"] || string(r.body) != `{"id":"`+got+`","type":"session_resource_deleted"}` {
			t.Errorf("delete answered %s", r.body)
		}
		do(t, srv, "DELETE", filePath, nil).apiErr(t, 404, "not_found_error")
		do(t, srv, "GET", filePath, nil).apiErr(t, 404, "not_found_error")
		res := do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)["resources"].([]any)
		if len(res) != 2 || dig(res, 0, "type") != "github_repository" || dig(res, 1, "type") != "memory_store" {
			t.Errorf("session.resources after delete = %v", res)
		}
	})
}

// TestRecordedRequestsHoldNoToken: repository tokens sent at creation and on
// a resource update reach the fake (the update succeeds) but the request
// log shows them redacted, and no response echoes them.
func TestRecordedRequestsHoldNoToken(t *testing.T) {
	srv := newTestServer(t)
	s := createSession(t, srv, map[string]any{"resources": []any{
		map[string]any{"type": "github_repository", "url": "https://github.com/acme/widgets", "authorization_token": "ghp_CREATESECRET"},
	}})
	id := s["id"].(string)
	rid := dig(s, "resources", 0, "id").(string)
	got := do(t, srv, "POST", resourcesPath(id)+"/"+rid, `{"authorization_token": "ghp_ROTATEDSECRET"}`).ok(t)
	if got["id"] != rid {
		t.Errorf("update answered %v", got)
	}
	do(t, srv, "POST", resourcesPath(id)+"/"+rid, `{"authorization_token": 5}`).apiErr(t, 400, "invalid_request_error")

	srv.mu.Lock()
	stored := srv.sessions[id].resources[0].(*githubResource).token
	srv.mu.Unlock()
	if stored != "ghp_ROTATEDSECRET" {
		t.Errorf("stored token %q, want the rotated one", stored)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	for _, r := range reqs {
		if body := string(r.Body); strings.Contains(body, "SECRET") {
			t.Errorf("%s %s recorded with a token in clear: %s", r.Method, r.Path, body)
		}
	}
	if !strings.Contains(string(reqs[0].Body), `"authorization_token":"REDACTED"`) ||
		!strings.Contains(string(reqs[1].Body), `"authorization_token": "REDACTED"`) {
		t.Errorf("bodies not redacted in place: %s / %s", reqs[0].Body, reqs[1].Body)
	}
	for _, path := range []string{"/v1/sessions/" + id, resourcesPath(id), resourcesPath(id) + "/" + rid} {
		if body := string(do(t, srv, "GET", path, nil).body); strings.Contains(body, "SECRET") || strings.Contains(body, "authorization_token") {
			t.Errorf("GET %s echoes the token: %s", path, body)
		}
	}
}
