package main

// The run's database, users and groups. Signing up is slow on purpose
// (argon2id, 64 MiB and two threads per hash: 1,536 sign-ups take ~100 s on
// an idle 2-core machine, several minutes on a busy one), so the first run
// leaves its freshly set-up database behind as a template
// (messenger_bench_tpl_…: users, their sessions and groups, all created
// through the API, and the tokens and secret in table bench_setup), and
// later runs clone it with CREATE DATABASE … TEMPLATE, a file copy of a
// few MiB, instead of signing up again. Nothing is ever written behind the
// server's back: the clone holds exactly what the server wrote. A template
// older than 20 hours (tokens live 24) is replaced; -fresh-users replaces
// it at once, which is needed when the server binaries measured differ in
// their migrations (a clone carries the schema of the binary that made it;
// a newer binary migrates it further, an older one may refuse it).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// setupState is what later runs need of a set-up database.
type setupState struct {
	Created   time.Time   `json:"created"`
	Secret    string      `json:"secret"`
	Users     []user      `json:"users"`
	Groups    []group     `json:"groups"`
	Quartets  []int       `json:"quartets"`
	Fanout    map[int]int `json:"fanout"`
	SignUpSec float64     `json:"sign_up_seconds"`
}

// templateMaxAge is how old a template may be: its tokens expire after 24 h.
const templateMaxAge = 20 * time.Hour

// templateName names the template of a user count and fan-out sizes.
func (b *bench) templateName() string {
	var sizes []string
	for _, s := range b.cfg.FanoutSizes {
		sizes = append(sizes, fmt.Sprint(s))
	}
	return fmt.Sprintf("messenger_bench_tpl_%d_%s", b.cfg.Users, strings.Join(sizes, "_"))
}

// dbURLOf returns adminURL with its database replaced by name.
func dbURLOf(adminURL, name string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// setup creates the run's database (a clone of the template when one fits)
// and, unless cloned, signs up the users and creates the groups through the
// API of a setup server, then saves the database as the template. It
// returns the function that drops the run's database (nil if none was
// created) and stores PostgreSQL's version in version.
func (b *bench) setup(ctx context.Context, version *string) (func(), error) {
	admin, err := pgx.Connect(ctx, b.cfg.PG)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %w", redact(b.cfg.PG), err)
	}
	defer admin.Close(context.Background())
	_ = admin.QueryRow(ctx, "SHOW server_version").Scan(version)
	name := fmt.Sprintf("messenger_bench_%d_%d", os.Getpid(), time.Now().Unix())
	b.dbName = name
	if b.dbURL, err = dbURLOf(b.cfg.PG, name); err != nil {
		return nil, err
	}
	drop := func() {
		if b.cfg.KeepDB {
			logf("database %s kept", name)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dropDatabase(ctx, b.cfg.PG, name); err != nil {
			logf("drop database %s: %v", name, err)
		}
	}
	tpl := b.templateName()
	if !b.cfg.FreshUsers && !b.cfg.NoTemplate {
		var exists bool
		_ = admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tpl).Scan(&exists)
		if exists {
			if err := cloneDatabase(ctx, admin, name, tpl); err != nil {
				return nil, err
			}
			st, err := loadSetup(ctx, b.dbURL)
			if err == nil && time.Since(st.Created) < templateMaxAge {
				b.secret, b.users, b.groupsAll, b.quartets, b.fanout = st.Secret, st.Users, st.Groups, st.Quartets, st.Fanout
				b.setupNote = fmt.Sprintf("users cloned from template %s (their sign-up took %.0f s)", tpl, st.SignUpSec)
				logf("database %s cloned from template %s (%d users and %d groups made %s ago through the API; -fresh-users to sign up again)",
					name, tpl, len(st.Users), len(st.Groups), time.Since(st.Created).Round(time.Minute))
				return drop, nil
			}
			logf("template %s unusable (%v, made %v ago): signing up again", tpl, err, time.Since(st.Created).Round(time.Minute))
			if err := dropDatabase(ctx, b.cfg.PG, name); err != nil {
				return nil, err
			}
		}
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	logf("database %s created", name)
	st, err := b.signUp(ctx)
	if err != nil {
		return drop, err
	}
	b.setupNote = fmt.Sprintf("%d users signed up in %.0f s", len(st.Users), st.SignUpSec)
	if err := saveSetup(ctx, b.dbURL, st); err != nil {
		return drop, err
	}
	if b.cfg.NoTemplate {
		return drop, nil
	}
	// Replace the template with this database (the setup server has gone).
	if err := dropDatabase(ctx, b.cfg.PG, tpl); err != nil {
		logf("drop old template %s: %v", tpl, err)
	} else if err := cloneDatabase(ctx, admin, tpl, name); err != nil {
		logf("save template %s: %v (later runs will sign up again)", tpl, err)
	} else {
		logf("saved as template %s for later runs", tpl)
	}
	return drop, nil
}

// cloneDatabase creates name as a copy of tpl, retrying while another run
// is cloning the same template, or a server that just stopped is still
// seen connected (PostgreSQL copies a database only while no one else is
// connected to it).
func cloneDatabase(ctx context.Context, admin *pgx.Conn, name, tpl string) error {
	var err error
	for range 30 {
		if _, err = admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tpl); err == nil {
			return nil
		}
		if !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("copy %s to %s: %w", tpl, name, err)
}

// dropDatabase drops name if it exists, cutting its connections.
func dropDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	return err
}

