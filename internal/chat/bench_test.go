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
			svc := chat.NewService(open(b), nil)
			senders := newSenders(b, svc)
			runSenders(b, senders, func(s sender) error {
				_, err := svc.CreateMessage(context.Background(), s.from.ID, chat.CreateMessageInput{ConversationID: s.conv.ID, Content: "hello"})
				return err
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
	senders := newSenders(b, svc)
	b.Run("service", func(b *testing.B) {
		runSenders(b, senders, func(s sender) error {
			_, err := svc.CreateMessage(ctx, s.from.ID, chat.CreateMessageInput{ConversationID: s.conv.ID, Content: "hello"})
			return err
		})
	})
	b.Run("pgx", func(b *testing.B) {
		runSenders(b, senders, func(s sender) error {
			sql, args, err := chat.CreateMessageStatement(&chat.Message{ID: uuid.Must(uuid.NewV7()).String(),
				ConversationID: s.conv.ID, SenderID: s.from.ID, Content: "hello", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)})
			if err != nil {
				return err
			}
			rows, err := pool.Query(ctx, sql, pgx.NamedArgs(args))
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

// sender is one of a write benchmark's parallel senders, in a direct
// conversation of its own (so that senders never wait on each other's
// conversation lock).
type sender struct {
	from *chat.User
	conv *chat.Conversation
}

// sendersPerProc is how many parallel senders a write benchmark runs per
// GOMAXPROCS.
const sendersPerProc = 4

// newSenders signs up sendersPerProc x GOMAXPROCS senders and their
// receivers on svc, each pair in a direct conversation.
func newSenders(b *testing.B, svc *chat.Service) []sender {
	ctx := context.Background()
	out := make([]sender, sendersPerProc*runtime.GOMAXPROCS(0))
	for i := range out {
		a, err := svc.SignUp(ctx, chat.SignUpInput{Username: fmt.Sprint("sender", i), Password: "password1"})
		if err != nil {
			b.Fatal(err)
		}
		c, err := svc.SignUp(ctx, chat.SignUpInput{Username: fmt.Sprint("receiver", i), Password: "password1"})
		if err != nil {
			b.Fatal(err)
		}
		conv, err := svc.StartDirectConversation(ctx, a.ID, c.Username)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = sender{a, conv}
	}
	return out
}

// runSenders calls send from one goroutine per sender, each for its own,
// until the benchmark ends.
func runSenders(b *testing.B, senders []sender, send func(s sender) error) {
	free := make(chan sender, len(senders))
	for _, s := range senders {
		free <- s
	}
	b.SetParallelism(sendersPerProc) // one goroutine per sender
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s := <-free
		defer func() { free <- s }()
		for pb.Next() {
			if err := send(s); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
