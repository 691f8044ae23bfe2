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
	ExpiresAt  time.Time
}

func (streamTicket) TableName() string { return "stream_tickets" }

// CreateStreamTicket returns a new ticket that authenticates userID's GET
// event stream until it expires after ttl; only its hash is stored. Expired
// tickets are removed on the way.
func (s *Service) CreateStreamTicket(ctx context.Context, userID string, ttl time.Duration) (string, time.Time, error) {
	ticket, hash := auth.NewTicket()
	now := database.Now()
	row := streamTicket{TicketHash: hash, UserID: userID, ExpiresAt: now.Add(ttl)}
	if err := s.conn(ctx).Where("expires_at <= ?", now).Delete(&streamTicket{}).Error; err != nil {
		return "", time.Time{}, internal("create stream ticket", err)
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return "", time.Time{}, internal("create stream ticket", err)
	}
	return ticket, row.ExpiresAt, nil
}

// StreamTicketUser returns the user a live ticket belongs to, or "" when the
// ticket is unknown or expired.
func (s *Service) StreamTicketUser(ctx context.Context, ticket string) (string, error) {
	var users []string
	err := s.conn(ctx).Model(&streamTicket{}).
		Where("ticket_hash = ? AND expires_at > ?", auth.HashTicket(ticket), database.Now()).
		Pluck("user_id", &users).Error
	if err != nil {
		return "", internal("stream ticket", err)
	}
	if len(users) == 0 {
		return "", nil
	}
	return users[0], nil
}
