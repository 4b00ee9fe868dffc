package testutil

// QuotingStyles are the ways free text quotes or joins a value: a secret
// standing between Open and Close must be masked (the masking tests of
// package api and of the CLI).
var QuotingStyles = []struct{ Name, Open, Close string }{
	{"typographic double quotes", "“", "”"},
	{"typographic single quotes", "‘", "’"},
	{"guillemets", "«", "»"},
	{"single guillemets", "‹", "›"},
	{"low-high quotes", "„", "“"},
	{"corner brackets", "「", "」"},
	{"ellipsis", "…", "…"},
	{"apostrophe", "’", "’s"},
	{"non-breaking spaces", "\u00a0", "\u00a0"},
	{"CJK text", "令牌", "无效"},
	{"hyphen join", "key-", "-v2"},
	{"underscore join", "key_", "_v2"},
	{"dot join", "key.", ".v2"},
	{"ASCII quotes", `"`, `"`},
	{"backquotes", "`", "`"},
	{"query", "?token=", "&x=1"},
}

// Quote returns secret in each of QuotingStyles, and the same with the
// secret masked as [REDACTED]: what a masked text must show instead.
func Quote(secret string) (quoted, masked []string) {
	for _, st := range QuotingStyles {
		quoted = append(quoted, st.Open+secret+st.Close)
		masked = append(masked, st.Open+"[REDACTED]"+st.Close)
	}
	return quoted, masked
}
