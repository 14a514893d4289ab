package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/managedagents/managedagents-go"
)

// Tool names, without a ToolPrefix.
const (
	ToolCreateSession     = "anthropic-create-session"
	ToolListSessions      = "anthropic-list-sessions"
	ToolGetSession        = "anthropic-get-session"
	ToolUpdateSession     = "anthropic-update-session"
	ToolArchiveSession    = "anthropic-archive-session"
	ToolDeleteSession     = "anthropic-delete-session"
	ToolSendSessionEvents = "anthropic-send-session-events"
	ToolListSessionEvents = "anthropic-list-session-events"
	ToolWaitForSession    = "anthropic-wait-for-session"

	ToolListSessionThreads      = "anthropic-list-session-threads"
	ToolGetSessionThread        = "anthropic-get-session-thread"
	ToolListSessionThreadEvents = "anthropic-list-session-thread-events"
	ToolListSessionResources    = "anthropic-list-session-resources"
	ToolAddSessionResource      = "anthropic-add-session-resource"
	ToolRemoveSessionResource   = "anthropic-remove-session-resource"
)

// DefaultServerName is the name the server reports in the MCP handshake.
const DefaultServerName = "managedagents-mcp"

// maxPrefixLen keeps prefixed names within the 128 characters MCP allows.
const maxPrefixLen = 64

// An Option configures NewServer. Options check their input: a bad value
// makes NewServer return an error; no option panics.
type Option func(*config) error

type config struct {
	readOnly      bool
	noDestructive bool
	prefix        string
	name, version string
	base          context.Context
	logger        *slog.Logger
	// defaultAgent and defaultEnvironment fill in create-session.
	defaultAgent, defaultEnvironment string
	// waitDefault and waitMax bound anthropic-wait-for-session.
	waitDefault, waitMax time.Duration
}

// ReadOnly registers only the tools that change nothing: list and get
// sessions, list session events, list and get threads and read their
// events, list resources, and a wait-for-session that cannot send events
// (it only follows the session). Adding and removing resources are left
// out.
func ReadOnly() Option {
	return func(c *config) error { c.readOnly = true; return nil }
}

// NoDestructive leaves out the tools annotated destructive: delete, archive
// and update (which can clear a title, metadata keys or a budget), and
// remove-resource. Create, send, wait and add-resource remain.
func NoDestructive() Option {
	return func(c *config) error { c.noDestructive = true; return nil }
}

// ToolPrefix puts p in front of every tool name, for example "prod-" gives
// "prod-anthropic-get-session". It may hold ASCII letters, digits, '-' and
// '_', at most 64 of them.
func ToolPrefix(p string) Option {
	return func(c *config) error {
		if p == "" {
			return errors.New("ToolPrefix: the prefix is empty")
		}
		if len(p) > maxPrefixLen {
			return fmt.Errorf("ToolPrefix: the prefix is longer than %d characters", maxPrefixLen)
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("ToolPrefix: %q holds %q; use letters, digits, '-' and '_'", p, r)
			}
		}
		c.prefix = p
		return nil
	}
}

// WithServerName sets the name reported in the MCP handshake (default
// "managedagents-mcp").
func WithServerName(name string) Option {
	return func(c *config) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("WithServerName: the name is empty")
		}
		c.name = name
		return nil
	}
}

// WithServerVersion sets the version reported in the MCP handshake (default
// the library's Version).
func WithServerVersion(version string) Option {
	return func(c *config) error {
		if strings.TrimSpace(version) == "" {
			return errors.New("WithServerVersion: the version is empty")
		}
		c.version = version
		return nil
	}
}

// WithBaseContext ties every tool call to ctx as well as to its request:
// when ctx ends, calls in flight (a long anthropic-wait-for-session) return
// at once. A server that shuts down passes the context whose end starts the
// shutdown.
func WithBaseContext(ctx context.Context) Option {
	return func(c *config) error {
		if ctx == nil {
			return errors.New("WithBaseContext: the context is nil")
		}
		c.base = ctx
		return nil
	}
}

