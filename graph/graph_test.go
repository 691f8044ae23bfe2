package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// statementCounter is a gorm logger that counts the SQL statements run.
type statementCounter struct {
	logger.Interface
	n atomic.Int64
}

func (c *statementCounter) Trace(context.Context, time.Time, func() (string, int64), error) {
	c.n.Add(1)
}

type api struct {
	t       testing.TB
	handler http.Handler
	svc     *chat.Service
	tokens  *auth.Tokens
	counter *statementCounter
	logs    *bytes.Buffer
}

// newAPI returns the GraphQL handler over db, configured further by opts.
func newAPI(t testing.TB, db *database.DB, opts ...func(*graph.ServerConfig)) *api {
	counter := &statementCounter{Interface: logger.Discard}
	tokens := auth.NewTokens([]byte("a test secret that is long enough!!"), time.Hour)
	counted := &database.DB{DB: db.Session(&gorm.Session{Logger: counter}), Dialect: db.Dialect}
	svc := chat.NewService(counted, nil, chat.WithTokens(tokens))
	logs := &bytes.Buffer{}
	cfg := graph.ServerConfig{
		Resolver: &graph.Resolver{Chat: svc},
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	h := graph.NewServer(cfg)
	h.AddTransport(transport.POST{})
	// Sessions are looked up outside the counted statements.
	sessions := auth.NewSessionCache(chat.NewService(db, nil).SessionLive, time.Minute, 1000)
	return &api{t: t, handler: tokens.Middleware(sessions, h), svc: svc, tokens: tokens, counter: counter, logs: logs}
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// do runs one operation as the holder of token ("" for none).
func (a *api) do(token, query string, vars map[string]any) gqlResponse {
	a.t.Helper()
	_, resp := a.status(token, query, vars)
	return resp
}

// status runs one operation as the holder of token ("" for none) and
// returns the HTTP status with the response.
func (a *api) status(token, query string, vars map[string]any) (int, gqlResponse) {
	a.t.Helper()
	var resp gqlResponse
	code := a.post(token, query, vars, &resp)
	return code, resp
}

// post sends one operation as the holder of token ("" for none), decodes
// the response into resp and returns its HTTP status.
func (a *api) post(token, query string, vars map[string]any, resp any) int {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	raw, _ := io.ReadAll(rec.Body)
	if err := json.Unmarshal(raw, resp); err != nil {
		a.t.Fatalf("decode %s: %v", raw, err)
	}
	return rec.Code
}

// ok runs an operation that must succeed and decodes its data into out.
func (a *api) ok(token, query string, vars map[string]any, out any) {
	a.t.Helper()
	resp := a.do(token, query, vars)
	if len(resp.Errors) > 0 {
		a.t.Fatalf("%s: errors %+v", query, resp.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			a.t.Fatal(err)
		}
	}
}

// code runs an operation that must fail and returns its first error's code.
func (a *api) code(token, query string, vars map[string]any) string {
	a.t.Helper()
	resp := a.do(token, query, vars)
	if len(resp.Errors) == 0 {
		a.t.Fatalf("%s: no error, data %s", query, resp.Data)
	}
	code, _ := resp.Errors[0].Extensions["code"].(string)
	return code
}

func (a *api) signUp(name string) (string, *chat.User) {
	a.t.Helper()
	var out struct {
		SignUp struct {
			Token string
			User  struct{ ID string }
		}
	}
	a.ok("", `mutation($u: String!) { signUp(input: {username: $u, password: "password1"}) { token user { id } } }`, map[string]any{"u": name}, &out)
	u, err := a.svc.UserByID(context.Background(), out.SignUp.User.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	return out.SignUp.Token, u
}

const conversationsQuery = `{ conversations(first: 20) { edges { node {
  participants { username } lastMessage { sender { username } } unreadCount } } } }`

func TestConversationsStatementCountDoesNotGrow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		a := newAPI(t, db)
		ctx := context.Background()
		token, me := a.signUp("viewer")
		counts := map[int]int64{}
		made := 0
		for _, n := range []int{2, 20} {
			for ; made < n; made++ {
				_, other := a.signUp(fmt.Sprint("friend", made))
				conv, err := a.svc.StartDirectConversation(ctx, me.ID, other.Username)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := a.svc.CreateMessage(ctx, other.ID, chat.CreateMessageInput{ConversationID: conv.ID, Content: "hi"}); err != nil {
					t.Fatal(err)
				}
			}
			var out struct {
				Conversations struct {
					Edges []struct {
						Node struct {
							Participants []struct{ Username string }
							LastMessage  struct{ Sender struct{ Username string } }
							UnreadCount  int
						}
					}
				}
			}
			before := a.counter.n.Load()
			a.ok(token, conversationsQuery, nil, &out)
			counts[n] = a.counter.n.Load() - before
			if len(out.Conversations.Edges) != n {
				t.Fatalf("got %d conversations, want %d", len(out.Conversations.Edges), n)
			}
			for _, e := range out.Conversations.Edges {
				if len(e.Node.Participants) != 2 || e.Node.LastMessage.Sender.Username == "" || e.Node.UnreadCount != 1 {
					t.Fatalf("incomplete node: %+v", e.Node)
				}
			}
		}
		t.Logf("statements: %d for 2 conversations, %d for 20", counts[2], counts[20])
		if counts[20] != counts[2] {
			t.Fatalf("statement count grows with conversations: %d for 2, %d for 20", counts[2], counts[20])
		}
	})
}

