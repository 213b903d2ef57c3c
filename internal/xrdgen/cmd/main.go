// Command xrdgen regenerates the deepcopy functions, the function input CRDs,
// the Crossplane XRDs and the XR API references from the Go types, as listed
// in apis.Generation. go generate ./apis/... runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/devsecops/platform-functions/apis"
	"github.com/devsecops/platform-functions/internal/xrdgen"
)

func main() {
	root := flag.String("root", "", "module root holding go.mod; found from the working directory when empty")
	out := flag.String("out", "", "directory to write the generated files under; the module root when empty")
	verbose := flag.Bool("v", false, "list the written files")
	flag.Parse()

	if err := run(*root, *out, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "xrdgen:", err)
		os.Exit(1)
	}
}

func run(root, out string, verbose bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		if root, err = xrdgen.FindModuleRoot(wd); err != nil {
			return err
		}
	}
	if out == "" {
		out = root
	}
	files, err := xrdgen.Generate(ctx, apis.Generation, root, out)
	if err != nil {
		return err
	}
	if verbose {
		for _, f := range files {
			fmt.Println(f)
		}
	}
	return nil
}
