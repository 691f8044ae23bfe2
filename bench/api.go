package main

// The GraphQL API as the bench uses it: POST /graphql with a Bearer token,
// signing up the run's users and creating their group conversations.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// apiHTTP is the client of every request that is not an event stream: a
// pool of keep-alive connections large enough for the highest concurrency
// and the open-loop sends in flight.
var apiHTTP = &http.Client{
	Transport: &http.Transport{
		DialContext:         spreadDial,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	},
	Timeout: 60 * time.Second,
}

// dials counts the API client's connections, to spread their source addresses.
var dials atomic.Uint64

// spreadDial dials from the loopback source addresses in turn (see
// sourceIPs), so that the connections of thousands of sends in flight,
// and the TIME_WAIT they leave, do not exhaust one address's ports.
func spreadDial(ctx context.Context, network, addr string) (net.Conn, error) {
	src := sourceIPs[dials.Add(1)%uint64(len(sourceIPs))]
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: src}}
	return d.DialContext(ctx, network, addr)
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// gql posts query with vars to baseURL/graphql and decodes data into out; a
// GraphQL error or a status other than 200 is an error.
func gql(ctx context.Context, baseURL, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := apiHTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("status %d: %s", res.StatusCode, truncate(string(raw), 200))
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("status %d: %s (%v)", res.StatusCode, r.Errors[0].Message, r.Errors[0].Extensions["code"])
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", res.StatusCode, truncate(string(raw), 200))
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// user is one of the run's users with a live token.
type user struct {
	ID, Name, Token string
}

const benchPassword = "bench-password-1234"

// signUpUsers signs up n users named prefix0… over the API with a few
// concurrent workers (argon2id hashing dominates: two cores hash two
// passwords at once, ~10–20 ms each here), and returns them with their tokens.
func signUpUsers(ctx context.Context, baseURL, prefix string, n, workers int, progress func(done int)) ([]user, error) {
	users := make([]user, n)
	var next, done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				name := fmt.Sprintf("%s%d", prefix, i)
				var out struct {
					SignUp struct {
						Token string
						User  struct{ ID string }
					}
				}
				err := gql(ctx, baseURL, "", `mutation($u: String!, $p: String!) { signUp(input: {username: $u, password: $p, displayName: $u}) { token user { id } } }`,
					map[string]any{"u": name, "p": benchPassword}, &out)
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("signUp %s: %w", name, err) })
					return
				}
				users[i] = user{ID: out.SignUp.User.ID, Name: name, Token: out.SignUp.Token}
				if d := done.Add(1); progress != nil && d%200 == 0 {
					progress(int(d))
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return users, ctx.Err()
}

// group is a group conversation and its members (members[0] created it).
type group struct {
	ID      string
	Members []int // indexes into the run's users
}

// createGroups creates one group conversation per member list, each by its
// first member, with a few concurrent workers.
func createGroups(ctx context.Context, baseURL string, users []user, memberLists [][]int, workers int) ([]group, error) {
	groups := make([]group, len(memberLists))
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(memberLists) || ctx.Err() != nil {
					return
				}
				ms := memberLists[i]
				names := make([]string, 0, len(ms)-1)
				for _, m := range ms[1:] {
					names = append(names, users[m].Name)
				}
				var out struct{ CreateGroupConversation struct{ ID string } }
				err := gql(ctx, baseURL, users[ms[0]].Token, `mutation($t: String!, $u: [String!]!) { createGroupConversation(input: {title: $t, usernames: $u}) { id } }`,
					map[string]any{"t": fmt.Sprintf("bench %d", i), "u": names}, &out)
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("createGroupConversation of %d members: %w", len(ms), err) })
					return
				}
				groups[i] = group{ID: out.CreateGroupConversation.ID, Members: ms}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return groups, ctx.Err()
}

// createMessageMutation is the send of every phase; the selection is what a
// chat client asks back.
const createMessageMutation = `mutation($c: ID!, $t: String!) { createMessage(input: {conversationId: $c, content: $t}) { id seq } }`

// sendBody returns the request body of createMessage in conversation with content.
func sendBody(conversation, content string) []byte {
	b, _ := json.Marshal(map[string]any{"query": createMessageMutation, "variables": map[string]any{"c": conversation, "t": content}})
	return b
}

// send posts one createMessage and returns nil when the server stored the
// message (status 200 and no errors).
func send(ctx context.Context, baseURL, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := apiHTTP.Do(req)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`)) {
		return fmt.Errorf("createMessage: status %d: %s", res.StatusCode, truncate(string(raw), 200))
	}
	return nil
}
