package graph

import (
	"slices"
	"strings"
	"testing"
)

// TestMutationLimitsCoverTheSchema: every root mutation field of the schema
// has its row in mutationLimits (its own rules, or defaultMutationLimits
// named), so that a new mutation cannot go without a limit unnoticed, and
// every row names a mutation of the schema.
func TestMutationLimitsCoverTheSchema(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	var fields []string
	for _, f := range schema.Mutation.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			fields = append(fields, f.Name)
		}
	}
	if len(fields) == 0 {
		t.Fatal("the schema has no mutations: the check below proves nothing")
	}
	for _, name := range fields {
		rules, ok := mutationLimits[name]
		if !ok {
			t.Errorf("mutation %s has no row in mutationLimits: give it its rules, or defaultMutationLimits", name)
			continue
		}
		if len(rules) == 0 {
			t.Errorf("mutation %s takes no bucket", name)
		}
		for _, r := range rules {
			if r.bucket.limit == "" || r.bucket.of == nil || r.key == nil {
				t.Errorf("mutation %s: an incomplete rule %+v", name, r)
			}
		}
	}
	for name := range mutationLimits {
		if !slices.Contains(fields, name) {
			t.Errorf("mutationLimits has a row for %s, which is no mutation of the schema", name)
		}
	}
}
