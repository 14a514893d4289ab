package managedagentstest

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

// cursor is the content of an opaque page token: the order it was produced
// under, the direction to walk, and the boundary item (exclusive). A "next"
// cursor names the last item of the page it came with and asks for what
// follows it; a "prev" cursor names the first item and asks for what precedes
// it. Keying on (created_at, id) rather than an offset keeps pages stable
// while items are added or deleted, and lets filters change between pages.
type cursor struct {
	Order     string    `json:"o"`
	Dir       string    `json:"d"` // "next" or "prev"
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"t"`
}

// encode returns the token: unpadded base64url of the JSON form.
func (c cursor) encode() string {
	b, _ := json.Marshal(c) // a struct of strings and a time: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a token made by encode. Anything else is a 400.
func decodeCursor(s string) (cursor, *apiError) {
	bad := errInvalid("page: invalid page cursor")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return cursor{}, bad
	}
	if (c.Order != "asc" && c.Order != "desc") || (c.Dir != "next" && c.Dir != "prev") || c.ID == "" || c.CreatedAt.IsZero() {
		return cursor{}, bad
	}
	return c, nil
}
