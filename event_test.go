package managedagents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// eventCmpOpts compares decoded events: the envelope's raw bytes are checked
// on their own, while the raw JSON kept by nested unknown unions, and the
// state of Field values, are part of what is compared.
var eventCmpOpts = cmp.Options{
	cmpopts.IgnoreUnexported(EventMeta{}),
	cmp.AllowUnexported(ContentBlock{}, BlockSource{}, StopReason{}, StopDetails{}, SessionError{},
		Evaluation{}, WorkflowRunResult{}, Tool{}, ToolInputSchema{}, Field[string]{}, Field[Budget]{}),
}

// at parses a fixture timestamp.
func at(t testing.TB, s string) *time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

// jsonDiff compares two JSON texts as values: key order, spacing and escapes
// do not matter, and timestamps are compared as instants (the encoder writes
// "10:22:00Z" for "10:22:00.000Z"). Numbers are compared as written.
func jsonDiff(t testing.TB, want, got []byte) string {
	t.Helper()
	decode := func(b []byte) any {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("invalid JSON %s: %v", b, err)
		}
		return normalizeTimes(v)
	}
	return cmp.Diff(decode(want), decode(got))
}

func normalizeTimes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalizeTimes(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normalizeTimes(e)
		}
	case string:
		if ts, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return ts.UTC().Format(time.RFC3339Nano)
		}
	}
	return v
}

// fixtureType returns the event type a fixture's name announces:
// "<type>.json", "<type>.<variant>.json" or "unknown.<type>.json".
func fixtureType(name string) (typ string, unknown bool) {
	base := strings.TrimSuffix(name, ".json")
	if rest, ok := strings.CutPrefix(base, "unknown."); ok {
		return rest, true
	}
	parts := strings.Split(base, ".")
	if parts[0] == EventStart || parts[0] == EventDelta {
		return parts[0], false
	}
	if len(parts) < 2 {
		return base, false
	}
	return parts[0] + "." + parts[1], false
}

