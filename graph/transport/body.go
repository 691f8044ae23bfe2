package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Request body defaults.
const (
	DefaultMaxBodyBytes    = 1 << 20
	DefaultBodyReadTimeout = 10 * time.Second
)

// ReadBodies reads every request body whole before next sees it: at most
// limit bytes (else 413), within timeout (else 408 and the connection
// closes; the deadline is lifted once the body is in, so that a stream's
// later reads keep none), and, for a JSON body of an event stream, the
// shape of a GraphQL request (else 400; the POST transport checks its own). Refusals are short JSON
// errors that never echo the body; refused counts each by its limit name.
func ReadBodies(limit int64, timeout time.Duration, refused func(limit string), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(timeout))
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			// The connection is not reused: whatever is left of the body
			// must not hold up the answer.
			_ = rc.SetReadDeadline(time.Now())
			w.Header().Set("Connection", "close")
		} else {
			_ = rc.SetReadDeadline(time.Time{})
		}
		if maxErr, ok := errors.AsType[*http.MaxBytesError](err); ok {
			refused("body_size")
			WriteError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
				"the request body exceeds "+byteCount(maxErr.Limit))
			return
		}
		if netErr, ok := errors.AsType[net.Error](err); ok && netErr.Timeout() {
			refused("body_read_timeout")
			WriteError(w, http.StatusRequestTimeout, "REQUEST_TIMEOUT", "the request body did not arrive in time")
			return
		}
		if err != nil {
			WriteError(w, http.StatusBadRequest, "BAD_REQUEST", "the request body could not be read")
			return
		}
		// The POST transport refuses a malformed body itself; gqlgen's SSE
		// transport would echo it, so event streams are checked here.
		if IsEventStream(r) && isJSON(r) && !isGraphQLRequest(body) {
			refused("body_malformed")
			WriteError(w, http.StatusBadRequest, "BAD_REQUEST", badBody)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// isJSON reports whether r's body is declared JSON.
func isJSON(r *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "application/json"
}

// graphQLRequest is the shape of a GraphQL request body.
type graphQLRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

// isGraphQLRequest reports whether body decodes as one GraphQL request.
func isGraphQLRequest(body []byte) bool {
	_, ok := decodeRequest(bytes.NewReader(body))
	return ok
}

// decodeRequest decodes one GraphQL request, and nothing after it, from r.
func decodeRequest(r io.Reader) (graphQLRequest, bool) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var req graphQLRequest
	if err := dec.Decode(&req); err != nil {
		return graphQLRequest{}, false
	}
	_, err := dec.Token()
	return req, err == io.EOF
}

// WriteError writes a GraphQL error response of one error with code in its
// extensions, with status.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
}

func byteCount(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
