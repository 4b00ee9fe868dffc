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
// request behind the answer, which holds the credentials, is left out,
// and its credentials (its secret headers, the secret fields of its body)
// are masked wherever the answer quotes them back, in any form (an error
// description echoing the app key, say). The decoded fields print through
// their own methods (a secret field is an api.Secret, which masks
// itself). name is the type's name.
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
	var secrets []string
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
					secrets = append(secrets, requestSecrets(resp.Request)...)
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
	out := Text(b.String(), secrets...)
	if verb == 'q' {
		out = fmt.Sprintf("%q", out)
	}
	_, _ = io.WriteString(f, out)
}

// requestSecrets are the credentials req carried: the values of its
// secret headers and of its body's secret fields.
func requestSecrets(req *http.Request) []string {
	if req == nil {
		return nil
	}
	var out []string
	for k, vs := range req.Header {
		if IsSecretHeader(k) {
			out = append(out, vs...)
		}
	}
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			data, _ := io.ReadAll(io.LimitReader(body, 1<<20))
			_ = body.Close()
			out = append(out, Values(data)...)
		}
	}
	return out
}
