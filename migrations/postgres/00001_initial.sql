-- +goose Up
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE, -- stored lowercase
    display_name  text NOT NULL,
    password_hash text NOT NULL,
    event_seq     bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL
);
CREATE INDEX users_username_prefix ON users (username text_pattern_ops);

CREATE TABLE conversations (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('direct', 'group')),
    title            text,
    direct_key       text UNIQUE,
    last_seq         bigint NOT NULL DEFAULT 0,
    last_message_id  uuid,
    last_message_at  timestamptz,
    last_activity_at timestamptz NOT NULL,
    created_at       timestamptz NOT NULL
);

CREATE TABLE participants (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_seq   bigint NOT NULL DEFAULT 0,
    joined_at       timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX participants_user_id ON participants (user_id);

CREATE TABLE messages (
    id                uuid PRIMARY KEY,
    conversation_id   uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq               bigint NOT NULL,
    sender_id         uuid NOT NULL REFERENCES users (id),
    content           text NOT NULL,
    client_message_id text,
    created_at        timestamptz NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (sender_id, client_message_id)
);

CREATE TABLE user_events (
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq             bigint NOT NULL,
    kind            text NOT NULL,
    conversation_id uuid NOT NULL,
    message_id      uuid NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, seq)
);

CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE user_events;
DROP TABLE messages;
DROP TABLE participants;
DROP TABLE conversations;
DROP TABLE users;
