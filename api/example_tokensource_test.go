package api_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// FileTokenSource is an api.TokenSource that reads the Finicity-App-Token
// from a file that one refresher process writes: the answer to "five
// replicas lock the partner account". Only the refresher holds the
// partner secret and authenticates; the replicas read the file, so a
// stale secret costs one failed authentication, not one per replica.
//
// Token re-reads the file when it changed (its modification time or size)
// or after Invalidate; otherwise it returns the token read last, so a call
// costs one stat, not one read.
type FileTokenSource struct {
	Path string

	mu      sync.Mutex
	token   string
	modTime time.Time
	size    int64
	stale   bool
}

// Token returns the token in the file.
func (f *FileTokenSource) Token(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	info, err := os.Stat(f.Path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	if f.token != "" && !f.stale && info.ModTime().Equal(f.modTime) && info.Size() == f.size {
		return f.token, nil
	}
	b, err := os.ReadFile(f.Path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", errors.New("token file: empty, the refresher has not written a token yet")
	}
	f.token, f.modTime, f.size, f.stale = tok, info.ModTime(), info.Size(), false
	return tok, nil
}

// Invalidate marks token stale once the API refused it as expired: the
// next Token call reads the file again, in case the refresher has written
// a new one since.
func (f *FileTokenSource) Invalidate(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if token == f.token {
		f.stale = true
	}
}

// WriteTokenFile is the refresher's side: it replaces the file at once
// (write aside, then rename), so a replica never reads half a token. The
// file is readable by its owner only.
func WriteTokenFile(path, token string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up after a failure
	if _, err := tmp.WriteString(token + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func ExampleWithTokenSource() {
	ctx := context.Background()
	baseURL, httpClient := sandboxEndpoint() // in production: leave WithBaseURL and WithHTTPClient out
	dir, err := os.MkdirTemp("", "finicity")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	tokenFile := filepath.Join(dir, "app-token")

	// The refresher: the one process that holds the partner credentials.
	// It authenticates now and every 90 minutes, and stops at the first
	// rejection instead of retrying (five failures lock the account).
	refresher, err := api.NewClient("my-app-key",
		api.WithPartnerCredentials("sandbox-partner", "sandbox-secret"),
		api.WithBaseURL(baseURL), api.WithHTTPClient(httpClient))
	if err != nil {
		fmt.Println(err)
		return
	}
	refresh := func() error {
		tok, err := refresher.Partners.Authenticate(ctx, api.PartnerCredentials{PartnerID: "sandbox-partner", PartnerSecret: api.NewSecret("sandbox-secret")})
		if err != nil {
			return err
		}
		return WriteTokenFile(tokenFile, tok.Token.Reveal())
	}
	if err := refresh(); err != nil {
		fmt.Println(err)
		return
	}

	// A replica: no partner secret, only the app key and the file. On an
	// expired token it invalidates it, reads the file again and replays
	// the call once.
	replica, err := api.NewClient("my-app-key",
		api.WithTokenSource(&FileTokenSource{Path: tokenFile}),
		api.WithBaseURL(baseURL), api.WithHTTPClient(httpClient))
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := replica.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created:", cfg.FilterAccounts)

	// The refresher renews the token; the replica picks it up.
	if err := refresh(); err != nil {
		fmt.Println(err)
		return
	}
	configs, err := replica.Configurations.List(ctx)
	fmt.Println("listed:", len(configs), err)
	// Output:
	// created: [Checking]
	// listed: 1 <nil>
}
