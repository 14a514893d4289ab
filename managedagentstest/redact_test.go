package managedagentstest

import "testing"

func TestRedactBody(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no token", `{"title":"x"}`, `{"title":"x"}`},
		{"top level", `{"authorization_token":"ghp_SECRET"}`, `{"authorization_token":"REDACTED"}`},
		{"spacing kept", "{\n  \"authorization_token\" :  \"ghp_SECRET\" , \"a\": 1\n}", "{\n  \"authorization_token\" :  \"REDACTED\" , \"a\": 1\n}"},
		{"nested in resources", `{"agent":"a","resources":[{"type":"github_repository","url":"u","authorization_token":"ghp_ONE"},{"type":"github_repository","url":"v","authorization_token":"ghp_TWO"}]}`,
			`{"agent":"a","resources":[{"type":"github_repository","url":"u","authorization_token":"REDACTED"},{"type":"github_repository","url":"v","authorization_token":"REDACTED"}]}`},
		{"escaped name", `{"authorization\u005ftoken":"ghp_SECRET"}`, `{"authorization\u005ftoken":"REDACTED"}`},
		{"escaped value", `{"authorization_token":"ghp_\"quoted\"\\x"}`, `{"authorization_token":"REDACTED"}`},
		{"a value that is the name", `{"note":"authorization_token","x":"keep"}`, `{"note":"authorization_token","x":"keep"}`},
		{"after a nested object", `{"a":{"b":[1,{"c":"d"}]},"authorization_token":"s"}`, `{"a":{"b":[1,{"c":"d"}]},"authorization_token":"REDACTED"}`},
		{"inside an array of names", `["authorization_token","s"]`, `["authorization_token","s"]`},
		{"not a string", `{"authorization_token":null}`, `{"authorization_token":null}`},
		{"not JSON", `{"authorization_token":"s"`, `{"authorization_token":"s"`},
		{"empty", ``, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(redactBody([]byte(tt.in))); got != tt.want {
				t.Errorf("redactBody(%s)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}
