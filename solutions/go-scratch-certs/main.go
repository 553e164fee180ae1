// An HTTP service that needs CA certificates: it refuses to start without them.
package main

import (
	"crypto/x509"
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	pool, err := x509.SystemCertPool()
	if err != nil || len(pool.Subjects()) == 0 { //nolint:staticcheck // counting is all we need
		log.Fatal("no CA certificates found: cannot talk TLS to anything")
	}
	certs := len(pool.Subjects()) //nolint:staticcheck
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "certs=%d uid=%d\n", certs, os.Getuid())
	})
	log.Printf("loaded %d CA certificates; listening on :8080", certs)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
