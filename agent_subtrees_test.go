package managedagents

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rawAgent reads the raw JSON of a session fixture's agent members, byte
// for byte, to compare the kept bytes of the typed subtrees against.
func rawAgent(t *testing.T, fixture []byte) (tools []map[string]json.RawMessage, multiagent json.RawMessage) {
	t.Helper()
	var s struct {
		Agent struct {
			Tools      []map[string]json.RawMessage `json:"tools"`
			Multiagent json.RawMessage              `json:"multiagent"`
		} `json:"agent"`
	}
	if err := json.Unmarshal(fixture, &s); err != nil {
		t.Fatal(err)
	}
	return s.Agent.Tools, s.Agent.Multiagent
}

// checkReencoding encodes v, decoded from orig, and fails the test when a
// member of orig is missing from the encoding.
func checkReencoding(t *testing.T, what string, orig []byte, v any) {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if lost := droppedFields(t, orig, out); len(lost) > 0 {
		t.Errorf("%s re-encodes as %s, losing %v", what, out, lost)
	}
}

func TestMultiagentSessionTyped(t *testing.T) {
	data := readFixture(t, "sessions/session_multiagent.json")
	var s Session
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.RawJSON(), bytes.TrimSpace(data)) {
		t.Error("Session.RawJSON differs from the input")
	}
	m := s.Agent.Multiagent
	if m == nil {
		t.Fatal("multiagent is nil")
	}
	scanner := ThreadAgent{
		Type: ThreadAgentSaved, ID: "agent_01Sc9nVfBq3rTz6WkYe2HdLmJu", Version: 2, Name: "scanner",
		Description: Ptr("Lists Go modules and their latest versions."), System: Ptr("Run go list and summarise the results."),
		Model:             ModelConfig{ID: "claude-haiku-4-5", Speed: "standard", Effort: EffortMedium},
		ExecutionIdentity: &ExecutionIdentity{Type: "service_account"},
		Tools: []Tool{{Type: ToolTypeAgentToolset, DefaultConfig: &ToolDefaults{Enabled: Ptr(true), PermissionPolicy: &PermissionPolicy{Type: PolicyAlwaysAllow}},
			Configs: []ToolConfig{}}},
		Skills: []Skill{}, MCPServers: []MCPServer{},
	}
	want := &MultiagentConfig{
		Type:    Multiagent20261001,
		Advisor: &MultiagentAdvisor{Type: MultiagentEnabled, Model: ModelConfig{ID: "claude-opus-4-6"}},
		Subagents: &MultiagentAgents{Type: MultiagentEnabled, InlineAgents: &MultiagentSwitch{Type: MultiagentEnabled},
			PredefinedAgents: []ThreadAgent{scanner}},
		Workflows: &MultiagentAgents{Type: MultiagentDisabled},
	}
	opts := cmp.AllowUnexported(MultiagentConfig{}, MultiagentAdvisor{}, MultiagentAgents{}, MultiagentSwitch{}, ThreadAgent{}, Tool{}, ToolInputSchema{})
	if diff := cmp.Diff(want, m, opts); diff != "" {
		t.Errorf("multiagent (-want +got):\n%s", diff)
	}
	if !m.Subagents.InlineAgents.Enabled() || m.Workflows.InlineAgents.Enabled() {
		t.Error("Enabled() disagrees with the switches")
	}

	// The web tools' options are typed.
	configs := s.Agent.Tools[0].Configs
	wantLoc := &UserLocation{Type: "approximate", City: "Lisbon", Region: "Lisboa", Country: "PT", Timezone: "Europe/Lisbon"}
	if diff := cmp.Diff(wantLoc, configs[0].UserLocation, cmp.AllowUnexported(UserLocation{})); diff != "" {
		t.Errorf("user_location (-want +got):\n%s", diff)
	}
	wantSrc := &URLSources{
		UserInput:         &URLSourceFilter{Type: URLSourceAll},
		ClientToolResults: &URLSourceFilter{Type: URLSourceNone},
		ServerToolResults: &URLSourceFilter{Type: URLSourceExcept, Tools: []ToolReference{{Type: "tool_reference", Name: "web_search"}}},
	}
	if diff := cmp.Diff(wantSrc, configs[1].URLSources, cmp.AllowUnexported(URLSourceFilter{})); diff != "" {
		t.Errorf("url_sources (-want +got):\n%s", diff)
	}

	// The custom tool's schema is typed and keeps its exact bytes.
	tools, rawMulti := rawAgent(t, data)
	schema := s.Agent.Tools[1].InputSchema
	if !bytes.Equal(schema.RawJSON(), tools[1]["input_schema"]) {
		t.Errorf("InputSchema.RawJSON = %s, want the fixture's bytes %s", schema.RawJSON(), tools[1]["input_schema"])
	}
	if schema.Type != "object" || len(schema.Properties) != 2 || !jsonEqual(t, schema.Properties["severity"], []byte(`{"type":"string","enum":["low","high"]}`)) ||
		!cmp.Equal(schema.Required, []string{"module"}) {
		t.Errorf("InputSchema fields = %+v", schema)
	}

	// Re-encoding the typed multiagent loses nothing of the fixture.
	checkReencoding(t, "multiagent", rawMulti, m)
}

