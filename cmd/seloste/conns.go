package main

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimit caps the server's open connections, so that a flood of idle
// keep-alive connections cannot use up the process's file descriptors and
// lock everyone else out. At the cap, the connection idle the longest is
// closed to make room; if none is idle, the new one is answered 503 at once
// (a clear answer, not a hang until the client times out).
type connLimit struct {
	max int

	mu   sync.Mutex
	open int
	idle map[net.Conn]time.Time // connections waiting for their next request, since

	answering chan struct{} // bounds the connections being turned away
}

func newConnLimit(max int) *connLimit {
	return &connLimit{max: max, idle: map[net.Conn]time.Time{}, answering: make(chan struct{}, 64)}
}

// Listener wraps ln: its connections count against the cap until closed.
func (l *connLimit) Listener(ln net.Listener) net.Listener { return &limitedListener{ln, l} }

// ConnState is for http.Server.ConnState: it tells idle connections apart.
func (l *connLimit) ConnState(c net.Conn, st http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st == http.StateIdle {
		l.idle[c] = time.Now()
	} else {
		delete(l.idle, c)
	}
}

// admit makes room for one more connection: true if there is (after closing
// the longest-idle one if needed).
func (l *connLimit) admit() bool {
	l.mu.Lock()
	if l.open < l.max {
		l.open++
		l.mu.Unlock()
		return true
	}
	var oldest net.Conn
	var since time.Time
	for c, t := range l.idle {
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	if oldest == nil {
		l.mu.Unlock()
		return false
	}
	delete(l.idle, oldest)
	l.open++ // the slot passes to the new connection; the old one's close gives one back
	l.mu.Unlock()
	oldest.Close()
	return true
}

func (l *connLimit) release() {
	l.mu.Lock()
	l.open--
	l.mu.Unlock()
}

type limitedListener struct {
	net.Listener
	l *connLimit
}

// busy is what a connection over the cap reads before it is closed.
const busy = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: 29\r\nConnection: close\r\n\r\ntoo many connections, retry\r\n"

func (ln *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ln.l.admit() {
			return &limitedConn{Conn: c, l: ln.l}, nil
		}
		ln.l.turnAway(c)
	}
}

// turnAway answers a connection over the cap with 503 and closes it, off
// the accept loop. It reads the request first (briefly): a response that
// arrives before the request is sent is an error to most clients, not a
// 503. At most a few are answered at once; beyond that they are closed.
func (l *connLimit) turnAway(c net.Conn) {
	select {
	case l.answering <- struct{}{}:
	default:
		c.Close()
		return
	}
	go func() {
		defer func() { <-l.answering }()
		defer c.Close()
		c.SetDeadline(time.Now().Add(500 * time.Millisecond))
		var buf [4096]byte
		c.Read(buf[:]) // the request's start, or nothing by the deadline
		c.Write([]byte(busy))
	}()
}

type limitedConn struct {
	net.Conn
	l    *connLimit
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.l.release)
	return err
}
