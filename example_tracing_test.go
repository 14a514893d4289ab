package managedagents_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/managedagents/managedagents-go"
	"github.com/managedagents/managedagents-go/managedagentstest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Trace a client's calls with the OpenTelemetry SDK. A program usually
// sets its provider once, with otel.SetTracerProvider, and exports with
// sdktrace.WithBatcher(exporter); here an in-memory recorder shows the
// spans. Each call is one span, named by its route, whatever its number of
// attempts: the injected 529 is retried within the create's span.
func ExampleWithTracerProvider() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv := managedagentstest.NewServer()
	defer srv.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())

	client, err := srv.NewClient(managedagents.WithTracerProvider(tp))
	if err != nil {
		log.Fatal(err)
	}
	srv.FailNext(1, 529)
	s, err := client.Sessions.Create(ctx, managedagents.SessionCreateParams{
		Agent:         managedagents.AgentByID(managedagentstest.DefaultAgentID),
		EnvironmentID: managedagentstest.DefaultEnvironmentID,
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Sessions.Get(ctx, s.ID); err != nil {
		log.Fatal(err)
	}

	for _, span := range rec.Ended() {
		attrs := map[string]string{}
		for _, kv := range span.Attributes() {
			attrs[string(kv.Key)] = kv.Value.String()
		}
		fmt.Printf("%s: status %s, attempts %s, %d retry event(s)\n", span.Name(),
			attrs["http.response.status_code"], attrs["managedagents.request.attempts"], len(span.Events()))
	}
	// Output:
	// POST /v1/sessions: status 200, attempts 2, 1 retry event(s)
	// GET /v1/sessions/{session_id}: status 200, attempts 1, 0 retry event(s)
}
