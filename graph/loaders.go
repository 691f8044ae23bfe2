package graph

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/messenger/messenger/internal/chat"
)

// loaderWait is how long a loader gathers keys before it fetches them in one
// query; a few milliseconds cover one level of a GraphQL response.
const loaderWait = 2 * time.Millisecond

// Loaders batch the lookups that a response makes per object (users,
// members, last messages, conversations) into one query per kind. One set
// serves one query or mutation; subscriptions get none, so each of their
// field loads reads afresh.
type Loaders struct {
	Users         *dataloadgen.Loader[string, *chat.User]
	Participants  *dataloadgen.Loader[string, []*chat.User]
	Messages      *dataloadgen.Loader[string, *chat.Message]
	Conversations *dataloadgen.Loader[string, *chat.Conversation] // as the viewer sees them
	ReadMarkers   *dataloadgen.Loader[string, []*chat.ReadMarker] // by conversation id
}

// NewLoaders returns loaders over svc for the viewer in ctx (conversations
// load as nobody's when there is none).
func NewLoaders(ctx context.Context, svc *chat.Service) *Loaders {
	viewer, _ := viewerID(ctx)
	wait := dataloadgen.WithWait(loaderWait)
	return &Loaders{
		Users:        dataloadgen.NewMappedLoader(svc.UsersByIDs, wait),
		Participants: dataloadgen.NewMappedLoader(svc.ParticipantsByConversationIDs, wait),
		Messages:     dataloadgen.NewMappedLoader(svc.MessagesByIDs, wait),
		ReadMarkers:  dataloadgen.NewMappedLoader(svc.ReadMarkersByConversationIDs, wait),
		Conversations: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*chat.Conversation, error) {
			return svc.ConversationsByIDs(ctx, viewer, ids)
		}, wait),
	}
}

type loadersKey struct{}

// withLoaders returns a context carrying l.
func withLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loadersFor returns the loaders of the current operation or event.
func (r *Resolver) loadersFor(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(ctx, r.Chat)
}

// load returns the value for key, or nil when the loader found none (a
// missing key is not an error for the caller to show).
func load[V any](ctx context.Context, l *dataloadgen.Loader[string, *V], key string) (*V, error) {
	v, err := l.Load(ctx, key)
	if isMissing(err) {
		return nil, nil
	}
	return v, err
}

// isMissing reports whether err only says that a mapped loader found no value.
func isMissing(err error) bool {
	return errors.Is(err, dataloadgen.ErrNotFound)
}

// nodeFields returns the names of the fields selected on the nodes of the
// connection being resolved (edges { node { ... } }).
func nodeFields(ctx context.Context) map[string]bool {
	oc := graphql.GetOperationContext(ctx)
	fields := map[string]bool{}
	for _, edges := range graphql.CollectFieldsCtx(ctx, nil) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(oc, edges.Selections, nil) {
			if node.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(oc, node.Selections, nil) {
				fields[f.Name] = true
			}
		}
	}
	return fields
}

// prefetchConversations loads, one query per kind, what the selection asks
// of every conversation of a page, so that the per-node resolvers find it
// cached instead of racing to join a batch. Errors stay cached in the loaders
// and reach the fields that need the values.
func (r *Resolver) prefetchConversations(ctx context.Context, convs []*chat.Conversation) {
	fields := nodeFields(ctx)
	l := r.loadersFor(ctx)
	if fields["participants"] || fields["otherParticipant"] || fields["lastMessage"] {
		members, _ := l.Participants.LoadAll(ctx, conversationIDs(convs))
		for _, users := range members {
			for _, u := range users {
				l.Users.Prime(u.ID, u) // senders of last messages are members
			}
		}
	}
	if fields["readMarkers"] {
		markers, _ := l.ReadMarkers.LoadAll(ctx, conversationIDs(convs))
		var users []string
		for _, ms := range markers {
			for _, m := range ms {
				users = append(users, m.UserID)
			}
		}
		_, _ = l.Users.LoadAll(ctx, users)
	}
	if fields["owner"] {
		_, _ = l.Users.LoadAll(ctx, presentIDs(convs, func(c *chat.Conversation) *string { return c.OwnerID }))
	}
	if fields["lastMessage"] {
		_, _ = l.Messages.LoadAll(ctx, presentIDs(convs, func(c *chat.Conversation) *string { return c.LastMessageID }))
	}
}

// presentIDs returns the ids that id gives of convs, in order, leaving out
// the conversations that have none.
func presentIDs(convs []*chat.Conversation, id func(*chat.Conversation) *string) []string {
	var ids []string
	for _, c := range convs {
		if p := id(c); p != nil {
			ids = append(ids, *p)
		}
	}
	return ids
}

// conversationIDs returns the ids of convs, in order.
func conversationIDs(convs []*chat.Conversation) []string {
	ids := make([]string, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
	}
	return ids
}

// prefetchSenders loads the senders of a page of messages in one query when
// the selection asks for them.
func (r *Resolver) prefetchSenders(ctx context.Context, msgs []*chat.Message) {
	if !nodeFields(ctx)["sender"] {
		return
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.SenderID
	}
	_, _ = r.loadersFor(ctx).Users.LoadAll(ctx, ids)
}

// user loads the user with id; NOT_FOUND when there is none.
func (r *Resolver) user(ctx context.Context, id string) (*chat.User, error) {
	u, err := load(ctx, r.loadersFor(ctx).Users, id)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, chat.Errorf(chat.CodeNotFound, "user not found")
	}
	return u, nil
}

// users loads the users with ids in one batch, in order, leaving out any
// that no longer exist.
func (r *Resolver) users(ctx context.Context, ids []string) ([]*chat.User, error) {
	found, err := r.loadersFor(ctx).Users.LoadAll(ctx, ids)
	var errs dataloadgen.ErrorSlice
	if err != nil && !errors.As(err, &errs) {
		return nil, err
	}
	out := make([]*chat.User, 0, len(ids))
	for i, u := range found {
		if i < len(errs) && errs[i] != nil && !isMissing(errs[i]) {
			return nil, errs[i]
		}
		if u != nil {
			out = append(out, u)
		}
	}
	return out, nil
}
