package transport

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"

	"github.com/messenger/messenger/internal/ratelimit"
)

// sessionCheckInterval is how often an open WebSocket connection checks
// that its session is still live (the check costs no database round trip).
const sessionCheckInterval = time.Second

// WebSocket is the graphql-transport-ws transport (what graphql-ws and many
// IDEs and generated clients speak), on gqlgen's own implementation, with
// the messenger's rules: the connection is authenticated by its
// connection_init payload ({"Authorization": "Bearer …"}; a token is never
// read from the URL), it takes one of its user's stream slots, keeps alive
// with ping/pong, and is closed when its session ends or the server shuts
// down, so that its client reconnects and resumes from its cursors (each
// result carries extensions.cursor, as on every transport). Browsers reach
// it only from the origins the CORS allow-list lets through, which runs
// before it.
type WebSocket struct {
	// KeepAlivePingInterval is the interval of ping messages; a client that
	// does not answer within twice that is disconnected.
	KeepAlivePingInterval time.Duration
	// Authenticate returns ctx carrying the user of the connection_init
	// payload's Authorization value, or an error that refuses the
	// connection.
	Authenticate func(ctx context.Context, authorization string) (context.Context, error)
	// Live reports whether the session of ctx (as Authenticate returned it)
	// is still live.
	Live func(ctx context.Context) bool
	// Slots, when set, caps each user's open streams; Key names the user
	// of ctx, and OnRefuse is called on every refusal.
	Slots    *ratelimit.Slots
	Key      func(ctx context.Context) string
	OnRefuse func()
	// Shutdown, once done, closes every connection.
	Shutdown context.Context
}

var _ graphql.Transport = WebSocket{}

// Supports reports whether r asks to upgrade to a WebSocket.
func (t WebSocket) Supports(r *http.Request) bool {
	return gqltransport.Websocket{}.Supports(r)
}

// Do runs the connection until it closes.
func (t WebSocket) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	// InitFunc runs on this goroutine, inside ws.Do; what it starts ends
	// with the connection's context, cancelled when Do returns.
	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()
	connCtx, endConn := context.WithCancel(r.Context())
	defer endConn()
	shutdown := t.Shutdown
	if shutdown == nil {
		shutdown = context.Background()
	}
	ws := gqltransport.Websocket{
		// The CORS allow-list has already refused every other origin.
		Implementation:        gqltransport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{InsecureSkipVerify: true}},
		InitTimeout:           10 * time.Second,
		KeepAlivePingInterval: 0,
		PingPongInterval:      t.KeepAlivePingInterval,
		InitFunc: func(ctx context.Context, payload gqltransport.InitPayload) (context.Context, *gqltransport.InitPayload, error) {
			ctx, err := t.Authenticate(ctx, payload.Authorization())
			if err != nil {
				return ctx, nil, err
			}
			if t.Slots != nil {
				rel, ok := t.Slots.Acquire(t.Key(ctx))
				if !ok {
					if t.OnRefuse != nil {
						t.OnRefuse()
					}
					return ctx, nil, errors.New("too many open event streams; close one first")
				}
				release = rel
			}
			ctx, cancel := context.WithCancel(ctx)
			stop := context.AfterFunc(shutdown, cancel)
			go func() { // owned by the connection: ends with it
				defer stop()
				ticker := time.NewTicker(sessionCheckInterval)
				defer ticker.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-ticker.C:
						if !t.Live(ctx) {
							cancel()
							return
						}
					}
				}
			}()
			return ctx, nil, nil
		},
	}
	ws.Do(w, r.WithContext(connCtx), exec)
}
