package managedagentstest

import "math/rand/v2"

// base62 is in ASCII order, so fixed-width base62 strings sort like the
// numbers they encode.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// idGen makes IDs shaped like the real ones: a type prefix and 26 base62
// characters starting with "01". Like the real IDs, which are time-ordered,
// they sort in creation order: characters 3 to 10 encode a counter and the
// rest are pseudo-random from a seeded generator, so a run is reproducible.
// The list endpoint relies on this ordering to break created_at ties, which
// matters when a test injects a clock that does not advance.
type idGen struct {
	rng *rand.Rand
	n   uint64
}

func newIDGen(seed int64) *idGen {
	return &idGen{rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
}

// next returns a new ID with the given prefix. The caller must hold the
// fake's mutex.
func (g *idGen) next(prefix string) string {
	g.n++
	b := make([]byte, 0, len(prefix)+26)
	b = append(b, prefix...)
	b = append(b, "01"...)
	var counter [8]byte
	n := g.n
	for i := len(counter) - 1; i >= 0; i-- {
		counter[i] = base62[n%62]
		n /= 62
	}
	b = append(b, counter[:]...)
	for range 16 {
		b = append(b, base62[g.rng.IntN(len(base62))])
	}
	return string(b)
}
