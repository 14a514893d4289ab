package managedagentstest

import (
	"encoding/json"
	"slices"
)

// sessionAgent is session.agent: the resolved, post-override configuration.
// The fields are in the order the API sends them.
type sessionAgent struct {
	Type              string            `json:"type"`
	ID                string            `json:"id"`
	Version           int64             `json:"version"`
	Name              string            `json:"name"`
	Description       *string           `json:"description"`
	System            *string           `json:"system"`
	Model             modelConfig       `json:"model"`
	ExecutionIdentity executionIdentity `json:"execution_identity"`
	Tools             json.RawMessage   `json:"tools"`
	MCPServers        json.RawMessage   `json:"mcp_servers"`
	Skills            json.RawMessage   `json:"skills"`
	// Multiagent is the seeded agent's Multiagent, null when it has none.
	Multiagent json.RawMessage `json:"multiagent"`
}

// modelConfig is the response form of a model: always an object, always
// with an effort object.
type modelConfig struct {
	ID     string `json:"id"`
	Speed  string `json:"speed,omitempty"`
	Effort effort `json:"effort"`
	// InferenceGeo is kept only when the request set it (string or null).
	InferenceGeo json.RawMessage `json:"inference_geo,omitempty"`
}

type effort struct {
	Type string `json:"type"`
}

type executionIdentity struct {
	Type string `json:"type"`
}

var (
	efforts = []string{"low", "medium", "high", "xhigh", "max"}
	speeds  = []string{"standard", "fast"}
)

// baseAgent turns a seeded agent version into the session form.
func baseAgent(a Agent) sessionAgent {
	sa := sessionAgent{
		Type:              "agent",
		ID:                a.ID,
		Version:           a.Version,
		Name:              a.Name,
		Model:             modelConfig{ID: a.Model.ID, Speed: a.Model.Speed, Effort: effort{a.Model.Effort}},
		ExecutionIdentity: executionIdentity{Type: "service_account"},
		Tools:             a.Tools,
		MCPServers:        a.MCPServers,
		Skills:            a.Skills,
		Multiagent:        a.Multiagent,
	}
	if a.Description != "" {
		sa.Description = &a.Description
	}
	if a.System != "" {
		sa.System = &a.System
	}
	return sa
}

// resolveAgent reads the create body's agent member in any of its three forms
// (an ID string, an {"type": "agent"} reference with an optional version, or
// an {"type": "agent_with_overrides"} object) and returns the effective configuration. The caller
// holds f.mu.
func (f *Fake) resolveAgent(raw json.RawMessage) (sessionAgent, *apiError) {
	const path = "agent"
	var (
		id        string
		version   int64
		overrides object
	)
	switch kind(raw) {
	case 0, 'n':
		return sessionAgent{}, errInvalid("agent: field is required")
	case '"':
		s, err := parseString(raw, path)
		if err != nil {
			return sessionAgent{}, err
		}
		if s == "" {
			return sessionAgent{}, errInvalid("agent: must not be empty")
		}
		id = s
	case '{':
		o, _ := parseObject(raw, path)
		typ, err := o.requiredString("type", path)
		if err != nil {
			return sessionAgent{}, err
		}
		switch typ {
		case "agent":
			err = o.only(path, "type", "id", "version")
		case "agent_with_overrides":
			err = o.only(path, "type", "id", "version", "model", "system", "tools", "mcp_servers", "skills")
			overrides = o
		default:
			err = errInvalid(`agent.type: unknown value %q; expected "agent" or "agent_with_overrides"`, typ)
		}
		if err != nil {
			return sessionAgent{}, err
		}
		if id, err = o.requiredString("id", path); err != nil {
			return sessionAgent{}, err
		}
		if v, ok := o["version"]; ok && !isNull(v) {
			if version, err = parseInt(v, "agent.version"); err != nil {
				return sessionAgent{}, err
			}
			if version < 1 {
				return sessionAgent{}, errInvalid("agent.version: must be at least 1")
			}
		}
	default:
		return sessionAgent{}, errInvalid("agent: expected an agent ID or an object")
	}

	base, err := f.agentVersion(id, version)
	if err != nil {
		return sessionAgent{}, err
	}
	sa := baseAgent(base)
	if overrides != nil {
		if err := applyOverrides(&sa, overrides); err != nil {
			return sessionAgent{}, err
		}
	}
	return sa, nil
}

