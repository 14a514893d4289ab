package managedagentstest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func threadsPath(id string) string { return "/v1/sessions/" + id + "/threads" }

func threadPath(id, thread string) string { return threadsPath(id) + "/" + thread }

// threadKeys are the members of a SessionThread, sorted.
const threadKeys = "agent,archived_at,created_at,id,parent_thread_id,session_id,stats,status,type,updated_at,usage,workflow_run_id"

// checkThread checks the shape every SessionThread has.
func checkThread(t *testing.T, th map[string]any, sessionID string) {
	t.Helper()
	if got := strings.Join(keys(th), ","); got != threadKeys {
		t.Errorf("thread keys = %s", got)
	}
	if id, _ := th["id"].(string); th["type"] != "session_thread" || !strings.HasPrefix(id, "sthr_01") || th["session_id"] != sessionID {
		t.Errorf("thread type %v, id %v, session_id %v", th["type"], th["id"], th["session_id"])
	}
	if th["workflow_run_id"] != nil {
		t.Errorf("workflow_run_id = %v, want null", th["workflow_run_id"])
	}
	if stats, ok := th["stats"].(map[string]any); ok {
		if got := strings.Join(keys(stats), ","); got != "active_seconds,duration_seconds,startup_seconds" || stats["startup_seconds"] != json.Number("0") {
			t.Errorf("stats = %v", stats)
		}
	}
}

// threadPage lists threads with a raw query and returns the threads and
// next_page.
func threadPage(t *testing.T, srv *Server, id, query string) ([]map[string]any, string) {
	t.Helper()
	page := do(t, srv, "GET", threadsPath(id)+"?"+query, nil).ok(t)
	if got := strings.Join(keys(page), ","); got != "data,next_page" {
		t.Fatalf("page keys = %s (the threads list has no prev_page)", got)
	}
	var out []map[string]any
	for _, d := range page["data"].([]any) {
		th := d.(map[string]any)
		checkThread(t, th, id)
		out = append(out, th)
	}
	next, _ := page["next_page"].(string)
	return out, next
}

func TestPrimaryThread(t *testing.T) {
	clock := stepClock(t0, 10*time.Millisecond)
	srv := newTestServer(t, WithClock(clock))
	s := createSession(t, srv, nil)
	id := s["id"].(string)

	threads, next := threadPage(t, srv, id, "")
	if len(threads) != 1 || next != "" {
		t.Fatalf("a new session lists %d threads, next_page %q", len(threads), next)
	}
	p := threads[0]
	if p["parent_thread_id"] != nil || p["status"] != "idle" || p["archived_at"] != nil {
		t.Errorf("primary thread = %v", p)
	}
	if p["stats"] != nil || p["usage"] != nil {
		t.Errorf("stats %v, usage %v: both null before the first transition", p["stats"], p["usage"])
	}
	if p["created_at"] != s["created_at"] || p["updated_at"] != s["created_at"] {
		t.Errorf("created_at %v, updated_at %v; the session was created at %v", p["created_at"], p["updated_at"], s["created_at"])
	}
	// The primary thread runs a snapshot of the session's agent, without
	// the session-only multiagent member.
	wantAgent := s["agent"].(map[string]any)
	delete(wantAgent, "multiagent")
	if diff := cmp.Diff(wantAgent, p["agent"]); diff != "" {
		t.Errorf("primary agent vs session.agent (-session +thread):\n%s", diff)
	}
	pid := p["id"].(string)
	if got := do(t, srv, "GET", threadPath(id, pid), nil).ok(t); !cmp.Equal(got, p) {
		t.Errorf("get = %v, list = %v", got, p)
	}
	if raw, ok := srv.Thread(id, pid); !ok || compactJSON(t, jsonObj(t, raw)) != compactJSON(t, p) {
		t.Errorf("Thread = %s, %v; GET = %v", raw, ok, p)
	}
	if _, ok := srv.Thread(id, "sthr_01missing"); ok {
		t.Errorf("Thread found an unknown thread")
	}
	if _, ok := srv.Thread("sesn_01missing", pid); ok {
		t.Errorf("Thread found a thread of an unknown session")
	}

	// A turn later: the primary thread has the session's status, stats and
	// usage, and its history is the session's log.
	sendOK(t, srv, id, msgEvent("hello"))
	waitIdle(t, srv, id)
	p = do(t, srv, "GET", threadPath(id, pid), nil).ok(t)
	checkThread(t, p, id)
	s = do(t, srv, "GET", "/v1/sessions/"+id, nil).ok(t)
	if p["status"] != "idle" || p["stats"] == nil || p["usage"] == nil || p["updated_at"] == p["created_at"] {
		t.Errorf("after a turn: %v", p)
	}
	if diff := cmp.Diff(s["usage"], p["usage"]); diff != "" {
		t.Errorf("usage of the only thread vs the session's (-session +thread):\n%s", diff)
	}
	if dig(p, "stats", "active_seconds") != dig(s, "stats", "active_seconds") {
		t.Errorf("active_seconds %v, session %v", dig(p, "stats", "active_seconds"), dig(s, "stats", "active_seconds"))
	}
	evs, next := threadEventsPage(t, srv, id, pid, "")
	if next != "" {
		t.Errorf("next_page %q", next)
	}
	if diff := cmp.Diff(compactJSON(t, logEvents(t, srv, id)), compactJSON(t, evs)); diff != "" {
		t.Errorf("primary history vs session log (-log +history):\n%s", diff)
	}
	if got, _ := srv.ThreadEvents(id, pid); len(got) != len(evs) {
		t.Errorf("ThreadEvents has %d events, the endpoint %d", len(got), len(evs))
	}
	if ids, ok := srv.ThreadIDs(id); !ok || len(ids) != 1 || ids[0] != pid {
		t.Errorf("ThreadIDs = %v, %v", ids, ok)
	}

	// Archiving the session terminates its primary thread.
	do(t, srv, "POST", "/v1/sessions/"+id+"/archive", nil).ok(t)
	p = do(t, srv, "GET", threadPath(id, pid), nil).ok(t)
	if p["status"] != "terminated" || p["archived_at"] != nil {
		t.Errorf("after the session's archive: status %v, archived_at %v", p["status"], p["archived_at"])
	}
}

