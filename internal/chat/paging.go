package chat

// Page sizes of every list the service returns. The GraphQL layer uses the
// same values for its defaults and to charge list fields in the complexity
// limit.
const (
	// MaxPageSize is the largest page of messages or conversations.
	MaxPageSize = 100
	// DefaultMessagePageSize is the page size of messages when neither first
	// nor last is given.
	DefaultMessagePageSize = 50
	// DefaultConversationPageSize is the page size of conversations when
	// first is not given.
	DefaultConversationPageSize = 20
	// MaxSearchResults is the most users SearchUsers returns.
	MaxSearchResults = 50
	// DefaultSearchResults is how many users SearchUsers returns when first
	// is not given.
	DefaultSearchResults = 10
)

// PageArgs are Relay pagination arguments: First/After page forward,
// Last/Before page back.
type PageArgs struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// MessagePage is one page of a conversation's messages, in ascending seq.
type MessagePage struct {
	Messages        []*Message
	HasNextPage     bool
	HasPreviousPage bool
}

// ConversationPage is one page of the viewer's conversations.
type ConversationPage struct {
	Conversations []*Conversation
	HasNextPage   bool
}