// expectedEvents is the Go value every fixture in testdata/events must
// decode to. A fixture without an entry fails TestDecodeEventFixtures.
func expectedEvents(t testing.TB) map[string]Event {
	ts := func(s string) *time.Time { return at(t, s) }
	m := func(typ, id, processed string) EventMeta {
		e := EventMeta{ID: id, Type: typ}
		if processed != "" {
			e.ProcessedAt = ts(processed)
		}
		return e
	}
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	text := TextBlock
	usage := func(in, out, cacheCreate, cacheRead int64) ModelUsage {
		return ModelUsage{InputTokens: in, OutputTokens: out, CacheCreationInputTokens: cacheCreate, CacheReadInputTokens: cacheRead}
	}
	const (
		scanner   = "sthr_01nrKNP0By9ekS49qi15qbDRTX"
		wfrun     = "wfrun_01Hd8JWznZ71iguFoAKd0dT5Ew"
		wfrunFail = "wfrun_01Gc5Vx8Zl1Kj4Hf7Ds0Aq3WeR"
		outcome   = "outc_01rVyp3JgKP6eaD9kYEx6PxdQ7"
	)
	question := "How many Go test files are in the repository?"
	programErr := WorkflowRunError{Type: "program_error", Message: "Phase report failed: the plan referenced an undefined agent."}

	return map[string]Event{
		// ---- client events ----
		"user.message.json": &UserMessageEvent{
			EventMeta: m(EventUserMessage, "sevt_01i71qHFE8q6mqc5fV215DEag1", "2026-11-26T10:15:02.114Z"),
			Content:   []ContentBlock{text(question)},
		},
		"user.message.queued.json": &UserMessageEvent{
			EventMeta: m(EventUserMessage, "sevt_01i71qHFE8q6mqc5fV215DEag1", ""),
			Content:   []ContentBlock{text(question)},
		},
		"user.message.blocks.json": &UserMessageEvent{
			EventMeta: m(EventUserMessage, "sevt_01Lw2kXn8TqPz4vGh7RcYd3FsA", "2026-11-26T10:16:40.002Z"),
			Content: []ContentBlock{
				text("Compare the screenshot with the checklist."),
				ImageBase64("image/png", "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
				ImageURL("https://status.example.com/build-4.2.png"),
				{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeFile, FileID: "file_01g13tNF8teD4wrdDfDvyENs9t"},
					Title: Ptr("Release checklist"), Context: Ptr("Maintained by the release team.")},
				{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeURL, URL: "https://docs.example.com/release-policy.pdf"}, titleNull: true},
				{Type: BlockTypeRedacted},
			},
		},
		"user.interrupt.json": &UserInterruptEvent{
			EventMeta:       m(EventUserInterrupt, "sevt_01Qm3xq7GJ3wQ5t1T9rXhV2bLk", "2026-11-26T11:07:12.480Z"),
			SessionThreadID: scanner,
		},
		"user.interrupt.empty_id.json": &UserInterruptEvent{EventMeta: m(EventUserInterrupt, "", "")},
		"user.tool_confirmation.json": &UserToolConfirmationEvent{
			EventMeta:   m(EventUserToolConfirmation, "sevt_01CvXPKvtyEE1kCSNHy4sHPjaS", "2026-11-26T10:26:05.210Z"),
			ToolUseID:   "sevt_01DmixGaZGx35iVwH20Ns8iGAq",
			Result:      PermissionDeny,
			DenyMessage: "Force-pushing to main is not allowed. Open a pull request instead.",
		},
		"user.tool_confirmation.allow.json": &UserToolConfirmationEvent{
			EventMeta:       m(EventUserToolConfirmation, "sevt_01Ga7TbV3nXw9YeRk2LpQm5HzC", ""),
			ToolUseID:       "sevt_01UbNq4fWz8Xc2RtY6kMv9LsPd",
			Result:          PermissionAllow,
			SessionThreadID: scanner,
		},
		"user.custom_tool_result.json": &UserCustomToolResultEvent{
			EventMeta:       m(EventUserCustomToolResult, "sevt_01cw05rxFATZYDyS3AR0RGttXJ", "2026-11-26T10:20:30.018Z"),
			CustomToolUseID: "sevt_01pnCoKSkjQWbW7FE4N1fdEfE0",
			Content:         []ContentBlock{text(`{"customer_id":"cus_4471","plan":"enterprise","open_invoices":2}`)},
			IsError:         Ptr(false),
		},
		"user.tool_result.json": &UserToolResultEvent{
			EventMeta:       m(EventUserToolResult, "sevt_01Rk8Wm2Tq5Yx7Nc4Vb9Hs3JdF", "2026-11-26T10:52:18.733Z"),
			ToolUseID:       "sevt_01Pz6Lx3Qw9Er5Ty2Ui8Op4AsD",
			Content:         []ContentBlock{text("ok  \tgithub.com/example-org/invoice-service/billing\t0.412s\n")},
			IsError:         Ptr(false),
			SessionThreadID: "sthr_01rHeEuVxdsvhhmjd1gkwnH1BH",
		},
		"user.define_outcome.json": &UserDefineOutcomeEvent{
			EventMeta:     m(EventUserDefineOutcome, "sevt_01Xe4Rt7Yu2Io9Pa5Sd8Fg3HjK", "2026-11-26T10:36:30.118Z"),
			OutcomeID:     outcome,
			Description:   "A changelog section for 4.2 that lists every merged pull request.",
			Rubric:        TextRubric("Every pull request merged since the 4.1 tag appears once, with its number, title and author."),
			MaxIterations: 3,
		},
		"user.define_outcome.file.json": &UserDefineOutcomeEvent{
			EventMeta:     m(EventUserDefineOutcome, "sevt_01Bn5Mq8Wx2Ze7Rc4Tv9Yk3LpJ", "2026-11-26T10:37:02.640Z"),
			OutcomeID:     "outc_01hS4dF7gJ2kL9zX5cV8bN3mQw",
			Description:   "Release notes that follow the house style guide.",
			Rubric:        FileRubric("file_011CNha8iCJcU1wXNR6q4V8w"),
			MaxIterations: 5,
		},
		"system.message.json": &SystemMessageEvent{
			EventMeta: m(EventSystemMessage, "sevt_01PTNMk6xANTnZJkSvrd2X5MGM", "2026-11-26T10:15:02.114Z"),
			Content:   []ContentBlock{text("Answer in one sentence.")},
		},

		// ---- agent events ----
		"agent.message.json": &AgentMessageEvent{
			EventMeta: m(EventAgentMessage, "sevt_01sjN7JVAX0pzpGarBa6yiKwia", "2026-11-26T10:15:06.512Z"),
			Content:   []ContentBlock{text("The repository contains 37 Go test files (*_test.go).")},
		},
		"agent.message.redacted.json": &AgentMessageEvent{
			EventMeta: m(EventAgentMessage, "sevt_01Wq7Er4Ty1Ui8Op5As2Df9GhJ", "2026-11-26T10:41:02.300Z"),
			Content:   []ContentBlock{text("Here is the part I can share: "), {Type: BlockTypeRedacted}, text("The rest was withheld.")},
		},
		"agent.thinking.json": &AgentThinkingEvent{
			EventMeta: m(EventAgentThinking, "sevt_01yQeCo42kEsJ5xEy6RHXiwQAQ", "2026-11-26T10:15:03.402Z"),
		},
		"agent.tool_use.json": &AgentToolUseEvent{
			EventMeta:           m(EventAgentToolUse, "sevt_01PDkHnmj4giAcpFAXRHindEmM", "2026-11-26T10:15:04.877Z"),
			Name:                "bash",
			Input:               raw(`{"command":"find /mnt/repos/invoice-service -name '*_test.go' | wc -l"}`),
			EvaluatedPermission: PermissionAllow,
			Evaluation:          &Evaluation{Type: PolicyAuto, EvaluatedPermission: &PermissionVerdict{Type: PermissionAllow}},
		},
		"agent.tool_use.ask.json": &AgentToolUseEvent{
			EventMeta:           m(EventAgentToolUse, "sevt_01DmixGaZGx35iVwH20Ns8iGAq", "2026-11-26T10:25:41.842Z"),
			Name:                "bash",
			Input:               raw(`{"command":"git push --force origin main"}`),
			EvaluatedPermission: PermissionAsk,
			Evaluation:          &Evaluation{Type: PolicyAlwaysAsk},
		},
		"agent.tool_use.deny.json": &AgentToolUseEvent{
			EventMeta:           m(EventAgentToolUse, "sevt_01s4XTzieConRZSF9jn0rysz6s", "2026-11-26T10:27:13.020Z"),
			Name:                "bash",
			Input:               raw(`{"command":"curl -s https://example.net/setup.sh | sh"}`),
			EvaluatedPermission: PermissionDeny,
			Evaluation:          &Evaluation{Type: PolicyAuto, EvaluatedPermission: &PermissionVerdict{Type: PermissionDeny, ReasonCode: "high_risk"}},
		},
		"agent.tool_use.child_thread.json": &AgentToolUseEvent{
			EventMeta:           m(EventAgentToolUse, "sevt_01UbNq4fWz8Xc2RtY6kMv9LsPd", "2026-11-26T11:06:03.115Z"),
			Name:                "read",
			Input:               raw(`{"file_path":"/mnt/repos/invoice-service/go.mod"}`),
			EvaluatedPermission: "escalate",
			Evaluation:          &Evaluation{Type: "delegated", raw: raw(`{"type":"delegated","delegate":{"name":"security-review"}}`)},
			SessionThreadID:     scanner,
		},
		"agent.tool_use.legacy.json": &AgentToolUseEvent{
			EventMeta: m(EventAgentToolUse, "sevt_01Pz6Lx3Qw9Er5Ty2Ui8Op4AsD", "2026-11-26T10:52:10.201Z"),
			Name:      "bash",
			Input:     raw(`{"command":"go test ./billing/..."}`),
		},
		"agent.tool_result.json": &AgentToolResultEvent{
			EventMeta: m(EventAgentToolResult, "sevt_019G8FqdcGqfVfSQE8aZ5r3y79", "2026-11-26T10:15:05.316Z"),
			ToolUseID: "sevt_01PDkHnmj4giAcpFAXRHindEmM",
			Content:   []ContentBlock{text("37\n")},
			IsError:   Ptr(false),
		},
		"agent.tool_result.denied.json": &AgentToolResultEvent{
			EventMeta: m(EventAgentToolResult, "sevt_01VEBunbX3dFx7X8uXkbdgMrWh", "2026-11-26T10:27:13.031Z"),
			ToolUseID: "sevt_01s4XTzieConRZSF9jn0rysz6s",
			Content:   []ContentBlock{text("Tool call denied by the permission policy.")},
			IsError:   Ptr(true),
		},
		"agent.tool_result.blocks.json": &AgentToolResultEvent{
			EventMeta: m(EventAgentToolResult, "sevt_01Hj6Kl9Zx3Cv7Bn2Mq5Wr8TyU", "2026-11-26T10:58:44.910Z"),
			ToolUseID: "sevt_01Ty4Ui7Op1As5Df8Gh2Jk6LzX",
			Content: []ContentBlock{
				{Type: BlockTypeSearchResult, SourceURL: "https://docs.example.com/releases/4.1", Title: Ptr("Release 4.1 notes"),
					Content:   []ContentBlock{text("4.1 shipped the new invoice exporter."), text("Known issue: PDF totals round down.")},
					Citations: &Citations{Enabled: true}},
				ImageFile("file_01g0Hx98cGuB7ky180PttFfM1B"),
				{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeText, MediaType: "text/plain", Data: "total,count\n412,23\n"}, contextNull: true},
				DocumentPDF("JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K"),
				{Type: "chart", raw: raw(`{"type":"chart","spec":{"kind":"bar","series":[3,5,8]}}`)},
				{Type: BlockTypeImage, Source: &BlockSource{Type: "s3", raw: raw(`{"type":"s3","bucket":"example-artifacts","key":"plots/coverage.png"}`)}},
			},
		},
		"agent.mcp_tool_use.json": &AgentMCPToolUseEvent{
			EventMeta:           m(EventAgentMCPToolUse, "sevt_01Mn3Bv6Cx9Zl2Kj5Hg8Fd1SaQ", "2026-11-26T10:55:01.447Z"),
			MCPServerName:       "tracker",
			Name:                "create_issue",
			Input:               raw(`{"title":"Release 4.2 checklist","labels":["release","4.2"]}`),
			EvaluatedPermission: PermissionAsk,
			Evaluation:          &Evaluation{Type: PolicyAuto, EvaluatedPermission: &PermissionVerdict{Type: PermissionAsk, ReasonCode: "indeterminate"}},
			SessionThreadID:     scanner,
		},
		"agent.mcp_tool_result.json": &AgentMCPToolResultEvent{
			EventMeta:    m(EventAgentMCPToolResult, "sevt_01Qa2Ws5Ed8Rf1Tg4Yh7Uj0IkO", "2026-11-26T10:55:20.031Z"),
			MCPToolUseID: "sevt_01Mn3Bv6Cx9Zl2Kj5Hg8Fd1SaQ",
			Content:      []ContentBlock{text("Created issue TRK-1182.")},
			IsError:      Ptr(false),
		},
		"agent.custom_tool_use.json": &AgentCustomToolUseEvent{
			EventMeta: m(EventAgentCustomToolUse, "sevt_01pnCoKSkjQWbW7FE4N1fdEfE0", "2026-11-26T10:20:12.250Z"),
			Name:      "lookup_customer",
			Input:     raw(`{"customer_id":"cus_4471"}`),
		},
		"agent.thread_context_compacted.json": &AgentThreadContextCompactedEvent{
			EventMeta: m(EventAgentThreadContextCompacted, "sevt_01Zx8Cv5Bn2Mq7Wr4Ty1Ui9OpA", "2026-11-26T11:20:45.009Z"),
		},
		"agent.thread_context_compacted.tokens.json": &AgentThreadContextCompactedEvent{
			EventMeta:           m(EventAgentThreadContextCompacted, "sevt_01Sd4Fg7Hj0Kl3Zx6Cv9Bn2MqW", "2026-11-26T11:48:02.770Z"),
			PreCompactionTokens: Ptr[int64](182113),
		},
		"agent.thread_message_sent.json": &AgentThreadMessageSentEvent{
			EventMeta:         m(EventAgentThreadMessageSent, "sevt_01Er6Ty9Ui2Op5As8Df1Gh4JkL", "2026-11-26T11:05:01.120Z"),
			ToSessionThreadID: scanner,
			ToAgentName:       "scanner",
			Content:           []ContentBlock{text("List every Go module in /mnt/repos/invoice-service with its latest version.")},
		},
		"agent.thread_message_received.json": &AgentThreadMessageReceivedEvent{
			EventMeta:           m(EventAgentThreadMessageReceived, "sevt_01Wq3Er6Ty9Ui2Op5As8Df1GhZ", "2026-11-26T11:09:29.410Z"),
			FromSessionThreadID: scanner,
			FromAgentName:       "scanner",
			Content: []ContentBlock{
				text("12 modules; 3 have newer minor versions."),
				{Type: BlockTypeDocument, Source: &BlockSource{Type: SourceTypeText, MediaType: "text/plain", Data: "golang.org/x/net v0.31.0 -> v0.33.0"}, Title: Ptr("Outdated modules")},
			},
		},

		// ---- session events ----
		"session.status_running.json": &SessionStatusRunningEvent{
			EventMeta: m(EventSessionStatusRunning, "sevt_01dCojncTEWfHuy0ruAnVNH9Dr", "2026-11-26T10:15:02.131Z"),
		},
		"session.status_idle.json": &SessionStatusIdleEvent{
			EventMeta:  m(EventSessionStatusIdle, "sevt_01e55pZv4rcs88kYdAGbygVDcr", "2026-11-26T10:15:06.530Z"),
			StopReason: StopReason{Type: StopReasonEndTurn},
		},
		"session.status_idle.requires_action.json": &SessionStatusIdleEvent{
			EventMeta:  m(EventSessionStatusIdle, "sevt_014oi3E42yN4aFHkZDc8pzeeYF", "2026-11-26T10:20:12.266Z"),
			StopReason: StopReason{Type: StopReasonRequiresAction, EventIDs: []string{"sevt_01pnCoKSkjQWbW7FE4N1fdEfE0"}},
		},
		"session.status_idle.refusal.json": &SessionStatusIdleEvent{
			EventMeta:   m(EventSessionStatusIdle, "sevt_01m399ueK5F7drTggthEsbRWWK", "2026-11-26T10:40:44.771Z"),
			StopReason:  StopReason{Type: StopReasonRefusal},
			StopDetails: &StopDetails{Type: "refusal", Category: Ptr("cyber"), Explanation: Ptr("The request asked for help building malware.")},
		},
		"session.status_idle.retries_exhausted.json": &SessionStatusIdleEvent{
			EventMeta:  m(EventSessionStatusIdle, "sevt_01TWngYJ2EJoJnyX4mEGttifku", "2026-11-26T11:12:09.010Z"),
			StopReason: StopReason{Type: StopReasonRetriesExhausted},
		},
		"session.status_idle.budget_reached.json": &SessionStatusIdleEvent{
			EventMeta:  m(EventSessionStatusIdle, "sevt_01CV7cEj9Hv943AtKgqveJW7Xn", "2026-11-26T11:30:00.000Z"),
			StopReason: StopReason{Type: StopReasonBudgetReached},
		},
		"session.status_idle.unknown_reason.json": &SessionStatusIdleEvent{
			EventMeta:   m(EventSessionStatusIdle, "sevt_01Lk9Jh6Gf3Ds0Aq7Wz4Xs1CdE", "2026-11-26T11:35:10.000Z"),
			StopReason:  StopReason{Type: "paused_for_review", raw: raw(`{"type":"paused_for_review","review_id":"rev_01Fg5Hj8Kl2"}`)},
			StopDetails: &StopDetails{Type: "review", raw: raw(`{"type":"review","reviewer":"release-lead","category":null,"explanation":null}`)},
		},
		"session.status_rescheduled.json": &SessionStatusRescheduledEvent{
			EventMeta: m(EventSessionStatusRescheduled, "sevt_01TcqqcugEZEHVZ1RNkmuSpAwX", "2026-11-26T10:30:03.530Z"),
		},
		"session.status_terminated.json": &SessionStatusTerminatedEvent{
			EventMeta: m(EventSessionStatusTerminated, "sevt_01Vb8Nm1Qw4Er7Ty0Ui3Op6AsF", "2026-11-26T11:58:00.006Z"),
		},
		"session.error.json": &SessionErrorEvent{
			EventMeta: m(EventSessionError, "sevt_01HW4oJFHNMc589ERn9oD4TTNc", "2026-11-26T10:30:03.512Z"),
			Error: SessionError{Type: SessionErrorModelOverloaded, Message: "The model is temporarily overloaded.",
				RetryStatus: RetryStatus{Type: RetryStatusRetrying}},
		},
		"session.error.tool_use_limit_reached_error.json": &SessionErrorEvent{
			EventMeta: m(EventSessionError, "sevt_01yfVKeh3hq6rDiDGk5AFBd4A0", "2026-11-26T11:12:09.004Z"),
			Error: SessionError{Type: SessionErrorToolUseLimitReached, Message: "The turn reached the tool-use round limit.",
				RetryStatus: RetryStatus{Type: RetryStatusExhausted}},
		},
		"session.error.repository_not_found_error.json": &SessionErrorEvent{
			EventMeta: m(EventSessionError, "sevt_01Gh2Jk5Lz8Xc1Vb4Nm7Qw0ErT", "2026-11-26T10:14:06.002Z"),
			Error: SessionError{Type: SessionErrorRepositoryNotFound,
				Message:     "Repository example-org/billing-ui was not found or the token cannot see it.",
				RetryStatus: RetryStatus{Type: RetryStatusRetrying}, RepositoryURL: Ptr("https://github.com/example-org/billing-ui")},
		},
		"session.error.repository_clone_error.json": &SessionErrorEvent{
			EventMeta: m(EventSessionError, "sevt_01Ty5Ui8Op1As4Df7Gh0Jk3LzQ", "2026-11-26T10:14:06.118Z"),
			Error: SessionError{Type: SessionErrorRepositoryClone, Message: "Cloning a repository failed.",
				RetryStatus: RetryStatus{Type: RetryStatusRetrying}},
		},
		"session.error.mcp_connection_failed_error.json": &SessionErrorEvent{
			EventMeta: m(EventSessionError, "sevt_01Aq1Sw4De7Fr0Gt3Hy6Ju9KiL", "2026-11-26T10:54:58.300Z"),
			Error: SessionError{Type: SessionErrorMCPConnectionFailed, Message: "Could not connect to the MCP server.",
				RetryStatus: RetryStatus{Type: RetryStatusRetrying}, MCPServerName: Ptr("tracker")},
		},
		"session.error.credential_host_unreachable_error.json": &SessionErrorEvent{
			EventMeta: m(EventSessionError, "sevt_01Zq2Xw5Ce8Vr1Bt4Ny7Mu0JiK", "2026-11-26T11:57:59.990Z"),
			Error: SessionError{Type: SessionErrorCredentialHostUnreachable, Message: "The credential host did not answer.",
				RetryStatus: RetryStatus{Type: RetryStatusTerminal}, CredentialID: Ptr("vcrd_01Kj4Hg7Fd0Sa3"),
				VaultID: Ptr("vlt_01G38qTb7q4YWsQaf6WaEh2pty")},
		},
		"session.error.unknown_type.json": &SessionErrorEvent{
			EventMeta: m(EventSessionError, "sevt_01Po9Iu6Yt3Re0Wq7Lk4Jh1GfD", "2026-11-26T11:40:12.500Z"),
			Error: SessionError{Type: "sandbox_quota_error", Message: "The sandbox ran out of disk space.",
				RetryStatus: RetryStatus{Type: RetryStatusExhausted},
				raw:         raw(`{"type":"sandbox_quota_error","message":"The sandbox ran out of disk space.","retry_status":{"type":"exhausted"},"quota":{"kind":"disk","limit_bytes":10737418240}}`)},
		},
		"session.deleted.json": &SessionDeletedEvent{
			EventMeta: m(EventSessionDeleted, "sevt_01nXHKGE7pCM7qcrnBCDqYHpfr", "2026-11-26T12:00:00.511Z"),
		},
		"session.updated.json": &SessionUpdatedEvent{
			EventMeta: m(EventSessionUpdated, "sevt_017sSyav0kycXT3CbQhrZiWr3D", "2026-11-26T10:50:00.412Z"),
			Title:     Set("Release 4.2 preparation (extended)"),
			Metadata:  map[string]string{"ticket": "REL-214"},
			Budget:    Set(LimitBudget(USD(5000))),
		},
		"session.updated.agent.json": &SessionUpdatedEvent{
			EventMeta: m(EventSessionUpdated, "sevt_01Cx4Vb7Nm0Qw3Er6Ty9Ui2OpS", "2026-11-26T10:51:30.004Z"),
			Title:     Null[string](),
			Agent: &SessionAgent{
				Type: "agent", ID: "agent_01XQkqncTfqp9zTj6wZhTH2nQD", Version: 7, Name: "Release assistant",
				System:            Ptr("You help the release team. Never push to protected branches without approval."),
				Model:             ModelConfig{ID: "claude-sonnet-4-6", Speed: "standard", Effort: EffortHigh},
				ExecutionIdentity: ExecutionIdentity{Type: "service_account"},
				Tools: []Tool{
					{Type: ToolTypeAgentToolset,
						DefaultConfig: &ToolDefaults{Enabled: Ptr(true), PermissionPolicy: &PermissionPolicy{Type: PolicyAlwaysAllow}},
						Configs:       []ToolConfig{{Type: "bash", Name: "bash", Enabled: Ptr(true), PermissionPolicy: &PermissionPolicy{Type: PolicyAlwaysAsk}}}},
					CustomTool("lookup_customer", "Look up a customer record in the CRM by customer ID.",
						raw(`{"type":"object","properties":{"customer_id":{"type":"string"}},"required":["customer_id"]}`)),
					{Type: "browser_toolset_20261201", DefaultConfig: &ToolDefaults{Enabled: Ptr(true)},
						raw: raw(`{"type":"browser_toolset_20261201","default_config":{"enabled":true},"viewport":{"width":1280,"height":800}}`)},
				},
				MCPServers: []MCPServer{{Type: "url", Name: "tracker", URL: "https://mcp.example.com/tracker"}},
				Skills:     []Skill{{Type: "anthropic", SkillID: "xlsx", Version: "latest"}},
			},
			Budget: Null[Budget](),
		},
		"session.usage.json": &SessionUsageEvent{
			EventMeta: m(EventSessionUsage, "sevt_01bgJ6wCJEQBK0oc8H23dJn8iy", "2026-11-26T10:22:00.000Z"),
			Usage: SessionUsage{InputTokens: 98304, OutputTokens: 4410, CacheReadInputTokens: 81920,
				CacheCreation: CacheCreation{Ephemeral5mInputTokens: 12288}, ActiveSeconds: 244.6,
				ListCost: &Money{Amount: "187", Currency: "USD"}, ServerToolUse: &ServerToolUse{WebFetchRequests: 2}},
			Budget: Ptr(LimitBudget(USD(2500))),
		},
		"session.usage.uncapped.json": &SessionUsageEvent{
			EventMeta: m(EventSessionUsage, "sevt_01Nb4Vc7Xz0Lk3Jh6Gf9Ds2AqW", "2026-11-26T09:01:00.250Z"),
			Usage:     SessionUsage{InputTokens: 1536, OutputTokens: 88, ActiveSeconds: 3.5},
		},
		"session.thread_created.json": &SessionThreadCreatedEvent{
			EventMeta:       m(EventSessionThreadCreated, "sevt_01MqYouRRktvj9Z28afNy6yxW6", "2026-11-26T11:05:01.000Z"),
			SessionThreadID: scanner, AgentName: "scanner", WorkflowRunID: Ptr(wfrun),
		},
		"session.thread_created.delegated.json": &SessionThreadCreatedEvent{
			EventMeta:       m(EventSessionThreadCreated, "sevt_01Re3Wq6Lk9Jh2Gf5Ds8Aq1ZxC", "2026-11-26T11:15:20.640Z"),
			SessionThreadID: "sthr_01Kf7Gh0Jk3Lz6Xc9Vb2Nm5QwE", AgentName: "reviewer",
		},
		"session.thread_status_running.json": &SessionThreadStatusRunningEvent{
			EventMeta:       m(EventSessionThreadStatusRunning, "sevt_01bX0p9Tyj94YtGNhnSj5xNxmx", "2026-11-26T11:05:01.050Z"),
			SessionThreadID: scanner, AgentName: "scanner",
		},
		"session.thread_status_idle.json": &SessionThreadStatusIdleEvent{
			EventMeta:       m(EventSessionThreadStatusIdle, "sevt_01Jh8Gf5Ds2Aq9Zx6Cv3Bn0MqR", "2026-11-26T11:06:03.120Z"),
			SessionThreadID: scanner, AgentName: "scanner",
			StopReason: StopReason{Type: StopReasonRequiresAction, EventIDs: []string{"sevt_01UbNq4fWz8Xc2RtY6kMv9LsPd"}},
		},
		"session.thread_status_rescheduled.json": &SessionThreadStatusRescheduledEvent{
			EventMeta:       m(EventSessionThreadStatusRescheduled, "sevt_01Xs5Cd8Vf1Bg4Nh7Mj0Ku3LiO", "2026-11-26T11:07:40.300Z"),
			SessionThreadID: scanner, AgentName: "scanner",
		},
		"session.thread_status_terminated.json": &SessionThreadStatusTerminatedEvent{
			EventMeta:       m(EventSessionThreadStatusTerminated, "sevt_01oy6WAnK12Mt3JPQV9FbTemtB", "2026-11-26T11:09:59.900Z"),
			SessionThreadID: scanner, AgentName: "scanner",
		},

		// ---- span events ----
		"span.model_request_start.json": &SpanModelRequestStartEvent{
			EventMeta: m(EventSpanModelRequestStart, "sevt_01N65R6PxPgGu2pXc7R5dJwihz", "2026-11-26T10:15:02.150Z"),
		},
		"span.model_request_end.json": &SpanModelRequestEndEvent{
			EventMeta:           m(EventSpanModelRequestEnd, "sevt_01wss3Ev2uMSH4DezoMDjZSzjX", "2026-11-26T10:15:04.884Z"),
			ModelRequestStartID: "sevt_01N65R6PxPgGu2pXc7R5dJwihz",
			ModelUsage:          usage(4210, 88, 0, 8192),
		},
		"span.model_request_end.error.json": &SpanModelRequestEndEvent{
			EventMeta:           m(EventSpanModelRequestEnd, "sevt_01XT3DwTRsfn1xzreRY0PKrRxw", "2026-11-26T10:30:03.520Z"),
			ModelRequestStartID: "sevt_01vpaVwdWAqyYWGrFwiHssbZiF",
			IsError:             true,
		},
		"span.model_request_end.fast.json": &SpanModelRequestEndEvent{
			EventMeta:           m(EventSpanModelRequestEnd, "sevt_01Qz7Wx4Ec1Rv8Tb5Yn2Um9IkP", "2026-11-26T11:02:17.655Z"),
			ModelRequestStartID: "sevt_01Lp6Ok3Ij0Uh7Yg4Tf1Rd8EsW",
			ModelUsage: ModelUsage{InputTokens: 5120, OutputTokens: 402, CacheCreationInputTokens: 2048,
				CacheReadInputTokens: 8192, Speed: Ptr("fast")},
		},
		"span.outcome_evaluation_start.json": &SpanOutcomeEvaluationStartEvent{
			EventMeta: m(EventSpanOutcomeEvaluationStart, "sevt_01Ha4Sd7Fg0Hj3Kl6Zx9Cv2BnM", "2026-11-26T10:38:12.004Z"),
			OutcomeID: outcome,
		},
		"span.outcome_evaluation_ongoing.json": &SpanOutcomeEvaluationOngoingEvent{
			EventMeta: m(EventSpanOutcomeEvaluationOngoing, "sevt_01Mj5Nh8Bg1Vf4Cd7Xs0Za3QwE", "2026-11-26T10:38:42.010Z"),
			OutcomeID: outcome,
		},
		"span.outcome_evaluation_end.json": &SpanOutcomeEvaluationEndEvent{
			EventMeta:                m(EventSpanOutcomeEvaluationEnd, "sevt_01Yu6Tr3Ew0Qa7Sd4Fg1Hj8KlZ", "2026-11-26T10:39:05.771Z"),
			OutcomeEvaluationStartID: "sevt_01Ha4Sd7Fg0Hj3Kl6Zx9Cv2BnM",
			OutcomeID:                outcome,
			Result:                   "needs_revision",
			Explanation:              "Two merged pull requests (#1841, #1853) are missing.",
			Usage:                    usage(15872, 311, 0, 4096),
		},

		// ---- workflow-run events ----
		"workflow_run.created.json": &WorkflowRunCreatedEvent{
			EventMeta:     m(EventWorkflowRunCreated, "sevt_01KnSHacZW5g2zVqMgG15Emwye", "2026-11-26T11:05:00.100Z"),
			WorkflowRunID: wfrun,
			Name:          "audit-modules",
			Phases: []WorkflowPhase{
				{ID: "wfph_017X7jw9ZoJaoHTwYYFXd9RCga", Name: "scan", Description: Ptr("List modules and their latest versions")},
				{ID: "wfph_01qz8y4HstxTNtaHv0JpKwffkZ", Name: "report"},
			},
		},
		"workflow_run.status_running.json": &WorkflowRunStatusRunningEvent{
			EventMeta:     m(EventWorkflowRunStatusRunning, "sevt_01f1rmvHe2rrBYbjWHBfVivZ5Y", "2026-11-26T11:05:00.200Z"),
			WorkflowRunID: wfrun,
		},
		"workflow_run.status_idle.json": &WorkflowRunStatusIdleEvent{
			EventMeta:     m(EventWorkflowRunStatusIdle, "sevt_01Dc3Fv6Gb9Hn2Jm5Kl8Qw1ErT", "2026-11-26T11:07:15.880Z"),
			WorkflowRunID: wfrun,
		},
		"workflow_run.phase_started.json": &WorkflowRunPhaseStartedEvent{
			EventMeta:          m(EventWorkflowRunPhaseStarted, "sevt_01y9WcYPNdrcRXMyCnFeRExsT2", "2026-11-26T11:05:00.300Z"),
			WorkflowRunID:      wfrun,
			WorkflowRunPhaseID: "wfph_017X7jw9ZoJaoHTwYYFXd9RCga",
		},
		"workflow_run.phase_ended.json": &WorkflowRunPhaseEndedEvent{
			EventMeta:          m(EventWorkflowRunPhaseEnded, "sevt_01cRMiozrZyc2h4FimJEq5V6ri", "2026-11-26T11:09:30.000Z"),
			WorkflowRunID:      wfrun,
			WorkflowRunPhaseID: "wfph_017X7jw9ZoJaoHTwYYFXd9RCga",
			PhaseStartedID:     "sevt_01y9WcYPNdrcRXMyCnFeRExsT2",
		},
		"workflow_run.error.json": &WorkflowRunErrorEvent{
			EventMeta:     m(EventWorkflowRunError, "sevt_01Wz6Xq3Ce0Vr7Bt4Ny1Mu8JiH", "2026-11-26T11:25:44.120Z"),
			WorkflowRunID: Ptr(wfrunFail),
			Error:         programErr,
		},
		"workflow_run.error.max_workflow_runs_error.json": &WorkflowRunErrorEvent{
			EventMeta: m(EventWorkflowRunError, "sevt_01Bv4Nc7Mx0Zq3Wr6Et9Yu2IoP", "2026-11-26T11:26:02.005Z"),
			Error:     WorkflowRunError{Type: "max_workflow_runs_error", Message: "The session already has the maximum number of workflow runs."},
		},
		"workflow_run.status_ended.json": &WorkflowRunStatusEndedEvent{
			EventMeta:     m(EventWorkflowRunStatusEnded, "sevt_01AB5hyRhmFZf9EXiGXGk0uXJm", "2026-11-26T11:10:00.050Z"),
			WorkflowRunID: wfrun,
			Result:        WorkflowRunResult{Type: WorkflowResultCompleted},
		},
		"workflow_run.status_ended.error.json": &WorkflowRunStatusEndedEvent{
			EventMeta:     m(EventWorkflowRunStatusEnded, "sevt_01Uj7Yh4Tg1Rf8Ed5Ws2Qa9ZxB", "2026-11-26T11:25:44.200Z"),
			WorkflowRunID: wfrunFail,
			Result:        WorkflowRunResult{Type: WorkflowResultError, Error: &programErr},
		},
		"workflow_run.status_ended.unknown_result.json": &WorkflowRunStatusEndedEvent{
			EventMeta:     m(EventWorkflowRunStatusEnded, "sevt_01Ik8Ju5Yh2Tg9Rf6Ed3Ws0QaN", "2026-11-26T11:30:12.000Z"),
			WorkflowRunID: "wfrun_01Po7Iu4Yt1Re8Wq5Lk2Jh9GfS",
			Result: WorkflowRunResult{Type: "superseded",
				raw: raw(`{"type":"superseded","by_workflow_run_id":"wfrun_01Hd8JWznZ71iguFoAKd0dT5Ew"}`)},
		},

		// ---- previews ----
		"event_start.json": &EventStartEvent{
			EventMeta: m(EventStart, "", ""),
			Event:     PreviewedEvent{Type: EventAgentMessage, ID: "sevt_01uGNHzgnzHd0bC5FpTZdrFnYj"},
		},
		"event_start.thinking.json": &EventStartEvent{
			EventMeta: m(EventStart, "", ""),
			Event:     PreviewedEvent{Type: EventAgentThinking, ID: "sevt_01MxFw5HzWFrXehkRN1ZxMBZDP"},
		},
		"event_delta.json": &EventDeltaEvent{
			EventMeta:        m(EventDelta, "", ""),
			PreviewedEventID: "sevt_01uGNHzgnzHd0bC5FpTZdrFnYj",
			Delta:            ContentDelta{Type: "content_delta", Index: 0, Content: text("The build ")},
		},

		// ---- unknown types ----
		"unknown.session.checkpoint_created.json": &UnknownEvent{
			EventMeta: m("session.checkpoint_created", "sevt_01rZ6y0eJYYWNB3GyY7v4SZ4ei", "2026-11-26T10:36:00.250Z"),
		},
		"unknown.agent.session_thread_message_sent.json": &UnknownEvent{
			// An unparsable processed_at is not an error for an unknown type.
			EventMeta: m("agent.session_thread_message_sent", "sevt_01Gt5Fr2De9Sw6Aq3Zx0Cv7BnH", ""),
		},
	}
}

func readFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no fixtures in testdata/events")
	}
	out := make(map[string][]byte, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

func TestDecodeEventFixtures(t *testing.T) {
	fixtures := readFixtures(t)
	want := expectedEvents(t)

	names := make([]string, 0, len(fixtures))
	for name := range fixtures {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		data := fixtures[name]
		t.Run(name, func(t *testing.T) {
			exp, ok := want[name]
			if !ok {
				t.Fatalf("fixture %s has no expected value in expectedEvents", name)
			}
			got, err := DecodeEvent(data)
			if err != nil {
				t.Fatalf("DecodeEvent: %v", err)
			}
			if diff := cmp.Diff(exp, got, eventCmpOpts); diff != "" {
				t.Errorf("decoded event mismatch (-want +got):\n%s", diff)
			}
			if !bytes.Equal(got.RawJSON(), data) {
				t.Errorf("RawJSON differs from the input:\n got %s\nwant %s", got.RawJSON(), data)
			}
			typ, unknown := fixtureType(name)
			if got.EventType() != typ {
				t.Errorf("EventType() = %q, fixture name says %q", got.EventType(), typ)
			}
			if _, isUnknown := got.(*UnknownEvent); isUnknown != unknown {
				t.Errorf("decoded as %T; unknown fixture: %v", got, unknown)
			}
			out, err := json.Marshal(got)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if diff := jsonDiff(t, data, out); diff != "" {
				t.Errorf("re-encoded JSON differs from the fixture (-fixture +encoded):\n%s\nencoded: %s", diff, out)
			}
		})
	}
	for name := range want {
		if _, ok := fixtures[name]; !ok {
			t.Errorf("expectedEvents names %s, which is not in testdata/events", name)
		}
	}
}

// TestEventFixturesCoverEveryType checks that every known type has its
// <type>.json fixture, and that the registry is consistent with the
// concrete types.
func TestEventFixturesCoverEveryType(t *testing.T) {
	fixtures := readFixtures(t)
	if len(eventTypes) != 44 {
		t.Errorf("%d known event types, want 42 history types + 2 previews", len(eventTypes))
	}
	for typ, newEvent := range eventTypes {
		if _, ok := fixtures[typ+".json"]; !ok {
			t.Errorf("no fixture %s.json", typ)
		}
		// A zero event encodes with its own type set, which DecodeEvent
		// maps back to the same concrete type.
		ev := newEvent()
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("%s: Marshal: %v", typ, err)
		}
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(b, &head); err != nil || head.Type != typ {
			t.Errorf("zero %T encodes type %q, want %q (%s)", ev, head.Type, typ, b)
		}
		back, err := DecodeEvent(b)
		if err != nil {
			t.Fatalf("%s: DecodeEvent(%s): %v", typ, b, err)
		}
		if back.EventType() != typ || fmt.Sprintf("%T", back) != fmt.Sprintf("%T", ev) {
			t.Errorf("%s: decoded back as %T", typ, back)
		}
	}
}

