package bench

import (
	_ "embed"
	"fmt"

	"github.com/flowrunner/flowrunner/engine"
)

// helloWorldYAML is the flow `flowrunner bench` runs by default: the same as
// examples/hello-world.yaml (a test keeps them equal).
//
//go:embed flows/hello-world.yaml
var helloWorldYAML []byte

// HelloWorld returns the compiled built-in hello-world flow.
func HelloWorld() (*engine.Flow, error) {
	f, diags := engine.Load("bench/flows/hello-world.yaml", helloWorldYAML)
	if f == nil {
		return nil, fmt.Errorf("the built-in hello-world flow does not load: %v", diags)
	}
	return f, nil
}
