// Package openapi holds authgate's OpenAPI 3.1 document, written once in openapi.yaml and
// embedded in the binary.
//
// The document is written by hand, not generated from Go types: its bodies are SimpleJWT's and
// DRF's (field errors keyed by field name, SimpleJWT's "messages" list, 204s without a body,
// refresh tokens that move into a cookie), which Go structs do not spell out, and a generator
// would describe the structs rather than the wire. What keeps it true is the tests: every route
// of internal/web/routes.go has its operation here and the reverse, and every request and
// response of the behavioural suites is validated against it (package openapitest).
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"go.yaml.in/yaml/v3"
)

// YAML is the document as written.
//
//go:embed openapi.yaml
var YAML []byte

// JSON returns the document as JSON, keys in the order they are written; it is converted once.
func JSON() ([]byte, error) { return jsonOnce() }

var jsonOnce = sync.OnceValues(func() ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(YAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return appendJSON(nil, &doc)
})

// appendJSON writes a YAML node as JSON. Mappings keep their order, which encoding/json's maps
// would not: the served document reads top to bottom like the file.
func appendJSON(b []byte, n *yaml.Node) ([]byte, error) {
	var err error
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("openapi: line %d: want one document", n.Line)
		}
		return appendJSON(b, n.Content[0])
	case yaml.AliasNode:
		return appendJSON(b, n.Alias)
	case yaml.MappingNode:
		b = append(b, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("openapi: line %d: a key must be a scalar", k.Line)
			}
			if b, err = appendString(b, k.Value); err != nil {
				return nil, err
			}
			b = append(b, ':')
			if b, err = appendJSON(b, n.Content[i+1]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case yaml.SequenceNode:
		b = append(b, '[')
		for i, c := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, c); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str", "!!binary", "!!timestamp":
			return appendString(b, n.Value)
		case "!!null":
			return append(b, "null"...), nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return nil, fmt.Errorf("openapi: line %d: %w", n.Line, err)
			}
			j, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("openapi: line %d: %w", n.Line, err)
			}
			return append(b, j...), nil
		}
		return nil, fmt.Errorf("openapi: line %d: unsupported tag %s", n.Line, n.Tag)
	}
	return nil, fmt.Errorf("openapi: line %d: unsupported node", n.Line)
}

func appendString(b []byte, s string) ([]byte, error) {
	j, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}
