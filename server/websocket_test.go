package main

// End-to-end tests of the WebSocket transport (graphql-transport-ws):
// authenticated by connection_init only, the same cursors and resume as
// every transport, closed when its session ends.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsClient is one graphql-transport-ws connection.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// dialWS opens a connection and sends connection_init with payload.
func (p *serverProcess) dialWS(t *testing.T, path string, payload map[string]any) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(p.URL, "http")+path,
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	c := &wsClient{t: t, conn: conn}
	c.send(map[string]any{"type": "connection_init", "payload": payload})
	return c
}

func (c *wsClient) send(msg map[string]any) {
	c.t.Helper()
	b, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the next message that is not a ping or pong (answering
// pings), or the error that ended the connection.
func (c *wsClient) read() (map[string]any, error) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		_, b, err := c.conn.Read(ctx)
		cancel()
		if err != nil {
			return nil, err
		}
		var msg map[string]any
		if err := json.Unmarshal(b, &msg); err != nil {
			return nil, err
		}
		switch msg["type"] {
		case "ping":
			c.send(map[string]any{"type": "pong"})
		case "pong", "ka":
		default:
			return msg, nil
		}
	}
}

// expect reads the next message and fails unless it has type typ.
func (c *wsClient) expect(typ string) map[string]any {
	c.t.Helper()
	msg, err := c.read()
	if err != nil {
		c.t.Fatalf("want %s: %v", typ, err)
	}
	if msg["type"] != typ {
		c.t.Fatalf("got %v, want %s", msg, typ)
	}
	return msg
}

// nextMessage reads a "next" message of messageCreated and returns its
// message id and cursor.
func (c *wsClient) nextMessage() (id, cursor string) {
	c.t.Helper()
	msg := c.expect("next")
	payload, _ := msg["payload"].(map[string]any)
	data, _ := payload["data"].(map[string]any)
	m, _ := data["messageCreated"].(map[string]any)
	ext, _ := payload["extensions"].(map[string]any)
	id, _ = m["id"].(string)
	cursor, _ = ext["cursor"].(string)
	if id == "" || cursor == "" {
		c.t.Fatalf("not a message with a cursor: %v", msg)
	}
	return id, cursor
}

// closed fails unless the server closes the connection.
func (c *wsClient) closed(what string) {
	c.t.Helper()
	for {
		msg, err := c.read()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				c.t.Fatalf("%s: the connection is still open", what)
			}
			return
		}
		if msg["type"] == "connection_ack" {
			c.t.Fatalf("%s: the connection was accepted", what)
		}
	}
}

func TestWebSocket(t *testing.T) {
	p := startServer(t, "MESSENGER_KEEPALIVE=200ms")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	conv := p.direct(t, alice, "bob")
	query := `subscription($a: String) { messageCreated(after: $a) { id } }`

	c := p.dialWS(t, "/graphql", map[string]any{"Authorization": "Bearer " + bob})
	c.expect("connection_ack")
	c.send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": query}})
	p.waitSubscriptions(t, 1)
	var sent []string
	for _, text := range []string{"one", "two"} {
		m, err := p.send(alice, conv, text)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m.ID)
	}
	id, first := c.nextMessage()
	if id != sent[0] {
		t.Fatalf("first message %s, want %s", id, sent[0])
	}
	if id, _ := c.nextMessage(); id != sent[1] {
		t.Fatalf("second message %s, want %s", id, sent[1])
	}
	// Pings arrive and are answered while nothing happens (the client's
	// read loop answers them); the connection stays.
	time.Sleep(600 * time.Millisecond)
	c.conn.CloseNow()

	// Resumed after the first: exactly the second, then live.
	r := p.dialWS(t, "/graphql", map[string]any{"Authorization": "Bearer " + bob})
	r.expect("connection_ack")
	r.send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": query, "variables": map[string]any{"a": first}}})
	if id, _ := r.nextMessage(); id != sent[1] {
		t.Fatalf("resumed with %s, want %s", id, sent[1])
	}
	three, err := p.send(alice, conv, "three")
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := r.nextMessage(); id != three.ID {
		t.Fatalf("live after the resume: %s, want %s", id, three.ID)
	}

	t.Run("Refused", func(t *testing.T) {
		p.dialWS(t, "/graphql", nil).closed("no token")
		p.dialWS(t, "/graphql", map[string]any{"Authorization": "Bearer nonsense"}).closed("a forged token")
		p.dialWS(t, "/graphql?token="+bob+"&access_token="+bob, nil).closed("a token in the URL")
	})
	t.Run("OtherOrigin", func(t *testing.T) {
		// Browsers send their page's origin; one not on the allow-list is
		// refused before the upgrade.
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		_, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(p.URL, "http")+"/graphql", &websocket.DialOptions{
			Subprotocols: []string{"graphql-transport-ws"},
			HTTPHeader:   http.Header{"Origin": {"https://evil.example"}},
		})
		if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("upgrade from another origin: %v, %+v", err, res)
		}
	})
	t.Run("SessionEnds", func(t *testing.T) {
		carol, _ := p.signUp(t, "carol")
		c := p.dialWS(t, "/graphql", map[string]any{"Authorization": "Bearer " + carol})
		c.expect("connection_ack")
		p.graphql(t, carol, `mutation { logOut }`, nil, nil)
		c.closed("after logOut")
	})
}
