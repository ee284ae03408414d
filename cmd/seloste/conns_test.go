package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestConnLimit: at the cap an idle keep-alive connection makes room for a
// new client; with none idle the new client gets 503 at once, not a hang.
func TestConnLimit(t *testing.T) {
	const cap = 20
	limit := newConnLimit(cap)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.Listener = limit.Listener(srv.Listener)
	srv.Config.ConnState = limit.ConnState
	srv.Start()
	defer srv.Close()

	get := func() (int, error) {
		c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{}}
		resp, err := c.Get(srv.URL)
		if err != nil {
			return 0, err
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// cap clients that stay connected, idle, each on its own connection.
	for i := range cap {
		if code, err := get(); err != nil || code != 200 {
			t.Fatalf("client %d: %d %v", i, code, err)
		}
	}
	// The server marks a connection idle just after its response: wait
	// for that, so that what follows does not race it.
	waitFor := func(what string, ok func(open, idle int) bool) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			limit.mu.Lock()
			open, idle := limit.open, len(limit.idle)
			limit.mu.Unlock()
			if ok(open, idle) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: open %d, idle %d", what, open, idle)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("every client idle", func(open, idle int) bool { return idle == cap })
	if code, err := get(); err != nil || code != 200 {
		t.Fatalf("a new client with every slot idle: %d %v, want 200", code, err)
	}
	waitFor("every client idle again", func(open, idle int) bool { return idle == cap })

	// Now fill the slots with connections that never send a request.
	var raw []net.Conn
	defer func() {
		for _, c := range raw {
			c.Close()
		}
	}()
	for range cap + 1 {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, c)
	}
	waitFor("the silent connections took every slot", func(open, idle int) bool { return open == cap && idle == 0 })
	time.Sleep(50 * time.Millisecond) // and the one over the cap was turned away
	start := time.Now()
	code, err := get()
	if err != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("a client over the cap: %d %v, want 503", code, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the 503 took %s", d)
	}
	for _, c := range raw {
		c.Close()
	}
	raw = nil
	deadline := time.Now().Add(3 * time.Second)
	for {
		if code, err := get(); err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("slots were not given back after the connections closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