func TestPreviewsOmitEnvelope(t *testing.T) {
	for _, ev := range []Event{
		&EventStartEvent{Event: PreviewedEvent{Type: EventAgentMessage, ID: "sevt_1"}},
		&EventDeltaEvent{PreviewedEventID: "sevt_1", Delta: ContentDelta{Type: "content_delta", Index: 2, Content: TextBlock("x")}},
	} {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "processed_at"} {
			if _, ok := m[k]; ok {
				t.Errorf("%T encodes %q: %s", ev, k, b)
			}
		}
		if id := ev.EventID(); id != "" {
			t.Errorf("%T.EventID() = %q", ev, id)
		}
		if _, ok := ev.EventProcessedAt(); ok {
			t.Errorf("%T.EventProcessedAt() reports a time", ev)
		}
	}
}

func TestEventBuiltInCodeEncodesType(t *testing.T) {
	ev := &AgentMessageEvent{Content: []ContentBlock{TextBlock("hi")}}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"","type":"agent.message","processed_at":null,"content":[{"type":"text","text":"hi"}]}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
	if ev.Type != "" {
		t.Errorf("MarshalJSON wrote to the event: Type = %q", ev.Type)
	}
	if ev.RawJSON() != nil {
		t.Errorf("RawJSON of an event built in code = %s", ev.RawJSON())
	}
	var nilEvent *AgentMessageEvent
	if b, err := nilEvent.MarshalJSON(); err != nil || string(b) != "null" {
		t.Errorf("nil event: %s, %v", b, err)
	}
}

