// Package har reads and writes HTTP Archive (HAR 1.2) files: the proxy's
// recording, the validate command's input, the test kit's replay. It
// reads what browsers' devtools and other tools write as well as what the
// proxy writes: extra members (those starting with "_") are ignored, a
// body may be base64 (content.encoding), a form may come as params.
//
// The format: http://www.softwareishard.com/blog/har-12-spec/
package har

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/finicity-go/connect-components/internal/validation"
)

// File is a HAR document.
type File struct {
	Log Log `json:"log"`
}

// Log is a HAR's log.
type Log struct {
	Version string  `json:"version"`
	Creator Creator `json:"creator"`
	Entries []Entry `json:"entries"`
}

// Creator names the program that wrote the file.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Entry is one exchange.
type Entry struct {
	StartedDateTime string   `json:"startedDateTime"`
	Time            float64  `json:"time"`
	Request         Request  `json:"request"`
	Response        Response `json:"response"`
	Cache           struct{} `json:"cache"`
	Timings         Timings  `json:"timings"`
	// Findings are the proxy's own (a custom member: HAR allows names
	// starting with "_"). Reading ignores them: a recording is checked
	// afresh.
	Findings []validation.Finding `json:"_findings"`
}

// Request is an entry's request.
type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []NameValue `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	PostData    *PostData   `json:"postData,omitempty"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
}

// Response is an entry's response.
type Response struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []NameValue `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	Content     Content     `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
}

// NameValue is a header, a cookie or a query parameter.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PostData is a request's body: text, or a form's params.
type PostData struct {
	MimeType string      `json:"mimeType"`
	Text     string      `json:"text"`
	Params   []NameValue `json:"params,omitempty"`
	// Encoding is "base64" for a body written so (an extension some tools
	// use, as for content).
	Encoding string `json:"encoding,omitempty"`
}

// Content is a response's body. Text is absent when the tool did not keep
// it (Recorded reports that).
type Content struct {
	Size     int     `json:"size"`
	MimeType string  `json:"mimeType"`
	Text     *string `json:"text,omitempty"`
	Encoding string  `json:"encoding,omitempty"`
}

// Timings are an entry's timings, in milliseconds.
type Timings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// TextContent is a Content holding text as it is.
func TextContent(mimeType string, text []byte) Content {
	s := string(text)
	return Content{Size: len(text), MimeType: mimeType, Text: &s}
}

// MaxFileBytes bounds a HAR read whole: a recording of a test run is a
// few megabytes.
const MaxFileBytes = 256 << 20

// Read decodes a HAR document of at most MaxFileBytes.
func Read(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileBytes)
	}
	var f struct {
		Log *Log `json:"log"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a HAR file: %v", jsonProblem(err))
	}
	if f.Log == nil {
		return nil, errors.New(`not a HAR file: no "log"`)
	}
	switch f.Log.Version {
	case "1.2", "1.1", "":
	default:
		return nil, fmt.Errorf("HAR version %q: want 1.2", f.Log.Version)
	}
	return &File{Log: *f.Log}, nil
}

// ReadFile reads the HAR document at path.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return Read(fh)
}

// jsonProblem words a decoding error without quoting the file's text,
// which may hold a credential.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && syntax.Error() == "unexpected end of JSON input":
		return "the JSON ends early"
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s is a JSON %s, want %s", typ.Field, typ.Value, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	}
	return "invalid JSON"
}

// HTTPRequest is the entry's request as a server receives it, and its
// body: the headers (HTTP/2 pseudo-headers such as :authority aside), the
// URL's path and query as recorded.
func (e *Entry) HTTPRequest() (*http.Request, []byte, error) {
	u, err := url.Parse(e.Request.URL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, nil, errors.New("request URL is not absolute")
	}
	body, err := e.Request.PostData.bytes()
	if err != nil {
		return nil, nil, err
	}
	req := &http.Request{Method: strings.ToUpper(e.Request.Method), URL: u, Host: u.Host, Header: http.Header{},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(body))}
	for _, h := range e.Request.Headers {
		if strings.HasPrefix(h.Name, ":") {
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	if body == nil {
		req.Body = http.NoBody
	}
	return req, body, nil
}

// PostDataBytes is the request's body: postData's text (decoded when
// base64), or its params as a form; nil for none.
func (r *Request) PostDataBytes() ([]byte, error) { return r.PostData.bytes() }

func (p *PostData) bytes() ([]byte, error) {
	if p == nil {
		return nil, nil
	}
	if p.Text == "" && len(p.Params) > 0 {
		form := url.Values{}
		for _, kv := range p.Params {
			form.Add(kv.Name, kv.Value)
		}
		return []byte(form.Encode()), nil
	}
	if p.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(p.Text)
		if err != nil {
			return nil, errors.New("request postData is not valid base64")
		}
		return b, nil
	}
	if p.Text == "" {
		return nil, nil
	}
	return []byte(p.Text), nil
}

// ResponseHeader is the response's headers.
func (e *Entry) ResponseHeader() http.Header {
	h := http.Header{}
	for _, kv := range e.Response.Headers {
		if strings.HasPrefix(kv.Name, ":") {
			continue
		}
		h.Add(kv.Name, kv.Value)
	}
	return h
}

// ResponseBody is the response's body; recorded is false when the file
// does not hold it (a tool that left it out): an empty body of size 0 is
// recorded.
func (e *Entry) ResponseBody() (body []byte, recorded bool, err error) {
	c := e.Response.Content
	if c.Text == nil {
		return nil, c.Size <= 0, nil
	}
	if c.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(*c.Text)
		if err != nil {
			return nil, false, errors.New("response content is not valid base64")
		}
		return b, true, nil
	}
	return []byte(*c.Text), true, nil
}

// Writer writes a HAR 1.2 file that is complete after every entry: each
// entry is written over the closing brackets, which are written again
// after it. A reader (a test, a support engineer, a browser's importer)
// can open the file at any time, and it is whole at exit. It is safe for
// concurrent use.
type Writer struct {
	mu    sync.Mutex
	f     *os.File
	end   int64 // where the closing brackets start
	count int
}

const closing = "\n]}}\n"

// Create makes (or truncates) the file at path, readable by its owner
// only: a recording holds personal data.
func Create(path string, creator Creator) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	head, _ := json.Marshal(creator)
	start := `{"log":{"version":"1.2","creator":` + string(head) + `,"entries":[`
	if _, err := f.WriteString(start + closing); err != nil {
		_ = f.Close()
		return nil, err
	}
	return &Writer{f: f, end: int64(len(start))}, nil
}

// Add appends an entry.
func (w *Writer) Add(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	sep := "\n"
	if w.count > 0 {
		sep = ",\n"
	}
	chunk := sep + string(b)
	if _, err := w.f.WriteAt([]byte(chunk+closing), w.end); err != nil {
		return err
	}
	w.end += int64(len(chunk))
	w.count++
	return nil
}

// Close syncs and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.f.Sync(); err != nil {
		_ = w.f.Close()
		return err
	}
	return w.f.Close()
}
