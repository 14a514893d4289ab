package managedagents

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// This file holds the agent-configuration shapes shared by the session's
// resolved agent (responses) and the agent overrides and updates (requests):
// models, tools, MCP servers and skills.

// Ptr returns a pointer to v, for the few optional request fields where the
// zero value is meaningful (such as ToolDefaults.Enabled = false).
func Ptr[T any](v T) *T { return &v }

// Effort is a model's reasoning effort. The API accepts it as a bare string
// or as {"type": …}; responses always use the object form, which is what
// Effort marshals to. It is an open set.
type Effort string

// Known efforts.
const (
	EffortLow    Effort = "low"
	EffortMedium Effort = "medium"
	EffortHigh   Effort = "high"
	EffortXHigh  Effort = "xhigh"
	EffortMax    Effort = "max"
)

// MarshalJSON encodes the object form.
func (e Effort) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type string `json:"type"`
	}{string(e)})
}

// UnmarshalJSON accepts "high" and {"type":"high"}. The first byte
// chooses the form, so that the JSON is decoded once.
func (e *Effort) UnmarshalJSON(b []byte) error {
	if isJSONString(b) {
		var s string
		if json.Unmarshal(b, &s) == nil {
			*e = Effort(s)
			return nil
		}
	}
	var obj struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("effort must be a string or an object: %w", err)
	}
	*e = Effort(obj.Type)
	return nil
}

// ModelConfig names a model and how it runs. In requests it may be given as
// just an ID; it is always sent in object form.
type ModelConfig struct {
	// ID is the model ID, such as "claude-sonnet-4-6".
	ID string `json:"id"`
	// Speed is "standard" or "fast"; empty means the default.
	Speed string `json:"speed,omitempty"`
	// Effort is the reasoning effort; responses always carry it.
	Effort Effort `json:"effort,omitempty"`
	// InferenceGeo is where inference runs; nil when unset or null.
	InferenceGeo *string `json:"inference_geo,omitempty"`
}

// UnmarshalJSON accepts a bare model ID string or the object form. The
// first byte chooses the form, so that the JSON is decoded once.
func (m *ModelConfig) UnmarshalJSON(b []byte) error {
	if isJSONString(b) {
		var id string
		if json.Unmarshal(b, &id) == nil {
			*m = ModelConfig{ID: id}
			return nil
		}
	}
	type plain ModelConfig
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*m = ModelConfig(p)
	return nil
}

// ExecutionIdentity is whose identity the sandbox acts as.
type ExecutionIdentity struct {
	// Type is "service_account" or "aws_role" (open set).
	Type string `json:"type"`
	// RoleARN is set for "aws_role".
	RoleARN string `json:"role_arn,omitempty"`
}

// PermissionPolicy says whether a tool call runs, waits for a confirmation,
// or is judged by the server.
type PermissionPolicy struct {
	// Type is one of the PermissionPolicy constants (open set).
	Type string `json:"type"`
}

// Permission policy types: the Type of a PermissionPolicy, and of the
// Evaluation that names the policy behind a verdict.
const (
	// PolicyAlwaysAllow runs every call.
	PolicyAlwaysAllow = "always_allow"
	// PolicyAlwaysAsk holds every call for a user.tool_confirmation.
	PolicyAlwaysAsk = "always_ask"
	// PolicyAuto lets the server judge each call: it allows it, holds it
	// for a confirmation, or denies it.
	PolicyAuto = "auto"
)

// Tool types: the Type of a Tool.
const (
	// ToolTypeAgentToolset is the built-in toolset: bash, edit, read,
	// write, glob, grep, web_fetch and web_search.
	ToolTypeAgentToolset = "agent_toolset_20260401"
	// ToolTypeMCPToolset is the toolset of one of the agent's MCP servers.
	ToolTypeMCPToolset = "mcp_toolset"
	// ToolTypeCustom is a tool that the client executes.
	ToolTypeCustom = "custom"
)

