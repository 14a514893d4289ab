// Package interop drives the fake Sessions server of
// github.com/managedagents/managedagents-go/managedagentstest with the
// official Anthropic Go SDK (github.com/anthropics/anthropic-sdk-go/v2), so
// that the fake and this module's client stay true to the wire format the
// official SDK sends and expects.
//
// The package holds only tests; it is a separate module so that the main
// module does not depend on the official SDK.
package interop
