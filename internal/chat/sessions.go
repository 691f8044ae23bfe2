package chat

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/messenger/messenger/internal/database"
)

// session is a row of sessions: one log-in of a user, named by each access
// token issued for it, until it expires or ends.
type session struct {
	ID        string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

func (session) TableName() string { return "sessions" }

// StartSession starts a session of userID that lasts ttl and returns its id
// and expiry. The user's expired sessions are removed on the way.
func (s *Service) StartSession(ctx context.Context, userID string, ttl time.Duration) (string, time.Time, error) {
	now := database.Now()
	row := session{ID: newID(), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl).Truncate(time.Second)}
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ? AND expires_at <= ?", userID, now).Delete(&session{}).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return "", time.Time{}, internal("start session", err)
	}
	return row.ID, row.ExpiresAt, nil
}

// SessionLive reports whether the session exists, has not expired and has
// not ended.
func (s *Service) SessionLive(ctx context.Context, sessionID string) (bool, error) {
	if !validID(sessionID) {
		return false, nil
	}
	var n int64
	err := s.conn(ctx).Model(&session{}).
		Where("id = ? AND revoked_at IS NULL AND expires_at > ?", sessionID, database.Now()).Count(&n).Error
	if err != nil {
		return false, internal("session live", err)
	}
	return n > 0, nil
}

// SessionExpiry returns when the viewer's live session expires; NOT_FOUND
// when it is not live.
func (s *Service) SessionExpiry(ctx context.Context, userID, sessionID string) (time.Time, error) {
	var rows []session
	err := s.conn(ctx).Where("id = ? AND user_id = ? AND revoked_at IS NULL AND expires_at > ?", sessionID, userID, database.Now()).
		Limit(1).Find(&rows).Error
	if err != nil {
		return time.Time{}, internal("session expiry", err)
	}
	if len(rows) == 0 {
		return time.Time{}, errNotFound("session")
	}
	return rows[0].ExpiresAt, nil
}

// EndSession ends the viewer's session (log out): its tokens and tickets
// stop working and its streams are cut, on every instance. Ending an ended
// session does nothing.
func (s *Service) EndSession(ctx context.Context, userID, sessionID string) error {
	res := s.conn(ctx).Model(&session{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", sessionID, userID).
		Update("revoked_at", database.Now())
	if res.Error != nil {
		return internal("end session", res.Error)
	}
	s.publishEnded(ctx, userID, []string{sessionID})
	return nil
}

// ChangePassword sets the viewer's password to newPassword when
// currentPassword is right, and ends every other session of the viewer.
// UNAUTHENTICATED for a wrong current password, BAD_USER_INPUT for an
// invalid new one.
func (s *Service) ChangePassword(ctx context.Context, userID, sessionID, currentPassword, newPassword string) error {
	if err := validPassword(newPassword); err != nil {
		return err
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	ok, err := s.passwords.Check(ctx, currentPassword, u.PasswordHash)
	if err != nil {
		return passwordError("change password", err)
	}
	if !ok {
		return Errorf(CodeUnauthenticated, "the current password is wrong")
	}
	hash, err := s.passwords.Hash(ctx, newPassword)
	if err != nil {
		return passwordError("change password", err)
	}
	var ended []string
	err = s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", userID).Update("password_hash", hash).Error; err != nil {
			return err
		}
		if err := tx.Model(&session{}).Where("user_id = ? AND id <> ? AND revoked_at IS NULL", userID, sessionID).
			Pluck("id", &ended).Error; err != nil {
			return err
		}
		if len(ended) == 0 {
			return nil
		}
		return tx.Model(&session{}).Where("id IN ?", ended).Update("revoked_at", database.Now()).Error
	})
	if err != nil {
		return internal("change password", err)
	}
	s.publishEnded(ctx, userID, ended)
	return nil
}

// publishEnded tells every instance that the sessions have ended.
func (s *Service) publishEnded(ctx context.Context, userID string, sessionIDs []string) {
	if s.pub == nil || len(sessionIDs) == 0 {
		return
	}
	events := make([]Event, len(sessionIDs))
	for i, id := range sessionIDs {
		events[i] = Event{UserID: userID, Kind: EventKindSessionEnded, Payload: SessionEnded{SessionID: id}}
	}
	s.pub.Publish(ctx, events)
}
