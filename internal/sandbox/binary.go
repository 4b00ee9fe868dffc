package sandbox

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strings"

	"github.com/finicity-go/connect-components/internal/spec"
)

// binaryBody is the body of a documented answer that is not JSON: its
// example when it is text, else a small document of its media type that
// a client can open (a one-page PDF, a CSV with a header and a row, a
// one-pixel PNG, an empty zip), else text built from its schema.
func binaryBody(mediaType string, r *spec.Response) []byte {
	if v, ok := r.Example(); ok {
		if s, ok := v.(string); ok {
			return []byte(s)
		}
	}
	mt, _, _ := strings.Cut(mediaType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case mt == "application/pdf":
		return minimalPDF()
	case mt == "text/csv":
		return []byte("id,name\n1,sandbox\n")
	case mt == "image/png":
		var b bytes.Buffer
		_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))) // cannot fail on a buffer
		return b.Bytes()
	case mt == "application/zip":
		var b bytes.Buffer
		_ = zip.NewWriter(&b).Close() // cannot fail on a buffer
		return b.Bytes()
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return []byte(`<?xml version="1.0" encoding="UTF-8"?><sandbox/>`)
	}
	if r.Schema != nil {
		if v, ok := spec.Synthesize(r.Schema, true); ok {
			if s, ok := v.(string); ok {
				return []byte(s)
			}
		}
	}
	return []byte("sandbox\n")
}

// minimalPDF is a one-page, empty PDF document with a correct
// cross-reference table, as a PDF reader expects.
func minimalPDF() []byte {
	objects := []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