// jsonObj decodes a JSON object, keeping numbers exact.
func jsonObj(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	return response{status: 200, body: raw}.obj(t)
}

// threadEventsPage reads one page of a thread's history.
func threadEventsPage(t *testing.T, srv *Server, id, thread, query string) ([]map[string]any, string) {
	t.Helper()
	page := do(t, srv, "GET", threadPath(id, thread)+"/events?"+query, nil).ok(t)
	if got := strings.Join(keys(page), ","); got != "data,next_page" {
		t.Fatalf("page keys = %s", got)
	}
	var out []map[string]any
	for _, d := range page["data"].([]any) {
		out = append(out, d.(map[string]any))
	}
	next, _ := page["next_page"].(string)
	return out, next
}

func TestThreadEventsPaging(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	sendOK(t, srv, id, msgEvent("one"))
	waitIdle(t, srv, id)
	sendOK(t, srv, id, msgEvent("two"))
	waitIdle(t, srv, id)
	pid := primaryID(t, srv, id)
	all, _ := threadEventsPage(t, srv, id, pid, "")
	var paged []map[string]any
	query := "limit=3"
	pages := 0
	for ; pages < 20; pages++ {
		evs, next := threadEventsPage(t, srv, id, pid, query)
		if len(evs) > 3 {
			t.Fatalf("page of %d events with limit=3", len(evs))
		}
		paged = append(paged, evs...)
		if next == "" {
			break
		}
		query = "limit=3&page=" + qesc(next)
	}
	if diff := cmp.Diff(eventIDs(all), eventIDs(paged)); diff != "" {
		t.Errorf("paged vs all:\n%s", diff)
	}
	if want := (len(all) + 2) / 3; pages+1 != want {
		t.Errorf("%d pages for %d events, want %d (no cursor after the last page)", pages+1, len(all), want)
	}
	// The events list's own cursors name events of this log too, and its
	// order, types[] and created_at filters do not apply here.
	evs, _ := threadEventsPage(t, srv, id, pid, "order=desc&types[]=agent.message")
	if len(evs) != len(all) || evs[0]["type"] != "user.message" {
		t.Errorf("order and types[] changed the thread history: %v", types(evs))
	}
}

// primaryID returns the ID of the session's primary thread.
func primaryID(t *testing.T, srv *Server, id string) string {
	t.Helper()
	ids, ok := srv.ThreadIDs(id)
	if !ok || len(ids) == 0 {
		t.Fatalf("session %s has no threads", id)
	}
	return ids[0]
}