// Tool is one entry of an agent's tools: the built-in toolset, an MCP
// server's toolset, or a custom tool that the client executes. The fields
// used depend on Type; a tool of a type this library does not know keeps its
// JSON and re-encodes it unchanged.
type Tool struct {
	// Type is one of the ToolType constants, or a newer type.
	Type string `json:"type"`

	// MCPServerName names the server of an mcp_toolset.
	MCPServerName string `json:"mcp_server_name,omitempty"`
	// DefaultConfig applies to every tool of a toolset without its own config.
	DefaultConfig *ToolDefaults `json:"default_config,omitempty"`
	// Configs configures single tools of a toolset.
	Configs []ToolConfig `json:"configs,omitempty"`

	// Name is a custom tool's name: 1 to 128 characters from A–Z, a–z, 0–9,
	// "_" and "-".
	Name string `json:"name,omitempty"`
	// Description tells the model what a custom tool does, in 1 to 4096
	// characters.
	Description string `json:"description,omitempty"`
	// InputSchema is a custom tool's input, a JSON Schema object whose
	// "type" is "object". It keeps the exact bytes it was decoded from (or
	// given to CustomTool).
	InputSchema ToolInputSchema `json:"input_schema,omitzero"`

	raw json.RawMessage // set for unknown types only
}

// CustomTool defines a tool that the agent may call and the client answers
// with a user.custom_tool_result. The schema must be a JSON Schema object
// whose "type" is "object"; it is sent byte for byte as given.
func CustomTool(name, description string, inputSchema json.RawMessage) Tool {
	return Tool{Type: ToolTypeCustom, Name: name, Description: description, InputSchema: InputSchemaJSON(inputSchema)}
}

type plainTool Tool

// MarshalJSON encodes the tool; an unknown tool type re-encodes its raw JSON.
func (t Tool) MarshalJSON() ([]byte, error) {
	if t.raw != nil && !knownToolType(t.Type) {
		return t.raw, nil
	}
	return json.Marshal(plainTool(t))
}

// UnmarshalJSON decodes any tool, keeping the JSON of unknown types.
func (t *Tool) UnmarshalJSON(b []byte) error {
	var p plainTool
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Tool(p)
	if !knownToolType(t.Type) {
		t.raw = bytes.Clone(b)
	}
	return nil
}

func knownToolType(t string) bool {
	return t == ToolTypeAgentToolset || t == ToolTypeMCPToolset || t == ToolTypeCustom
}

// ToolDefaults is the default configuration of the tools of a toolset.
type ToolDefaults struct {
	// Enabled defaults to true when nil.
	Enabled *bool `json:"enabled,omitempty"`
	// PermissionPolicy is nil when the API default applies.
	PermissionPolicy *PermissionPolicy `json:"permission_policy,omitempty"`
}

// ToolConfig configures one tool of a toolset. Resolved configs in responses
// carry both Type and Name (the same value).
type ToolConfig struct {
	// Type repeats Name in resolved configs; requests may leave it empty.
	Type string `json:"type,omitempty"`
	// Name is the tool: for the built-in toolset bash, edit, read, write,
	// glob, grep, web_fetch or web_search; for an MCP toolset the tool's
	// name, 1 to 128 characters.
	Name string `json:"name"`
	// Enabled is nil when the toolset's default applies.
	Enabled *bool `json:"enabled,omitempty"`
	// PermissionPolicy is nil when the toolset's default applies.
	PermissionPolicy *PermissionPolicy `json:"permission_policy,omitempty"`
	// AllowedDomains limits web_fetch and web_search to these domains.
	AllowedDomains []string `json:"allowed_domains,omitempty"`
	// BlockedDomains keeps web_fetch and web_search away from these
	// domains.
	BlockedDomains []string `json:"blocked_domains,omitempty"`
	// MaxContentTokens applies to web_fetch.
	MaxContentTokens int `json:"max_content_tokens,omitempty"`
	// URLSources (web_fetch) says which URLs the tool may fetch, by where
	// they came from; nil leaves the API's default.
	URLSources *URLSources `json:"url_sources,omitempty"`
	// UserLocation (web_search) localizes search results; nil when unset.
	UserLocation *UserLocation `json:"user_location,omitempty"`
}

// MCPServer is an MCP server the agent can reach over HTTP.
type MCPServer struct {
	// Type is "url"; left empty it is sent as "url".
	Type string `json:"type"`
	// Name is the server's name, 1 to 255 characters and unique within the
	// agent; an mcp_toolset refers to the server by it.
	Name string `json:"name"`
	// URL is the server's address.
	URL string `json:"url"`
}

// MarshalJSON fills in the only known type.
func (s MCPServer) MarshalJSON() ([]byte, error) {
	type plain MCPServer
	if s.Type == "" {
		s.Type = "url"
	}
	return json.Marshal(plain(s))
}

// Skill is an Anthropic or custom skill available to the agent.
type Skill struct {
	// Type is "anthropic" or "custom".
	Type string `json:"type"`
	// SkillID identifies the skill; a custom skill's ID starts with
	// "skill_".
	SkillID string `json:"skill_id"`
	// Version is empty for the latest.
	Version string `json:"version,omitempty"`
}
