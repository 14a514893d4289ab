package managedagentstest

// catalogEntry is one event type of the client library's catalog: its wire
// type, its group, whether it is persisted (part of the history) and
// whether clients send it. The entries are generated into catalog_gen.go.
type catalogEntry struct {
	typ, group          string
	persisted, sendable bool
}

// historyEventTypes are the types of the history, the valid types[]
// values of the history endpoint.
var historyEventTypes = catalogTypes(func(e catalogEntry) bool { return e.persisted })

// clientEventTypes are the types of the event params clients send.
var clientEventTypes = catalogTypes(func(e catalogEntry) bool { return e.sendable })

func catalogTypes(keep func(catalogEntry) bool) []string {
	var out []string
	for _, e := range eventCatalog {
		if keep(e) {
			out = append(out, e.typ)
		}
	}
	return out
}
