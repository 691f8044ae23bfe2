package pubsub_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/pubsub"
)

// publishRaw sends payloads on the user's subject from a connection of its
// own, as any client of the NATS server can.
func publishRaw(url string) func(t *testing.T, user string, payloads [][]byte) {
	return func(t *testing.T, user string, payloads [][]byte) {
		t.Helper()
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		for _, p := range payloads {
			if err := nc.Publish(pubsub.NATSSubject(user), p); err != nil {
				t.Fatal(err)
			}
		}
		if err := nc.FlushTimeout(guard); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNATSBusRefusesForgedEvents(t *testing.T) {
	url := natsURL(t)
	assertRefusesForgeries(t, newNATSInstanceWith(t, url, pubsub.NATSOptions{}, testSecret), publishRaw(url))
}

func TestNATSBusesWithDifferentSecretsRefuseEachOther(t *testing.T) {
	url := natsURL(t)
	assertKeysSeparate(t,
		newNATSInstanceWith(t, url, pubsub.NATSOptions{}, testSecret),
		newNATSInstanceWith(t, url, pubsub.NATSOptions{}, "another secret"))
}

// natsServerBinary returns the nats-server binary, failing on CI and
// skipping elsewhere when there is none.
func natsServerBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if _, statErr := os.Stat("/usr/sbin/nats-server"); statErr != nil {
			unavailable(t, "nats-server binary", err)
		}
		bin = "/usr/sbin/nats-server"
	}
	return bin
}

var natsListening = regexp.MustCompile(`Listening for client connections on (\S+)`)

// startNATSServer runs a private nats-server with args on a free local port
// and returns its host:port; it is stopped when the test ends.
func startNATSServer(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(natsServerBinary(t), append([]string{"-a", "127.0.0.1", "-p", "-1"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		logs strings.Builder
	)
	addr, read := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := natsListening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-read
		_ = cmd.Wait()
	})
	select {
	case a := <-addr:
		return a
	case <-read:
	case <-time.After(guard):
	}
	mu.Lock()
	defer mu.Unlock()
	t.Fatalf("nats-server did not start:\n%s", logs.String())
	return ""
}

// assertConnects checks that a bus connected to url with opts delivers its
// own events.
func assertConnects(t *testing.T, url string, opts pubsub.NATSOptions) {
	t.Helper()
	in := newNATSInstanceWith(t, url, opts, testSecret)
	user := newID(t)
	sub := in.hub.Subscribe(user)
	defer sub.Close()
	want := event(user, 1, "hello")
	in.bus.Publish(context.Background(), []chat.Event{want})
	assertEvent(t, receive(t, sub), want)
}

// assertRefused checks that no bus can connect to url with opts, and that the
// error does not show secret.
func assertRefused(t *testing.T, url string, opts pubsub.NATSOptions, secret string) {
	t.Helper()
	bus, err := pubsub.NewNATSBus(url, opts, newKey(t, testSecret), pubsub.NewHub(0), metrics.New(), nil)
	if err == nil {
		_ = bus.Close()
		t.Fatalf("connected to %s with %+v", pubsub.Redacted(url), opts)
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Fatalf("the error shows the secret: %v", err)
	}
	t.Logf("refused as expected: %v", err)
}

func TestNATSBusConnectsWithTheCredentialsOfItsURL(t *testing.T) {
	t.Run("token", func(t *testing.T) {
		addr := startNATSServer(t, "--auth", "s3cr3t-token")
		assertConnects(t, "nats://s3cr3t-token@"+addr, pubsub.NATSOptions{})
		assertRefused(t, "nats://"+addr, pubsub.NATSOptions{}, "")
		assertRefused(t, "nats://wrong-token@"+addr, pubsub.NATSOptions{}, "wrong-token")
	})
	t.Run("user and password", func(t *testing.T) {
		addr := startNATSServer(t, "--user", "messenger", "--pass", "hunter2")
		assertConnects(t, "nats://messenger:hunter2@"+addr, pubsub.NATSOptions{})
		assertRefused(t, "nats://"+addr, pubsub.NATSOptions{}, "")
		assertRefused(t, "nats://messenger:wrong@"+addr, pubsub.NATSOptions{}, "wrong")
	})
}

