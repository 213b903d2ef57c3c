// Command xpkg builds and pushes the project's Crossplane packages without a
// Docker engine (see internal/xpkg and docs/PACKAGES.md).
//
//	go run ./cmd/xpkg build [--out dist] [--arch amd64,arm64] [--function eks]
//	go run ./cmd/xpkg push --registry xpkg.crossplane.io/devsecops --version v0.1.0
//
// make xpkg and make xpkg-push run it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"text/tabwriter"

	"github.com/alecthomas/kong"

	"github.com/devsecops/platform-functions/internal/xpkg"
)

type common struct {
	Root            string   `help:"Repository root; the go.mod enclosing the working directory when empty."`
	Out             string   `help:"Directory of the package files (default: dist/ under the root)."`
	Arch            []string `help:"Linux platforms of the function packages; the first is the default platform of function-<name>.xpkg." default:"amd64,arm64"`
	Function        []string `help:"Functions to package (directory names under functions/); every function when empty."`
	NoConfiguration bool     `help:"Skip the Configuration package."`
}

func (c *common) root() (string, error) {
	if c.Root != "" {
		return filepath.Abs(c.Root)
	}
	return xpkg.FindRoot(".")
}

type buildCmd struct {
	common
	Work string `help:"Keep binaries, runtime images and staged package roots in this directory (default: a temporary directory)."`
}

func (c *buildCmd) Run(ctx context.Context) error {
	root, err := c.root()
	if err != nil {
		return err
	}
	res, err := xpkg.Build(ctx, xpkg.Options{
		Root: root, Out: c.Out, Arches: c.Arch, Functions: c.Function,
		SkipConfiguration: c.NoConfiguration, Work: c.Work, Log: os.Stderr,
	})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tPLATFORM\tFILE\tCOMPRESSED\tRUNTIME LAYER\tDIGEST (as pushed)")
	for _, p := range res.Packages {
		platform := "-"
		if p.Arch != "" {
			platform = "linux/" + p.Arch
		}
		rel, err := filepath.Rel(root, p.File)
		if err != nil {
			rel = p.File
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, platform, rel,
			size(p.Info.Size), size(p.Info.RuntimeSize), p.Info.PushedDigest)
	}
	return tw.Flush()
}

type pushCmd struct {
	common
	Registry string `help:"Repository prefix to push to, e.g. xpkg.crossplane.io/devsecops." required:""`
	Version  string `help:"Tag of every package: a semantic version such as v0.1.0." required:""`
}

func (c *pushCmd) Run(ctx context.Context) error {
	root, err := c.root()
	if err != nil {
		return err
	}
	pushed, err := xpkg.Push(ctx, xpkg.PushOptions{
		Root: root, Out: c.Out, Registry: c.Registry, Version: c.Version,
		Arches: c.Arch, Functions: c.Function, SkipConfiguration: c.NoConfiguration,
	})
	for _, p := range pushed {
		fmt.Printf("%s\n  %s\n", p.Ref, p.DigestRef())
	}
	return err
}

type cli struct {
	Build buildCmd `cmd:"" default:"withargs" help:"Build every function package (per platform) and the Configuration package."`
	Push  pushCmd  `cmd:"" help:"Push the built packages: functions as multi-platform packages, then the Configuration."`
}

// size formats a byte count in KiB or MiB.
func size(n int64) string {
	switch {
	case n == 0:
		return "-"
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var c cli
	k := kong.Parse(&c, kong.Name("xpkg"),
		kong.Description("Build and push the Crossplane packages of platform-functions without Docker."),
		kong.BindTo(ctx, (*context.Context)(nil)))
	k.FatalIfErrorf(k.Run())
}
