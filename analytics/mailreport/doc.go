// Package mailreport sends the owner's team email: weekly and monthly
// summaries of a site's report, and alerts when a site's traffic stops or
// spikes.
//
// Every number in a message comes from one analytics.Report (the one the
// dashboard shows), asked with the share links' k-anonymity floor: a mail
// leaves the server, as a share link does. Messages go through a spool of
// files (Spool): a message is written there before it is sent, and moved
// aside only once the SMTP server took it, so an outage delays mail but
// does not lose it, and a restart does not send it twice.
//
// The package stores no visitor data: a message holds a site's counts and
// the recipient's address, which are the owner's own data.
package mailreport
