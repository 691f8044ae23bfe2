-- +goose Up
-- Short-lived tickets for the browser's EventSource, which cannot send headers.
-- Only a SHA-256 of each ticket is kept.
CREATE TABLE stream_tickets (
    ticket_hash text PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  datetime NOT NULL
);
CREATE INDEX stream_tickets_expires_at ON stream_tickets (expires_at);

-- +goose Down
DROP TABLE stream_tickets;
