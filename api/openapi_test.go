package api_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"callqa/api"
)

// TestOpenAPIMatchesRoutes keeps the OpenAPI document in step with the
// routes: every route is a documented operation, every operation a route,
// and every /v1 operation documents its errors.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Info    map[string]any                        `json:"info"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r := e.do("GET", "/openapi.json", "", nil)
	r.want(t, 200, "openapi.json")
	r.json(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Info["title"] == nil {
		t.Fatalf("not an OpenAPI 3 document: openapi %q info %v", doc.OpenAPI, doc.Info)
	}
	param := regexp.MustCompile(`[:*]([a-z]+)`)
	routes := map[string]bool{}
	for _, rt := range e.srv.Routes() {
		path := param.ReplaceAllString(rt.Path, "{$1}")
		routes[strings.ToLower(rt.Method)+" "+path] = true
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			documented[method+" "+path] = true
			var op struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
				Security    *[]any                     `json:"security"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if op.OperationID == "" || len(op.Responses) == 0 {
				t.Errorf("%s %s: no operationId or responses", method, path)
			}
			if strings.HasPrefix(path, "/v1/") {
				for _, code := range []string{"401", "403"} {
					if op.Responses[code] == nil {
						t.Errorf("%s %s: response %s not documented", method, path, code)
					}
				}
				if op.Security != nil && len(*op.Security) == 0 {
					t.Errorf("%s %s: documented without a token", method, path)
				}
			}
		}
	}
	for k := range routes {
		if !documented[k] {
			t.Errorf("route %s is not in the OpenAPI document", k)
		}
	}
	for k := range documented {
		if !routes[k] {
			t.Errorf("the OpenAPI document has %s, which is no route", k)
		}
	}
	if !slices.Equal(api.OpenAPI(), r.body) {
		t.Error("/openapi.json differs from api.OpenAPI()")
	}
}
