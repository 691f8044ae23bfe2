package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The profiler is served only on its own listener, never on the API's.
func TestProfilerOnItsOwnAddress(t *testing.T) {
	p := startServer(t, "MESSENGER_DEBUG_ADDR=127.0.0.1:0")
	m := regexp.MustCompile(`msg="profiler listening" addr=(\S+)`).FindStringSubmatch(p.Logs())
	if m == nil {
		t.Fatalf("no profiler address in the logs:\n%s", p.Logs())
	}
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := get("http://" + m[1] + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("profiler index: %d %.200s", code, body)
	}
	if code, body := get(p.URL + "/debug/pprof/"); code == http.StatusOK && strings.Contains(body, "goroutine") {
		t.Fatal("the API's address serves the profiler")
	}
}