// applyOverrides applies the tri-state overrides of agent_with_overrides:
// an omitted member inherits, null or [] clears, a value replaces whole.
func applyOverrides(sa *sessionAgent, o object) *apiError {
	if raw, ok := o["model"]; ok {
		if isNull(raw) {
			return errInvalid("agent_model_required: agent.model cannot be cleared; every session needs a model")
		}
		m, err := parseModel(raw, "agent.model")
		if err != nil {
			return err
		}
		sa.Model = m
	}
	if o.has("system") {
		sys, err := o.optionalString("system", "agent")
		if err != nil {
			return err
		}
		if sys != nil && runes(*sys) > 100_000 {
			return errInvalid("agent.system: %d characters; the limit is 100000", runes(*sys))
		}
		sa.System = sys
	}
	if raw, ok := o["skills"]; ok {
		skills, err := resolveSkills(raw, "agent.skills")
		if err != nil {
			return err
		}
		sa.Skills = skills
	}
	tools, servers, err := updateToolset(sa, o, "agent")
	if err != nil {
		return err
	}
	sa.Tools, sa.MCPServers = tools, servers
	return nil
}

// updateToolset returns sa's tools and MCP servers with the tools and
// mcp_servers members of o applied as full replacements (null or [] clears),
// checking the combination. Create overrides and session updates share it.
func updateToolset(sa *sessionAgent, o object, path string) (tools, servers json.RawMessage, err *apiError) {
	tools, servers = sa.Tools, sa.MCPServers
	raw, setTools := o["tools"]
	if setTools {
		if tools, err = resolveTools(raw, at(path, "tools")); err != nil {
			return nil, nil, err
		}
		if isEmptyArray(tools) && !isEmptyArray(sa.Skills) {
			return nil, nil, errInvalid("%s: tools cannot be cleared while the agent has skills", at(path, "tools"))
		}
	}
	raw, setServers := o["mcp_servers"]
	if setServers {
		if servers, err = resolveMCPServers(raw, at(path, "mcp_servers")); err != nil {
			return nil, nil, err
		}
	}
	if setTools || setServers {
		if err := checkMCPReferences(tools, servers, path); err != nil {
			return nil, nil, err
		}
	}
	return tools, servers, nil
}

// parseModel reads a ModelConfig param: a model ID or an object with id,
// speed, effort (a string or {"type": …}) and inference_geo. The response
// form always carries an effort; the fake resolves a missing one to
// DefaultEffort, standing in for "the model's default".
func parseModel(raw json.RawMessage, path string) (modelConfig, *apiError) {
	m := modelConfig{Effort: effort{DefaultEffort}}
	if kind(raw) == '"' {
		id, err := parseString(raw, path)
		if err != nil {
			return m, err
		}
		if id == "" {
			return m, errInvalid("agent_model_required: %s must not be empty", path)
		}
		m.ID = id
		return m, nil
	}
	o, err := parseObject(raw, path)
	if err != nil {
		return m, errInvalid("%s: expected a model ID or an object", path)
	}
	if err := o.only(path, "id", "speed", "effort", "inference_geo"); err != nil {
		return m, err
	}
	if m.ID, err = o.requiredString("id", path); err != nil {
		return m, err
	}
	if raw, ok := o["speed"]; ok && !isNull(raw) {
		s, err := parseString(raw, at(path, "speed"))
		if err != nil {
			return m, err
		}
		if !slices.Contains(speeds, s) {
			return m, errInvalid("%s.speed: unknown value %q; expected standard or fast", path, s)
		}
		m.Speed = s
	}
	if raw, ok := o["effort"]; ok && !isNull(raw) {
		e, err := parseEffort(raw, at(path, "effort"))
		if err != nil {
			return m, err
		}
		m.Effort = effort{e}
	}
	if raw, ok := o["inference_geo"]; ok {
		if !isNull(raw) {
			if _, err := parseString(raw, at(path, "inference_geo")); err != nil {
				return m, err
			}
		}
		m.InferenceGeo = compact(raw)
	}
	return m, nil
}

func parseEffort(raw json.RawMessage, path string) (string, *apiError) {
	var e string
	if kind(raw) == '{' {
		o, _ := parseObject(raw, path)
		if err := o.only(path, "type"); err != nil {
			return "", err
		}
		s, err := o.requiredString("type", path)
		if err != nil {
			return "", err
		}
		e = s
	} else {
		s, err := parseString(raw, path)
		if err != nil {
			return "", errInvalid("%s: expected a string or an object", path)
		}
		e = s
	}
	if !slices.Contains(efforts, e) {
		return "", errInvalid("%s: unknown value %q; expected low, medium, high, xhigh or max", path, e)
	}
	return e, nil
}

func isEmptyArray(raw json.RawMessage) bool { return string(raw) == "[]" }
