-- +goose Up
-- The conversation life cycle: group owners, edited and deleted messages, and
-- user events that are not about one message (read markers, membership,
-- renames), whose details travel in payload (JSON). ends_membership marks the
-- participants_changed event that removed its user from the conversation: the
-- last event of that conversation the user's stream replays.
ALTER TABLE conversations ADD COLUMN owner_id uuid REFERENCES users (id) ON DELETE SET NULL;
-- Groups created before owners existed: the longest-standing member owns them.
UPDATE conversations c SET owner_id = (
    SELECT p.user_id FROM participants p WHERE p.conversation_id = c.id ORDER BY p.joined_at, p.user_id LIMIT 1
) WHERE c.kind = 'group';

ALTER TABLE messages ADD COLUMN edited_at timestamptz;
ALTER TABLE messages ADD COLUMN deleted_at timestamptz;

ALTER TABLE user_events ALTER COLUMN message_id DROP NOT NULL;
ALTER TABLE user_events ADD COLUMN payload text;
ALTER TABLE user_events ADD COLUMN ends_membership boolean NOT NULL DEFAULT false;

-- +goose Down
DELETE FROM user_events WHERE message_id IS NULL;
ALTER TABLE user_events DROP COLUMN ends_membership;
ALTER TABLE user_events DROP COLUMN payload;
ALTER TABLE user_events ALTER COLUMN message_id SET NOT NULL;
ALTER TABLE messages DROP COLUMN deleted_at;
ALTER TABLE messages DROP COLUMN edited_at;
ALTER TABLE conversations DROP COLUMN owner_id;