func TestThreadRequestErrors(t *testing.T) {
	srv := newTestServer(t)
	id := newSessionID(t, srv, nil)
	pid := primaryID(t, srv, id)
	deleted := newSessionID(t, srv, nil)
	deletedThread := primaryID(t, srv, deleted)
	do(t, srv, "DELETE", "/v1/sessions/"+deleted, nil).ok(t)
	other := newSessionID(t, srv, nil)
	otherThread := primaryID(t, srv, other)
	badCursor := qesc(cursor{Order: "asc", Dir: "next", ID: "sthr_01nope", CreatedAt: t0}.encode())
	descCursor := qesc(cursor{Order: "desc", Dir: "next", ID: pid, CreatedAt: t0}.encode())

	for _, tt := range []struct {
		name, method, path string
		status             int
		inMsg              string
	}{
		{"list: unknown session", "GET", threadsPath("sesn_01missing"), 404, "sesn_01missing"},
		{"list: deleted session", "GET", threadsPath(deleted), 404, deleted},
		{"list: limit 0", "GET", threadsPath(id) + "?limit=0", 400, "limit"},
		{"list: limit 1001", "GET", threadsPath(id) + "?limit=1001", 400, "limit"},
		{"list: limit not a number", "GET", threadsPath(id) + "?limit=ten", 400, "limit"},
		{"list: unknown status", "GET", threadsPath(id) + "?statuses[]=sleeping", 400, "sleeping"},
		{"list: unknown status, bare form", "GET", threadsPath(id) + "?statuses=idle&statuses=done", 400, "done"},
		{"list: garbage cursor", "GET", threadsPath(id) + "?page=x", 400, "page"},
		{"list: cursor of no thread", "GET", threadsPath(id) + "?page=" + badCursor, 400, "page"},
		{"list: cursor of another session's thread", "GET", threadsPath(id) + "?page=" + qesc(cursor{Order: "asc", Dir: "next", ID: otherThread, CreatedAt: t0}.encode()), 400, "page"},
		{"list: a desc cursor", "GET", threadsPath(id) + "?page=" + descCursor, 400, "page"},
		{"get: unknown session", "GET", threadPath("sesn_01missing", pid), 404, "sesn_01missing"},
		{"get: unknown thread", "GET", threadPath(id, "sthr_01missing"), 404, "sthr_01missing"},
		{"get: another session's thread", "GET", threadPath(id, otherThread), 404, otherThread},
		{"get: thread of a deleted session", "GET", threadPath(deleted, deletedThread), 404, deleted},
		{"archive: unknown session", "POST", threadPath("sesn_01missing", pid) + "/archive", 404, "sesn_01missing"},
		{"archive: unknown thread", "POST", threadPath(id, "sthr_01missing") + "/archive", 404, "sthr_01missing"},
		{"archive: the primary thread", "POST", threadPath(id, pid) + "/archive", 400, "primary"},
		{"events: unknown session", "GET", threadPath("sesn_01missing", pid) + "/events", 404, "sesn_01missing"},
		{"events: unknown thread", "GET", threadPath(id, "sthr_01missing") + "/events", 404, "sthr_01missing"},
		{"events: limit 0", "GET", threadPath(id, pid) + "/events?limit=0", 400, "limit"},
		{"events: limit 1001", "GET", threadPath(id, pid) + "/events?limit=1001", 400, "limit"},
		{"events: cursor of no event", "GET", threadPath(id, pid) + "/events?page=" + badCursor, 400, "page"},
		{"stream: unknown session", "GET", threadPath("sesn_01missing", pid) + "/stream", 404, "sesn_01missing"},
		{"stream: unknown thread", "GET", threadPath(id, "sthr_01missing") + "/stream", 404, "sthr_01missing"},
		{"stream: bad event_deltas", "GET", threadPath(id, pid) + "/stream?event_deltas[]=agent.tool_use", 400, "event_deltas"},
		{"no such thread route", "DELETE", threadPath(id, pid), 404, "Not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := do(t, srv, tt.method, tt.path, nil).apiErr(t, tt.status, errorType(tt.status))
			if msg, _ := e["message"].(string); !strings.Contains(msg, tt.inMsg) {
				t.Errorf("message %q does not mention %q", msg, tt.inMsg)
			}
		})
	}
	if n := srv.StreamsOpened(); n != 0 {
		t.Errorf("%d streams opened by failed requests", n)
	}
}
