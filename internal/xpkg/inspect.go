package xpkg

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// What `crank xpkg build` writes into a package (crossplane's internal/xpkg).
const (
	// AnnotationKey marks the package's own layers. In a package file it is
	// a config label "io.crossplane.xpkg:<layer digest>"; `crank xpkg push`
	// turns the labels into layer annotations, which Crossplane's package
	// manager reads.
	AnnotationKey = "io.crossplane.xpkg"
	// AnnotationPackage is the value for the layer holding package.yaml.
	AnnotationPackage = "base"
	// AnnotationExamples is the value for the layer holding the examples.
	AnnotationExamples = "upbound"
	// StreamFile holds the package's objects, metadata first.
	StreamFile = "package.yaml"
	// ExamplesFile holds the examples.
	ExamplesFile = ".up/examples.yaml"
)

// File is a file of an image layer.
type File struct {
	Mode     int64
	Uid, Gid int
	Typeflag byte
	Data     []byte
}

// Info is what a package file holds.
type Info struct {
	// Image is the package image as stored in the file.
	Image v1.Image
	// Digest is the manifest digest of the file's image.
	Digest v1.Hash
	// Pushed is the image `crank xpkg push` writes: layers annotated from
	// the config labels. PushedDigest is its digest, what a registry serves.
	Pushed       v1.Image
	PushedDigest v1.Hash
	// Config is the OCI config: runtime settings, platform, labels.
	Config *v1.ConfigFile
	// Size is the compressed size a registry stores and a hub pulls: the
	// layers, the config and the manifest.
	Size int64
	// RuntimeSize is the compressed size of the layers that are not the
	// package's own (the runtime image); 0 for a Configuration.
	RuntimeSize int64
	// Meta is the package metadata, the first object of package.yaml;
	// Objects are the others.
	Meta    *Object
	Objects []*Object
	// Stream is package.yaml, ExamplesStream .up/examples.yaml (or nil).
	Stream, ExamplesStream []byte
	// Files are the files of the runtime layers, by path without the
	// leading slash.
	Files map[string]File
}

// Open reads a package file (an image tarball written by crank xpkg build).
func Open(file string) (*Info, error) {
	img, err := tarball.ImageFromPath(file, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot read package %s: %w", file, err)
	}
	info, err := Inspect(img)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", file, err)
	}
	return info, nil
}

// Inspect reads a package image: from a file (Open) or a registry.
func Inspect(img v1.Image) (*Info, error) {
	info := &Info{Image: img, Files: map[string]File{}}
	var err error
	if info.Digest, err = img.Digest(); err != nil {
		return nil, err
	}
	if info.Config, err = img.ConfigFile(); err != nil {
		return nil, err
	}
	if info.Pushed, err = AnnotateLayers(img); err != nil {
		return nil, err
	}
	if info.PushedDigest, err = info.Pushed.Digest(); err != nil {
		return nil, err
	}
	m, err := info.Pushed.Manifest()
	if err != nil {
		return nil, err
	}
	raw, err := info.Pushed.RawManifest()
	if err != nil {
		return nil, err
	}
	info.Size = m.Config.Size + int64(len(raw))
	for _, d := range m.Layers {
		info.Size += d.Size
		l, err := info.Pushed.LayerByDigest(d.Digest)
		if err != nil {
			return nil, err
		}
		switch d.Annotations[AnnotationKey] {
		case AnnotationPackage:
			if info.Stream, err = readLayerFile(l, StreamFile); err != nil {
				return nil, err
			}
		case AnnotationExamples:
			if info.ExamplesStream, err = readLayerFile(l, ExamplesFile); err != nil {
				return nil, err
			}
		default:
			info.RuntimeSize += d.Size
			if err := readLayerFiles(l, info.Files); err != nil {
				return nil, err
			}
		}
	}
	if info.Stream == nil {
		return nil, fmt.Errorf("no layer annotated %s=%s holding %s", AnnotationKey, AnnotationPackage, StreamFile)
	}
	objs, err := ParseYAML(info.Stream)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", StreamFile, err)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("%s is empty", StreamFile)
	}
	info.Meta, info.Objects = objs[0], objs[1:]
	return info, nil
}

func readLayerFile(l v1.Layer, name string) ([]byte, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("no %s in its layer", name)
		}
		if err != nil {
			return nil, err
		}
		if path.Clean(h.Name) == name {
			return io.ReadAll(tr)
		}
	}
}

func readLayerFiles(l v1.Layer, into map[string]File) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		into[path.Clean(h.Name)] = File{Mode: h.Mode, Uid: h.Uid, Gid: h.Gid, Typeflag: h.Typeflag, Data: data}
	}
}

// AnnotateLayers returns the image `crank xpkg push` pushes for a package
// image: the same layers and config, each layer annotated with the value of
// its config label io.crossplane.xpkg:<digest>. (The same as crossplane's
// internal xpkg.AnnotateLayers, which cannot be imported.)
func AnnotateLayers(img v1.Image) (v1.Image, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	if len(layers) == 0 {
		return img, nil
	}
	out := empty.Image
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		add := mutate.Addendum{Layer: l}
		if a, ok := cfg.Config.Labels[AnnotationKey+":"+d.String()]; ok {
			add.Annotations = map[string]string{AnnotationKey: a}
		}
		if out, err = mutate.Append(out, add); err != nil {
			return nil, err
		}
	}
	return mutate.ConfigFile(out, cfg)
}

// Index returns the multi-platform index `crank xpkg push -f a,b,...`
// pushes for package images, in that order: each pushed (annotated) image
// with its media type and platform.
func Index(imgs ...v1.Image) (v1.ImageIndex, error) {
	adds := make([]mutate.IndexAddendum, 0, len(imgs))
	for _, img := range imgs {
		pushed, err := AnnotateLayers(img)
		if err != nil {
			return nil, err
		}
		mt, err := pushed.MediaType()
		if err != nil {
			return nil, err
		}
		cfg, err := pushed.ConfigFile()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.IndexAddendum{
			Add: pushed,
			Descriptor: v1.Descriptor{
				MediaType: mt,
				Platform:  &v1.Platform{Architecture: cfg.Architecture, OS: cfg.OS, OSVersion: cfg.OSVersion},
			},
		})
	}
	return mutate.AppendManifests(empty.Index, adds...), nil
}