// saveSetup stores st in table bench_setup of the database at dbURL.
func saveSetup(ctx context.Context, dbURL string, st *setupState) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	j, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE bench_setup (state jsonb NOT NULL)"); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "INSERT INTO bench_setup (state) VALUES ($1)", j)
	return err
}

// loadSetup reads the state saved in the database at dbURL.
func loadSetup(ctx context.Context, dbURL string) (*setupState, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return &setupState{}, err
	}
	defer conn.Close(context.Background())
	var j []byte
	if err := conn.QueryRow(ctx, "SELECT state FROM bench_setup").Scan(&j); err != nil {
		return &setupState{}, err
	}
	st := &setupState{}
	return st, json.Unmarshal(j, st)
}

// signUp signs up the run's users over the API and creates their groups:
// one group of four per four consecutive users (the senders' conversations
// of every phase but fan-out), and one group of users 0…size-1 per fan-out
// size.
func (b *bench) signUp(ctx context.Context) (*setupState, error) {
	srv, err := b.startServer(ctx, "memory", "setup server")
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	t0 := time.Now()
	logf("setup: signing up %d users (argon2id, 4 concurrent)", b.cfg.Users)
	users, err := signUpUsers(ctx, srv.URL, fmt.Sprintf("b%d_", os.Getpid()%100000), b.cfg.Users, 4, func(done int) {
		logf("  setup: %d/%d users (%.1f/s)", done, b.cfg.Users, float64(done)/time.Since(t0).Seconds())
	})
	if err != nil {
		return nil, err
	}
	b.users = users
	signUpSec := time.Since(t0).Seconds()
	logf("setup: %d users signed up in %.1fs", len(users), signUpSec)
	var lists [][]int
	for i := 0; i+4 <= len(users); i += 4 {
		b.quartets = append(b.quartets, len(lists))
		lists = append(lists, []int{i, i + 1, i + 2, i + 3})
	}
	for _, size := range b.cfg.FanoutSizes {
		ms := make([]int, size)
		for i := range ms {
			ms[i] = i
		}
		b.fanout[size] = len(lists)
		lists = append(lists, ms)
	}
	b.groupsAll, err = createGroups(ctx, srv.URL, users, lists, 8)
	if err != nil {
		return nil, err
	}
	logf("setup: %d groups created; setup took %.1fs", len(lists), time.Since(t0).Seconds())
	if err := srv.Alive(); err != nil {
		return nil, err
	}
	return &setupState{Created: time.Now(), Secret: b.secret, Users: b.users, Groups: b.groupsAll, Quartets: b.quartets, Fanout: b.fanout, SignUpSec: signUpSec}, nil
}
