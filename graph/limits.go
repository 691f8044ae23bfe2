package graph

import (
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/ratelimit"
)

// The limits of the GraphQL endpoint, declared here together: what one
// document may hold, how much one operation may ask for, how often each
// mutation may run, and how many event streams a user may hold open. Their
// settings (flags and environment variables) are in server/limitsettings.go; they
// are enforced by documentlimits.go, complexity.go and fieldlimits.go, and the
// stream cap by the server's handler chain (server/routes.go).

// DocumentLimits bound what one GraphQL document may hold, checked on a
// bounded parse before the document is validated (validation costs more than
// linear time in the number of fields) or run. A zero field means no limit.
type DocumentLimits struct {
	// Tokens bounds the lexical tokens of the document; parsing stops there.
	Tokens int
	// Fields bounds the field selections, fragments expanded where used.
	Fields int
	// Aliases bounds the aliased fields, as written.
	Aliases int
	// Directives bounds the directives, as written.
	Directives int
	// Depth bounds how deeply fields nest in an operation, fragments
	// expanded; introspection fields (__schema, __type) do not count.
	Depth int
	// RootFields bounds the root fields of an operation, fragments expanded,
	// so that aliases cannot multiply one request's mutations or lookups.
	RootFields int
}

// DefaultDocumentLimits are generous for every query a client of the
// messenger sends (GraphiQL's introspection query included) and keep the
// cost of a hostile document to a few milliseconds.
var DefaultDocumentLimits = DocumentLimits{
	Tokens:     10000,
	Fields:     1000,
	Aliases:    50,
	Directives: 50,
	Depth:      12,
	RootFields: 10,
}

// MaxComplexity bounds how much one operation may ask for, counting every
// field and multiplying list fields by their page size (see complexity).
// Members count as a full group of 256: a page of 20 conversations with
// four fields of each member costs about 20,600, and one with a page of 50
// messages and their senders each about 30,000; a page of pages of pages
// (messages → conversation → messages) costs millions.
const MaxComplexity = 50000

// Default rates and bursts of the mutations' buckets, and the cap on each
// user's open event streams: a rate is "N/PERIOD" (see ratelimit.ParseLimit).
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

// RateLimits are the buckets of the mutations' rate limits (which mutation
// takes which is mutationLimits); a nil *RateLimits, or a nil limiter in
// it, limits nothing.
type RateLimits struct {
	AuthPerAddress  *ratelimit.Keyed
	AuthPerUsername *ratelimit.Keyed
	Messages        *ratelimit.Keyed
	Mutations       *ratelimit.Keyed
	Typing          *ratelimit.Keyed
	Metrics         *metrics.Metrics // counts refusals by limit name (nil: none)
}

// The buckets, each under the limit name its refusals are counted by.
var (
	authPerAddress        = bucket{"auth_per_address", func(l *RateLimits) *ratelimit.Keyed { return l.AuthPerAddress }}
	authPerUsername       = bucket{"auth_per_username", func(l *RateLimits) *ratelimit.Keyed { return l.AuthPerUsername }}
	messagesPerUser       = bucket{"messages_per_user", func(l *RateLimits) *ratelimit.Keyed { return l.Messages }}
	mutationsPerUser      = bucket{"mutations_per_user", func(l *RateLimits) *ratelimit.Keyed { return l.Mutations }}
	typingPerConversation = bucket{"typing_per_conversation", func(l *RateLimits) *ratelimit.Keyed { return l.Typing }}
)

// mutationLimits are the rate limits of each root mutation field: the
// buckets it takes one event of, in order, each under its key (the first
// that is empty refuses the field, and the ones after it are not taken). A
// key of the viewer takes nothing from an anonymous request, which the
// resolver refuses. Every mutation of the schema has its row (a test checks
// it); one without a row would take defaultMutationLimits.
var mutationLimits = map[string][]rateRule{
	"signUp":                  authLimits,
	"logIn":                   authLimits,
	"logOut":                  defaultMutationLimits,
	"changePassword":          defaultMutationLimits,
	"startDirectConversation": defaultMutationLimits,
	"createGroupConversation": defaultMutationLimits,
	"markConversationAsRead":  defaultMutationLimits,
	"addParticipants":         defaultMutationLimits,
	"removeParticipant":       defaultMutationLimits,
	"leaveConversation":       defaultMutationLimits,
	"renameConversation":      defaultMutationLimits,
	"createMessage":           {{messagesPerUser, byViewer}},
	"editMessage":             defaultMutationLimits,
	"deleteMessage":           defaultMutationLimits,
	"sendTyping":              {{mutationsPerUser, byViewer}, {typingPerConversation, byViewerAndConversation}},
	"createStreamTicket":      defaultMutationLimits,
}

var (
	// authLimits bound guessing passwords and creating users: per client
	// address, and per username whichever address tries it.
	authLimits = []rateRule{{authPerAddress, byClientAddress}, {authPerUsername, byInputUsername}}
	// defaultMutationLimits is the one budget per user that every mutation
	// without a rule of its own shares.
	defaultMutationLimits = []rateRule{{mutationsPerUser, byViewer}}
)
