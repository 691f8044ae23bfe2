// Package auth hashes passwords, issues and checks access tokens, and puts
// the authenticated user into a request's context.
package auth

import (
	"fmt"
	"sync"

	"github.com/alexedwards/argon2id"
)

// passwordParams are argon2id's cost settings: 64 MiB and one pass, the
// RFC 9106 "second recommended" profile scaled to a small server.
var passwordParams = &argon2id.Params{
	Memory:      64 * 1024,
	Iterations:  1,
	Parallelism: 2,
	SaltLength:  16,
	KeyLength:   32,
}

// HashPassword returns the argon2id hash of password in PHC string form.
func HashPassword(password string) (string, error) {
	hash, err := argon2id.CreateHash(password, passwordParams)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return hash, nil
}

// CheckPassword reports whether password matches hash. An empty hash never
// matches but costs as much as a real check, so that an unknown username
// cannot be told from a wrong password by timing.
func CheckPassword(password, hash string) bool {
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, decoyHash())
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}

// decoyHash is a hash of a random password, computed once.
var decoyHash = sync.OnceValue(func() string {
	h, err := argon2id.CreateHash("decoy password that matches nothing", passwordParams)
	if err != nil {
		panic(err)
	}
	return h
})