func TestNATSBusConnectsWithAnNkeySeedFile(t *testing.T) {
	dir := t.TempDir()
	seedFile := func(name string) (file, public string) {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		seed, _ := kp.Seed()
		public, _ = kp.PublicKey()
		file = filepath.Join(dir, name)
		if err := os.WriteFile(file, seed, 0o600); err != nil {
			t.Fatal(err)
		}
		return file, public
	}
	allowed, public := seedFile("allowed.nk")
	other, _ := seedFile("other.nk")
	conf := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(conf, []byte(`authorization { users = [ { nkey: "`+public+`" } ] }`), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := startNATSServer(t, "-c", conf)
	assertConnects(t, "nats://"+addr, pubsub.NATSOptions{NkeySeedFile: allowed})
	assertRefused(t, "nats://"+addr, pubsub.NATSOptions{NkeySeedFile: other}, "")
	assertRefused(t, "nats://"+addr, pubsub.NATSOptions{}, "")
}

func TestNATSBusConnectsWithMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	addr := startNATSServer(t, "--tlsverify", "--tlscert", pki.serverCert, "--tlskey", pki.serverKey, "--tlscacert", pki.ca)
	full := pubsub.NATSOptions{CAFile: pki.ca, CertFile: pki.clientCert, KeyFile: pki.clientKey}
	assertConnects(t, "nats://"+addr, full)
	assertConnects(t, "tls://"+addr, full)
	assertRefused(t, "nats://"+addr, pubsub.NATSOptions{CAFile: pki.ca}, "")                                   // no client certificate
	assertRefused(t, "nats://"+addr, pubsub.NATSOptions{CertFile: pki.clientCert, KeyFile: pki.clientKey}, "") // server not trusted
	assertRefused(t, "nats://"+addr, pubsub.NATSOptions{}, "")                                                 // neither
}

func TestNATSBusRefusesInconsistentOptions(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	seedFile := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []pubsub.NATSOptions{
		{CredsFile: seedFile, NkeySeedFile: seedFile},
		{CertFile: "client.pem"},
		{KeyFile: "client-key.pem"},
		{NkeySeedFile: filepath.Join(t.TempDir(), "missing.nk")},
	} {
		_, err := pubsub.NewNATSBus("nats://127.0.0.1:1", opts, newKey(t, testSecret), pubsub.NewHub(0), nil, nil)
		if err == nil || strings.Contains(err.Error(), "connect") {
			t.Errorf("%+v: %v, want an error about the options before connecting", opts, err)
		}
	}
}

func TestNATSBusErrorsDoNotShowTheURLsCredentials(t *testing.T) {
	_, err := pubsub.NewNATSBus("nats://s3cr3t-token@127.0.0.1:4222:bad", pubsub.NATSOptions{}, newKey(t, testSecret), pubsub.NewHub(0), nil, nil)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("got %v, want an error without the token", err)
	}
}

// testPKI is a certificate authority with a server certificate for 127.0.0.1
// and a client certificate, as PEM files.
type testPKI struct {
	ca, serverCert, serverKey, clientCert, clientKey string
}

// newTestPKI writes a fresh testPKI in a temporary directory.
func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	write := func(name, kind string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	serial := int64(0)
	template := func(cn string) *x509.Certificate {
		serial++
		return &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
		}
	}
	caKey := newKey()
	caTmpl := template("messenger test CA")
	caTmpl.IsCA, caTmpl.BasicConstraintsValid, caTmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	issue := func(name string, usage x509.ExtKeyUsage) (cert, key string) {
		k := newKey()
		tmpl := template(name)
		tmpl.KeyUsage, tmpl.ExtKeyUsage = x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{usage}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return write(name+".pem", "CERTIFICATE", der), write(name+"-key.pem", "PRIVATE KEY", keyDER)
	}
	pki := testPKI{ca: write("ca.pem", "CERTIFICATE", caDER)}
	pki.serverCert, pki.serverKey = issue("server", x509.ExtKeyUsageServerAuth)
	pki.clientCert, pki.clientKey = issue("client", x509.ExtKeyUsageClientAuth)
	return pki
}
