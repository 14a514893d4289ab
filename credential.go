package managedagents

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// redacted is what every printed form of a credential shows.
const redacted = "[redacted]"

// credential holds an API key or auth token. The value sits behind a
// function because reflection cannot read what a function captures: fmt
// prints a func field as an address whatever the verb, so even a struct dump
// of a Client held in an unexported field (where fmt calls no methods)
// cannot show it. Printed directly, its String, GoString, Format and
// LogValue methods show "[redacted]". The nil credential is "no credential".
type credential func() string

// newCredential wraps s; the empty string gives the nil credential.
func newCredential(s string) credential {
	if s == "" {
		return nil
	}
	return func() string { return s }
}

// reveal returns the credential for the request header, "" when nil.
func (c credential) reveal() string {
	if c == nil {
		return ""
	}
	return c()
}

// String returns "[redacted]", or "" for no credential.
func (c credential) String() string {
	if c == nil {
		return ""
	}
	return redacted
}

// GoString is String, quoted, for the %#v verb.
func (c credential) GoString() string { return strconv.Quote(c.String()) }

// Format prints String for every verb (GoString for %#v), so that no verb
// falls back to printing the value.
func (c credential) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') || verb == 'q' {
		io.WriteString(f, c.GoString())
		return
	}
	io.WriteString(f, c.String())
}

// LogValue makes slog print String.
func (c credential) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Secret is a string that never shows: its String, GoString, Format and
// LogValue methods print "[redacted]" ("" when empty), and it even encodes
// to JSON as "[redacted]", so that params logged whole or marshalled by a
// logger cannot leak it. The client sends the real value. Convert a
// string with Secret(s).
type Secret string

// reveal returns the secret for a request body.
func (s Secret) reveal() string { return string(s) }

// String returns "[redacted]", or "" for the empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString is String, quoted, for the %#v verb.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format prints String for every verb (GoString for %#v), so that no verb
// falls back to printing the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') || verb == 'q' {
		io.WriteString(f, s.GoString())
		return
	}
	io.WriteString(f, s.String())
}

// LogValue makes slog print String.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes String, never the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }
