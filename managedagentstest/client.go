package managedagentstest

import (
	"slices"
	"time"

	"github.com/managedagents/managedagents-go"
)

// ClientKey is the API key a client from [Server.NewClient] sends when the
// fake accepts any credential.
const ClientKey = "managedagentstest-key"

// Retry waits of a client from [Server.NewClient]: short, so that injected
// failures cost a test milliseconds.
const (
	clientRetryWaitMin = time.Millisecond
	clientRetryWaitMax = 10 * time.Millisecond
)

// NewClient returns a managedagents client for this server, ready to use:
// its base URL is the server's, it sends [ClientKey] (or, with
// [WithAPIKeys], one of the keys the fake accepts), its retries wait 1 ms,
// doubling up to 10 ms, and it reads no environment
// ([managedagents.WithoutEnvironment]), so a developer's real
// ANTHROPIC_API_KEY never reaches the fake and ANTHROPIC_BASE_URL cannot
// send the tests elsewhere. opts come after these and override them; a
// bearer token needs [managedagents.NewClient] instead, as it cannot be
// combined with an API key.
func (s *Server) NewClient(opts ...managedagents.Option) (*managedagents.Client, error) {
	base := []managedagents.Option{
		managedagents.WithBaseURL(s.URL()),
		managedagents.WithAPIKey(s.clientKey()),
		managedagents.WithoutEnvironment(),
		managedagents.WithRetryWait(clientRetryWaitMin, clientRetryWaitMax),
	}
	return managedagents.NewClient(append(base, opts...)...)
}

// clientKey is a key the fake accepts: ClientKey, or the first of the keys
// given to WithAPIKeys in sorted order.
func (s *Server) clientKey() string {
	if len(s.cfg.apiKeys) == 0 {
		return ClientKey
	}
	keys := make([]string, 0, len(s.cfg.apiKeys))
	for k := range s.cfg.apiKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0]
}
