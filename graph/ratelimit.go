package graph

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/messenger/messenger/graph/model"
	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/ratelimit"
)

// Default limits: a rate is "N/PERIOD" (see ratelimit.ParseLimit).
const (
	DefaultAuthRatePerAddress   = "10/1m"
	DefaultAuthBurstPerAddress  = 20
	DefaultAuthRatePerUsername  = "5/1m"
	DefaultAuthBurstPerUsername = 5
	DefaultMessageRate          = "20/1s"
	DefaultMessageBurst         = 40
	DefaultMutationRate         = "10/1s"
	DefaultMutationBurst        = 20
	DefaultStreamsPerUser       = 16
	DefaultTypingRate           = "1/1s"
	DefaultTypingBurst          = 3
)

// RateLimits are the rate limits of mutations, checked field by field so that
// every alias counts, and the cap on each user's open event streams; a nil
// *RateLimits, or a nil limiter in it, limits nothing.
type RateLimits struct {
	AuthPerAddress  *ratelimit.Keyed // logIn and signUp, by client address
	AuthPerUsername *ratelimit.Keyed // logIn and signUp, by the username given
	Messages        *ratelimit.Keyed // createMessage, by user
	Mutations       *ratelimit.Keyed // every other mutation, by user
	Typing          *ratelimit.Keyed // sendTyping, by user and conversation (besides Mutations)
	Streams         *ratelimit.Slots // open event streams, by user
	Metrics         *metrics.Metrics // counts refusals by limit name (nil: none)
}

// maxUsernameKey bounds the username a limit is keyed by (valid ones have
// at most 32 characters), so that long junk cannot bloat the limiter.
const maxUsernameKey = 64

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

// check takes one event of every limit the mutation field of fc falls
// under, or returns the refusal of the first one that is exhausted.
func (l *RateLimits) check(ctx context.Context, fc *graphql.FieldContext) error {
	switch fc.Field.Name {
	case "logIn", "signUp":
		if err := l.take(ctx, l.AuthPerAddress, "auth_per_address", ratelimit.Client(ctx)); err != nil {
			return err
		}
		return l.take(ctx, l.AuthPerUsername, "auth_per_username", usernameKey(fc.Args["input"]))
	case "createMessage":
		if viewer, err := viewerID(ctx); err == nil {
			return l.take(ctx, l.Messages, "messages_per_user", viewer)
		}
	case "sendTyping":
		if viewer, err := viewerID(ctx); err == nil {
			if err := l.take(ctx, l.Mutations, "mutations_per_user", viewer); err != nil {
				return err
			}
			conv, _ := fc.Args["conversationId"].(string)
			return l.take(ctx, l.Typing, "typing_per_conversation", viewer+" "+conv)
		}
	default:
		if viewer, err := viewerID(ctx); err == nil {
			return l.take(ctx, l.Mutations, "mutations_per_user", viewer)
		}
	}
	return nil // anonymous: the resolver refuses it
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
	u = strings.ToLower(strings.TrimSpace(u))
	if len(u) > maxUsernameKey {
		u = u[:maxUsernameKey]
	}
	return u
}

// limitStreams returns next behind the cap on each user's open event streams.
func (l *RateLimits) limitStreams(next http.Handler) http.Handler {
	if l == nil || l.Streams == nil {
		return next
	}
	return transport.StreamLimit{
		Slots:    l.Streams,
		Key:      func(r *http.Request) string { viewer, _ := viewerID(r.Context()); return viewer },
		Code:     chat.CodeRateLimited,
		OnRefuse: func() { l.Metrics.Refused("streams_per_user") },
	}.Wrap(next)
}

// webSocket returns ws with the cap on each user's open streams, which a
// WebSocket connection counts as one of.
func (l *RateLimits) webSocket(ws transport.WebSocket) transport.WebSocket {
	if l == nil || l.Streams == nil {
		return ws
	}
	ws.Slots = l.Streams
	ws.Key = func(ctx context.Context) string { viewer, _ := viewerID(ctx); return viewer }
	ws.OnRefuse = func() { l.Metrics.Refused("streams_per_user") }
	return ws
}
