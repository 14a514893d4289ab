// Package managedagentstest is an in-memory fake of the Claude Managed Agents
// Sessions API, for tests and examples that must run without the real service.
//
// The fake speaks the real wire format: the same paths, headers, JSON shapes,
// error envelope, status codes and opaque cursors. It is written against the
// wire reference alone and does not import the client package, so a test that
// drives the client against the fake also checks the client's idea of the wire
// format.
//
// Two entry points share all behaviour:
//
//   - [New] builds the state and an [http.Handler] without a listener, for
//     mounting in another server (the examples embed it this way);
//   - [NewServer] wraps the same fake in an [httptest.Server] on 127.0.0.1.
//
// A fresh fake knows one agent ([DefaultAgentID]) and one environment
// ([DefaultEnvironmentID]), so a session can be created with no set-up. Tests
// seed more with [Fake.AddAgent], [Fake.AddEnvironment], [Fake.AddFile],
// [Fake.AddVault] and [Fake.AddMemoryStore], inject failures with
// [Fake.FailNext] and [Fake.SetLatency], and observe what the fake received
// with [Fake.Requests] and [Fake.Count].
//
// Where the reference leaves the real behaviour open, the fake makes one
// documented choice; the comments at each such place say which.
package managedagentstest
