// CoreDNS with only the plugins the local cluster's DNS uses: it answers
// <service>.<namespace>.svc.cluster.local from the API server (kubernetes
// plugin) on the node's address. There is no upstream resolver on purpose: the
// test cluster must not reach a real network, so other names get no answer.
// Building only these plugins keeps the build short (the full CoreDNS brings in
// every cloud SDK).
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

// Plugin order of the request chain, as in CoreDNS's plugin.cfg.
var directives = []string{"bind", "ready", "errors", "log", "cache", "kubernetes"}

func init() {
	dnsserver.Directives = directives
}

func main() {
	coremain.Run()
}
