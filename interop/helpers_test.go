package interop

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/respjson"

	managedagents "github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
)

// apiKey is the only credential the fake accepts in these tests, so a 200
// proves the key reached the server intact.
const apiKey = "sk-ant-interop-0123456789"

// clock is a manual clock for the fake: it moves only when told to, so
// timestamps are exact and created_at bounds can be placed between sessions.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 11, 26, 10, 14, 4, 118_000_000, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and returns the new time.
func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// env is one fake server with both clients pointed at it.
type env struct {
	srv   *managedagentstest.Server
	clock *clock
	sdk   anthropic.Client
	ours  *managedagents.Client

	mu       sync.Mutex
	rawQuery []string // raw query strings of the SDK's requests, as they left the SDK
}

// newEnv starts a fake that only accepts apiKey, with a manual clock, and
// builds the official client (no environment, no retries, the fake's own
// loopback HTTP client) and ours.
func newEnv(t *testing.T, opts ...managedagentstest.Option) *env {
	t.Helper()
	e := &env{clock: newClock()}
	opts = append([]managedagentstest.Option{
		managedagentstest.WithAPIKeys(apiKey),
		managedagentstest.WithClock(e.clock.Now),
	}, opts...)
	e.srv = managedagentstest.NewServer(opts...)
	t.Cleanup(e.srv.Close)
	e.sdk = e.newSDK(apiKey)

	ours, err := managedagents.NewClient(
		managedagents.WithBaseURL(e.srv.URL()),
		managedagents.WithAPIKey(apiKey),
		managedagents.WithoutEnvironment(),
		managedagents.WithHTTPClient(e.httpClient()),
		managedagents.WithMaxRetries(0),
	)
	if err != nil {
		t.Fatalf("managedagents.NewClient: %v", err)
	}
	e.ours = ours
	return e
}

// newSDK builds an official client for the fake with the given key.
// WithoutEnvironmentDefaults keeps ANTHROPIC_* variables and profile files
// out of the picture; the middleware records the raw query of each request.
func (e *env) newSDK(key string, extra ...option.RequestOption) anthropic.Client {
	opts := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(e.srv.URL()),
		option.WithAPIKey(key),
		option.WithHTTPClient(e.httpClient()),
		option.WithMaxRetries(0),
		option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			e.mu.Lock()
			e.rawQuery = append(e.rawQuery, req.URL.RawQuery)
			e.mu.Unlock()
			return next(req)
		}),
	}
	return anthropic.NewClient(append(opts, extra...)...)
}

// httpClient is the fake's HTTP client behind a guard that refuses any
// request not addressed to the fake itself, so no test can reach a real
// service whatever a client's defaults are.
func (e *env) httpClient() *http.Client {
	u, err := url.Parse(e.srv.URL())
	if err != nil || !strings.HasPrefix(u.Host, "127.0.0.1:") {
		panic(fmt.Sprintf("interop: the fake listens on %q, not on 127.0.0.1", e.srv.URL()))
	}
	return &http.Client{Transport: loopbackOnly{host: u.Host, next: e.srv.Client().Transport}}
}

type loopbackOnly struct {
	host string
	next http.RoundTripper
}

func (l loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != l.host {
		return nil, fmt.Errorf("interop: refusing a request to %s; only the fake at %s may be called", r.URL.Host, l.host)
	}
	return l.next.RoundTrip(r)
}

// lastRawQuery is the raw query string of the SDK's latest request.
func (e *env) lastRawQuery(t *testing.T) string {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.rawQuery) == 0 {
		t.Fatal("the SDK sent no request")
	}
	return e.rawQuery[len(e.rawQuery)-1]
}

// last returns the fake's record of the latest request.
func (e *env) last(t *testing.T) managedagentstest.RecordedRequest {
	t.Helper()
	reqs := e.srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("the fake received no request")
	}
	return reqs[len(reqs)-1]
}

// bodyOf decodes a recorded JSON body into generic values for comparison.
func bodyOf(t *testing.T, r managedagentstest.RecordedRequest) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", r.Method, r.Path, r.Body, err)
	}
	return m
}

// jsonValue decodes a JSON literal written in a test.
func jsonValue(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad JSON literal in test: %v\n%s", err, s)
	}
	return m
}

// rawObject decodes the top level of a JSON object, keeping members raw.
func rawObject(t *testing.T, s string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, s)
	}
	return m
}

// sdkError returns err as the official SDK's *anthropic.Error, failing the
// test when it is something else.
func sdkError(t *testing.T, err error) *anthropic.Error {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want an *anthropic.Error")
	}
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %T (%v) is not an *anthropic.Error", err, err)
	}
	return apiErr
}

// checkWire walks a value the official SDK decoded and reports, at every
// level:
//
//   - a field tagged api:"required" (or carrying a constant default such as
//     type) that was absent from the JSON;
//   - a field present with a JSON type that does not fit the Go type (the
//     SDK's decoder marks some of these invalid and silently coerces others,
//     such as a number into a string field);
//   - a constant field (type, …) whose value differs from the SDK's constant;
//   - members the SDK does not know (JSON.ExtraFields): the fake must not
//     invent fields;
//   - a union whose discriminator names no variant the SDK knows.
//
// Unions are checked through the variant their AsAny method selects, which
// is a full struct with its own required fields and ExtraFields.
func checkWire(t *testing.T, what string, v any) {
	t.Helper()
	for _, p := range wireProblems(v) {
		t.Errorf("%s: %s", what, p)
	}
}

