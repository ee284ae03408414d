package chtest

import (
	"strings"
	"testing"
)

// TestConfigRoots: the configuration chtest writes has the <clickhouse>
// root current releases document, which 18.16.1 takes too.
func TestConfigRoots(t *testing.T) {
	for name, xml := range map[string]string{"config.xml": configXML, "users.xml": usersXML} {
		body := strings.TrimSpace(xml)
		if !strings.HasPrefix(body, "<clickhouse>") || !strings.HasSuffix(body, "</clickhouse>") {
			t.Errorf("%s: want the <clickhouse> root:\n%s", name, body)
		}
	}
}

// TestConnectRefuses: a DSN in EnvDSN that is not one is refused before
// any connection, without echoing it (it may hold a password).
func TestConnectRefuses(t *testing.T) {
	for _, dsn := range []string{
		"http://default:hunter2@127.0.0.1:8123/",
		"clickhouse:///seloste_test",
		"clickhouse://default:hunter2@127.0.0.1:9000/seloste-test",
	} {
		s, err := connect(dsn)
		if err == nil {
			s.native.Close()
			t.Errorf("%s: connected, want an error", dsn)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the password: %v", dsn, err)
		}
	}
}
