package xpkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The runtime image of every function, as the Crossplane function
// specification and Crossplane's package runtime expect it.
const (
	// Entrypoint is the function binary; Crossplane starts it without
	// arguments and with TLS_SERVER_CERTS_DIR set.
	Entrypoint = "/function"
	// User is distroless' nonroot user and group.
	User = "65532:65532"
	// Port is the gRPC port of every function.
	Port = "9443/tcp"
	// Home is the nonroot user's home directory.
	Home = "/home/nonroot"
)

// Epoch is the time of every file and of the image's creation: fixed, so
// the same binary gives the same image digest.
var Epoch = time.Unix(0, 0).UTC()

// Image labels of the runtime image.
const (
	LabelSource      = "org.opencontainers.image.source"
	LabelLicenses    = "org.opencontainers.image.licenses"
	LabelTitle       = "org.opencontainers.image.title"
	LabelDescription = "org.opencontainers.image.description"
)

// runtimeFile is one entry of the runtime layer.
type runtimeFile struct {
	name     string
	typeflag byte
	mode     int64
	uid, gid int
	data     []byte
}

// passwd and group hold root and distroless' nonroot user, so tools that
// look the user up by id (and Go's os/user) find it.
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group  = "root:x:0:\nnonroot:x:65532:\n"
)

// RuntimeLayer returns the uncompressed tar of the runtime image's only
// layer: the binary at /function (root-owned, 0755), /etc/passwd and
// /etc/group with the nonroot user, its home and /tmp. Entries are written
// in a fixed order with fixed times and owners: the same binary gives the
// same bytes.
func RuntimeLayer(binary []byte) ([]byte, error) {
	files := []runtimeFile{
		{name: "etc/", typeflag: tar.TypeDir, mode: 0o755},
		{name: "etc/group", typeflag: tar.TypeReg, mode: 0o644, data: []byte(group)},
		{name: "etc/passwd", typeflag: tar.TypeReg, mode: 0o644, data: []byte(passwd)},
		{name: "function", typeflag: tar.TypeReg, mode: 0o755, data: binary},
		{name: "home/", typeflag: tar.TypeDir, mode: 0o755},
		{name: "home/nonroot/", typeflag: tar.TypeDir, mode: 0o700, uid: 65532, gid: 65532},
		{name: "tmp/", typeflag: tar.TypeDir, mode: 0o1777},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{
			Typeflag: f.typeflag,
			Name:     f.name,
			Mode:     f.mode,
			Uid:      f.uid,
			Gid:      f.gid,
			Size:     int64(len(f.data)),
			ModTime:  Epoch,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gzipBest compresses data at the best gzip level without a name or time in
// the header, so the result depends on data only.
func gzipBest(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RuntimeImage returns the OCI runtime image of a function binary built for
// linux/arch: one layer (see RuntimeLayer), entrypoint /function, user
// 65532:65532, port 9443/tcp, created at Epoch. It is reproducible: the same
// binary, arch and labels give the same digest.
func RuntimeImage(binary []byte, arch string, labels map[string]string) (v1.Image, error) {
	layerTar, err := RuntimeLayer(binary)
	if err != nil {
		return nil, fmt.Errorf("cannot write the runtime layer: %w", err)
	}
	// Compressed once here, at the best level: the layer is what hubs pull.
	gz, err := gzipBest(layerTar)
	if err != nil {
		return nil, fmt.Errorf("cannot compress the runtime layer: %w", err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gz)), nil
	})
	if err != nil {
		return nil, err
	}
	cfg := &v1.ConfigFile{
		Architecture: arch,
		OS:           "linux",
		Created:      v1.Time{Time: Epoch},
		Config: v1.Config{
			Entrypoint:   []string{Entrypoint},
			User:         User,
			WorkingDir:   "/",
			Env:          []string{"HOME=" + Home},
			ExposedPorts: map[string]struct{}{Port: {}},
			Labels:       labels,
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		return nil, err
	}
	return mutate.Append(img, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: Epoch},
			CreatedBy: "platform-functions internal/xpkg: static function binary at " + Entrypoint,
		},
	})
}

// WriteRuntimeTarball writes img as the image tarball `crank xpkg build
// --embed-runtime-image-tarball` reads.
func WriteRuntimeTarball(path, pkgName, arch string, img v1.Image) error {
	tag, err := name.NewTag(pkgName + ":runtime-" + arch)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := tarball.Write(tag, img, f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
