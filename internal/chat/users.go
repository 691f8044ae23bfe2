package chat

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/messenger/messenger/internal/database"
)

// SignUpInput is what a new user gives.
type SignUpInput struct {
	Username    string
	Password    string
	DisplayName *string
}

// CanonicalUsername is username as it is stored and looked up: trimmed and
// lowercase.
func CanonicalUsername(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// SignUp creates a user. The username is stored lowercase and must be 3-32 of
// [a-z0-9_]; the password 8-256 characters; the display name at most 64
// (default: the username). BAD_USER_INPUT for invalid input, CONFLICT for a
// taken username.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*User, error) {
	username := CanonicalUsername(in.Username)
	if !usernamePattern.MatchString(username) {
		return nil, errBadInput("username must be 3 to 32 characters of a-z, 0-9 and _")
	}
	if err := validPassword(in.Password); err != nil {
		return nil, err
	}
	displayName := username
	if in.DisplayName != nil {
		name, ok := cleanName(*in.DisplayName)
		if !ok || utf8.RuneCountInString(name) > 64 {
			return nil, errBadInput("displayName must be at most 64 characters, without control or bidirectional formatting characters")
		}
		if name != "" {
			displayName = name
		}
	}
	hash, err := s.passwords.Hash(ctx, in.Password)
	if err != nil {
		return nil, passwordError("sign up", err)
	}
	u := &User{
		ID:           newID(),
		Username:     username,
		DisplayName:  displayName,
		PasswordHash: hash,
		CreatedAt:    database.Now(),
	}
	if err := s.conn(ctx).Create(u).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, Errorf(CodeConflict, "username %q is taken", username)
		}
		return nil, internal("sign up", err)
	}
	return u, nil
}

// UserByID returns the user with id; NOT_FOUND when there is none.
func (s *Service) UserByID(ctx context.Context, id string) (*User, error) {
	if !validID(id) {
		return nil, errNotFound("user")
	}
	var users []*User
	if err := s.conn(ctx).Where("id = ?", id).Limit(1).Find(&users).Error; err != nil {
		return nil, internal("user by id", err)
	}
	if len(users) == 0 {
		return nil, errNotFound("user")
	}
	return users[0], nil
}

// UserByUsername returns the user with username (any case), or nil when there is none.
func (s *Service) UserByUsername(ctx context.Context, username string) (*User, error) {
	var users []*User
	err := s.conn(ctx).Where("username = ?", CanonicalUsername(username)).Limit(1).Find(&users).Error
	if err != nil {
		return nil, internal("user by username", err)
	}
	if len(users) == 0 {
		return nil, nil
	}
	return users[0], nil
}

// UsersByIDs returns the users with the given ids, keyed by id; unknown ids are absent.
func (s *Service) UsersByIDs(ctx context.Context, ids []string) (map[string]*User, error) {
	return byIDs(ctx, s, "users by ids", ids, func(q *gorm.DB, ids []string) (users []*User, err error) {
		return users, q.Where("id IN ?", ids).Find(&users).Error
	}, func(u *User) string { return u.ID })
}

// SearchUsers returns up to first users whose username or display name starts
// with query, case-insensitively, ordered by username. An empty query finds
// nobody; first must be 1-50 (BAD_USER_INPUT).
func (s *Service) SearchUsers(ctx context.Context, query string, first int) ([]*User, error) {
	if first < 1 || first > MaxSearchResults {
		return nil, errBadInput("first must be between 1 and %d", MaxSearchResults)
	}
	query = strings.ToLower(strings.TrimSpace(query))
	if query == "" {
		return []*User{}, nil
	}
	pattern := escapeLike(query) + "%"
	var users []*User
	err := s.conn(ctx).
		Where(`username LIKE ? ESCAPE '\' OR lower(display_name) LIKE ? ESCAPE '\'`, pattern, pattern).
		Order("username").Limit(first).Find(&users).Error
	if err != nil {
		return nil, internal("search users", err)
	}
	return users, nil
}

// usersNamed returns the users called usernames (any case; repeated names
// count once), for op. BAD_USER_INPUT for more than MaxGroupMembers names or
// for names no user has.
func (s *Service) usersNamed(ctx context.Context, op string, usernames []string) ([]*User, error) {
	names := make([]string, 0, len(usernames))
	for _, n := range usernames {
		names = append(names, CanonicalUsername(n))
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) > MaxGroupMembers {
		return nil, errBadInput("give at most %d usernames", MaxGroupMembers)
	}
	if len(names) == 0 {
		return nil, nil
	}
	var users []*User
	if err := s.conn(ctx).Where("username IN ?", names).Find(&users).Error; err != nil {
		return nil, internal(op, err)
	}
	if len(users) != len(names) {
		var unknown []string
		for _, n := range names {
			if !slices.ContainsFunc(users, func(u *User) bool { return u.Username == n }) {
				unknown = append(unknown, n)
			}
		}
		return nil, errBadInput("unknown usernames: %s", strings.Join(unknown, ", "))
	}
	return users, nil
}
