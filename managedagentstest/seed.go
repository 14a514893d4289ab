package managedagentstest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// IDs and values of what a new fake is seeded with.
const (
	// DefaultAgentID is the agent every fake starts with, at version 1.
	DefaultAgentID = "agent_01FakeDefaultAgent00000000"
	// DefaultAgentName is the name of the default agent.
	DefaultAgentName = "Fake agent"
	// DefaultEnvironmentID is the (cloud) environment every fake starts with.
	DefaultEnvironmentID = "env_01FakeDefaultEnvironment00"
	// DefaultModel is the model of agents seeded without one.
	DefaultModel = "claude-sonnet-4-6"
	// DefaultEffort is the effort of agents seeded without one.
	DefaultEffort = "medium"
)

// Agent is a seeded agent version. Several versions of one agent may be
// added; a session that names no version gets the highest.
type Agent struct {
	// ID is the agent's "agent_…" ID.
	ID string
	// Version is the agent version (an int64, as on the wire); 0 means one
	// more than the highest version added so far.
	Version int64
	// Name is the agent's name.
	Name string
	// Description is the agent's description, reported as null when empty.
	Description string
	// System is the agent's system prompt, reported as null when empty.
	System string
	// Model is the agent's model configuration.
	Model Model
	// Tools is a JSON array of tools in the resolved form the API reports:
	// each toolset with its default_config (enabled and permission_policy)
	// and its configs, each config carrying both type and name; each custom
	// tool with its name, description and input_schema. Tools, MCPServers
	// and Skills are used as given; nil means [].
	Tools json.RawMessage
	// MCPServers is a JSON array of {"type": "url", "name": …, "url": …}
	// objects.
	MCPServers json.RawMessage
	// Skills is a JSON array of {"type": …, "skill_id": …, "version": …}
	// objects, type "anthropic" or "custom".
	Skills json.RawMessage
	// Multiagent is the agent's multi-agent configuration as the API
	// reports it in session.agent.multiagent (a "coordinator" or
	// "multiagent_20261001" object), used as given; nil means null. It
	// only shows in sessions: delegation is scripted ([Turn.Delegate]).
	Multiagent json.RawMessage
}

// Model is an agent's model configuration.
type Model struct {
	// ID is the model ID; "" means [DefaultModel].
	ID string
	// Effort is low, medium, high, xhigh or max; "" means [DefaultEffort].
	Effort string
	// Speed is standard or fast; "" leaves it out of responses.
	Speed string
}

// memoryStore is a seeded memory store.
type memoryStore struct {
	name, description string
}

func (f *Fake) seedDefaults() {
	f.AddAgent(Agent{ID: DefaultAgentID, Version: 1, Name: DefaultAgentName})
	f.AddEnvironment(DefaultEnvironmentID, false)
}

// AddAgent seeds an agent version, replacing one with the same ID and
// version. It returns an error, and seeds nothing, if a.ID is empty or if
// Tools, MCPServers or Skills is set but not a JSON array.
func (f *Fake) AddAgent(a Agent) error {
	if a.ID == "" {
		return errors.New("managedagentstest: AddAgent: empty agent ID")
	}
	var err error
	for _, list := range []struct {
		name string
		raw  *json.RawMessage
	}{{"Tools", &a.Tools}, {"MCPServers", &a.MCPServers}, {"Skills", &a.Skills}} {
		if *list.raw, err = jsonArray(list.name, *list.raw); err != nil {
			return err
		}
	}
	if a.Multiagent, err = jsonObject("Multiagent", a.Multiagent); err != nil {
		return err
	}
	if a.Model.ID == "" {
		a.Model.ID = DefaultModel
	}
	if a.Model.Effort == "" {
		a.Model.Effort = DefaultEffort
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	versions := f.agents[a.ID]
	if a.Version == 0 {
		a.Version = 1
		if n := len(versions); n > 0 {
			a.Version = versions[n-1].Version + 1
		}
	}
	i, found := slices.BinarySearchFunc(versions, a.Version, func(v Agent, want int64) int {
		return cmp.Compare(v.Version, want)
	})
	if found {
		versions[i] = a
	} else {
		versions = slices.Insert(versions, i, a)
	}
	f.agents[a.ID] = versions
	return nil
}

// jsonArray returns raw compacted, "[]" for nil, and an error when raw is
// not a JSON array.
func jsonArray(field string, raw json.RawMessage) (json.RawMessage, error) {
	if raw == nil {
		return json.RawMessage("[]"), nil
	}
	var v []json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return nil, fmt.Errorf("managedagentstest: AddAgent: %s is not a JSON array", field)
	}
	var buf bytes.Buffer
	_ = json.Compact(&buf, raw) // valid: it just unmarshalled
	return buf.Bytes(), nil
}

// jsonObject checks a seeded agent's optional JSON object and compacts it;
// nil stays nil (null).
func jsonObject(field string, raw json.RawMessage) (json.RawMessage, error) {
	if raw == nil {
		return nil, nil
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return nil, fmt.Errorf("managedagentstest: AddAgent: %s is not a JSON object", field)
	}
	var buf bytes.Buffer
	_ = json.Compact(&buf, raw) // valid: it just unmarshalled
	return buf.Bytes(), nil
}

// AddEnvironment seeds an environment. selfHosted marks a self-hosted
// environment, the only kind that accepts user.tool_result events.
func (f *Fake) AddEnvironment(id string, selfHosted bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.envs[id] = selfHosted
}

// AddFile seeds a file that file resources and file rubrics may refer to.
func (f *Fake) AddFile(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[id] = true
}

// AddVault seeds a vault that vault_ids may refer to.
func (f *Fake) AddVault(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vaults[id] = true
}

// AddMemoryStore seeds a memory store that memory_store resources may refer
// to; name and description appear on the session's resource.
func (f *Fake) AddMemoryStore(id, name, description string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.memStores[id] = memoryStore{name: name, description: description}
}

// agentVersion returns the seeded agent, at the given version or, for 0, the
// latest. The caller holds f.mu.
func (f *Fake) agentVersion(id string, version int64) (Agent, *apiError) {
	versions := f.agents[id]
	if len(versions) == 0 {
		return Agent{}, errNotFound("Agent %s not found.", id)
	}
	if version == 0 {
		return versions[len(versions)-1], nil
	}
	for _, a := range versions {
		if a.Version == version {
			return a, nil
		}
	}
	return Agent{}, errNotFound("Agent %s version %d not found.", id, version)
}
