package main

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
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

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

// startServer runs the race-built server with env added to the
// environment and waits until it listens; it is stopped when the test ends.
func startServer(t testing.TB, env ...string) *serverProcess {
	t.Helper()
	bin, err := buildServer()
	if err != nil {
		t.Fatal(err)
	}
	return startServerBinary(t, bin, env...)
}

// startServerBinary runs bin on a free local port with env added to the
// environment, waits until it listens, and stops it when the test ends.
func startServerBinary(t testing.TB, bin string, env ...string) *serverProcess {
	t.Helper()
	p := &serverProcess{done: make(chan error, 1)}
	p.cmd = exec.Command(bin)
	p.cmd.Env = append(os.Environ(), "MESSENGER_ADDR=127.0.0.1:0")
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

// Logs returns what the server has logged so far.
func (p *serverProcess) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
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

// graphql posts one operation and decodes the response's data into out,
// failing the test on any GraphQL error.
func (p *serverProcess) graphql(t *testing.T, token, query string, vars map[string]any, out any) {
	t.Helper()
	resp := p.post(t, token, query, vars)
	if len(resp.Errors) > 0 {
		t.Fatalf("%s: %s", query, resp.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			t.Fatal(err)
		}
	}
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors json.RawMessage `json:"errors"`
}

func (p *serverProcess) post(t *testing.T, token, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, p.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return r
}

func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, "DATABASE_URL=sqlite:"+filepath.Join(dir, "e2e.db"))

	for _, path := range []string{"/healthz", "/readyz", "/"} {
		res, err := http.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
	}

	signUp := `mutation SignUp($u: String!) { signUp(input: {username: $u, password: "password123", displayName: "Someone"}) { token expiresAt user { id username } } }`
	var alice, bob struct {
		SignUp struct {
			Token string
			User  struct{ ID, Username string }
		}
	}
	p.graphql(t, "", signUp, map[string]any{"u": "alice"}, &alice)
	p.graphql(t, "", signUp, map[string]any{"u": "bob"}, &bob)
	aliceToken, bobToken := alice.SignUp.Token, bob.SignUp.Token

	var logIn struct{ LogIn struct{ Token string } }
	p.graphql(t, "", `mutation { logIn(input: {username: "BOB", password: "password123"}) { token } }`, nil, &logIn)
	if logIn.LogIn.Token == "" {
		t.Fatal("no token from logIn")
	}

	var start struct{ StartDirectConversation struct{ ID string } }
	p.graphql(t, aliceToken, `mutation { startDirectConversation(username: "bob") { id } }`, nil, &start)
	convID := start.StartDirectConversation.ID

	send := `mutation Send($c: ID!, $text: String!, $client: String) { createMessage(input: {conversationId: $c, content: $text, clientMessageId: $client}) { id seq mine } }`
	for i := 1; i <= 5; i++ {
		var out struct{ CreateMessage struct{ Seq int } }
		p.graphql(t, aliceToken, send, map[string]any{"c": convID, "text": fmt.Sprint("hello ", i), "client": fmt.Sprint("c", i)}, &out)
		if out.CreateMessage.Seq != i {
			t.Fatalf("message %d got seq %d", i, out.CreateMessage.Seq)
		}
	}
	var retry struct{ CreateMessage struct{ Seq int } }
	p.graphql(t, aliceToken, send, map[string]any{"c": convID, "text": "hello 3", "client": "c3"}, &retry)
	if retry.CreateMessage.Seq != 3 {
		t.Fatalf("retry got seq %d, want the original 3", retry.CreateMessage.Seq)
	}

	var page struct {
		Conversation struct {
			UnreadCount int
			LastMessage struct{ Content string }
			Messages    struct {
				Edges    []struct{ Node struct{ Seq int } }
				PageInfo struct {
					HasPreviousPage bool
					StartCursor     string
				}
			}
		}
	}
	p.graphql(t, bobToken, `query($c: ID!) { conversation(id: $c) { unreadCount lastMessage { content }
  messages(last: 2) { edges { node { seq } } pageInfo { hasPreviousPage startCursor } } } }`, map[string]any{"c": convID}, &page)
	c := page.Conversation
	if c.UnreadCount != 5 || c.LastMessage.Content != "hello 5" || len(c.Messages.Edges) != 2 || c.Messages.Edges[0].Node.Seq != 4 || !c.Messages.PageInfo.HasPreviousPage {
		t.Fatalf("bob's view: %+v", c)
	}
	var older struct {
		Messages struct {
			Edges []struct{ Node struct{ Seq int } }
		}
	}
	p.graphql(t, bobToken, `query($c: ID!, $b: String) { messages(conversationId: $c, last: 10, before: $b) { edges { node { seq } } } }`,
		map[string]any{"c": convID, "b": c.Messages.PageInfo.StartCursor}, &older)
	if len(older.Messages.Edges) != 3 || older.Messages.Edges[2].Node.Seq != 3 {
		t.Fatalf("older page: %+v", older)
	}

	var read struct {
		MarkConversationAsRead struct{ UnreadCount, LastReadSeq int }
	}
	p.graphql(t, bobToken, `mutation($c: ID!) { markConversationAsRead(conversationId: $c, seq: 4) { unreadCount lastReadSeq } }`, map[string]any{"c": convID}, &read)
	if read.MarkConversationAsRead.LastReadSeq != 4 || read.MarkConversationAsRead.UnreadCount != 1 {
		t.Fatalf("after read: %+v", read)
	}

	resp := p.post(t, "", `{ me { id } }`, nil)
	if !strings.Contains(string(resp.Errors), `"UNAUTHENTICATED"`) {
		t.Fatalf("anonymous me: %s", resp.Errors)
	}

	logs := p.Logs()
	if strings.Contains(logs, aliceToken) || strings.Contains(logs, bobToken) || strings.Contains(logs, "password123") {
		t.Fatal("a token or password reached the log")
	}
	if !strings.Contains(logs, "operation=Send") {
		t.Fatalf("access log lacks operation names:\n%s", logs)
	}
}

