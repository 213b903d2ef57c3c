package apis_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devsecops/platform-functions/apis"
	"github.com/devsecops/platform-functions/internal/xrdgen"
)

// TestGeneratedFilesUpToDate regenerates every generated file into a
// temporary directory, the way go generate ./apis/... does, and fails when a
// committed file differs, is missing, or is no longer generated.
func TestGeneratedFilesUpToDate(t *testing.T) {
	root, err := xrdgen.FindModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	files, err := xrdgen.Generate(context.Background(), apis.Generation, root, out)
	if err != nil {
		t.Fatalf("cannot regenerate: %v", err)
	}

	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is missing: run %s", f, apis.GenerateCommand)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(got), string(want)); diff != "" {
			t.Errorf("%s is out of date: run %s\n-committed +generated:\n%s", f, apis.GenerateCommand, diff)
		}
	}

	for _, dir := range apis.Generation.OwnedDirs() {
		entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if f := dir + "/" + e.Name(); !slices.Contains(files, f) {
				t.Errorf("%s is no longer generated: delete it and run %s", f, apis.GenerateCommand)
			}
		}
	}
}