func TestCoordinatorRosterKeepsUnknownEntries(t *testing.T) {
	data := readFixture(t, "sessions/session_coordinator.json")
	var s Session
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	m := s.Agent.Multiagent
	if m == nil || m.Type != MultiagentCoordinator || len(m.Agents) != 3 {
		t.Fatalf("multiagent = %+v, want a coordinator roster of 3", m)
	}
	if a := m.Agents[0]; a.Type != ThreadAgentSaved || a.ID != "agent_01Sc9nVfBq3rTz6WkYe2HdLmJu" || a.Model.ID != "claude-haiku-4-5" {
		t.Errorf("roster[0] = %+v", a)
	}
	if a := m.Agents[1]; a.Type != ThreadAgentAdvisor || a.Model != (ModelConfig{ID: "claude-opus-4-6", Effort: EffortMax}) {
		t.Errorf("roster[1] = %+v", a)
	}
	unknown := `{"type": "self", "note": "a roster entry of a type no client knows"}`
	if got := m.Agents[2]; got.Type != "self" || string(got.RawJSON()) != unknown {
		t.Errorf("roster[2] = %q (raw %s), want type self kept raw", got.Type, got.RawJSON())
	}
	_, rawMulti := rawAgent(t, data)
	checkReencoding(t, "coordinator", rawMulti, m)
}

func TestMultiagentUnknownVariantsKeptRaw(t *testing.T) {
	for _, in := range []string{
		`{"type":"swarm_20270101","size":4}`,
		`{"type":"multiagent_20261001","advisor":{"type":"scheduled","at":"night"},"subagents":{"type":"limited","max":3},"workflows":{"type":"enabled","inline_agents":{"type":"ask"},"predefined_agents":[]}}`,
	} {
		var m MultiagentConfig
		if err := json.Unmarshal([]byte(in), &m); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		checkReencoding(t, in, []byte(in), m)
	}
	// A known type that does not fit is an error, not a silent loss.
	var m MultiagentConfig
	if err := json.Unmarshal([]byte(`{"type":"coordinator","agents":{"type":"agent"}}`), &m); err == nil {
		t.Error("a coordinator whose agents is an object decoded without error")
	}
}