func TestEventProcessedAt(t *testing.T) {
	ev, err := DecodeEvent([]byte(`{"type":"user.message","id":"sevt_1","content":[],"processed_at":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ev.EventProcessedAt(); ok {
		t.Error("queued event reports a processed time")
	}
	ev, err = DecodeEvent([]byte(`{"type":"session.deleted","id":"sevt_2","processed_at":"2026-11-26T12:00:00.511Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := ev.EventProcessedAt()
	if !ok || !got.Equal(*at(t, "2026-11-26T12:00:00.511Z")) {
		t.Errorf("EventProcessedAt() = %v, %v", got, ok)
	}
	if ev.EventID() != "sevt_2" {
		t.Errorf("EventID() = %q", ev.EventID())
	}
}

func TestDecodeEventErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantType string
	}{
		{"invalid JSON", `{"type":"agent.message",`, ""},
		{"not an object", `["agent.message"]`, ""},
		{"null", `null`, ""},
		{"empty", ``, ""},
		{"missing type", `{"id":"sevt_1"}`, ""},
		{"empty type", `{"type":"","id":"sevt_1"}`, ""},
		{"type not a string", `{"type":5}`, ""},
		{"bad field of a known type", `{"type":"agent.message","id":"sevt_1","content":"hello","processed_at":null}`, EventAgentMessage},
		{"bad timestamp of a known type", `{"type":"session.deleted","id":"sevt_1","processed_at":"yesterday"}`, EventSessionDeleted},
		{"bad nested block", `{"type":"agent.message","id":"sevt_1","content":[{"type":"text","text":5}]}`, EventAgentMessage},
		{"bad stop reason", `{"type":"session.status_idle","id":"sevt_1","stop_reason":{"type":"requires_action","event_ids":"x"},"stop_details":null}`, EventSessionStatusIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			ev, err := DecodeEvent(in)
			if err == nil {
				t.Fatalf("DecodeEvent succeeded: %#v", ev)
			}
			if ev != nil {
				t.Errorf("an event came with the error: %#v", ev)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			if de.EventType != tt.wantType {
				t.Errorf("EventType = %q, want %q", de.EventType, tt.wantType)
			}
			if de.What != "event" {
				t.Errorf("What = %q", de.What)
			}
			if !bytes.Equal(de.Raw, in) {
				t.Errorf("Raw = %q, want the input", de.Raw)
			}
			if de.Err == nil || err.Error() == "" {
				t.Error("no underlying error")
			}
		})
	}
}

func TestDecodeEventCopiesInput(t *testing.T) {
	buf := []byte(`{"type":"agent.thinking","id":"sevt_1","processed_at":null}`)
	ev, err := DecodeEvent(buf)
	if err != nil {
		t.Fatal(err)
	}
	want := string(buf)
	for i := range buf {
		buf[i] = ' '
	}
	if string(ev.RawJSON()) != want {
		t.Errorf("RawJSON aliases the caller's buffer: %q", ev.RawJSON())
	}
}

func TestUnknownEvent(t *testing.T) {
	in := []byte(`{"type":"session.checkpoint_created","id":"sevt_01rZ6y0eJYYWNB3GyY7v4SZ4ei","checkpoint":{"label":"after-tests","size_bytes":48211968},"processed_at":"2026-11-26T10:36:00.250Z"}`)
	ev, err := DecodeEvent(in)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := ev.(*UnknownEvent)
	if !ok {
		t.Fatalf("decoded as %T", ev)
	}
	if u.EventType() != "session.checkpoint_created" || u.EventID() != "sevt_01rZ6y0eJYYWNB3GyY7v4SZ4ei" {
		t.Errorf("envelope = %q %q", u.EventType(), u.EventID())
	}
	if _, ok := u.EventProcessedAt(); !ok {
		t.Error("processed_at lost")
	}
	out, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, in) {
		t.Errorf("re-encoded\n%s\nwant\n%s", out, in)
	}
	// Wrong envelope field types do not fail an unknown event.
	odd := []byte(`{"type":"future.thing","id":42,"processed_at":{"at":"now"}}`)
	ev, err = DecodeEvent(odd)
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventID() != "" || !bytes.Equal(ev.RawJSON(), odd) {
		t.Errorf("odd unknown event: id %q raw %s", ev.EventID(), ev.RawJSON())
	}
	// Built in code.
	b, err := json.Marshal(&UnknownEvent{EventMeta: EventMeta{ID: "sevt_9", Type: "x.y"}})
	if err != nil || string(b) != `{"id":"sevt_9","type":"x.y","processed_at":null}` {
		t.Errorf("built UnknownEvent: %s, %v", b, err)
	}
}

