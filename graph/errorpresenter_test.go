package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// An error that only says the client went away is no error of the server's:
// it is hidden from the client like any other, but not logged as an error.
func TestPresentErrorOfACancelledRequest(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil)) // info and above
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := presentError(ctx, logger, fmt.Errorf("users by ids: %w", context.Canceled), false)
	if e.Message != "internal server error" {
		t.Fatalf("message %q", e.Message)
	}
	if logs.Len() != 0 {
		t.Fatalf("logged: %s", logs.String())
	}
	presentError(context.Background(), logger, errors.New("disk on fire"), false)
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "disk on fire") {
		t.Fatalf("an ordinary failure was not logged as an error: %s", logs.String())
	}
}
