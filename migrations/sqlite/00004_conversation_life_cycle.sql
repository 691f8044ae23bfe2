-- +goose Up
-- The conversation life cycle: group owners, edited and deleted messages, and
-- user events that are not about one message (read markers, membership,
-- renames), whose details travel in payload (JSON). ends_membership marks the
-- participants_changed event that removed its user from the conversation: the
-- last event of that conversation the user's stream replays.
ALTER TABLE conversations ADD COLUMN owner_id text REFERENCES users (id) ON DELETE SET NULL;
-- Groups created before owners existed: the longest-standing member owns them.
UPDATE conversations SET owner_id = (
    SELECT p.user_id FROM participants p WHERE p.conversation_id = conversations.id ORDER BY p.joined_at, p.user_id LIMIT 1
) WHERE kind = 'group';

ALTER TABLE messages ADD COLUMN edited_at datetime;
ALTER TABLE messages ADD COLUMN deleted_at datetime;

-- SQLite cannot drop a NOT NULL: rebuild user_events with message_id nullable.
CREATE TABLE user_events_new (
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq             integer NOT NULL,
    kind            text NOT NULL,
    conversation_id text NOT NULL,
    message_id      text,
    created_at      datetime NOT NULL,
    payload         text,
    ends_membership boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, seq)
);
INSERT INTO user_events_new (user_id, seq, kind, conversation_id, message_id, created_at)
    SELECT user_id, seq, kind, conversation_id, message_id, created_at FROM user_events;
DROP TABLE user_events;
ALTER TABLE user_events_new RENAME TO user_events;

-- +goose Down
CREATE TABLE user_events_old (
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq             integer NOT NULL,
    kind            text NOT NULL,
    conversation_id text NOT NULL,
    message_id      text NOT NULL,
    created_at      datetime NOT NULL,
    PRIMARY KEY (user_id, seq)
);
INSERT INTO user_events_old (user_id, seq, kind, conversation_id, message_id, created_at)
    SELECT user_id, seq, kind, conversation_id, message_id, created_at FROM user_events WHERE message_id IS NOT NULL;
DROP TABLE user_events;
ALTER TABLE user_events_old RENAME TO user_events;
ALTER TABLE messages DROP COLUMN deleted_at;
ALTER TABLE messages DROP COLUMN edited_at;
ALTER TABLE conversations DROP COLUMN owner_id;
