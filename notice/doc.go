// Package notice knows the privacy statement (tietosuojaseloste) as a list
// of dated versions: it loads them from content/tietosuojaseloste/, keeps
// published versions immutable through a lock file, checks them (GDPR
// Art. 13 completeness), stamps the update date, renders them with goldmark
// to standalone HTML and plain text, and diffs one version against another.
//
// The Hugo site build lives in notice/site so that this package stays small
// and quick to test.
package notice