func TestEventsUnmarshal(t *testing.T) {
	t.Run("send response", func(t *testing.T) {
		body := []byte(`{"data":[
			{"type":"user.message","id":"sevt_01i71qHFE8q6mqc5fV215DEag1","content":[{"type":"text","text":"How many Go test files are in the repository?"}],"processed_at":null},
			{"type":"system.message","id":"sevt_01PTNMk6xANTnZJkSvrd2X5MGM","content":[{"type":"text","text":"Answer in one sentence."}],"processed_at":null},
			{"type":"brand.new","id":"sevt_3","processed_at":null}
		]}`)
		var page struct {
			Data Events `json:"data"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 3 {
			t.Fatalf("%d events", len(page.Data))
		}
		if _, ok := page.Data[0].(*UserMessageEvent); !ok {
			t.Errorf("[0] is %T", page.Data[0])
		}
		if _, ok := page.Data[1].(*SystemMessageEvent); !ok {
			t.Errorf("[1] is %T", page.Data[1])
		}
		if _, ok := page.Data[2].(*UnknownEvent); !ok {
			t.Errorf("[2] is %T", page.Data[2])
		}
	})
	t.Run("failing elements", func(t *testing.T) {
		body := []byte(`[{"type":"agent.thinking","id":"sevt_1","processed_at":null},{"type":"agent.message","id":"sevt_2","content":7},{"type":"agent.thinking","id":"sevt_3","processed_at":null},{"id":"sevt_4"}]`)
		var es Events
		err := json.Unmarshal(body, &es)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("error %T: %v", err, err)
		}
		if de.EventType != EventAgentMessage || !strings.Contains(de.What, "1") || !strings.Contains(err.Error(), "element 1") {
			t.Errorf("error does not name index 1 and its type: %+v / %v", de, err)
		}
		if !strings.Contains(err.Error(), "1 more") {
			t.Errorf("error does not count the other failure: %v", err)
		}
		if string(de.Raw) != `{"type":"agent.message","id":"sevt_2","content":7}` {
			t.Errorf("Raw = %s", de.Raw)
		}
		if len(es) != 2 || es[0].EventID() != "sevt_1" || es[1].EventID() != "sevt_3" {
			t.Errorf("the decodable events were not kept: %v", es)
		}
	})
	t.Run("null and empty", func(t *testing.T) {
		var es Events
		if err := json.Unmarshal([]byte(`null`), &es); err != nil || es != nil {
			t.Errorf("null: %v %v", es, err)
		}
		if err := json.Unmarshal([]byte(`[]`), &es); err != nil || es == nil || len(es) != 0 {
			t.Errorf("[]: %v %v", es, err)
		}
		if err := json.Unmarshal([]byte(`{"data":1}`), &es); err == nil {
			t.Error("an object decoded as a list")
		}
	})
	t.Run("marshal", func(t *testing.T) {
		in := `[{"type":"agent.thinking","id":"sevt_1","processed_at":null},{"type":"x.y","id":"sevt_2","extra":true,"processed_at":null}]`
		var es Events
		if err := json.Unmarshal([]byte(in), &es); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(es)
		if err != nil {
			t.Fatal(err)
		}
		if diff := jsonDiff(t, []byte(in), out); diff != "" {
			t.Error(diff)
		}
	})
}

func TestStopReasonEndsTurn(t *testing.T) {
	for typ, want := range map[string]bool{
		StopReasonEndTurn:          true,
		StopReasonRequiresAction:   false,
		StopReasonRetriesExhausted: true,
		StopReasonBudgetReached:    true,
		StopReasonRefusal:          true,
		"some_future_reason":       true,
		"":                         true,
	} {
		if got := (StopReason{Type: typ}).EndsTurn(); got != want {
			t.Errorf("StopReason{%q}.EndsTurn() = %v", typ, got)
		}
	}
}

func TestSessionErrorRetryStatus(t *testing.T) {
	tests := []struct {
		status                        string
		retrying, exhausted, terminal bool
	}{
		{RetryStatusRetrying, true, false, false},
		{RetryStatusExhausted, false, true, false},
		{RetryStatusTerminal, false, false, true},
		{"paused", false, false, false},
	}
	for _, tt := range tests {
		e := SessionError{Type: "whatever_error", RetryStatus: RetryStatus{Type: tt.status}}
		if e.Retrying() != tt.retrying || e.Exhausted() != tt.exhausted || e.Terminal() != tt.terminal {
			t.Errorf("%s: Retrying %v Exhausted %v Terminal %v", tt.status, e.Retrying(), e.Exhausted(), e.Terminal())
		}
	}
}

func TestSessionErrorRepositoryURLEncoding(t *testing.T) {
	tests := []struct {
		err  SessionError
		want string
	}{
		{SessionError{Type: SessionErrorRepositoryCheckout, Message: "m", RetryStatus: RetryStatus{RetryStatusRetrying}},
			`{"type":"repository_checkout_error","message":"m","retry_status":{"type":"retrying"},"repository_url":null}`},
		{SessionError{Type: SessionErrorModelOverloaded, Message: "m", RetryStatus: RetryStatus{RetryStatusRetrying}},
			`{"type":"model_overloaded_error","message":"m","retry_status":{"type":"retrying"}}`},
		{SessionError{Type: "new_error", Message: "m", RetryStatus: RetryStatus{RetryStatusTerminal}, MCPServerName: Ptr("x")},
			`{"type":"new_error","message":"m","retry_status":{"type":"terminal"},"mcp_server_name":"x"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.err)
		if err != nil || string(b) != tt.want {
			t.Errorf("got %s, %v\nwant %s", b, err, tt.want)
		}
	}
}

func TestToolUseVerdicts(t *testing.T) {
	tests := []struct {
		verdict                    string
		allowed, needsConfirmation bool
	}{
		{PermissionAllow, true, false},
		{PermissionDeny, false, false},
		{PermissionAsk, false, true},
		{"", false, true},
		{"escalate", false, true},
	}
	for _, tt := range tests {
		tu := &AgentToolUseEvent{EvaluatedPermission: tt.verdict}
		mcp := &AgentMCPToolUseEvent{EvaluatedPermission: tt.verdict}
		if tu.Allowed() != tt.allowed || mcp.Allowed() != tt.allowed {
			t.Errorf("%q: Allowed = %v/%v", tt.verdict, tu.Allowed(), mcp.Allowed())
		}
		if tu.NeedsConfirmation() != tt.needsConfirmation || mcp.NeedsConfirmation() != tt.needsConfirmation {
			t.Errorf("%q: NeedsConfirmation = %v/%v", tt.verdict, tu.NeedsConfirmation(), mcp.NeedsConfirmation())
		}
	}
}

// TestUnknownNestedValuesKept checks that values of unknown types inside
// known events survive a round trip with their extra fields.
func TestUnknownNestedValuesKept(t *testing.T) {
	fixtures := readFixtures(t)
	for name, keep := range map[string][]string{
		"agent.tool_result.blocks.json":                 {`"spec"`, `"bucket"`},
		"agent.tool_use.child_thread.json":              {`"delegate"`, `"escalate"`},
		"session.status_idle.unknown_reason.json":       {`"review_id"`, `"reviewer"`},
		"session.error.unknown_type.json":               {`"quota"`, `10737418240`},
		"session.updated.agent.json":                    {`"viewport"`},
		"workflow_run.status_ended.unknown_result.json": {`"by_workflow_run_id"`},
	} {
		ev, err := DecodeEvent(fixtures[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range keep {
			if !bytes.Contains(out, []byte(s)) {
				t.Errorf("%s: %s lost in %s", name, s, out)
			}
		}
	}
}
