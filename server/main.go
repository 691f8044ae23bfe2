// Command server runs the messenger: a GraphQL API over HTTP on PostgreSQL or
// the embedded SQLite default. "server migrate" only applies migrations.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/pubsub"
)

// shutdownGrace is how long in-flight requests get to finish on shutdown.
const shutdownGrace = 10 * time.Second

// maxHeaderBytes bounds a request's header; larger ones get 431.
const maxHeaderBytes = 64 << 10

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "messenger:", err)
		os.Exit(1)
	}
}

// run starts the server (or, with the argument "migrate", only migrates)
// and returns when ctx is cancelled and the server has shut down.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	migrateOnly := len(args) > 0 && args[0] == "migrate"
	if migrateOnly {
		args = args[1:]
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	db, err := database.OpenAndMigrate(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	logger.Info("database ready", "dialect", db.Dialect)
	if migrateOnly {
		return nil
	}

	secret, err := tokenSecret(ctx, db, cfg.Secret)
	if err != nil {
		return err
	}
	tokens := auth.NewTokens(secret, cfg.TokenTTL)
	m := metrics.New()
	hub := pubsub.NewHub(0)
	registerHubMetrics(m, hub)
	busKey, err := pubsub.NewKey(secret)
	if err != nil {
		return fmt.Errorf("bus: %w", err)
	}
	bus, err := pubsub.Open(ctx, pubsub.Config{
		Spec:        cfg.Bus,
		DatabaseURL: cfg.DatabaseURL,
		Key:         busKey,
		NATS:        cfg.NATS,
		Metrics:     m,
		Logger:      logger,
	}, hub)
	if err != nil {
		return fmt.Errorf("bus: %w", err)
	}
	defer bus.Close()
	svc := chat.NewService(db, bus, chat.WithPasswords(cfg.RateLimits.passwords(m)), chat.WithTokens(tokens))
	sessions := auth.NewSessionCache(svc.SessionLive, cfg.SessionCacheTTL, auth.DefaultSessionCacheSize)
	hub.OnSessionEnded(sessions.End)
	// Cancelled when shutdown begins: open event streams end and their
	// clients resume from their cursors (http.Server.Shutdown waits for them).
	streamsCtx, endStreams := context.WithCancel(context.Background())
	defer endStreams()

	if cfg.DebugAddr != "" {
		stopDebug, err := serveDebug(cfg.DebugAddr, logger)
		if err != nil {
			return err
		}
		defer stopDebug()
	}
	listener, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: handler(wiring{
			cfg: cfg, logger: logger, db: db, tokens: tokens, sessions: sessions, svc: svc, hub: hub, metrics: m,
			streams: cfg.RateLimits.streams(), shutdown: streamsCtx,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(endStreams)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(listener) }()
	logger.Info("listening", "addr", listener.Addr().String(), "bus", redactURL(cfg.Bus), "env", cfg.Env)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("shutdown: closing the connections that did not finish", "err", err)
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// redactURL returns s with any credentials in it (a password, or a token in
// the user's place) replaced, for logging.
func redactURL(s string) string { return pubsub.Redacted(s) }
