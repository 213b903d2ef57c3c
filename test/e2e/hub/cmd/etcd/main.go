// Command etcd is etcd's own server (go.etcd.io/etcd/server/v3), built from
// the Go module proxy for the end-to-end hub: there is no etcd binary on the
// machines this project is tested on.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
