package managedagentstest

// DefaultRequestLogSize is how many requests a fake keeps for
// [Fake.Requests] and [Fake.Count] unless [WithRequestLog] says otherwise.
const DefaultRequestLogSize = 10000

// WithRequestLog keeps only the n most recent requests for [Fake.Requests]
// and [Fake.Count] (default [DefaultRequestLogSize]); older ones are
// dropped, so a long-running fake's memory stays bounded. Zero or less
// records nothing.
func WithRequestLog(n int) Option {
	return func(c *config) { c.requestLog = max(n, 0) }
}

// requestLog is a ring of the most recent requests. The zero value with a
// size of 0 records nothing.
type requestLog struct {
	size  int
	items []RecordedRequest // len(items) <= size
	next  int               // where the next request goes once items is full
}

// add records rec, dropping the oldest request when the ring is full.
func (l *requestLog) add(rec RecordedRequest) {
	switch {
	case l.size <= 0:
	case len(l.items) < l.size:
		l.items = append(l.items, rec)
	default:
		l.items[l.next] = rec
		l.next = (l.next + 1) % l.size
	}
}

// all calls yield for each recorded request, oldest first.
func (l *requestLog) all(yield func(RecordedRequest)) {
	if len(l.items) < l.size {
		for _, r := range l.items {
			yield(r)
		}
		return
	}
	for i := range l.items {
		yield(l.items[(l.next+i)%len(l.items)])
	}
}
