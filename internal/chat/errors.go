package chat

import (
	"errors"
	"fmt"

	"github.com/messenger/messenger/internal/auth"
)

// Error codes, as they appear in a GraphQL error's extensions.code.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeNotFound        = "NOT_FOUND"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeForbidden       = "FORBIDDEN" // a member acting beyond their role (not the owner, not the sender)
	CodeConflict        = "CONFLICT"
	CodeRateLimited     = "RATE_LIMITED"
	CodeInternal        = "INTERNAL_SERVER_ERROR"
)

// Error is an error meant for the API's user: its Message is safe to show and
// its Code says what kind of failure it is.
type Error struct {
	Code    string
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, or CodeInternal
// when there is none (every other error is unexpected).
func ErrorCode(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return CodeInternal
}

// errNotFound is returned for anything that does not exist or that the viewer
// may not see; the two cases must look the same.
func errNotFound(what string) *Error { return Errorf(CodeNotFound, "%s not found", what) }

// errBadInput is returned for input that fails validation.
func errBadInput(format string, args ...any) *Error { return Errorf(CodeBadUserInput, format, args...) }

// passwordError is RATE_LIMITED when hashing a password was refused for lack
// of a free slot, and an internal error of op otherwise.
func passwordError(op string, err error) error {
	if errors.Is(err, auth.ErrBusy) {
		return Errorf(CodeRateLimited, "too many log-ins at once; try again in a moment")
	}
	return internal(op, err)
}
