package api

// Version is this SDK's version. It is sent in every request's User-Agent
// header as finicity-connect-go/<Version>.
const Version = "0.10.0"

const userAgent = "finicity-connect-go/" + Version