// wireProblems returns what checkWire reports, one line per problem.
func wireProblems(v any) []string {
	var problems []string
	walkWire(reflect.ValueOf(v), "$", &problems)
	return problems
}

var (
	fieldType = reflect.TypeFor[respjson.Field]()
	timeType  = reflect.TypeFor[time.Time]()
)

func walkWire(v reflect.Value, path string, problems *[]string) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkWire(v.Index(i), fmt.Sprintf("%s[%d]", path, i), problems)
		}
		return
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walkWire(v.MapIndex(k), fmt.Sprintf("%s[%v]", path, k), problems)
		}
		return
	case reflect.Struct:
	default:
		return
	}
	t := v.Type()
	if t == timeType {
		return
	}
	meta := v.FieldByName("JSON")
	if !meta.IsValid() || meta.Kind() != reflect.Struct {
		return
	}
	if !meta.FieldByName("ExtraFields").IsValid() {
		// A union (or an implicit sub-union of one): check the variant.
		if m := v.MethodByName("AsAny"); m.IsValid() {
			raw := v.MethodByName("RawJSON").Call(nil)[0].String()
			if raw == "" || raw == "null" || !strings.HasPrefix(strings.TrimSpace(raw), "{") {
				return
			}
			variant := m.Call(nil)[0]
			if variant.IsNil() {
				*problems = append(*problems, fmt.Sprintf("%s: the SDK knows no variant for %s", path, raw))
				return
			}
			walkWire(variant, path, problems)
		}
		return
	}
	if extras := meta.FieldByName("ExtraFields"); extras.Len() > 0 && !openObject(t) {
		keys := make([]string, 0, extras.Len())
		for _, k := range extras.MapKeys() {
			keys = append(keys, k.String())
		}
		slices.Sort(keys)
		*problems = append(*problems, fmt.Sprintf("%s: fields unknown to the SDK: %v", path, keys))
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Name == "JSON" {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		mf := meta.FieldByName(sf.Name)
		if !mf.IsValid() || mf.Type() != fieldType {
			continue
		}
		f := mf.Interface().(respjson.Field)
		p := path + "." + name
		raw := f.Raw()
		def, hasDefault := sf.Tag.Lookup("default")
		required := strings.Contains(sf.Tag.Get("api"), "required") || hasDefault
		switch {
		case raw == respjson.Omitted:
			if required {
				*problems = append(*problems, p+": required field is absent")
			}
			continue
		case raw == respjson.Null:
			continue
		case !f.Valid():
			*problems = append(*problems, fmt.Sprintf("%s: the SDK could not decode %s", p, raw))
			continue
		}
		if msg := kindMismatch(sf.Type, raw); msg != "" {
			*problems = append(*problems, fmt.Sprintf("%s: %s (got %s)", p, msg, raw))
		}
		if hasDefault && sf.Type.Kind() == reflect.String && v.Field(i).String() != def {
			*problems = append(*problems, fmt.Sprintf("%s: constant is %q, want %q", p, v.Field(i).String(), def))
		}
		walkWire(v.Field(i), p, problems)
	}
}

// openObject reports whether the SDK's type t takes any member: it has an
// exported field tagged api:"extrafields" that holds the members it does not
// name (a custom tool's input_schema, whose JSON Schema keywords are open).
func openObject(t reflect.Type) bool {
	for i := range t.NumField() {
		if sf := t.Field(i); sf.IsExported() && strings.Contains(sf.Tag.Get("api"), "extrafields") {
			return true
		}
	}
	return false
}

// kindMismatch says what is wrong when raw's JSON type does not fit t.
func kindMismatch(t reflect.Type, raw string) string {
	c := strings.TrimSpace(raw)[0]
	want := ""
	switch {
	case t == timeType:
		var s string
		if json.Unmarshal([]byte(raw), &s) != nil {
			return "want an RFC 3339 string"
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return "want an RFC 3339 date-time"
		}
		if !strings.HasSuffix(s, "Z") {
			return "want a UTC date-time ending in Z"
		}
		return ""
	case t.Kind() == reflect.String:
		want = `"`
	case t.Kind() == reflect.Bool:
		if c != 't' && c != 'f' {
			return "want a boolean"
		}
		return ""
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		if c != '-' && (c < '0' || c > '9') {
			return "want a number"
		}
		if t.Kind() <= reflect.Uint64 && strings.ContainsAny(raw, ".eE") {
			return "want an integer"
		}
		return ""
	case t.Kind() == reflect.Slice:
		want = "["
	case t.Kind() == reflect.Map:
		want = "{"
	case t.Kind() == reflect.Struct:
		if _, ok := t.FieldByName("JSON"); ok {
			if f, _ := t.FieldByName("JSON"); f.Type.Kind() == reflect.Struct {
				if _, isObj := f.Type.FieldByName("ExtraFields"); isObj {
					want = "{"
				}
			}
		}
	}
	if want != "" && string(c) != want {
		return "want a JSON " + map[string]string{`"`: "string", "[": "array", "{": "object"}[want]
	}
	return ""
}
