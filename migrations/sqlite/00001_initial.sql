-- +goose Up
CREATE TABLE users (
    id            text PRIMARY KEY,
    username      text NOT NULL UNIQUE, -- stored lowercase
    display_name  text NOT NULL,
    password_hash text NOT NULL,
    event_seq     integer NOT NULL DEFAULT 0,
    created_at    datetime NOT NULL
);

CREATE TABLE conversations (
    id               text PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('direct', 'group')),
    title            text,
    direct_key       text UNIQUE,
    last_seq         integer NOT NULL DEFAULT 0,
    last_message_id  text,
    last_message_at  datetime,
    last_activity_at datetime NOT NULL,
    created_at       datetime NOT NULL
);

CREATE TABLE participants (
    conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_seq   integer NOT NULL DEFAULT 0,
    joined_at       datetime NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX participants_user_id ON participants (user_id);

CREATE TABLE messages (
    id                text PRIMARY KEY,
    conversation_id   text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq               integer NOT NULL,
    sender_id         text NOT NULL REFERENCES users (id),
    content           text NOT NULL,
    client_message_id text,
    created_at        datetime NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (sender_id, client_message_id)
);

CREATE TABLE user_events (
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq             integer NOT NULL,
    kind            text NOT NULL,
    conversation_id text NOT NULL,
    message_id      text NOT NULL,
    created_at      datetime NOT NULL,
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