// WithLogger logs each tool call (name, duration, whether it failed) at
// debug level, and the SDK's own server activity. Arguments and results are
// never logged. Without it nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithDefaultAgent makes anthropic-create-session run agent id (agent_…)
// when its arguments name no agent_id. The tool description and the server
// instructions say so, so a model need not ask for it.
func WithDefaultAgent(id string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" {
			return errors.New("WithDefaultAgent: the agent ID is empty")
		}
		c.defaultAgent = strings.TrimSpace(id)
		return nil
	}
}

// WithDefaultEnvironment makes anthropic-create-session use environment id
// (env_…) when its arguments name no environment_id.
func WithDefaultEnvironment(id string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" {
			return errors.New("WithDefaultEnvironment: the environment ID is empty")
		}
		c.defaultEnvironment = strings.TrimSpace(id)
		return nil
	}
}

// WithWaitLimits sets how long one anthropic-wait-for-session call waits
// when timeout_seconds is left out (default DefaultWaitTimeout) and at most
// (default MaxWaitTimeout). Both are whole seconds, at least 1 s, and
// def <= max. Keep max under the request timeout of the clients served:
// a turn that outlasts a wait is followed by the next call with the
// returned cursor.
func WithWaitLimits(def, max time.Duration) Option {
	return func(c *config) error {
		switch {
		case def < time.Second || max < time.Second:
			return fmt.Errorf("WithWaitLimits: %v and %v must be at least 1s", def, max)
		case def%time.Second != 0 || max%time.Second != 0:
			return fmt.Errorf("WithWaitLimits: %v and %v must be whole seconds", def, max)
		case def > max:
			return fmt.Errorf("WithWaitLimits: the default %v is above the maximum %v", def, max)
		}
		c.waitDefault, c.waitMax = def, max
		return nil
	}
}

// adapter holds what the tool handlers share.
type adapter struct {
	client *managedagents.Client
	cfg    config
	server *sdk.Server
	logger *slog.Logger
	// inputs holds each registered tool's input schema, for the Fix of
	// refused arguments.
	inputs map[string]*jsonschema.Schema
}

// name returns the registered name of a tool.
func (a *adapter) name(base string) string { return a.cfg.prefix + base }

// NewServer returns an MCP server whose tools call client. See the package
// documentation for the tools; opts select and rename them.
func NewServer(client *managedagents.Client, opts ...Option) (srv *sdk.Server, err error) {
	if client == nil {
		return nil, errors.New("mcp: NewServer: the client is nil")
	}
	cfg := config{name: DefaultServerName, version: managedagents.Version, waitDefault: DefaultWaitTimeout, waitMax: MaxWaitTimeout}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("mcp: option %d is nil", i)
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("mcp: %w", err)
		}
	}
	a := &adapter{client: client, cfg: cfg, logger: cfg.logger, inputs: map[string]*jsonschema.Schema{}}
	if a.logger == nil {
		a.logger = slog.New(slog.DiscardHandler)
	}
	a.server = sdk.NewServer(
		&sdk.Implementation{Name: cfg.name, Title: "Claude Managed Agents sessions", Version: cfg.version},
		&sdk.ServerOptions{Instructions: a.instructions(), Logger: cfg.logger},
	)
	// The SDK panics on a tool whose schema it cannot infer; the input types
	// are fixed, so that would be a bug here, but it is reported as an error
	// rather than crash the caller.
	defer func() {
		if p := recover(); p != nil {
			srv, err = nil, fmt.Errorf("mcp: registering the tools: %v", p)
		}
	}()
	for _, t := range a.tools() {
		t.add(a, t.tool(a))
	}
	a.server.AddReceivingMiddleware(a.results)
	return a.server, nil
}

// toolSpec describes one tool and registers it.
type toolSpec struct {
	base                              string
	title, description                string
	readOnly, destructive, idempotent bool
	add                               func(a *adapter, t *sdk.Tool)
}

func (s toolSpec) tool(a *adapter) *sdk.Tool {
	return &sdk.Tool{
		Name:        a.name(s.base),
		Title:       s.title,
		Description: s.description,
		Annotations: &sdk.ToolAnnotations{
			Title:           s.title,
			ReadOnlyHint:    s.readOnly,
			DestructiveHint: &s.destructive,
			IdempotentHint:  s.idempotent,
			OpenWorldHint:   ptr(true), // every tool reaches the Claude API
		},
	}
}

func ptr[T any](v T) *T { return &v }

