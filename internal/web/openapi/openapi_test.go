package openapi_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	pyaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"go.yaml.in/yaml/v3"

	"github.com/authgate/authgate/internal/web"
	"github.com/authgate/authgate/internal/web/openapi"
	"github.com/authgate/authgate/internal/web/openapi/openapitest"
)

// TestDocumentIsOpenAPI31 validates the document against the OpenAPI 3.1 specification's own
// schema (libopenapi-validator embeds it), as CI must.
func TestDocumentIsOpenAPI31(t *testing.T) {
	c, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Model.Version; v != "3.1.0" {
		t.Errorf("openapi: %q, want 3.1.0", v)
	}
	if ok, errs := schema_validation.ValidateOpenAPIDocument(c.Doc); !ok {
		for _, e := range errs {
			t.Errorf("%s", e.Error())
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("\t%s at %s (line %d)", f.Reason, f.FieldPath, f.Line)
			}
		}
	}
}

// TestRoutesDescribed holds the document to internal/web/routes.go: every route has its
// operation, every operation its route. The message says what to add where.
func TestRoutesDescribed(t *testing.T) {
	c, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, r := range web.Routes() {
		routes = append(routes, r.Method+" "+r.Path)
	}
	ops := c.Operations()
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			m, p, _ := strings.Cut(r, " ")
			t.Errorf("route %s (routes.go) has no operation in openapi.yaml: add under paths:\n  %s:\n    %s:\n      operationId: …\n      responses: …\n(docs/openapi.md, \"Adding a route\")", r, p, strings.ToLower(m))
		}
	}
	for _, o := range ops {
		if !slices.Contains(routes, o) {
			t.Errorf("openapi.yaml describes %s, which routes.go does not register: remove it, or register the route", o)
		}
	}
	if len(routes) < 25 {
		t.Errorf("web.Routes() lists %d routes; the table seems not to be read", len(routes))
	}
}

// TestOperationsComplete checks what every operation needs so that generated clients are
// usable: an operationId, unique; a tag; and a 401 with WWW-Authenticate wherever a bearer token
// is required.
func TestOperationsComplete(t *testing.T) {
	c, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for p := c.Model.Paths.PathItems.First(); p != nil; p = p.Next() {
		for o := p.Value().GetOperations().First(); o != nil; o = o.Next() {
			name, op := strings.ToUpper(o.Key())+" "+p.Key(), o.Value()
			if op.OperationId == "" {
				t.Errorf("%s: no operationId", name)
			} else if other, dup := seen[op.OperationId]; dup {
				t.Errorf("%s: operationId %s is %s's too", name, op.OperationId, other)
			}
			seen[op.OperationId] = name
			if len(op.Tags) == 0 {
				t.Errorf("%s: no tag", name)
			}
			for _, req := range op.Security {
				if req.Requirements.GetOrZero("bearerAuth") == nil {
					continue
				}
				if r := op.Responses.Codes.GetOrZero("401"); r == nil || r.Headers.GetOrZero("WWW-Authenticate") == nil {
					t.Errorf("%s: needs a bearer token but has no 401 with WWW-Authenticate", name)
				}
				break
			}
		}
	}
}

// TestExamplesFitSchemas validates every example of every response and request body against
// its schema, so that the examples a reader copies (taken from the contract) are true.
func TestExamplesFitSchemas(t *testing.T) {
	c, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	sv := schema_validation.NewSchemaValidator()
	n := 0
	check := func(where string, content *v3.MediaType) {
		if content == nil || content.Schema == nil {
			return
		}
		schema := content.Schema.Schema()
		var vals []*pyaml.Node
		if content.Example != nil {
			vals = append(vals, content.Example)
		}
		for e := content.Examples.First(); e != nil; e = e.Next() {
			if e.Value().Value != nil {
				vals = append(vals, e.Value().Value)
			}
		}
		for _, v := range vals {
			n++
			var decoded any
			if err := v.Decode(&decoded); err != nil {
				t.Errorf("%s: example does not decode: %v", where, err)
				continue
			}
			if ok, errs := sv.ValidateSchemaObject(schema, jsonish(decoded)); !ok {
				for _, e := range errs {
					t.Errorf("%s: example %v: %s", where, decoded, e.Error())
				}
			}
		}
	}
	for p := c.Model.Paths.PathItems.First(); p != nil; p = p.Next() {
		for o := p.Value().GetOperations().First(); o != nil; o = o.Next() {
			name := strings.ToUpper(o.Key()) + " " + p.Key()
			op := o.Value()
			if op.RequestBody != nil {
				for m := op.RequestBody.Content.First(); m != nil; m = m.Next() {
					check(name+" request "+m.Key(), m.Value())
				}
			}
			for r := op.Responses.Codes.First(); r != nil; r = r.Next() {
				for m := r.Value().Content.First(); m != nil; m = m.Next() {
					check(fmt.Sprintf("%s %s %s", name, r.Key(), m.Key()), m.Value())
				}
			}
		}
	}
	if n < 30 {
		t.Errorf("checked %d examples; the document should have more", n)
	}
}

// jsonish turns YAML-decoded values into what encoding/json would produce.
func jsonish(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// TestJSONIsTheYAML checks the served JSON form says what the written YAML says.
func TestJSONIsTheYAML(t *testing.T) {
	j, err := openapi.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(j, &fromJSON); err != nil {
		t.Fatalf("JSON form: %v", err)
	}
	if err := yaml.Unmarshal(openapi.YAML, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, jsonish(fromYAML)) {
		t.Error("the JSON form differs from the YAML")
	}
	if !strings.HasPrefix(string(j), `{"openapi":"3.1.0","info":`) {
		t.Errorf("the JSON form does not keep the written order: %.60s", j)
	}
}
