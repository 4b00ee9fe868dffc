package redact

// secretFields are the JSON object keys whose values are credentials,
// lower case (IsSecretField compares them as encoding/json matches names:
// case-insensitively, with Unicode folding).
//
// This file is to be generated from the properties openapi.yaml marks
// `x-secret: true`: it holds this one set and nothing else, so that a
// generated file can take its place. Do not add names by hand.
var secretFields = map[string]bool{
	"partnersecret": true,
	"token":         true,
}
