package bodypath_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/finicity-go/connect-components/internal/bodypath"
)

func decoded(t *testing.T, text string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGet(t *testing.T) {
	body := decoded(t, `{"language":"en","serviceAgreement":{"language":"fr","acceptedDate":null},"list":[1]}`)
	for _, tc := range []struct {
		path  []string
		value any
		found bool
	}{
		{[]string{"language"}, "en", true},
		{[]string{"serviceAgreement", "language"}, "fr", true},
		{[]string{"serviceAgreement", "acceptedDate"}, nil, true},
		{[]string{"serviceAgreement"}, map[string]any{"language": "fr", "acceptedDate": nil}, true},
		{nil, body, true},
		{[]string{"missing"}, nil, false},
		{[]string{"serviceAgreement", "missing"}, nil, false},
		{[]string{"language", "deeper"}, nil, false}, // a string has no properties
		{[]string{"list", "0"}, nil, false},          // nor has a list
	} {
		v, ok := bodypath.Get(body, tc.path)
		if ok != tc.found || !reflect.DeepEqual(v, tc.value) {
			t.Errorf("Get(%q) = %v, %t; want %v, %t", tc.path, v, ok, tc.value, tc.found)
		}
	}
	if v, ok := bodypath.Get("text", []string{"a"}); ok || v != nil {
		t.Errorf("Get of a non-object: %v, %t", v, ok)
	}
}

func TestSet(t *testing.T) {
	obj := decoded(t, `{"a":1,"b":"not an object","c":{"keep":true}}`)
	bodypath.Set(obj, []string{"a"}, 2.0)
	bodypath.Set(obj, []string{"b", "x"}, "replaced")
	bodypath.Set(obj, []string{"c", "d"}, []any{"new"})
	bodypath.Set(obj, []string{"e", "f", "g"}, nil)
	want := decoded(t, `{"a":2,"b":{"x":"replaced"},"c":{"keep":true,"d":["new"]},"e":{"f":{"g":null}}}`)
	if !reflect.DeepEqual(obj, want) {
		t.Errorf("after Set:\ngot  %v\nwant %v", obj, want)
	}
}
