// Package bodypath reads and sets the property at a path in a decoded
// JSON value (the map[string]any and []any that encoding/json makes),
// the path being the property names from the root, as spec.Field.Path
// gives a body field's: [serviceAgreement language].
package bodypath

// Get is the value at path in v, and whether every property on the way
// is there.
func Get(v any, path []string) (any, bool) {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// Set sets the value at path in obj, making the objects on the way (and
// replacing what is not one). path is never empty.
func Set(obj map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := obj[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[k] = next
		}
		obj = next
	}
	obj[path[len(path)-1]] = v
}
