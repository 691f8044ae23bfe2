package chat

import (
	"context"
	"time"

	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/database"
)

// streamTicket is a row of stream_tickets.
type streamTicket struct {
	TicketHash string `gorm:"primaryKey"`
	UserID     string
	SessionID  string
	ExpiresAt  time.Time
}

func (streamTicket) TableName() string { return "stream_tickets" }

// CreateStreamTicket returns a new ticket that authenticates userID's GET
// event stream in sessionID until it expires after ttl or the session ends;
// only its hash is stored. Expired tickets are removed on the way.
func (s *Service) CreateStreamTicket(ctx context.Context, userID, sessionID string, ttl time.Duration) (string, time.Time, error) {
	ticket, hash := auth.NewTicket()
	now := database.Now()
	row := streamTicket{TicketHash: hash, UserID: userID, SessionID: sessionID, ExpiresAt: now.Add(ttl)}
	if err := s.conn(ctx).Where("expires_at <= ?", now).Delete(&streamTicket{}).Error; err != nil {
		return "", time.Time{}, internal("create stream ticket", err)
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return "", time.Time{}, internal("create stream ticket", err)
	}
	return ticket, row.ExpiresAt, nil
}

// StreamTicketSession returns the user and the session a live ticket
// belongs to, or "" when the ticket is unknown or expired or its session
// has ended.
func (s *Service) StreamTicketSession(ctx context.Context, ticket string) (userID, sessionID string, err error) {
	var rows []struct{ UserID, SessionID string }
	now := database.Now()
	err = s.conn(ctx).Raw(`SELECT t.user_id, t.session_id FROM stream_tickets t JOIN sessions s ON s.id = t.session_id
WHERE t.ticket_hash = ? AND t.expires_at > ? AND s.revoked_at IS NULL AND s.expires_at > ?`, auth.HashTicket(ticket), now, now).Scan(&rows).Error
	if err != nil {
		return "", "", internal("stream ticket", err)
	}
	if len(rows) == 0 {
		return "", "", nil
	}
	return rows[0].UserID, rows[0].SessionID, nil
}
