package main

// The harness of the end-to-end tests: the real, race-built server binary
// run on a free port, and one helper per job to drive it over HTTP (posting
// operations, sending and reading back messages, reading /metrics and the
// log). Event streams are read in sse_client_test.go.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// guard bounds every wait for something that must come: reaching it is a
// failure, never an assertion of speed.
const guard = 30 * time.Second

// apiClient sends the tests' queries and mutations; it keeps enough idle
// connections for concurrent senders, so that bursts do not churn ports.
var apiClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}}

// metricsClient reads /metrics on a fresh connection each time, so that it
// holds no idle connection (and no server goroutine) between readings.
var metricsClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// serverProcess is the real messenger binary running on a free port.
type serverProcess struct {
	URL  string
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
	done chan error
}

// buildServer compiles the server once per test binary.
var buildServer = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "messenger-e2e")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "messenger")
	out, err := exec.Command("go", "build", "-race", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

var listeningLine = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer runs the race-built server with testLimits and env added to the
// environment and waits until it listens; it is stopped when the test ends.
func startServer(t testing.TB, env ...string) *serverProcess {
	t.Helper()
	bin, err := buildServer()
	if err != nil {
		t.Fatal(err)
	}
	return startServerBinary(t, bin, env...)
}

// testLimits are the limits of every test server but those of the tests of
// the limits themselves (startServerDefaultLimits): the other tests sign up
// many users from one address, send thousands of messages in bursts and
// open many streams per user, which the defaults would refuse. Password
// hashing keeps its default concurrency but waits instead of refusing.
// A test's own env comes after them and wins.
var testLimits = []string{
	"MESSENGER_HASH_WAIT=1m",
	"MESSENGER_AUTH_RATE_PER_ADDRESS=off",
	"MESSENGER_AUTH_RATE_PER_USERNAME=off",
	"MESSENGER_MESSAGE_RATE=off",
	"MESSENGER_MUTATION_RATE=off",
	"MESSENGER_STREAMS_PER_USER=1000",
}

// startServerBinary runs bin on a free local port with testLimits and env
// added to the environment (on a fresh SQLite database unless env sets
// DATABASE_URL), waits until it listens, and stops it when the test ends.
func startServerBinary(t testing.TB, bin string, env ...string) *serverProcess {
	t.Helper()
	return launch(t, bin, append(slices.Clone(testLimits), env...))
}

// startServerDefaultLimits is startServer with the default limits, except
// where env sets them.
func startServerDefaultLimits(t testing.TB, env ...string) *serverProcess {
	t.Helper()
	bin, err := buildServer()
	if err != nil {
		t.Fatal(err)
	}
	return launch(t, bin, env)
}

// launch is startServerBinary without testLimits.
func launch(t testing.TB, bin string, env []string) *serverProcess {
	t.Helper()
	p := &serverProcess{done: make(chan error, 1)}
	p.cmd = exec.Command(bin)
	p.cmd.Env = append(os.Environ(), "MESSENGER_ADDR=127.0.0.1:0")
	if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "DATABASE_URL=") }) {
		p.cmd.Env = append(p.cmd.Env, "DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(apiClient.CloseIdleConnections) // after the stop below
	t.Cleanup(func() { p.stop(t) })
	select {
	case a := <-addr:
		p.URL = "http://" + a
	case err := <-p.done:
		p.done <- err
		t.Fatalf("server exited before listening: %v\n%s", err, p.Logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start:\n%s", p.Logs())
	}
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serverProcess) stop(t testing.TB) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("server exited with %v\n%s", err, p.Logs())
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("server did not stop on SIGTERM\n%s", p.Logs())
	}
}

// Logs returns what the server has logged so far.
func (p *serverProcess) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// logLines returns the lines of the log that contain substr.
func (p *serverProcess) logLines(substr string) string {
	var out []string
	for line := range strings.Lines(p.Logs()) {
		if strings.Contains(line, substr) {
			out = append(out, strings.TrimRight(line, "\n"))
		}
	}
	return strings.Join(out, "\n")
}

