package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
)

// renderTable writes an answer for people (--output table), from its
// response schema: the scalar properties (and lists of scalars) are the
// columns, "id" first, the others by name. A list is one row per item;
// an object with lists of objects in it is a column of name/value lines,
// then one table per list. goName titles the id line of such an object.
func renderTable(w io.Writer, s *openapi3.Schema, goName string, v any) {
	switch {
	case s == nil:
		data, _ := json.Marshal(v)
		fmt.Fprintf(w, "%s\n", data)
	case kind(s) == openapi3.TypeArray && s.Items != nil && s.Items.Value != nil:
		list, _ := v.([]any)
		renderRows(w, s.Items.Value, list, "")
	case kind(s) == openapi3.TypeObject:
		obj, _ := v.(map[string]any)
		cols, lists := columns(s)
		if len(lists) == 0 {
			if len(cols) == 1 && len(s.Properties) == 1 {
				fmt.Fprintln(w, cell(obj[cols[0]])) // a single value, bare: a token
				return
			}
			renderRows(w, s, []any{v}, "")
			return
		}
		for _, c := range cols {
			title := heading(c)
			if c == "id" && goName != "" {
				title = heading(goName)
			}
			fmt.Fprintf(w, "%s\t%s\n", title, cell(obj[c]))
		}
		for _, l := range lists {
			items, _ := obj[l].([]any)
			fmt.Fprintln(w)
			renderRows(w, s.Properties[l].Value.Items.Value, items, spec.Singular(l))
		}
	default:
		fmt.Fprintln(w, cell(v))
	}
}

// renderRows writes a header and one row per item. Items with no scalar
// property of their own but one list of objects (a set of challenges)
// are flattened into the rows of that list.
func renderRows(w io.Writer, s *openapi3.Schema, items []any, prefix string) {
	cols, lists := columns(s)
	if len(cols) == 0 && len(lists) == 1 {
		var inner []any
		for _, it := range items {
			obj, _ := it.(map[string]any)
			l, _ := obj[lists[0]].([]any)
			inner = append(inner, l...)
		}
		renderRows(w, s.Properties[lists[0]].Value.Items.Value, inner, spec.Singular(lists[0]))
		return
	}
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = heading(c)
		if c == "id" && prefix != "" {
			head[i] = heading(prefix + " id")
		}
	}
	fmt.Fprintln(w, strings.Join(head, "\t"))
	for _, it := range items {
		obj, _ := it.(map[string]any)
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = cell(obj[c])
		}
		fmt.Fprintln(w, strings.Join(row, "\t"))
	}
}

// columns splits an object's properties into scalar columns ("id"
// first, then by name) and lists of objects.
func columns(s *openapi3.Schema) (cols, lists []string) {
	for name, ref := range s.Properties {
		if ref == nil || ref.Value == nil {
			continue
		}
		p := ref.Value
		switch kind(p) {
		case openapi3.TypeObject:
		case openapi3.TypeArray:
			if p.Items == nil || p.Items.Value == nil {
				continue
			}
			if kind(p.Items.Value) == openapi3.TypeObject {
				lists = append(lists, name)
			} else if kind(p.Items.Value) != openapi3.TypeArray {
				cols = append(cols, name)
			}
		default:
			cols = append(cols, name)
		}
	}
	sort.Slice(cols, func(i, j int) bool {
		if (cols[i] == "id") != (cols[j] == "id") {
			return cols[i] == "id"
		}
		return cols[i] < cols[j]
	})
	sort.Strings(lists)
	return cols, lists
}

// cell is a value as a table shows it; "-" for none.
func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case string:
		if v == "" {
			return "-"
		}
		return strings.NewReplacer("\t", " ", "\n", " ").Replace(v)
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			parts = append(parts, cell(e))
		}
		if len(parts) == 0 {
			return "-"
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(v)
	}
}
