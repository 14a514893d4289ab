package managedagentstest

import (
	"encoding/json"
	"regexp"
	"slices"
)

// This file validates tool, MCP server and skill params and turns them into
// the resolved form sessions report: toolsets
// always carry default_config (enabled, permission_policy) and configs, and
// each built-in config carries both type and name.

// The API's agent-level limits, applied to overrides and updates too.
const (
	maxTools      = 128
	maxSkills     = 20
	maxMCPServers = 20
)

const (
	agentToolset = "agent_toolset_20260401"
	mcpToolset   = "mcp_toolset"
)

var (
	builtinTools      = []string{"bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search"}
	permissionTypes   = []string{"always_allow", "always_ask", "auto"}
	customToolNameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	builtinToolExtras = map[string][]string{
		"web_fetch":  {"allowed_domains", "blocked_domains", "max_content_tokens", "url_sources"},
		"web_search": {"allowed_domains", "blocked_domains", "user_location"},
	}
)

// resolveTools validates a tools param (null clears) and returns the
// resolved JSON array.
func resolveTools(raw json.RawMessage, path string) (json.RawMessage, *apiError) {
	if isNull(raw) {
		return json.RawMessage("[]"), nil
	}
	items, err := parseArray(raw, path)
	if err != nil {
		return nil, err
	}
	if len(items) > maxTools {
		return nil, errInvalid("%s: %d tools; the limit is %d", path, len(items), maxTools)
	}
	out := make([]any, 0, len(items))
	seen := map[string]bool{} // toolset and custom tool identities, to reject duplicates
	for i, item := range items {
		p := index(path, i)
		o, err := parseObject(item, p)
		if err != nil {
			return nil, err
		}
		typ, err := o.requiredString("type", p)
		if err != nil {
			return nil, err
		}
		var tool orderedObject
		var key string
		switch typ {
		case agentToolset:
			tool, err = resolveToolset(o, p, "", "always_allow")
			key = typ
		case mcpToolset:
			var server string
			if server, err = o.requiredString("mcp_server_name", p); err != nil {
				return nil, err
			}
			if runes(server) > 255 {
				return nil, errInvalid("%s.mcp_server_name: longer than 255 characters", p)
			}
			// MCP tools ask by default: the API does not document the
			// default policy of an MCP toolset, and the fake resolves one
			// without a policy to always_ask.
			tool, err = resolveToolset(o, p, server, "always_ask")
			key = typ + ":" + server
		case "custom":
			tool, err = resolveCustomTool(o, p)
			name, _ := parseString(o["name"], "")
			key = "custom:" + name
		default:
			err = errInvalid("%s.type: unknown tool type %q", p, typ)
		}
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, errInvalid("%s: duplicate tool", p)
		}
		seen[key] = true
		out = append(out, tool)
	}
	return mustMarshal(out), nil
}

// resolveToolset resolves an agent_toolset_20260401 (server == "") or an
// mcp_toolset entry.
func resolveToolset(o object, path, server, defaultPolicy string) (orderedObject, *apiError) {
	allowed := []string{"type", "default_config", "configs"}
	if server != "" {
		allowed = append(allowed, "mcp_server_name")
	}
	if err := o.only(path, allowed...); err != nil {
		return nil, err
	}
	enabled, policy := true, defaultPolicy
	if raw, ok := o["default_config"]; ok && !isNull(raw) {
		var err *apiError
		if enabled, policy, err = parseToolConfig(raw, at(path, "default_config"), enabled, policy, nil); err != nil {
			return nil, err
		}
	}
	configs := []any{}
	if raw, ok := o["configs"]; ok && !isNull(raw) {
		items, err := parseArray(raw, at(path, "configs"))
		if err != nil {
			return nil, err
		}
		names := map[string]bool{}
		for i, item := range items {
			p := index(at(path, "configs"), i)
			c, err := parseObject(item, p)
			if err != nil {
				return nil, err
			}
			name, err := c.requiredString("name", p)
			if err != nil {
				return nil, err
			}
			if server == "" && !slices.Contains(builtinTools, name) {
				return nil, errInvalid("%s.name: unknown built-in tool %q", p, name)
			}
			if runes(name) > 128 {
				return nil, errInvalid("%s.name: longer than 128 characters", p)
			}
			if names[name] {
				return nil, errInvalid("%s.name: duplicate config for %q", p, name)
			}
			names[name] = true
			extras := builtinToolExtras[name]
			if server != "" {
				extras = nil
			}
			allowed := append([]string{"name"}, extras...)
			if server == "" {
				// The official SDK's built-in config params may carry a type
				// equal to the name (the resolved form always has both).
				if raw, ok := c["type"]; ok && !isNull(raw) {
					typ, err := parseString(raw, at(p, "type"))
					if err != nil {
						return nil, err
					}
					if typ != name {
						return nil, errInvalid("%s.type: %q does not match the name %q", p, typ, name)
					}
				}
				allowed = append(allowed, "type")
			}
			cEnabled, cPolicy, err := parseToolConfig(item, p, enabled, policy, allowed)
			if err != nil {
				return nil, err
			}
			var entry orderedObject
			if server == "" {
				entry = append(entry, field{"type", name})
			}
			entry = append(entry, field{"name", name}, field{"enabled", cEnabled},
				field{"permission_policy", orderedObject{{"type", cPolicy}}})
			for _, k := range extras {
				v, ok := c[k]
				if k == "url_sources" {
					// web_fetch always reports url_sources: the official
					// SDK's response type requires it.
					src, err := resolveURLSources(v, at(p, k))
					if err != nil {
						return nil, err
					}
					entry = append(entry, field{k, src})
					continue
				}
				if ok {
					entry = append(entry, field{k, compact(v)})
				}
			}
			configs = append(configs, entry)
		}
	}
	tool := orderedObject{{"type", o.typ()}}
	if server != "" {
		tool = append(tool, field{"mcp_server_name", server})
	}
	return append(tool,
		field{"default_config", orderedObject{{"enabled", enabled}, {"permission_policy", orderedObject{{"type", policy}}}}},
		field{"configs", configs},
	), nil
}

