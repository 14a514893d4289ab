package managedagentstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestRequestLogRing checks that the fake keeps only the most recent
// requests, in arrival order, so that its memory stays bounded however
// many requests it serves.
func TestRequestLogRing(t *testing.T) {
	for _, tc := range []struct {
		size, sent int
	}{{3, 2}, {3, 3}, {3, 7}, {1, 4}, {0, 5}} {
		t.Run(fmt.Sprintf("size %d, %d sent", tc.size, tc.sent), func(t *testing.T) {
			f := New(WithRequestLog(tc.size))
			defer f.Close()
			var paths []string
			for i := range tc.sent {
				path := fmt.Sprintf("/v1/sessions/sesn_%d", i)
				paths = append(paths, path)
				f.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
			}
			want := paths[max(len(paths)-tc.size, 0):]
			if tc.size == 0 {
				want = nil
			}
			var got []string
			for _, r := range f.Requests() {
				got = append(got, r.Path)
			}
			if !slices.Equal(got, want) {
				t.Errorf("recorded %v, want %v", got, want)
			}
			if n := f.Count(http.MethodGet, paths[len(paths)-1]); n != min(tc.size, 1) {
				t.Errorf("Count of the last request = %d", n)
			}
			if n := f.Count(http.MethodGet, paths[0]); tc.sent > tc.size && n != 0 {
				t.Errorf("Count of a dropped request = %d, want 0", n)
			}
		})
	}
}
