package managedagents

import (
	"encoding/json"
	"fmt"
)

// This file holds the options of the built-in web tools in a ToolConfig:
// web_fetch's url_sources and web_search's user_location. They serve
// requests (agent overrides and updates) and responses alike.

// URLSources says which URLs web_fetch may fetch, by where the URL came
// from. A nil member is sent as absent, which the API reads as null: no
// rule for that origin.
//
// https://platform.claude.com/docs/en/managed-agents/tools
type URLSources struct {
	// UserInput rules URLs that the user's messages hold.
	UserInput *URLSourceFilter `json:"user_input,omitempty"`
	// ClientToolResults rules URLs from the results of tools the client
	// runs (custom tools).
	ClientToolResults *URLSourceFilter `json:"client_tool_results,omitempty"`
	// ServerToolResults rules URLs from the results of tools the server
	// runs (such as web_search).
	ServerToolResults *URLSourceFilter `json:"server_tool_results,omitempty"`
}

// URL source filter types: the Type of a URLSourceFilter.
const (
	// URLSourceAll allows every URL of that origin.
	URLSourceAll = "all"
	// URLSourceNone allows none.
	URLSourceNone = "none"
	// URLSourceOnly allows the URLs that the listed tools produced.
	URLSourceOnly = "only"
	// URLSourceExcept allows the URLs of every tool but the listed ones.
	URLSourceExcept = "except"
)

// URLSourceFilter is one rule of URLSources, a union on Type: "all",
// "none", or "only" / "except" with Tools. The API also accepts "all" and
// "none" as bare strings, which decode as this type; it is always sent in
// object form. A filter of a type this library does not know keeps its JSON
// and re-encodes it unchanged.
type URLSourceFilter struct {
	// Type is one of the URLSource constants, or a newer type.
	Type string `json:"type"`
	// Tools are the tools an "only" or "except" filter names.
	Tools []ToolReference `json:"tools,omitempty"`

	raw json.RawMessage // set for unknown types only
}

func knownURLSourceFilter(t string) bool {
	return t == URLSourceAll || t == URLSourceNone || t == URLSourceOnly || t == URLSourceExcept
}

// RawJSON returns the JSON of a filter of a type this library does not
// know; nil for the known types.
func (f *URLSourceFilter) RawJSON() json.RawMessage { return f.raw }

// MarshalJSON encodes the filter; an unknown one is written back unchanged.
func (f URLSourceFilter) MarshalJSON() ([]byte, error) {
	type plain URLSourceFilter
	return marshalOpen(plain(f), f.Type, f.raw, knownURLSourceFilter)
}

// UnmarshalJSON accepts the object form and the bare strings "all" and
// "none", in one pass; the first byte chooses the form.
func (f *URLSourceFilter) UnmarshalJSON(b []byte) error {
	if isJSONString(b) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != URLSourceAll && s != URLSourceNone {
			return fmt.Errorf("a url_sources filter given as a string must be %q or %q", URLSourceAll, URLSourceNone)
		}
		*f = URLSourceFilter{Type: s}
		return nil
	}
	type plain URLSourceFilter
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownURLSourceFilter)
	if err != nil {
		return err
	}
	*f = URLSourceFilter(p)
	f.raw = raw
	return nil
}

// ToolReference names a tool in a URLSourceFilter.
type ToolReference struct {
	// Type is "tool_reference"; left empty it is sent as such.
	Type string `json:"type"`
	// Name is the tool's name, such as "web_search".
	Name string `json:"name"`
}

// MarshalJSON fills in the only known type.
func (r ToolReference) MarshalJSON() ([]byte, error) {
	type plain ToolReference
	if r.Type == "" {
		r.Type = "tool_reference"
	}
	return json.Marshal(plain(r))
}

// UserLocation is where web_search should assume the user is, to localize
// its results. The only known type is "approximate"; a location of another
// type keeps its JSON and re-encodes it unchanged.
type UserLocation struct {
	// Type is "approximate"; left empty it is sent as such.
	Type string `json:"type"`
	// City is the city's name, such as "Lisbon".
	City string `json:"city,omitempty"`
	// Region is the region or state.
	Region string `json:"region,omitempty"`
	// Country is the country, as an ISO 3166-1 alpha-2 code such as "PT".
	Country string `json:"country,omitempty"`
	// Timezone is an IANA time zone, such as "Europe/Lisbon".
	Timezone string `json:"timezone,omitempty"`

	raw json.RawMessage // set for unknown types only
}

func knownUserLocation(t string) bool { return t == "approximate" }

// RawJSON returns the JSON of a location of a type this library does not
// know; nil for "approximate".
func (l *UserLocation) RawJSON() json.RawMessage { return l.raw }

// MarshalJSON encodes the location; an unknown one is written back
// unchanged.
func (l UserLocation) MarshalJSON() ([]byte, error) {
	type plain UserLocation
	if l.raw != nil && !knownUserLocation(l.Type) {
		return l.raw, nil
	}
	if l.Type == "" {
		l.Type = "approximate"
	}
	return json.Marshal(plain(l))
}

// UnmarshalJSON decodes a location in one pass, keeping the JSON of unknown
// types. A null member decodes as empty.
func (l *UserLocation) UnmarshalJSON(b []byte) error {
	type plain UserLocation
	p, raw, err := unmarshalOpen(b, func(p *plain) *string { return &p.Type }, knownUserLocation)
	if err != nil {
		return err
	}
	*l = UserLocation(p)
	l.raw = raw
	return nil
}
