-- +goose Up
-- Sessions: every access token names one, so that it can be ended (log out,
-- password change) before the token expires. Stream tickets belong to the
-- session that asked for them and end with it; tickets issued before this
-- migration belonged to no session and are dropped.
CREATE TABLE sessions (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

DROP TABLE stream_tickets;
CREATE TABLE stream_tickets (
    ticket_hash text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX stream_tickets_expires_at ON stream_tickets (expires_at);

-- +goose Down
DROP TABLE stream_tickets;
CREATE TABLE stream_tickets (
    ticket_hash text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX stream_tickets_expires_at ON stream_tickets (expires_at);
DROP TABLE sessions;
