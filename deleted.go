package managedagents

import (
	"context"
	"errors"
	"net/http"
)

// Deletion types: the Type of a Deleted.
const (
	// DeletedSession confirms Sessions.Delete.
	DeletedSession = "session_deleted"
	// DeletedResource confirms Resources.Delete.
	DeletedResource = "session_resource_deleted"
)

// Deleted is the API's confirmation that an object was deleted: its ID and
// a Type that says what it was (DeletedSession, DeletedResource).
type Deleted struct {
	// ID is the deleted object's ID.
	ID string `json:"id"`
	// Type is one of the Deleted constants, or a newer type.
	Type string `json:"type"`
}

// deleteCall sends an idempotent DELETE to path and returns the deletion
// object. An empty 2xx body stands for the confirmation the API would have
// sent: id and typ.
func (c *Client) deleteCall(ctx context.Context, path, id, typ, what string) (*Deleted, error) {
	var out Deleted
	err := c.do(ctx, request{method: http.MethodDelete, path: path, idempotent: true, what: what}, &out)
	if errors.Is(err, errEmptyBody) {
		return &Deleted{ID: id, Type: typ}, nil
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}