// waitLog waits until the server has logged substr at least n times, for
// at most timeout.
func (p *serverProcess) waitLog(t testing.TB, substr string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for strings.Count(p.Logs(), substr) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the server never logged %q %d times:\n%s", substr, n, p.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// response is the JSON response to an operation.
type response struct {
	Data   json.RawMessage `json:"data"`
	Errors json.RawMessage `json:"errors"`
}

// postRequest is a POST of query and vars to /graphql, authorized by token
// unless it is empty.
func postRequest(ctx context.Context, baseURL, token, query string, vars map[string]any) *http.Request {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// do posts one operation; it is safe to call from any goroutine, returns
// transport and decoding failures as errors, and GraphQL errors in the
// response.
func (p *serverProcess) do(token, query string, vars map[string]any) (response, error) {
	res, err := apiClient.Do(postRequest(context.Background(), p.URL, token, query, vars))
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		return response{}, fmt.Errorf("status %d, decode %q: %w", res.StatusCode, raw, err)
	}
	return r, nil
}

// try posts one operation and decodes the response's data into out (unless
// nil). It reports any failure, GraphQL errors included, with t.Errorf and
// returns false, so that it is safe to call from any goroutine.
func (p *serverProcess) try(t testing.TB, token, query string, vars map[string]any, out any) bool {
	t.Helper()
	r, err := p.do(token, query, vars)
	if err != nil {
		t.Errorf("%s: %v", query, err)
		return false
	}
	if len(r.Errors) > 0 {
		t.Errorf("%s: %s", query, r.Errors)
		return false
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Errorf("%s: %v", query, err)
			return false
		}
	}
	return true
}

// graphql is try that ends the test on failure (from its goroutine only).
func (p *serverProcess) graphql(t testing.TB, token, query string, vars map[string]any, out any) {
	t.Helper()
	if !p.try(t, token, query, vars, out) {
		t.FailNow()
	}
}

// signUp creates a user and returns its token and id; it is safe to call
// from any goroutine.
func (p *serverProcess) signUp(t testing.TB, username string) (token, id string) {
	t.Helper()
	var out struct {
		SignUp struct {
			Token string
			User  struct{ ID string }
		}
	}
	p.try(t, "", `mutation($u: String!) { signUp(input: {username: $u, password: "password123"}) { token user { id } } }`,
		map[string]any{"u": username}, &out)
	return out.SignUp.Token, out.SignUp.User.ID
}

// direct starts (or finds) the direct conversation with username.
func (p *serverProcess) direct(t testing.TB, token, username string) string {
	t.Helper()
	var out struct{ StartDirectConversation struct{ ID string } }
	p.try(t, token, `mutation($u: String!) { startDirectConversation(username: $u) { id } }`, map[string]any{"u": username}, &out)
	return out.StartDirectConversation.ID
}

// group creates a group of the token's holder and usernames.
func (p *serverProcess) group(t testing.TB, token, title string, usernames ...string) string {
	t.Helper()
	var out struct{ CreateGroupConversation struct{ ID string } }
	p.try(t, token, `mutation($t: String!, $u: [String!]!) { createGroupConversation(input: {title: $t, usernames: $u}) { id } }`,
		map[string]any{"t": title, "u": usernames}, &out)
	return out.CreateGroupConversation.ID
}

// ticket returns a new stream ticket for the token's holder.
func (p *serverProcess) ticket(t testing.TB, token string) string {
	t.Helper()
	var out struct{ CreateStreamTicket struct{ Ticket string } }
	p.try(t, token, `mutation { createStreamTicket { ticket } }`, nil, &out)
	return out.CreateStreamTicket.Ticket
}

// message is a message as the tests compare them.
type message struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversationId"`
	Seq            int    `json:"seq"`
	Content        string `json:"content"`
}

// send creates a message; it is safe to call from any goroutine.
func (p *serverProcess) send(token, conversationID, content string) (message, error) {
	r, err := p.do(token, `mutation($c: ID!, $t: String!) { createMessage(input: {conversationId: $c, content: $t}) { id conversationId seq content } }`,
		map[string]any{"c": conversationID, "t": content})
	if err != nil {
		return message{}, err
	}
	if len(r.Errors) > 0 {
		return message{}, fmt.Errorf("createMessage: %s", r.Errors)
	}
	var out struct{ CreateMessage message }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		return message{}, err
	}
	return out.CreateMessage, nil
}

