package graph_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// TestReadMarkersStatementCountDoesNotGrow: the read markers and owners of
// a page of conversations load in a fixed number of statements, however
// many conversations the page holds.
func TestReadMarkersStatementCountDoesNotGrow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		a := newAPI(t, db)
		ctx := context.Background()
		token, me := a.signUp("viewer")
		counts := map[int]int64{}
		made := 0
		for _, n := range []int{2, 20} {
			for ; made < n; made++ {
				_, other := a.signUp(fmt.Sprint("friend", made))
				conv, err := a.svc.CreateGroupConversation(ctx, other.ID, chat.CreateGroupInput{Title: "g", Usernames: []string{me.Username}})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := a.svc.CreateMessage(ctx, other.ID, chat.CreateMessageInput{ConversationID: conv.ID, Content: "hi"}); err != nil {
					t.Fatal(err)
				}
			}
			var out struct {
				Conversations struct {
					Edges []struct {
						Node struct {
							Owner       struct{ Username string }
							ReadMarkers []struct {
								User        struct{ Username string }
								LastReadSeq int
							}
						}
					}
				}
			}
			before := a.counter.n.Load()
			a.ok(token, `{ conversations(first: 50) { edges { node { owner { username } readMarkers { user { username } lastReadSeq } } } } }`, nil, &out)
			counts[n] = a.counter.n.Load() - before
			if len(out.Conversations.Edges) != n {
				t.Fatalf("got %d conversations, want %d", len(out.Conversations.Edges), n)
			}
			for _, e := range out.Conversations.Edges {
				read := map[string]int{}
				for _, m := range e.Node.ReadMarkers {
					read[m.User.Username] = m.LastReadSeq
				}
				if owner := e.Node.Owner.Username; owner == "" || len(read) != 2 || read[owner] != 1 || read["viewer"] != 0 {
					t.Fatalf("node: %+v", e.Node)
				}
			}
		}
		t.Logf("statements: %d for 2 conversations, %d for 20", counts[2], counts[20])
		if counts[20] != counts[2] {
			t.Fatalf("statement count grows with conversations: %d for 2, %d for 20", counts[2], counts[20])
		}
	})
}
