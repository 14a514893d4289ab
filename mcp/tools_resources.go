package mcp

import (
	"context"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/managedagents/managedagents-go"
)

// ---- anthropic-list-session-resources ----

type listResourcesInput struct {
	SessionID string `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	Limit     int    `json:"limit,omitempty" jsonschema:"Page size, 1 to 1000; when omitted every resource comes in one page."`
	Page      string `json:"page,omitempty" jsonschema:"A page cursor from a previous result's next_page."`
}

func (a *adapter) listResourcesTool() toolSpec {
	return toolSpec{
		base:  ToolListSessionResources,
		title: "List session resources",
		description: "List what is mounted into a session's sandbox: GitHub repositories, files and memory stores, with their IDs (sesrsc_…) " +
			"and mount paths. Memory stores have no ID and cannot be removed. Repository tokens are never returned. Returns {data, next_page}.",
		readOnly:   true,
		idempotent: true,
		add: func(a *adapter, t *sdk.Tool) {
			addTool(a, t, func(s *jsonschema.Schema) { setLimit(s.Properties["limit"]) }, nil, a.listResources)
		},
	}
}

func (a *adapter) listResources(ctx context.Context, _ *sdk.CallToolRequest, in listResourcesInput) (string, pageOutput, error) {
	page, err := a.client.Resources.List(ctx, in.SessionID, managedagents.ResourceListParams{Limit: in.Limit, Page: in.Page})
	if err != nil {
		return "", pageOutput{}, err
	}
	data, summary := listed(page.Data, "resource", "session "+in.SessionID, resourceJSON, resourceLine)
	return withNextPage(summary, page.NextPage), pageOutput{Data: data, NextPage: page.NextPage}, nil
}

// ---- anthropic-add-session-resource ----

// addResourceInput is the file to mount: the body of POST
// /v1/sessions/{session_id}/resources (type file), flat.
type addResourceInput struct {
	SessionID string `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	FileID    string `json:"file_id" jsonschema:"The file's ID from the Files API (file_…). The mounted resource gets a new, session-scoped file ID."`
	MountPath string `json:"mount_path,omitempty" jsonschema:"An absolute path in the sandbox; /mnt/session/uploads/<file_id> when omitted."`
}

func (a *adapter) addResourceTool() toolSpec {
	return toolSpec{
		base:  ToolAddSessionResource,
		title: "Add session resource",
		description: "Mount a file, uploaded with the Files API, into a session's sandbox, and return the new resource with its ID (sesrsc_…). " +
			"Only files can be added after creation; repositories and memory stores are given when the session is created. " +
			"Not idempotent: a repeat mounts the file twice, so after an \"outcome unknown\" error, list the resources before adding again.",
		add: func(a *adapter, t *sdk.Tool) { addTool(a, t, nil, tightenResource, a.addResource) },
	}
}

// tightenResource describes a resource object: a type at least.
func tightenResource(s *jsonschema.Schema) {
	s.Required = []string{"type"}
	s.Properties = map[string]*jsonschema.Schema{
		"id":   {Type: "string", Description: "The resource's ID (sesrsc_…)."},
		"type": {Type: "string", Description: "github_repository, file, memory_store, or a newer type."},
	}
}

func (a *adapter) addResource(ctx context.Context, _ *sdk.CallToolRequest, in addResourceInput) (string, apiObject, error) {
	res, err := a.client.Resources.Add(ctx, in.SessionID, managedagents.AddFileResourceParams{FileID: in.FileID, MountPath: in.MountPath})
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("Added resource %s to session %s", resourceLine(res), in.SessionID), resourceJSON(res), nil
}

// ---- anthropic-remove-session-resource ----

type resourceIDInput struct {
	SessionID  string `json:"session_id" jsonschema:"The session's ID (sesn_…)."`
	ResourceID string `json:"resource_id" jsonschema:"The resource's ID (sesrsc_…), from the session's resource list."`
}

func (a *adapter) removeResourceTool() toolSpec {
	return toolSpec{
		base:  ToolRemoveSessionResource,
		title: "Remove session resource",
		description: "Unmount a resource (a file or a GitHub repository) from a session's sandbox; the agent loses access to it. " +
			"Cannot be undone (add a file again to mount it anew). Removing a resource that is already gone reports not_found_error.",
		destructive: true,
		idempotent:  true,
		add:         func(a *adapter, t *sdk.Tool) { addTool(a, t, nil, nil, a.removeResource) },
	}
}

func (a *adapter) removeResource(ctx context.Context, _ *sdk.CallToolRequest, in resourceIDInput) (string, deletedOutput, error) {
	del, err := a.client.Resources.Delete(ctx, in.SessionID, in.ResourceID)
	if err != nil {
		return "", deletedOutput{}, err
	}
	out := deletedOutput{ID: del.ID, Type: del.Type, Deleted: true}
	if out.ID == "" {
		out.ID = in.ResourceID
	}
	if out.Type == "" {
		out.Type = "session_resource_deleted"
	}
	return fmt.Sprintf("Removed resource %s from session %s", out.ID, in.SessionID), out, nil
}
