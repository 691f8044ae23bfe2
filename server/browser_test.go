package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browserTest runs the Node script (puppeteer-core driving headless
// Chromium) at dir/script against the server at serverURL, handed to it as
// urlEnv=serverURL and CHROMIUM=<path>, and fails the test if the script
// fails. It needs node, a Chromium (MESSENGER_TEST_CHROMIUM, default
// /usr/bin/chromium) and the named packages in dir/node_modules (`npm ci`);
// without them the test is skipped, except when CI is set (.ci/run installs
// them), where it fails.
func browserTest(t *testing.T, dir, script, urlEnv, serverURL string, timeout time.Duration, packages ...string) {
	t.Helper()
	chromium := os.Getenv("MESSENGER_TEST_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	if !fileExists(chromium) {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	for _, pkg := range packages {
		if !fileExists(filepath.Join(dir, "node_modules", pkg)) {
			missing = append(missing, pkg+" (npm ci in "+dir+")")
		}
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("no %s for the browser test", strings.Join(missing, ", "))
		}
		t.Skipf("no %s for the browser test", strings.Join(missing, ", "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), urlEnv+"="+serverURL, "CHROMIUM="+chromium)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s failed in the browser: %v", script, err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
