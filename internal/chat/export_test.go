package chat

// CreateMessageStatement returns the one PostgreSQL statement of
// CreateMessage and its named arguments for msg, so that a benchmark can
// send the same write with pgx directly.
func CreateMessageStatement(msg *Message) (string, map[string]any, error) {
	args, err := createMessageArgs(msg)
	return createMessageSQL, args, err
}
