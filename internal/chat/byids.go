package chat

import (
	"context"

	"gorm.io/gorm"
)

// byIDs runs find for the ids that have the form of an id and returns what
// it found keyed by key; ids it did not find are absent. It is the shape of
// every batch lookup the GraphQL loaders use; op names it in errors.
func byIDs[T any](ctx context.Context, s *Service, op string, ids []string, find func(q *gorm.DB, ids []string) ([]*T, error), key func(*T) string) (map[string]*T, error) {
	ids = keepValidIDs(ids)
	found := make(map[string]*T, len(ids))
	if len(ids) == 0 {
		return found, nil
	}
	rows, err := find(s.conn(ctx), ids)
	if err != nil {
		return nil, internal(op, err)
	}
	for _, row := range rows {
		found[key(row)] = row
	}
	return found, nil
}
