package schema

import (
	"bytes"
	_ "embed"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// FlowSchemaJSON is flow.schema.json, the JSON Schema (2020-12) of a flow file,
// as `flowrunner schema` prints it for editors and CI. Read-only.
//
//go:embed flow.schema.json
var FlowSchemaJSON []byte

// SchemaID is the $id of FlowSchemaJSON.
const SchemaID = "https://flowrunner.dev/schema/flow.schema.json"

// flowSchema compiles FlowSchemaJSON once. The compiled schema is safe for
// concurrent use.
var flowSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(FlowSchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		return nil, err
	}
	return c.Compile(SchemaID)
})
