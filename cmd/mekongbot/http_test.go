package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPprofOnlyWhenAsked: the profiles are served under /debug/pprof/ when
// PPROF is set, and are not there otherwise.
func TestPprofOnlyWhenAsked(t *testing.T) {
	for _, on := range []bool{false, true} {
		mux := http.NewServeMux()
		if on {
			servePprof(mux)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/cmdline", nil))
		if got, want := rec.Code == http.StatusOK, on; got != want {
			t.Errorf("PPROF %v: /debug/pprof/cmdline answered %d", on, rec.Code)
		}
	}
}
