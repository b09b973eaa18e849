// The pod sandbox ("pause") container of the local node: it holds the pod's
// namespaces, reaps orphaned children and exits on SIGINT/SIGTERM. containerd
// runs it as its sandbox_image; there is no registry to pull
// registry.k8s.io/pause from, so build-all.sh builds it and packs it into an
// image archive that hack/cluster imports.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
