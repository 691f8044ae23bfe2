package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/messenger/messenger/graph/model"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/ratelimit"
)

// use installs the per-field limits of mutations in srv.
func (l *RateLimits) use(srv *handler.Server) {
	if l != nil {
		srv.AroundFields(l.aroundFields)
	}
}

// aroundFields refuses a root mutation field past its limit with
// RATE_LIMITED, before its resolver runs.
func (l *RateLimits) aroundFields(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Mutation" {
		return next(ctx)
	}
	if err := l.check(ctx, fc); err != nil {
		return nil, err
	}
	return next(ctx)
}

// A rateRule takes one event of a bucket, under a key, for a mutation field.
type rateRule struct {
	bucket bucket
	key    rateKey
}

// A bucket is one of RateLimits' limiters, named as its refusals are counted.
type bucket struct {
	limit string
	of    func(*RateLimits) *ratelimit.Keyed
}

// A rateKey is whose bucket a field takes: the key, or false when the field
// takes nothing of the bucket.
type rateKey func(ctx context.Context, fc *graphql.FieldContext) (string, bool)

// byClientAddress keys by the client address of the request.
func byClientAddress(ctx context.Context, _ *graphql.FieldContext) (string, bool) {
	return ratelimit.Client(ctx), true
}

// byInputUsername keys by the username of a logIn or signUp input.
func byInputUsername(_ context.Context, fc *graphql.FieldContext) (string, bool) {
	return usernameKey(fc.Args["input"]), true
}

// byViewer keys by the viewer; an anonymous request takes nothing.
func byViewer(ctx context.Context, _ *graphql.FieldContext) (string, bool) {
	viewer, err := viewerID(ctx)
	return viewer, err == nil
}

// byViewerAndConversation keys by the viewer and the conversationId
// argument; an anonymous request takes nothing.
func byViewerAndConversation(ctx context.Context, fc *graphql.FieldContext) (string, bool) {
	viewer, err := viewerID(ctx)
	conv, _ := fc.Args["conversationId"].(string)
	return viewer + " " + conv, err == nil
}

// check takes one event of every bucket the mutation field of fc takes
// (mutationLimits), or returns the refusal of the first one that is empty.
func (l *RateLimits) check(ctx context.Context, fc *graphql.FieldContext) error {
	rules, ok := mutationLimits[fc.Field.Name]
	if !ok {
		rules = defaultMutationLimits
	}
	for _, r := range rules {
		key, ok := r.key(ctx, fc)
		if !ok {
			continue
		}
		if err := l.take(ctx, r.bucket.of(l), r.bucket.limit, key); err != nil {
			return err
		}
	}
	return nil
}

// take takes one event from key's bucket in k, or counts a refusal of
// limit and returns its error.
func (l *RateLimits) take(ctx context.Context, k *ratelimit.Keyed, limit, key string) error {
	wait, ok := k.Allow(key)
	if ok {
		return nil
	}
	l.Metrics.Refused(limit)
	return rateLimited(ctx, wait)
}

// rateLimited is the RATE_LIMITED error of the field of ctx, with
// extensions.retryAfter: the whole seconds, rounded up, until a retry may pass.
func rateLimited(ctx context.Context, wait time.Duration) error {
	secs := ratelimit.RetryAfterSeconds(wait)
	err := gqlerror.WrapPath(graphql.GetPath(ctx), chat.Errorf(chat.CodeRateLimited, "too many requests; retry in %d s", secs))
	err.Extensions = map[string]any{"retryAfter": secs}
	return err
}

// maxUsernameKey bounds the username a limit is keyed by (valid ones have
// at most 32 characters), so that long junk cannot bloat the limiter.
const maxUsernameKey = 64

// usernameKey is the username of a logIn or signUp input as the limit per
// username keys it: as chat stores it (trimmed, lowercase), truncated.
func usernameKey(input any) string {
	var u string
	switch in := input.(type) {
	case model.LogInInput:
		u = in.Username
	case model.SignUpInput:
		u = in.Username
	}
	u = chat.CanonicalUsername(u)
	if len(u) > maxUsernameKey {
		u = u[:maxUsernameKey]
	}
	return u
}
