package redact

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// FormatResponse prints v, a ClientWithResponses result type of gen (a
// struct holding Body []byte, HTTPResponse *http.Response and a decoded
// field per status), for any verb, as
//
//	gen.GetConfigurationsResponse{Status:"200 OK", Header:map[...], Body:"...", JSON200:&[...]}
//
// with the body's secret fields and the credential headers masked. The
// request behind the answer, which holds the credentials, is left out.
// The decoded fields print through their own methods (a secret field is
// an api.Secret, which masks itself). name is the type's name.
func FormatResponse(f fmt.State, verb rune, name string, v any) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			_, _ = io.WriteString(f, "<nil>")
			return
		}
		rv = rv.Elem()
	}
	var b strings.Builder
	b.WriteString(name + "{")
	first := true
	sep := func() {
		if !first {
			b.WriteString(", ")
		}
		first = false
	}
	if rv.Kind() == reflect.Struct {
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			field, fv := t.Field(i), rv.Field(i)
			if !field.IsExported() {
				continue
			}
			switch resp := fv.Interface().(type) {
			case *http.Response:
				if resp != nil {
					sep()
					fmt.Fprintf(&b, "Status:%q, Header:%v", resp.Status, Header(resp.Header))
				}
				continue
			case []byte:
				sep()
				fmt.Fprintf(&b, "%s:%q", field.Name, JSON(resp))
				continue
			}
			if fv.Kind() == reflect.Pointer && fv.IsNil() {
				continue
			}
			sep()
			if fv.Kind() == reflect.Pointer {
				fmt.Fprintf(&b, "%s:&%+v", field.Name, fv.Elem().Interface())
			} else {
				fmt.Fprintf(&b, "%s:%+v", field.Name, fv.Interface())
			}
		}
	}
	b.WriteString("}")
	out := b.String()
	if verb == 'q' {
		out = fmt.Sprintf("%q", out)
	}
	_, _ = io.WriteString(f, out)
}