// burst sends n messages to a conversation from workers goroutines at
// once, and returns the first error.
func (p *serverProcess) burst(token, conversationID string, n, workers int, content func(i int) string) error {
	errs := inParallel(n, workers, func(i int) error {
		_, err := p.send(token, conversationID, content(i))
		return err
	})
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// inParallel runs job(i) for every i below n on workers goroutines, and
// returns the errors in the order they came.
func inParallel(n, workers int, job func(i int) error) []error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan int)
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := job(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// stored returns every message of a conversation, oldest first, as the
// messages query pages through them (100 at a time).
func (p *serverProcess) stored(t testing.TB, token, conversationID string) []message {
	t.Helper()
	var all []message
	var after any
	for range 1000 {
		var out struct {
			Messages struct {
				Edges []struct {
					Node message
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		p.graphql(t, token, `query($c: ID!, $a: String) { messages(conversationId: $c, first: 100, after: $a) {
  edges { node { id conversationId seq content } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"c": conversationID, "a": after}, &out)
		for _, e := range out.Messages.Edges {
			all = append(all, e.Node)
		}
		if !out.Messages.PageInfo.HasNextPage {
			return all
		}
		after = out.Messages.PageInfo.EndCursor
	}
	t.Fatal("messages: too many pages")
	return nil
}

// sameMessages fails unless got and want hold the same messages (id, seq,
// conversation) in the same order.
func sameMessages(t testing.TB, what string, got []received, want []message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i].message, want[i]
		if g.ID != w.ID || g.Seq != w.Seq || g.ConversationID != w.ConversationID {
			t.Fatalf("%s: message %d is %q, want %q", what, i, []string{g.ID, g.ConversationID, strconv.Itoa(g.Seq)}, []string{w.ID, w.ConversationID, strconv.Itoa(w.Seq)})
		}
	}
}

// metrics reads the server's Prometheus samples, keyed by name, and for a
// labelled sample by name and labels as exposed (refused("…") builds the key
// of a refusal counter).
func (p *serverProcess) metrics(t testing.TB) map[string]float64 {
	t.Helper()
	m, err := p.readMetrics()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// readMetrics is metrics for any goroutine.
func (p *serverProcess) readMetrics() (map[string]float64, error) {
	res, err := metricsClient.Get(p.URL + "/metrics")
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name, value := line[:i], line[i+1:]
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			m[name] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	return m, nil
}

// refused is the metrics key of the refusals counted for limit.
func refused(limit string) string {
	return `messenger_refusals_total{limit="` + limit + `"}`
}

// waitMetrics polls /metrics until ok accepts a reading, failing the test
// with the last reading when that does not happen within guard.
func (p *serverProcess) waitMetrics(t testing.TB, what string, ok func(m map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(guard)
	for {
		m := p.metrics(t)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v; last reading: subscriptions=%v users=%v goroutines=%v",
				what, guard, m["messenger_subscriptions"], m["messenger_subscribed_users"], m["go_goroutines"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitSubscriptions waits until the hub holds exactly n subscriptions:
// streams opened before that point are registered, so that every message
// committed afterwards reaches them (the response headers of a stream come
// before its subscription is registered).
func (p *serverProcess) waitSubscriptions(t testing.TB, n int) {
	t.Helper()
	p.waitMetrics(t, fmt.Sprintf("%d subscriptions", n), func(m map[string]float64) bool {
		return m["messenger_subscriptions"] == float64(n)
	})
}

// waitSubscriptionsAtLeast is waitSubscriptions for n subscriptions or more.
func (p *serverProcess) waitSubscriptionsAtLeast(t testing.TB, n int) {
	t.Helper()
	p.waitMetrics(t, fmt.Sprintf("at least %d subscriptions", n), func(m map[string]float64) bool {
		return m["messenger_subscriptions"] >= float64(n)
	})
}
