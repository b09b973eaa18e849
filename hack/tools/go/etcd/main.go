// Command etcd starts an etcd member: the same entry point as etcd's own main
// package (go.etcd.io/etcd/v3), which is not a separately served module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