// resolveURLSources resolves a web_fetch url_sources param (absent or null
// for none) into the response form of the official SDK: all three members
// present, each null when not set or an object, the "all" and "none"
// shorthands written as {"type": "all"} and {"type": "none"}.
func resolveURLSources(raw json.RawMessage, path string) (orderedObject, *apiError) {
	members := []string{"user_input", "client_tool_results", "server_tool_results"}
	var o object
	if raw != nil && !isNull(raw) {
		var err *apiError
		if o, err = parseObject(raw, path); err != nil {
			return nil, err
		}
		if err := o.only(path, members...); err != nil {
			return nil, err
		}
	}
	out := make(orderedObject, 0, len(members))
	for _, m := range members {
		v, ok := o[m]
		var val any = json.RawMessage("null")
		switch {
		case !ok || isNull(v):
		case kind(v) == '"':
			s, err := parseString(v, at(path, m))
			if err != nil {
				return nil, err
			}
			if s != "all" && s != "none" {
				return nil, errInvalid(`%s: unknown value %q; expected "all", "none" or an object`, at(path, m), s)
			}
			val = orderedObject{{"type", s}}
		case kind(v) == '{':
			val = compact(v)
		default:
			return nil, errInvalid("%s: expected a string, an object or null", at(path, m))
		}
		out = append(out, field{m, val})
	}
	return out, nil
}

// typ returns the object's type member, which the caller has checked.
func (o object) typ() string {
	s, _ := parseString(o["type"], "")
	return s
}

// parseToolConfig reads enabled and permission_policy from a default_config
// or config entry, falling back to the given values; extra names further
// members the entry may carry.
func parseToolConfig(raw json.RawMessage, path string, enabled bool, policy string, extra []string) (bool, string, *apiError) {
	o, err := parseObject(raw, path)
	if err != nil {
		return false, "", err
	}
	if err := o.only(path, append([]string{"enabled", "permission_policy"}, extra...)...); err != nil {
		return false, "", err
	}
	if v, ok := o["enabled"]; ok && !isNull(v) {
		if enabled, err = parseBool(v, at(path, "enabled")); err != nil {
			return false, "", err
		}
	}
	if v, ok := o["permission_policy"]; ok && !isNull(v) {
		p := at(path, "permission_policy")
		po, err := parseObject(v, p)
		if err != nil {
			return false, "", err
		}
		if err := po.only(p, "type"); err != nil {
			return false, "", err
		}
		if policy, err = po.requiredString("type", p); err != nil {
			return false, "", err
		}
		if !slices.Contains(permissionTypes, policy) {
			return false, "", errInvalid("%s.type: unknown value %q; expected always_allow, always_ask or auto", p, policy)
		}
	}
	return enabled, policy, nil
}

