-- createMessage on PostgreSQL: the whole write in one statement, so one round
-- trip and its own transaction (see createmessage.go). The conversation row is
-- locked first, then the recipients in ascending id. The recipients are locked
-- FOR NO KEY UPDATE, the strength an event_seq update needs: FOR UPDATE would
-- also conflict with the KEY SHARE locks that inserting participants takes (in
-- any order), and deadlock with createGroupConversation. It returns one row per
-- recipient, with the recipient's profile; none when the sender is not a
-- participant. The @event_* arguments are the columns of the message_created
-- row that every recipient gets, from draft.row, as appendEvents writes them.
WITH conv AS (
  UPDATE conversations SET last_seq = last_seq + 1, last_message_id = @id,
    last_message_at = GREATEST(last_message_at, @at), last_activity_at = GREATEST(last_activity_at, @at)
  WHERE id = @conv AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = @conv AND p.user_id = @sender)
  RETURNING last_seq
), msg AS (
  INSERT INTO messages (id, conversation_id, seq, sender_id, content, client_message_id, created_at)
  SELECT @id, @conv, last_seq, @sender, CAST(@content AS text), CAST(@client AS text), @at FROM conv
  RETURNING seq
), recipients AS (
  SELECT u.id FROM users u JOIN participants p ON p.user_id = u.id
  WHERE p.conversation_id = @conv AND EXISTS (SELECT 1 FROM msg)
  ORDER BY u.id FOR NO KEY UPDATE OF u
), numbered AS (
  UPDATE users SET event_seq = users.event_seq + 1 FROM recipients WHERE users.id = recipients.id
  RETURNING users.id, users.event_seq, users.username, users.display_name, users.created_at
), stored AS (
  INSERT INTO user_events (user_id, seq, kind, conversation_id, message_id, created_at, payload, ends_membership)
  SELECT id, event_seq, CAST(@event_kind AS text), @event_conv, @event_message, @event_at, CAST(@event_payload AS text), @event_ends
  FROM numbered
  RETURNING user_id, seq
), marked AS (
  UPDATE participants SET last_read_seq = msg.seq FROM msg
  WHERE participants.conversation_id = @conv AND participants.user_id = @sender AND participants.last_read_seq < msg.seq
)
SELECT msg.seq AS message_seq, numbered.id, numbered.event_seq, numbered.username, numbered.display_name, numbered.created_at
FROM stored JOIN numbered ON numbered.id = stored.user_id, msg