// tools lists the tools the configuration selects, in a stable order.
func (a *adapter) tools() []toolSpec {
	all := []toolSpec{
		a.createSessionTool(),
		a.listSessionsTool(),
		a.getSessionTool(),
		a.updateSessionTool(),
		a.archiveSessionTool(),
		a.deleteSessionTool(),
		a.sendEventsTool(),
		a.listEventsTool(),
		a.listThreadsTool(),
		a.getThreadTool(),
		a.listThreadEventsTool(),
		a.listResourcesTool(),
		a.addResourceTool(),
		a.removeResourceTool(),
	}
	if a.cfg.readOnly {
		all = append(all, a.followSessionTool())
	} else {
		all = append(all, a.waitForSessionTool())
	}
	var out []toolSpec
	for _, t := range all {
		if a.cfg.readOnly && !t.readOnly || a.cfg.noDestructive && t.destructive && !t.readOnly {
			continue
		}
		out = append(out, t)
	}
	return out
}

// instructions tells the model what the server is for and how to use it.
func (a *adapter) instructions() string {
	var b strings.Builder
	fmt.Fprintf(&b, "This server manages Claude Managed Agents sessions through the Anthropic Sessions API "+
		"(beta %s). A session runs an agent in an environment; you talk to it by sending events and read "+
		"what it did from its event history.\n\n", managedagents.BetaManagedAgents)
	if a.cfg.readOnly {
		fmt.Fprintf(&b, "It is in read-only mode: you can list and read sessions (%s, %s), read their events (%s) "+
			"and follow a session until its current turn ends (%s), but not change anything.\n\n",
			a.name(ToolListSessions), a.name(ToolGetSession), a.name(ToolListSessionEvents), a.name(ToolWaitForSession))
		fmt.Fprintf(&b, "In a multi-agent session, %s lists the primary thread and the child threads it spawned, %s reads one "+
			"and %s reads a thread's own history; %s lists what is mounted into the sandbox.\n\n",
			a.name(ToolListSessionThreads), a.name(ToolGetSessionThread), a.name(ToolListSessionThreadEvents), a.name(ToolListSessionResources))
	} else {
		fmt.Fprintf(&b, "Typical flow: %s (agent_id and environment_id), then %s with a user.message in events "+
			"and wait for the reply, or %s then %s with the echoed event IDs. Read state with %s, %s and %s. %s",
			a.name(ToolCreateSession), a.name(ToolWaitForSession), a.name(ToolSendSessionEvents), a.name(ToolWaitForSession),
			a.name(ToolGetSession), a.name(ToolListSessions), a.name(ToolListSessionEvents), a.defaultsSentence())
		if !a.cfg.noDestructive {
			fmt.Fprintf(&b, " %s changes the title, metadata, budget or tools. %s (read-only for good) and "+
				"%s (removes the session with its history) cannot be undone: confirm with the user first.",
				a.name(ToolUpdateSession), a.name(ToolArchiveSession), a.name(ToolDeleteSession))
		}
		b.WriteString("\n\n")
		fmt.Fprintf(&b, "In a multi-agent session, %s lists the primary thread and the child threads it spawned, %s reads one "+
			"and %s reads a thread's own history. %s lists what is mounted into the sandbox and %s mounts an uploaded file",
			a.name(ToolListSessionThreads), a.name(ToolGetSessionThread), a.name(ToolListSessionThreadEvents),
			a.name(ToolListSessionResources), a.name(ToolAddSessionResource))
		if !a.cfg.noDestructive {
			fmt.Fprintf(&b, "; %s unmounts one", a.name(ToolRemoveSessionResource))
		}
		b.WriteString(".\n\n")
		fmt.Fprintf(&b, "%s, %s and %s are NOT idempotent: the API has no idempotency key. If one fails with an "+
			"\"outcome unknown\" error, the request may have been applied: do not retry it blindly. First look "+
			"for the session (%s, newest first), the event in the history (%s) or the file in the resources (%s), "+
			"and retry only if it is absent.\n\n",
			a.name(ToolCreateSession), a.name(ToolSendSessionEvents), a.name(ToolAddSessionResource),
			a.name(ToolListSessions), a.name(ToolListSessionEvents), a.name(ToolListSessionResources))
	}
	fmt.Fprintf(&b, "One call of %s waits at most %s (default %s), below the 60 s request timeout of common clients; "+
		"when the turn is still running it returns outcome \"running\" with a cursor: call it again with that cursor to go on, "+
		"with no event lost or repeated.\n\n", a.name(ToolWaitForSession), a.cfg.waitMax, a.cfg.waitDefault)
	b.WriteString("Arguments are flat JSON objects (no body wrapper); the same thing has the same name in every tool " +
		"(session_id, events, statuses, limit, page, order). Results hold the API's JSON unchanged as structured content, " +
		"and a short summary as text. Errors come back as tool results with isError set, naming the error type, " +
		"the message, how to fix the call and the API's request ID.")
	return b.String()
}