func resolveCustomTool(o object, path string) (orderedObject, *apiError) {
	if err := o.only(path, "type", "name", "description", "input_schema"); err != nil {
		return nil, err
	}
	name, err := o.requiredString("name", path)
	if err != nil {
		return nil, err
	}
	if !customToolNameRE.MatchString(name) {
		return nil, errInvalid("%s.name: must be 1-128 characters from A-Z a-z 0-9 _ -", path)
	}
	desc, err := o.requiredString("description", path)
	if err != nil {
		return nil, err
	}
	if runes(desc) > 4096 {
		return nil, errInvalid("%s.description: longer than 4096 characters", path)
	}
	p := at(path, "input_schema")
	schema, err := parseObject(o["input_schema"], p)
	if err != nil {
		return nil, err
	}
	if t, _ := parseString(schema["type"], ""); t != "object" {
		return nil, errInvalid(`%s.type: must be "object"`, p)
	}
	return orderedObject{{"type", "custom"}, {"name", name}, {"description", desc}, {"input_schema", compact(o["input_schema"])}}, nil
}

// resolveMCPServers validates an mcp_servers param (null clears).
func resolveMCPServers(raw json.RawMessage, path string) (json.RawMessage, *apiError) {
	if isNull(raw) {
		return json.RawMessage("[]"), nil
	}
	items, err := parseArray(raw, path)
	if err != nil {
		return nil, err
	}
	if len(items) > maxMCPServers {
		return nil, errInvalid("%s: %d MCP servers; the limit is %d", path, len(items), maxMCPServers)
	}
	out := make([]any, 0, len(items))
	names := map[string]bool{}
	for i, item := range items {
		p := index(path, i)
		o, err := parseObject(item, p)
		if err != nil {
			return nil, err
		}
		if err := o.only(p, "type", "name", "url"); err != nil {
			return nil, err
		}
		if typ, err := o.requiredString("type", p); err != nil {
			return nil, err
		} else if typ != "url" {
			return nil, errInvalid(`%s.type: unknown value %q; expected "url"`, p, typ)
		}
		name, err := o.requiredString("name", p)
		if err != nil {
			return nil, err
		}
		if runes(name) > 255 {
			return nil, errInvalid("%s.name: longer than 255 characters", p)
		}
		if names[name] {
			return nil, errInvalid("%s.name: duplicate MCP server name %q", p, name)
		}
		names[name] = true
		url, err := o.requiredString("url", p)
		if err != nil {
			return nil, err
		}
		out = append(out, orderedObject{{"type", "url"}, {"name", name}, {"url", url}})
	}
	return mustMarshal(out), nil
}

// resolveSkills validates a skills param (null clears). The resolved form
// always carries a version; the fake reports "latest" when none was given.
func resolveSkills(raw json.RawMessage, path string) (json.RawMessage, *apiError) {
	if isNull(raw) {
		return json.RawMessage("[]"), nil
	}
	items, err := parseArray(raw, path)
	if err != nil {
		return nil, err
	}
	if len(items) > maxSkills {
		return nil, errInvalid("%s: %d skills; the limit is %d", path, len(items), maxSkills)
	}
	out := make([]any, 0, len(items))
	for i, item := range items {
		p := index(path, i)
		o, err := parseObject(item, p)
		if err != nil {
			return nil, err
		}
		if err := o.only(p, "type", "skill_id", "version"); err != nil {
			return nil, err
		}
		typ, err := o.requiredString("type", p)
		if err != nil {
			return nil, err
		}
		if typ != "anthropic" && typ != "custom" {
			return nil, errInvalid(`%s.type: unknown value %q; expected "anthropic" or "custom"`, p, typ)
		}
		id, err := o.requiredString("skill_id", p)
		if err != nil {
			return nil, err
		}
		version := "latest"
		if v, err := o.optionalString("version", p); err != nil {
			return nil, err
		} else if v != nil && *v != "" {
			version = *v
		}
		out = append(out, orderedObject{{"type", typ}, {"skill_id", id}, {"version", version}})
	}
	return mustMarshal(out), nil
}

// checkMCPReferences rejects an mcp_toolset that names no configured MCP
// server.
func checkMCPReferences(tools, servers json.RawMessage, path string) *apiError {
	var ts []struct {
		Type          string `json:"type"`
		MCPServerName string `json:"mcp_server_name"`
	}
	var ss []struct {
		Name string `json:"name"`
	}
	// Both come from the resolvers above or from seeded arrays; a seeded
	// array that does not have this shape simply has nothing to check.
	_ = json.Unmarshal(tools, &ts)
	_ = json.Unmarshal(servers, &ss)
	names := map[string]bool{}
	for _, s := range ss {
		names[s.Name] = true
	}
	for i, t := range ts {
		if t.Type == mcpToolset && !names[t.MCPServerName] {
			return errInvalid("%s.tools[%d].mcp_server_name: no MCP server named %q", path, i, t.MCPServerName)
		}
	}
	return nil
}

// mustMarshal marshals values built by the fake itself, which cannot fail.
func mustMarshal(v any) json.RawMessage {
	b, err := marshal(v)
	if err != nil {
		panic("managedagentstest: " + err.Error())
	}
	return b
}