func TestURLSourceFilterForms(t *testing.T) {
	tests := []struct {
		in      string
		want    URLSourceFilter
		out     string
		wantErr bool
	}{
		{in: `"all"`, want: URLSourceFilter{Type: URLSourceAll}, out: `{"type":"all"}`},
		{in: `"none"`, want: URLSourceFilter{Type: URLSourceNone}, out: `{"type":"none"}`},
		{in: `"some"`, wantErr: true},
		{in: `{"type":"only","tools":[{"type":"tool_reference","name":"web_search"}]}`,
			want: URLSourceFilter{Type: URLSourceOnly, Tools: []ToolReference{{Type: "tool_reference", Name: "web_search"}}},
			out:  `{"type":"only","tools":[{"type":"tool_reference","name":"web_search"}]}`},
		{in: `{"type":"only","tools":5}`, wantErr: true},
		{in: `{"type":"domains","hosts":["a.example"]}`, want: URLSourceFilter{Type: "domains", raw: json.RawMessage(`{"type":"domains","hosts":["a.example"]}`)},
			out: `{"type":"domains","hosts":["a.example"]}`},
	}
	for _, tt := range tests {
		var got URLSourceFilter
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(URLSourceFilter{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.in, diff)
		}
		out, err := json.Marshal(got)
		if err != nil || string(out) != tt.out {
			t.Errorf("%s re-encodes as %s (%v), want %s", tt.in, out, err, tt.out)
		}
	}
	// Built in code: unset members stay absent, the reference type is
	// filled in.
	out, err := json.Marshal(ToolConfig{Name: "web_fetch", URLSources: &URLSources{
		UserInput:         &URLSourceFilter{Type: URLSourceAll},
		ServerToolResults: &URLSourceFilter{Type: URLSourceOnly, Tools: []ToolReference{{Name: "web_search"}}},
	}})
	want := `{"name":"web_fetch","url_sources":{"user_input":{"type":"all"},"server_tool_results":{"type":"only","tools":[{"type":"tool_reference","name":"web_search"}]}}}`
	if err != nil || string(out) != want {
		t.Errorf("ToolConfig encodes as %s (%v)\nwant %s", out, err, want)
	}
}

func TestUserLocation(t *testing.T) {
	out, err := json.Marshal(UserLocation{City: "Porto", Country: "PT"})
	if want := `{"type":"approximate","city":"Porto","country":"PT"}`; err != nil || string(out) != want {
		t.Errorf("encodes as %s (%v), want %s", out, err, want)
	}
	var l UserLocation
	if err := json.Unmarshal([]byte(`{"type":"approximate","city":null,"country":"PT"}`), &l); err != nil || l.Type != "approximate" || l.Country != "PT" || l.City != "" || l.RawJSON() != nil {
		t.Errorf("decoded %+v, %v", l, err)
	}
	in := `{"type":"exact","lat":38.7,"lon":-9.1}`
	if err := json.Unmarshal([]byte(in), &l); err != nil {
		t.Fatal(err)
	}
	if out, _ := json.Marshal(l); string(out) != in || l.Type != "exact" {
		t.Errorf("unknown location re-encodes as %s, want %s", out, in)
	}
}