func TestAuthorization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		a := newAPI(t, db)
		ctx := context.Background()
		aliceToken, alice := a.signUp("alice")
		_, bob := a.signUp("bob")
		malloryToken, _ := a.signUp("mallory")
		conv, _ := a.svc.StartDirectConversation(ctx, alice.ID, bob.Username)
		msg, _ := a.svc.CreateMessage(ctx, alice.ID, chat.CreateMessageInput{ConversationID: conv.ID, Content: "secret"})

		t.Run("Unauthenticated", func(t *testing.T) {
			for _, q := range []string{
				`{ me { id } }`,
				`{ user(username: "alice") { id } }`,
				`{ searchUsers(query: "a") { id } }`,
				`{ conversations { edges { cursor } } }`,
				`mutation { startDirectConversation(username: "bob") { id } }`,
			} {
				for _, token := range []string{"", "garbage", aliceToken + "x"} {
					if code := a.code(token, q, nil); code != chat.CodeUnauthenticated {
						t.Errorf("%s with token %q: code %s", q, token, code)
					}
				}
			}
			claims, err := a.tokens.Verify(aliceToken)
			if err != nil {
				t.Fatal(err)
			}
			old, _ := a.tokens.Issue(alice.ID, claims.SessionID, time.Now()) // of a live session

			time.Sleep(1100 * time.Millisecond) // JWT expiry has one-second resolution
			if code := a.code(old, `{ me { id } }`, nil); code != chat.CodeUnauthenticated {
				t.Errorf("expired token: code %s", code)
			}
		})

		t.Run("OutsiderSeesNotFoundAndWritesNothing", func(t *testing.T) {
			vars := map[string]any{"c": conv.ID}
			for _, q := range []string{
				`query($c: ID!) { conversation(id: $c) { id } }`,
				`query($c: ID!) { messages(conversationId: $c) { edges { cursor } } }`,
				`mutation($c: ID!) { createMessage(input: {conversationId: $c, content: "hi"}) { id } }`,
				`mutation($c: ID!) { markConversationAsRead(conversationId: $c) { id } }`,
			} {
				if code := a.code(malloryToken, q, vars); code != chat.CodeNotFound {
					t.Errorf("%s: code %s", q, code)
				}
				missing := map[string]any{"c": "01900000-0000-7000-8000-000000000000"}
				if code := a.code(aliceToken, q, missing); code != chat.CodeNotFound {
					t.Errorf("%s on a missing id: code %s", q, code)
				}
			}
			var n int64
			db.Table("messages").Count(&n)
			if n != 1 {
				t.Fatalf("messages: %d rows", n)
			}
			var marker int64
			db.Table("participants").Where("conversation_id = ? AND user_id = ?", conv.ID, bob.ID).Pluck("last_read_seq", &marker)
			if marker != 0 {
				t.Fatal("a read marker moved")
			}
		})

		t.Run("MessageConversationEdge", func(t *testing.T) {
			var out struct {
				Messages struct {
					Edges []struct {
						Node struct {
							Mine         bool
							Conversation struct{ ID string }
						}
					}
				}
			}
			a.ok(aliceToken, `query($c: ID!) { messages(conversationId: $c) { edges { node { mine conversation { id } } } } }`, map[string]any{"c": conv.ID}, &out)
			if len(out.Messages.Edges) != 1 || !out.Messages.Edges[0].Node.Mine || out.Messages.Edges[0].Node.Conversation.ID != conv.ID {
				t.Fatalf("got %+v", out)
			}
			_ = msg
		})
	})
}