// addTool registers a typed handler. The input and output schemas are
// inferred from In and Out (tightenIn adds the input's constraints,
// tightenOut the output's), so the SDK advertises both, checks the
// arguments and checks every successful result against the output schema.
// The handler returns a summary for people and the output; an error becomes
// a failed result (see errorResult). Calls are tied to the base context,
// recover from panics and are logged.
func addTool[In, Out any](a *adapter, t *sdk.Tool, tightenIn, tightenOut func(*jsonschema.Schema),
	h func(ctx context.Context, req *sdk.CallToolRequest, in In) (string, Out, error)) {
	t.InputSchema = schemaFor[In](tightenIn)
	t.OutputSchema = schemaFor[Out](tightenOut)
	a.inputs[t.Name] = t.InputSchema.(*jsonschema.Schema)
	sdk.AddTool(a.server, t, func(ctx context.Context, req *sdk.CallToolRequest, in In) (res *sdk.CallToolResult, out Out, err error) {
		ctx, cancel := a.callContext(ctx)
		defer cancel()
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				a.logger.Error("mcp: tool panicked", "tool", t.Name, "panic", fmt.Sprint(p))
				res, err = nil, &toolError{errorInfo{Type: errInternal, Message: "the tool failed unexpectedly"}}
			}
			a.logger.Debug("mcp: tool call", "tool", t.Name, "duration", time.Since(start), "is_error", err != nil)
		}()
		summary, out, err := h(ctx, req, in)
		if err != nil {
			var zero Out
			if _, ok := err.(*toolError); !ok {
				err = failure(err)
			}
			return nil, zero, err
		}
		res, err = okResult(summary, out)
		return res, out, err
	})
}

// results is the receiving middleware that gives every failed tools/call
// result one form (errorResult): the tools' own errors, and the SDK's
// refusals of arguments that do not fit the input schema, which get a Fix
// naming the shape the tool takes.
func (a *adapter) results(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		res, err := next(ctx, method, req)
		ctr, ok := res.(*sdk.CallToolResult)
		if err != nil || !ok || ctr == nil || !ctr.IsError {
			return res, err
		}
		var te *toolError
		if errors.As(ctr.GetError(), &te) {
			return errorResult(te.info), nil
		}
		name := ""
		if call, ok := req.(*sdk.CallToolRequest); ok && call.Params != nil {
			name = call.Params.Name
		}
		if a.inputs[name] == nil {
			return res, err // a tool the caller added to the server itself
		}
		msg := ""
		if len(ctr.Content) > 0 {
			if tc, ok := ctr.Content[0].(*sdk.TextContent); ok {
				msg = tc.Text
			}
		}
		return errorResult(a.argumentsError(name, msg)), nil
	}
}

// argumentsError describes arguments the SDK refused, with the shape the
// tool takes.
func (a *adapter) argumentsError(tool, msg string) errorInfo {
	msg = strings.TrimPrefix(msg, `validating "arguments": `)
	msg = strings.TrimPrefix(msg, "validating root: ")
	info := errorInfo{Type: errInvalidInput, Message: msg,
		Fix: "pass one flat JSON object of arguments: " + shapeOf(a.inputs[tool])}
	if strings.Contains(msg, "additional properties") && strings.Contains(msg, `"body"`) {
		info.Fix = "there is no body: put its fields at the top level. " + info.Fix
	}
	return info
}

// callContext returns ctx, also cancelled when the base context ends.
func (a *adapter) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.cfg.base == nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(a.cfg.base, cancel)
	return ctx, func() { stop(); cancel() }
}