func TestToolInputSchemaKeepsBytes(t *testing.T) {
	raw := json.RawMessage(`{ "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"], "additionalProperties": false, "$defs": {} }`)
	tool := CustomTool("search", "Search.", raw)
	s := tool.InputSchema
	if !bytes.Equal(s.RawJSON(), raw) || s.Type != "object" || !cmp.Equal(s.Required, []string{"q"}) || string(s.Properties["q"]) != `{"type": "string"}` {
		t.Fatalf("InputSchemaJSON = %+v (raw %s)", s, s.RawJSON())
	}
	out, err := json.Marshal(tool)
	if err != nil {
		t.Fatal(err)
	}
	var sent struct {
		InputSchema json.RawMessage `json:"input_schema"`
	}
	if err := json.Unmarshal(out, &sent); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, raw)
	if !bytes.Equal(sent.InputSchema, compact.Bytes()) {
		t.Errorf("sent schema %s, want the given bytes %s", sent.InputSchema, compact.Bytes())
	}

	// An edit of the typed fields wins and keeps the other keywords.
	s.Required = append(s.Required, "lang")
	s.Properties = map[string]json.RawMessage{"q": s.Properties["q"], "lang": json.RawMessage(`{"type":"string"}`)}
	out, err = json.Marshal(s)
	want := `{"$defs":{},"additionalProperties":false,"properties":{"lang":{"type":"string"},"q":{"type":"string"}},"required":["q","lang"],"type":"object"}`
	if err != nil || string(out) != want {
		t.Errorf("edited schema encodes as %s (%v)\nwant %s", out, err, want)
	}

	// Built from fields, the type defaults to object; unset, it is absent.
	out, _ = json.Marshal(ToolInputSchema{Properties: map[string]json.RawMessage{"n": json.RawMessage(`{"type":"integer"}`)}})
	if want := `{"type":"object","properties":{"n":{"type":"integer"}}}`; string(out) != want {
		t.Errorf("built schema encodes as %s, want %s", out, want)
	}
	out, _ = json.Marshal(Tool{Type: ToolTypeCustom, Name: "x"})
	if want := `{"type":"custom","name":"x"}`; string(out) != want {
		t.Errorf("tool without schema encodes as %s, want %s", out, want)
	}

	// A schema whose members do not fit is kept as given, not rejected.
	odd := json.RawMessage(`{"type":"object","properties":5}`)
	var got Tool
	if err := json.Unmarshal([]byte(`{"type":"custom","name":"x","input_schema":`+string(odd)+`}`), &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.InputSchema.RawJSON(), odd) {
		t.Errorf("odd schema kept as %s", got.InputSchema.RawJSON())
	}
	if out, _ := json.Marshal(got.InputSchema); !bytes.Equal(out, odd) {
		t.Errorf("odd schema re-encodes as %s", out)
	}
	if err := json.Unmarshal([]byte(`{"type":"custom","name":"x","input_schema":null}`), &got); err != nil || !got.InputSchema.IsZero() {
		t.Errorf("null schema: %+v, %v", got.InputSchema, err)
	}
}

// FuzzAgentSubtrees checks that the typed agent subtrees never panic, and
// that whatever decodes re-encodes to JSON that decodes again to the same
// value: nothing is lost past the first round trip.
func FuzzAgentSubtrees(f *testing.F) {
	for _, name := range []string{"sessions/session_multiagent.json", "sessions/session_coordinator.json", "sessions/session.json"} {
		data := readFixture(f, name)
		var s struct {
			Agent struct {
				Tools      []json.RawMessage `json:"tools"`
				Multiagent json.RawMessage   `json:"multiagent"`
			} `json:"agent"`
		}
		if err := json.Unmarshal(data, &s); err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(0), []byte(s.Agent.Multiagent))
		for _, tool := range s.Agent.Tools {
			f.Add(uint8(1), []byte(tool))
		}
	}
	f.Add(uint8(2), []byte(`{"name":"web_fetch","url_sources":{"user_input":"all","client_tool_results":null,"server_tool_results":{"type":"x"}},"user_location":{"type":"approximate"}}`))
	f.Add(uint8(1), []byte(`{"type":"custom","input_schema":{"type":"object","properties":{"a":1},"required":"a"}}`))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		switch kind % 3 {
		case 0:
			roundTrip[MultiagentConfig](t, data)
		case 1:
			roundTrip[Tool](t, data)
		default:
			roundTrip[ToolConfig](t, data)
		}
	})
}

// roundTrip decodes data as a T and, if that works, checks that encoding
// works and is stable: decoding the encoding and encoding again gives the
// same bytes.
func roundTrip[T any](t *testing.T, data []byte) {
	var v T
	if json.Unmarshal(data, &v) != nil {
		return
	}
	first, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%q decodes but does not encode: %v", data, err)
	}
	var again T
	if err := json.Unmarshal(first, &again); err != nil {
		t.Fatalf("%q: the encoding %s does not decode: %v", data, first, err)
	}
	second, err := json.Marshal(again)
	if err != nil || !bytes.Equal(first, second) {
		t.Fatalf("%q: unstable encoding\n first %s\nsecond %s (%v)", data, first, second, err)
	}
}
