package managedagents

import "encoding/json"

// This file holds session.agent.multiagent: how a multi-agent session's
// agent may hand work to other agents. Sessions cannot override it, so these
// types only decode responses; each union keeps the JSON of a variant this
// library does not know and re-encodes it unchanged.

// Multiagent configuration types: the Type of a MultiagentConfig.
const (
	// MultiagentCoordinator is a fixed roster of agents in Agents.
	MultiagentCoordinator = "coordinator"
	// Multiagent20261001 configures an Advisor, Subagents and Workflows.
	Multiagent20261001 = "multiagent_20261001"
)

// The types of the switches inside a MultiagentConfig: its Advisor,
// Subagents, Workflows and their InlineAgents.
const (
	// MultiagentEnabled turns the part on.
	MultiagentEnabled = "enabled"
	// MultiagentDisabled turns it off.
	MultiagentDisabled = "disabled"
)

// MultiagentConfig is a multi-agent session's configuration, a union on
// Type: a "coordinator" roster (Agents), or the "multiagent_20261001" form
// with an Advisor, Subagents and Workflows. The fields used depend on Type.
//
// https://platform.claude.com/docs/en/managed-agents/multi-agent
type MultiagentConfig struct {
	// Type is one of the Multiagent constants, or a newer type.
	Type string `json:"type"`
	// Agents is a coordinator's roster of 1 to 20 agents: saved agents
	// (ThreadAgentSaved) and the advisor (ThreadAgentAdvisor, Model only).
	Agents []ThreadAgent `json:"agents,omitempty"`
	// Advisor says whether the agent may consult the advisor model.
	Advisor *MultiagentAdvisor `json:"advisor,omitempty"`
	// Subagents says which agents the session's agent may delegate to.
	Subagents *MultiagentAgents `json:"subagents,omitempty"`
	// Workflows says whether the agent may start workflow runs, and with
	// which agents.
	Workflows *MultiagentAgents `json:"workflows,omitempty"`

	raw json.RawMessage // set for unknown types only
}

func knownMultiagent(t string) bool { return t == MultiagentCoordinator || t == Multiagent20261001 }

// RawJSON returns the JSON of a configuration of a type this library does
// not know; nil for the known types.
func (m *MultiagentConfig) RawJSON() json.RawMessage { return m.raw }

// MarshalJSON encodes the configuration; an unknown one is written back
// unchanged.
func (m MultiagentConfig) MarshalJSON() ([]byte, error) {
	type plain MultiagentConfig
	return marshalOpen(plain(m), m.Type, m.raw, knownMultiagent)
}

// UnmarshalJSON decodes any configuration in one pass, keeping the JSON of
// unknown types.
func (m *MultiagentConfig) UnmarshalJSON(b []byte) error {
	type plain MultiagentConfig
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownMultiagent)
	if err != nil {
		return err
	}
	*m = MultiagentConfig(p)
	m.raw = raw
	return nil
}

func knownSwitch(t string) bool { return t == MultiagentEnabled || t == MultiagentDisabled }

// MultiagentAdvisor is the advisor switch of a multiagent_20261001
// configuration: "enabled" with the advisor's Model, or "disabled". The
// official SDK reads the model as a bare ID; Model accepts that form and
// the object form, and a Model with nothing but an ID is written back as
// the bare ID.
type MultiagentAdvisor struct {
	// Type is MultiagentEnabled or MultiagentDisabled, or a newer type.
	Type string `json:"type"`
	// Model is the advisor's model when enabled.
	Model ModelConfig `json:"model,omitzero"`

	raw json.RawMessage // set for unknown types only
}

// RawJSON returns the JSON of an advisor of a type this library does not
// know; nil for the known types.
func (a *MultiagentAdvisor) RawJSON() json.RawMessage { return a.raw }

// MarshalJSON encodes the advisor; an unknown one is written back
// unchanged.
func (a MultiagentAdvisor) MarshalJSON() ([]byte, error) {
	type plain MultiagentAdvisor
	if a.raw != nil && !knownSwitch(a.Type) {
		return a.raw, nil
	}
	if a.Model.ID != "" && a.Model == (ModelConfig{ID: a.Model.ID}) {
		return json.Marshal(struct {
			Type  string `json:"type"`
			Model string `json:"model"`
		}{a.Type, a.Model.ID})
	}
	return json.Marshal(plain(a))
}

// UnmarshalJSON decodes the advisor in one pass, keeping the JSON of
// unknown types.
func (a *MultiagentAdvisor) UnmarshalJSON(b []byte) error {
	type plain MultiagentAdvisor
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownSwitch)
	if err != nil {
		return err
	}
	*a = MultiagentAdvisor(p)
	a.raw = raw
	return nil
}

// MultiagentAgents is the shape that Subagents and Workflows share:
// "enabled", with whether the agent may define agents inline and the saved
// agents it may use, or "disabled".
type MultiagentAgents struct {
	// Type is MultiagentEnabled or MultiagentDisabled, or a newer type.
	Type string `json:"type"`
	// InlineAgents says whether agents defined on the fly (by the parent
	// thread or a workflow plan) are allowed; nil when disabled.
	InlineAgents *MultiagentSwitch `json:"inline_agents,omitempty"`
	// PredefinedAgents are the saved agents that may be used.
	PredefinedAgents []ThreadAgent `json:"predefined_agents,omitempty"`

	raw json.RawMessage // set for unknown types only
}

// RawJSON returns the JSON of a block of a type this library does not
// know; nil for the known types.
func (a *MultiagentAgents) RawJSON() json.RawMessage { return a.raw }

// MarshalJSON encodes the block; an unknown one is written back unchanged.
func (a MultiagentAgents) MarshalJSON() ([]byte, error) {
	type plain MultiagentAgents
	return marshalOpen(plain(a), a.Type, a.raw, knownSwitch)
}

// UnmarshalJSON decodes the block in one pass, keeping the JSON of unknown
// types.
func (a *MultiagentAgents) UnmarshalJSON(b []byte) error {
	type plain MultiagentAgents
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownSwitch)
	if err != nil {
		return err
	}
	*a = MultiagentAgents(p)
	a.raw = raw
	return nil
}

// MultiagentSwitch is an on/off member such as inline_agents: {"type":
// "enabled"} or {"type": "disabled"}. A switch of a type this library does
// not know keeps its JSON and re-encodes it unchanged.
type MultiagentSwitch struct {
	// Type is MultiagentEnabled or MultiagentDisabled, or a newer type.
	Type string `json:"type"`

	raw json.RawMessage // set for unknown types only
}

// Enabled reports whether the switch is on; a nil switch is off.
func (s *MultiagentSwitch) Enabled() bool { return s != nil && s.Type == MultiagentEnabled }

// RawJSON returns the JSON of a switch of a type this library does not
// know; nil for the known types.
func (s *MultiagentSwitch) RawJSON() json.RawMessage { return s.raw }

// MarshalJSON encodes the switch; an unknown one is written back unchanged.
func (s MultiagentSwitch) MarshalJSON() ([]byte, error) {
	type plain MultiagentSwitch
	return marshalOpen(plain(s), s.Type, s.raw, knownSwitch)
}

// UnmarshalJSON decodes the switch in one pass, keeping the JSON of unknown
// types.
func (s *MultiagentSwitch) UnmarshalJSON(b []byte) error {
	type plain MultiagentSwitch
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownSwitch)
	if err != nil {
		return err
	}
	*s = MultiagentSwitch(p)
	s.raw = raw
	return nil
}