func TestErrorsHideInternals(t *testing.T) {
	db := dbtest.SQLite(t)
	a := newAPI(t, db)
	token, _ := a.signUp("alice")
	t.Run("BadInput", func(t *testing.T) {
		if code := a.code(token, `{ searchUsers(query: "a", first: 1000) { id } }`, nil); code != chat.CodeBadUserInput {
			t.Fatalf("code %s", code)
		}
	})
	t.Run("DatabaseFailure", func(t *testing.T) {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		resp := a.do(token, `{ me { id } }`, nil)
		if len(resp.Errors) != 1 {
			t.Fatalf("errors: %+v", resp.Errors)
		}
		e := resp.Errors[0]
		if e.Extensions["code"] != chat.CodeInternal || e.Message != "internal server error" {
			t.Fatalf("got %+v", e)
		}
		if !strings.Contains(a.logs.String(), "database is closed") {
			t.Fatalf("the detail was not logged: %s", a.logs.String())
		}
	})
}

func TestComplexityLimit(t *testing.T) {
	a := newAPI(t, dbtest.SQLite(t))
	token, _ := a.signUp("alice")
	t.Run("OrdinaryScreenPasses", func(t *testing.T) {
		a.ok(token, `{ conversations(first: 20) { edges { node { participants { username } lastMessage { content }
  messages(last: 50) { edges { node { content sender { username } } } } } } } }`, nil, nil)
	})
	t.Run("NestedPagesAreRefused", func(t *testing.T) {
		q := `{ conversations(first: 100) { edges { node { messages(last: 100) { edges { node {
  conversation { messages(last: 100) { edges { node { content } } } } } } } } } } }`
		if code := a.code(token, q, nil); code != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Fatalf("code %s", code)
		}
	})
}

// A message knows its sender from the statement that wrote it (and the
// events read back from the stream from the statement that read them), so
// asking for the sender of a new or delivered message costs no query.
func TestMessageSenderCostsNoStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		a := newAPI(t, db)
		ctx := context.Background()
		token, me := a.signUp("writer")
		_, other := a.signUp("reader")
		conv, err := a.svc.StartDirectConversation(ctx, me.ID, other.Username)
		if err != nil {
			t.Fatal(err)
		}
		send := func(selection string) int64 {
			t.Helper()
			before := a.counter.n.Load()
			a.ok(token, `mutation($c: ID!) { createMessage(input: {conversationId: $c, content: "hi"}) `+selection+` }`,
				map[string]any{"c": conv.ID}, nil)
			return a.counter.n.Load() - before
		}
		bare, withSender := send(`{ id }`), send(`{ id sender { id username displayName } }`)
		t.Logf("createMessage: %d statements", bare)
		if withSender != bare {
			t.Fatalf("createMessage ran %d statements with the sender selected, %d without", withSender, bare)
		}
		events, err := a.svc.EventsAfter(ctx, other.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		events = slices.DeleteFunc(events, func(ev chat.Event) bool { return ev.Message == nil }) // the conversation's creation
		if len(events) != 2 {
			t.Fatalf("got %d message events, want 2", len(events))
		}
		for _, ev := range events {
			if s := ev.Message.Sender; s == nil || s.ID != me.ID || s.Username != "writer" || s.DisplayName != me.DisplayName {
				t.Fatalf("event %d: sender %+v, want %+v", ev.Seq, s, me)
			}
		}
	})
}
