package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/managedagents/managedagents-go/managedagentstest"
)

// checkAPIError checks that err is the official SDK's error type decoded
// from the fake's error envelope: status, error.type, message,
// error_code, and one request ID shared by the request-id header, the body
// and the fake's own record of the request.
func checkAPIError(t *testing.T, e *env, err error, status int, typ anthropic.ErrorType, code string) *anthropic.Error {
	t.Helper()
	apiErr := sdkError(t, err)
	if apiErr.StatusCode != status {
		t.Errorf("status = %d, want %d (%v)", apiErr.StatusCode, status, err)
	}
	if apiErr.Type() != typ {
		t.Errorf("error.type = %q, want %q (%v)", apiErr.Type(), typ, err)
	}
	if apiErr.Message == "" {
		t.Errorf("error.message is empty: %s", apiErr.RawJSON())
	}
	if got := string(apiErr.ErrorCode()); got != code {
		t.Errorf("error_code = %q, want %q", got, code)
	}
	if apiErr.Details.ErrorCode != code {
		t.Errorf("Details.ErrorCode = %q, want %q", apiErr.Details.ErrorCode, code)
	}

	rec := e.last(t)
	if !strings.HasPrefix(apiErr.RequestID, "req_") || apiErr.RequestID != rec.RequestID {
		t.Errorf("RequestID = %q, want the fake's %q", apiErr.RequestID, rec.RequestID)
	}
	if apiErr.Response == nil || apiErr.Response.Header.Get("Content-Type") != "application/json" {
		t.Errorf("error response is not application/json")
	}

	// The envelope, member by member.
	var env anthropic.ErrorResponse
	if err := json.Unmarshal([]byte(apiErr.RawJSON()), &env); err != nil {
		t.Fatalf("envelope does not decode as anthropic.ErrorResponse: %v\n%s", err, apiErr.RawJSON())
	}
	if env.Type != "error" || env.RequestID != apiErr.RequestID || len(env.JSON.ExtraFields) != 0 {
		t.Errorf("envelope type %q request_id %q extra %v; want error, %q, none",
			env.Type, env.RequestID, slices.Collect(maps.Keys(env.JSON.ExtraFields)), apiErr.RequestID)
	}
	if env.Error.Type != string(typ) || env.Error.Message != apiErr.Message {
		t.Errorf("envelope error = %s", env.Error.RawJSON())
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal([]byte(env.Error.RawJSON()), &inner); err != nil {
		t.Fatalf("error member is not an object: %v", err)
	}
	for k := range inner {
		if k != "type" && k != "message" && k != "details" {
			t.Errorf("error member has unknown field %q", k)
		}
	}
	if d, ok := inner["details"]; ok != (code != "") {
		t.Errorf("error.details = %s, want it present iff an error_code is expected", d)
	} else if ok {
		checkWire(t, "error.details", apiErr.Details)
	}
	return apiErr
}

// TestErrorEnvelopes provokes each error status the Sessions calls answer and
// checks that the official SDK decodes the fake's envelope.
func TestErrorEnvelopes(t *testing.T) {
	newSession := func(t *testing.T, e *env) string {
		return mustNew(t, e, simpleParams("target")).ID
	}
	seventeen := map[string]string{}
	for i := range 17 {
		seventeen[fmt.Sprintf("key%02d", i)] = "v"
	}
	cases := []struct {
		name   string
		setup  func(t *testing.T, e *env) string // returns a session ID for run
		run    func(e *env, id string) error
		status int
		typ    anthropic.ErrorType
		code   string
		check  func(t *testing.T, e *env, apiErr *anthropic.Error)
	}{
		{
			name: "400 create without environment_id",
			run: func(e *env, _ string) error {
				_, err := e.sdk.Beta.Sessions.New(context.Background(), simpleParams("x"), option.WithJSONDel("environment_id"))
				return err
			},
			status: 400, typ: anthropic.ErrorTypeInvalidRequestError,
			check: func(t *testing.T, e *env, _ *anthropic.Error) {
				if _, ok := bodyOf(t, e.last(t))["environment_id"]; ok {
					t.Error("environment_id was sent")
				}
			},
		},
		{
			name: "400 create with an empty environment_id",
			run: func(e *env, _ string) error {
				p := simpleParams("x")
				p.EnvironmentID = ""
				_, err := e.sdk.Beta.Sessions.New(context.Background(), p)
				return err
			},
			status: 400, typ: anthropic.ErrorTypeInvalidRequestError,
		},
		{
			name: "400 create with 17 metadata keys",
			run: func(e *env, _ string) error {
				p := simpleParams("x")
				p.Metadata = seventeen
				_, err := e.sdk.Beta.Sessions.New(context.Background(), p)
				return err
			},
			status: 400, typ: anthropic.ErrorTypeInvalidRequestError, code: string(anthropic.ErrorCodeBetaInvalidMetadata),
		},
		{
			name:  "400 update to 17 metadata keys",
			setup: newSession,
			run: func(e *env, id string) error {
				_, err := e.sdk.Beta.Sessions.Update(context.Background(), id, anthropic.BetaSessionUpdateParams{Metadata: seventeen})
				return err
			},
			status: 400, typ: anthropic.ErrorTypeInvalidRequestError, code: string(anthropic.ErrorCodeBetaInvalidMetadata),
		},
		{
			// vault_ids is in the SDK's update params but reserved: rejected.
			name:  "400 update with vault_ids",
			setup: newSession,
			run: func(e *env, id string) error {
				_, err := e.sdk.Beta.Sessions.Update(context.Background(), id, anthropic.BetaSessionUpdateParams{VaultIDs: []string{"vlt_01X"}})
				return err
			},
			status: 400, typ: anthropic.ErrorTypeInvalidRequestError,
		},
		{
			name:  "400 budget added to a session created without one",
			setup: newSession,
			run: func(e *env, id string) error {
				_, err := e.sdk.Beta.Sessions.Update(context.Background(), id, anthropic.BetaSessionUpdateParams{Budget: budget("100")})
				return err
			},
			status: 400, typ: anthropic.ErrorTypeInvalidRequestError,
		},
		{
			name: "400 list with an unknown status",
			run: func(e *env, _ string) error {
				_, err := e.sdk.Beta.Sessions.List(context.Background(), anthropic.BetaSessionListParams{Statuses: []string{"sleeping"}})
				return err
			},
			status: 400, typ: anthropic.ErrorTypeInvalidRequestError,
		},
		{
			name: "401 wrong API key",
			run: func(e *env, _ string) error {
				c := e.newSDK("sk-ant-wrong-key")
				_, err := c.Beta.Sessions.List(context.Background(), anthropic.BetaSessionListParams{})
				return err
			},
			status: 401, typ: anthropic.ErrorTypeAuthenticationError,
			check: func(t *testing.T, e *env, apiErr *anthropic.Error) {
				if strings.Contains(apiErr.Error(), "sk-ant-wrong-key") {
					t.Errorf("the key leaks into the error: %v", apiErr)
				}
			},
		},
		{
			name: "404 unknown session",
			run: func(e *env, _ string) error {
				_, err := e.sdk.Beta.Sessions.Get(context.Background(), "sesn_01hEj4ivXnKjT7822KZ76Fzc8R", anthropic.BetaSessionGetParams{})
				return err
			},
			status: 404, typ: anthropic.ErrorTypeNotFoundError,
		},
		{
			name: "404 unknown agent",
			run: func(e *env, _ string) error {
				p := simpleParams("x")
				p.Agent = anthropic.BetaSessionNewParamsAgentUnion{OfString: anthropic.String("agent_01NoSuchAgent")}
				_, err := e.sdk.Beta.Sessions.New(context.Background(), p)
				return err
			},
			status: 404, typ: anthropic.ErrorTypeNotFoundError,
		},
		{
			name: "409 update of an archived session",
			setup: func(t *testing.T, e *env) string {
				id := newSession(t, e)
				if _, err := e.sdk.Beta.Sessions.Archive(context.Background(), id, anthropic.BetaSessionArchiveParams{}); err != nil {
					t.Fatalf("Archive: %v", err)
				}
				return id
			},
			run: func(e *env, id string) error {
				_, err := e.sdk.Beta.Sessions.Update(context.Background(), id, anthropic.BetaSessionUpdateParams{Title: anthropic.String("late")})
				return err
			},
			// The SDK's ErrorType list has conflict_error, the type the API
			// errors page gives 409.
			status: 409, typ: anthropic.ErrorTypeConflictError,
		},
		{
			name: "429 injected",
			setup: func(t *testing.T, e *env) string {
				e.srv.FailNext(1, http.StatusTooManyRequests, managedagentstest.FailWithRetryAfter(time.Second))
				return ""
			},
			run: func(e *env, _ string) error {
				_, err := e.sdk.Beta.Sessions.List(context.Background(), anthropic.BetaSessionListParams{})
				return err
			},
			status: 429, typ: anthropic.ErrorTypeRateLimitError,
			check: func(t *testing.T, e *env, apiErr *anthropic.Error) {
				if got := apiErr.Response.Header.Get("retry-after"); got != "1" {
					t.Errorf("retry-after = %q, want 1", got)
				}
			},
		},
		{
			name: "429 spend limit on create",
			setup: func(t *testing.T, e *env) string {
				e.srv.FailNext(1, http.StatusTooManyRequests, managedagentstest.FailWithErrorCode("enforced_spend_limit_reached"),
					managedagentstest.FailWithHeader("x-should-retry", "false"))
				return ""
			},
			run: func(e *env, _ string) error {
				_, err := e.sdk.Beta.Sessions.New(context.Background(), simpleParams("x"))
				return err
			},
			status: 429, typ: anthropic.ErrorTypeRateLimitError, code: string(anthropic.ErrorCodeEnforcedSpendLimitReached),
		},
		{
			name: "529 injected",
			setup: func(t *testing.T, e *env) string {
				e.srv.FailNext(1, 529, managedagentstest.FailWithHeader("retry-after-ms", "1500"))
				return ""
			},
			run: func(e *env, _ string) error {
				_, err := e.sdk.Beta.Sessions.Get(context.Background(), "sesn_01Whatever", anthropic.BetaSessionGetParams{})
				return err
			},
			status: 529, typ: anthropic.ErrorTypeOverloadedError,
			check: func(t *testing.T, e *env, apiErr *anthropic.Error) {
				if got := apiErr.Response.Header.Get("retry-after-ms"); got != "1500" {
					t.Errorf("retry-after-ms = %q", got)
				}
			},
		},
		{
			name: "500 injected",
			setup: func(t *testing.T, e *env) string {
				e.srv.FailNext(1, http.StatusInternalServerError)
				return ""
			},
			run: func(e *env, _ string) error {
				_, err := e.sdk.Beta.Sessions.Delete(context.Background(), "sesn_01Whatever", anthropic.BetaSessionDeleteParams{})
				return err
			},
			status: 500, typ: anthropic.ErrorTypeAPIError,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := ""
			if tc.setup != nil {
				id = tc.setup(t, e)
			}
			before := len(e.srv.Requests())
			apiErr := checkAPIError(t, e, tc.run(e, id), tc.status, tc.typ, tc.code)
			// Retries are off in the SDK: exactly one attempt.
			if n := len(e.srv.Requests()) - before; n != 1 {
				t.Errorf("%d requests reached the fake, want 1", n)
			}
			if tc.check != nil {
				tc.check(t, e, apiErr)
			}
		})
	}
}

// TestRetryAfterInjectedOverload lets the SDK retry (its default policy
// honours retry-after-ms) and checks that the fake's injected 529 is spent
// after one answer, so the retry succeeds.
func TestRetryAfterInjectedOverload(t *testing.T) {
	e := newEnv(t)
	s := mustNew(t, e, simpleParams("retry"))
	e.srv.FailNext(1, 529, managedagentstest.FailWithHeader("retry-after-ms", "10"))
	c := e.newSDK(apiKey, option.WithMaxRetries(1))
	got, err := c.Beta.Sessions.Get(context.Background(), s.ID, anthropic.BetaSessionGetParams{})
	if err != nil {
		t.Fatalf("Get with one retry: %v", err)
	}
	if got.ID != s.ID {
		t.Errorf("got %s", got.ID)
	}
	if n := e.srv.Count(http.MethodGet, "/v1/sessions/"+s.ID); n != 2 {
		t.Errorf("GET sent %d times, want 2", n)
	}
	if retry := e.last(t).Header.Get("X-Stainless-Retry-Count"); retry != "1" {
		t.Errorf("X-Stainless-Retry-Count on the retry = %q", retry)
	}
}
