package chat_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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

// BenchmarkCreateMessageStatement runs BenchmarkCreateMessage's PostgreSQL
// case twice on one database: through the Service (gorm over database/sql),
// and the same statement sent with pgx and its named arguments, which is
// the floor the Service's write path is judged against.
func BenchmarkCreateMessageStatement(b *testing.B) {
	url := dbtest.PostgresURL(b)
	ctx := context.Background()
	db, err := database.OpenAndMigrate(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	svc := chat.NewService(db, nil)
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
	run := func(b *testing.B, send func(p pair) error) {
		b.SetParallelism(perProc)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			p := <-pairs
			defer func() { pairs <- p }()
			for pb.Next() {
				if err := send(p); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.Run("service", func(b *testing.B) {
		run(b, func(p pair) error {
			_, err := svc.CreateMessage(ctx, p.from.ID, chat.CreateMessageInput{ConversationID: p.conv.ID, Content: "hello"})
			return err
		})
	})
	b.Run("pgx", func(b *testing.B) {
		run(b, func(p pair) error {
			rows, err := pool.Query(ctx, chat.CreateMessageStatement(), pgx.NamedArgs{
				"id": uuid.Must(uuid.NewV7()).String(), "conv": p.conv.ID, "sender": p.from.ID,
				"content": "hello", "client": nil, "at": time.Now().UTC().Truncate(time.Microsecond),
				"kind": chat.EventKindMessageCreated,
			})
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			rows.Close()
			return rows.Err()
		})
	})
}
