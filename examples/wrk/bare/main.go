// Command bare is the yardstick of examples/wrk/pairs.sh: a net/http
// handler that reads a beacon's body and answers 202, as the collector
// does, and does nothing else.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18091", "listen `address`")
	flag.Parse()
	http.HandleFunc("POST /api/event", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
