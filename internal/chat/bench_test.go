package chat_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// BenchmarkCreateMessage measures the write path of DESIGN.md section 3:
// 4 x GOMAXPROCS parallel senders, each in a direct conversation of its
// own, on both databases.
// Run: go test -run '^$' -bench CreateMessage -benchtime 3s ./internal/chat/
func BenchmarkCreateMessage(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *database.DB{"sqlite": dbtest.SQLite, "postgres": dbtest.Postgres} {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			svc := chat.NewService(db, nil)
			ctx := context.Background()
			const perProc = 4
			senders := perProc * runtime.GOMAXPROCS(0)
			type pair struct {
				from *chat.User
				conv *chat.Conversation
			}
			pairs := make(chan pair, senders)
			for i := range senders {
				a, _ := svc.SignUp(ctx, chat.SignUpInput{Username: fmt.Sprint("sender", i), Password: "password1"})
				c, _ := svc.SignUp(ctx, chat.SignUpInput{Username: fmt.Sprint("receiver", i), Password: "password1"})
				conv, err := svc.StartDirectConversation(ctx, a.ID, c.Username)
				if err != nil {
					b.Fatal(err)
				}
				pairs <- pair{a, conv}
			}
			b.SetParallelism(perProc) // one goroutine per sender
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := <-pairs
				defer func() { pairs <- p }()
				for pb.Next() {
					if _, err := svc.CreateMessage(ctx, p.from.ID, chat.CreateMessageInput{ConversationID: p.conv.ID, Content: "hello"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
