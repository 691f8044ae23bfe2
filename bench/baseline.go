package main

// The baselines every figure is judged against: the server's own
// one-statement PostgreSQL write and a bare single-row INSERT run directly
// with pgx, and a bare net/http SSE server holding the same streams.

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// baselineDB runs the database baselines against the run's database.
type baselineDB struct {
	url string
	// createMessage is the server's one-statement write, as the source tree
	// holds it (internal/chat/createmessage.sql).
	createMessage string
}

// createMessageFile is where the server's createMessage statement lives,
// from the module's root.
const createMessageFile = "internal/chat/createmessage.sql"

// openBaseline reads the server's write statement from the source tree at
// root and prepares the bare-insert table in the run's database.
func openBaseline(ctx context.Context, root, url string) (*baselineDB, error) {
	sql, err := os.ReadFile(filepath.Join(root, createMessageFile))
	if err != nil {
		return nil, fmt.Errorf("the server's write statement: %w", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_bare_insert (id uuid PRIMARY KEY, content text NOT NULL, created_at timestamptz NOT NULL)`)
	return &baselineDB{url: url, createMessage: string(sql)}, err
}

func (*baselineDB) Close() {}

// pool opens a pool of exactly c connections (one per worker), opened
// before the run starts; statements are prepared once per connection
// (pgx's default statement cache), like pgbench -M prepared.
func (db *baselineDB) pool(ctx context.Context, c int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(db.url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns, cfg.MinConns = int32(c), int32(c)
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// Open every connection now, not during the timed run.
	conns := make([]*pgxpool.Conn, 0, c)
	for range c {
		cn, err := p.Acquire(ctx)
		if err != nil {
			p.Close()
			return nil, err
		}
		conns = append(conns, cn)
	}
	for _, cn := range conns {
		cn.Release()
	}
	return p, nil
}

// oneStatement runs the server's createMessage statement for sender in
// conversation, with the arguments the server passes (those of a new
// message and of its message_created row), and reads its rows as the server
// does.
func (db *baselineDB) oneStatement(ctx context.Context, p *pgxpool.Pool, conversation, sender, text string) error {
	id, at := uuid.Must(uuid.NewV7()).String(), time.Now().UTC().Truncate(time.Microsecond)
	rows, err := p.Query(ctx, db.createMessage, pgx.NamedArgs{
		"id":            id,
		"conv":          conversation,
		"sender":        sender,
		"content":       text,
		"client":        nil,
		"at":            at,
		"event_kind":    "message_created",
		"event_conv":    conversation,
		"event_message": id,
		"event_at":      at,
		"event_payload": nil,
		"event_ends":    false,
	})
	if err != nil {
		return err
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("one statement: no rows (not a participant?)")
	}
	return nil
}

// bareInsert inserts one row into a table with only a primary key.
func (db *baselineDB) bareInsert(ctx context.Context, p *pgxpool.Pool, text string) error {
	_, err := p.Exec(ctx, `INSERT INTO bench_bare_insert (id, content, created_at) VALUES ($1, $2, $3)`,
		uuid.Must(uuid.NewV7()).String(), text, time.Now().UTC())
	return err
}

// bareSSEFlag is the hidden flag with which the bench re-executes itself as
// the bare SSE server.
const bareSSEFlag = "-bare-sse-server"

// startBareSSE starts the bare SSE server as a separate process (this
// binary re-executed with bareSSEFlag).
func startBareSSE(ctx context.Context) (*process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startProcess(ctx, "bare SSE server", exec.Command(self, bareSSEFlag))
}

// serveBareSSE is the bare SSE server: every request to /graphql becomes an
// event stream that writes ":" at once and a keep-alive comment every 15 s
// (the server's default keep-alive), from the handler's own goroutine, until
// the client leaves; /metrics serves go_goroutines. It logs its address like
// the server does and runs until killed.
func serveBareSSE() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(":\n\n"))
		f := w.(http.Flusher)
		f.Flush()
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-t.C:
				if _, err := w.Write([]byte(": ping\n\n")); err != nil {
					return
				}
				f.Flush()
			}
		}
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "go_goroutines %d\n", runtime.NumGoroutine())
	})
	slog.New(slog.NewTextHandler(os.Stderr, nil)).Info("listening", "addr", l.Addr().String())
	return (&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(l)
}