func TestTokensSurviveRestart(t *testing.T) {
	dbURL := "DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "restart.db")
	first := startServer(t, dbURL)
	var out struct{ SignUp struct{ Token string } }
	first.graphql(t, "", `mutation { signUp(input: {username: "carol", password: "password123"}) { token } }`, nil, &out)
	first.stop(t)

	second := startServer(t, dbURL)
	var me struct{ Me struct{ Username string } }
	second.graphql(t, out.SignUp.Token, `{ me { username } }`, nil, &me)
	if me.Me.Username != "carol" {
		t.Fatalf("me after restart: %+v", me)
	}
}

// signUp creates a user and returns its token and id.
func (p *serverProcess) signUp(t testing.TB, username string) (token, id string) {
	t.Helper()
	var out struct {
		SignUp struct {
			Token string
			User  struct{ ID string }
		}
	}
	p.graphqlTB(t, "", `mutation($u: String!) { signUp(input: {username: $u, password: "password123"}) { token user { id } } }`,
		map[string]any{"u": username}, &out)
	return out.SignUp.Token, out.SignUp.User.ID
}

// direct starts (or finds) the direct conversation with username.
func (p *serverProcess) direct(t testing.TB, token, username string) string {
	t.Helper()
	var out struct{ StartDirectConversation struct{ ID string } }
	p.graphqlTB(t, token, `mutation($u: String!) { startDirectConversation(username: $u) { id } }`, map[string]any{"u": username}, &out)
	return out.StartDirectConversation.ID
}

// group creates a group of the token's holder and usernames.
func (p *serverProcess) group(t testing.TB, token, title string, usernames ...string) string {
	t.Helper()
	var out struct{ CreateGroupConversation struct{ ID string } }
	p.graphqlTB(t, token, `mutation($t: String!, $u: [String!]!) { createGroupConversation(input: {title: $t, usernames: $u}) { id } }`,
		map[string]any{"t": title, "u": usernames}, &out)
	return out.CreateGroupConversation.ID
}

// send creates a message and returns its seq and id.
func (p *serverProcess) send(t testing.TB, token, conversationID, content string) (int, string) {
	t.Helper()
	var out struct {
		CreateMessage struct {
			ID  string
			Seq int
		}
	}
	p.graphqlTB(t, token, `mutation($c: ID!, $t: String!) { createMessage(input: {conversationId: $c, content: $t}) { id seq } }`,
		map[string]any{"c": conversationID, "t": content}, &out)
	return out.CreateMessage.Seq, out.CreateMessage.ID
}

// ticket returns a new stream ticket for the token's holder.
func (p *serverProcess) ticket(t testing.TB, token string) string {
	t.Helper()
	var out struct{ CreateStreamTicket struct{ Ticket string } }
	p.graphqlTB(t, token, `mutation { createStreamTicket { ticket } }`, nil, &out)
	return out.CreateStreamTicket.Ticket
}

// graphqlTB is graphql for any testing.TB (benchmarks included); it is safe
// to call from several goroutines, reporting failures with Errorf.
func (p *serverProcess) graphqlTB(t testing.TB, token, query string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s: %v", query, err)
		return
	}
	defer res.Body.Close()
	var r response
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Errorf("%s: decode: %v", query, err)
		return
	}
	if len(r.Errors) > 0 {
		t.Errorf("%s: %s", query, r.Errors)
		return
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Errorf("%s: %v", query, err)
		}
	}
}
