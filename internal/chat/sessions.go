package chat

import (
	"context"
	"errors"
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

// Access is what a client is given when a session starts or changes its
// password: an access token of the session, when it expires, and whose
// session it is.
type Access struct {
	Token     string
	ExpiresAt time.Time
	User      *User
}

// errNoTokens is the internal error of the session use cases of a Service
// built without WithTokens.
var errNoTokens = errors.New("no token issuer: the service was built without WithTokens")

// SignUpAndLogIn creates a user, as SignUp does, and starts their first
// session.
func (s *Service) SignUpAndLogIn(ctx context.Context, in SignUpInput) (*Access, error) {
	if s.tokens == nil {
		return nil, internal("sign up", errNoTokens)
	}
	u, err := s.SignUp(ctx, in)
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// LogIn starts a session of the user whose username and password match. A
// wrong username and a wrong password give the same UNAUTHENTICATED error.
func (s *Service) LogIn(ctx context.Context, username, password string) (*Access, error) {
	if s.tokens == nil {
		return nil, internal("log in", errNoTokens)
	}
	var u User
	err := s.conn(ctx).Where("username = ?", CanonicalUsername(username)).Limit(1).Find(&u).Error
	if err != nil {
		return nil, internal("log in", err)
	}
	if err := s.checkPassword(ctx, "log in", password, u.PasswordHash, "wrong username or password"); err != nil {
		return nil, err
	}
	return s.startSession(ctx, &u)
}

// startSession starts a session of u that lasts as long as the tokens, and
// returns its first access token. The user's expired sessions are removed on
// the way.
func (s *Service) startSession(ctx context.Context, u *User) (*Access, error) {
	now := database.Now()
	row := session{ID: newID(), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.tokens.TTL()).Truncate(time.Second)}
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ? AND expires_at <= ?", u.ID, now).Delete(&session{}).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return nil, internal("start session", err)
	}
	return s.access(u, row.ID, row.ExpiresAt)
}

// access returns a new access token of u's session, valid until expires.
func (s *Service) access(u *User, sessionID string, expires time.Time) (*Access, error) {
	token, err := s.tokens.Issue(u.ID, sessionID, expires)
	if err != nil {
		return nil, internal("issue token", err)
	}
	return &Access{Token: token, ExpiresAt: expires, User: u}, nil
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

// sessionExpiry returns when the viewer's live session expires; NOT_FOUND
// when it is not live.
func (s *Service) sessionExpiry(ctx context.Context, userID, sessionID string) (time.Time, error) {
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

// LogOut ends the viewer's session: its tokens and tickets stop working and
// its streams are cut, on every instance. Ending an ended session does
// nothing.
func (s *Service) LogOut(ctx context.Context, userID, sessionID string) error {
	res := s.conn(ctx).Model(&session{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", sessionID, userID).
		Update("revoked_at", database.Now())
	if res.Error != nil {
		return internal("log out", res.Error)
	}
	s.publishEnded(ctx, userID, []string{sessionID})
	return nil
}

// ChangePassword sets the viewer's password to newPassword when
// currentPassword is right, ends every other session of the viewer, and
// returns a new access token of this session (with the session's expiry).
// UNAUTHENTICATED for a wrong current password, BAD_USER_INPUT for an
// invalid new one, NOT_FOUND when this session is no longer live.
func (s *Service) ChangePassword(ctx context.Context, userID, sessionID, currentPassword, newPassword string) (*Access, error) {
	if s.tokens == nil {
		return nil, internal("change password", errNoTokens)
	}
	if err := validPassword(newPassword); err != nil {
		return nil, err
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := s.checkPassword(ctx, "change password", currentPassword, u.PasswordHash, "the current password is wrong"); err != nil {
		return nil, err
	}
	hash, err := s.passwords.Hash(ctx, newPassword)
	if err != nil {
		return nil, passwordError("change password", err)
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
		return nil, internal("change password", err)
	}
	s.publishEnded(ctx, userID, ended)
	u.PasswordHash = hash
	expires, err := s.sessionExpiry(ctx, userID, sessionID)
	if err != nil {
		return nil, err
	}
	return s.access(u, sessionID, expires)
}

// checkPassword returns nil when password is the one hash was made of, and
// UNAUTHENTICATED with the message wrong when it is not (RATE_LIMITED when
// no hashing slot freed up in time).
func (s *Service) checkPassword(ctx context.Context, op, password, hash, wrong string) error {
	ok, err := s.passwords.Check(ctx, password, hash)
	if err != nil {
		return passwordError(op, err)
	}
	if !ok {
		return &Error{Code: CodeUnauthenticated, Message: wrong}
	}
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
