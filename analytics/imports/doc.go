// Package imports holds what the importers of other tools' statistics
// share: reading an export safely (a directory, a zip or a gzip file, with
// bounded sizes, names that stay inside the archive and lines of bounded
// length) and showing progress. The importers live in the packages below
// it, one per source: plausible (Plausible's CSV format, both ways),
// goatcounter (GoatCounter's CSV export, as page views) and ga4 (the Google
// Analytics Data API).
//
// Every importer is all-or-nothing: it reads and checks the whole input
// inside the store's transaction (analytics.ImportStore.PutImport, or
// one Append), so a bad line anywhere leaves nothing stored.
package imports
