package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Names the hub gives Crossplane's objects, as the Crossplane Helm chart
// does.
const (
	CrossplaneNamespace = "crossplane-system"
	CrossplaneSA        = "crossplane"
	WebhookService      = "crossplane-webhooks"
	RootCASecret        = "crossplane-root-ca"
	TLSServerSecret     = "crossplane-tls-server"
	TLSClientSecret     = "crossplane-tls-client"
	// FunctionPort is the port Crossplane dials functions on.
	FunctionPort = 9443
	fieldManager = "platform-functions-e2e"
)

// Binaries are the control-plane programs the hub runs.
type Binaries struct {
	Etcd, APIServer, ControllerManager, Crossplane string
	// CrossplaneCRDs is Crossplane's cluster/crds directory and
	// CrossplaneWebhooks its cluster/webhookconfigurations.
	CrossplaneCRDs, CrossplaneWebhooks string
}

// Hub is a Crossplane hub on loopback: etcd, kube-apiserver, the
// kube-controller-manager's garbage collector and Crossplane core, as local
// processes. There is no kubelet: functions run as local processes too
// (see RunFunction).
type Hub struct {
	// Dir holds the hub's data, certificates and one log per process.
	Dir string
	// Kubeconfig is a kubeconfig for the hub's admin.
	Kubeconfig string
	// Config, Kube and Dynamic are clients of the hub's admin.
	Config  *rest.Config
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface

	mapper      meta.ResettableRESTMapper
	bins        Binaries
	hosts       string
	fnAddr      map[string]string
	procs       []*proc
	webhookPort int
}

// FunctionAddresses assigns each function its own loopback address, so
// every one listens on FunctionPort as Crossplane expects.
func FunctionAddresses(names []string) map[string]string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	out := make(map[string]string, len(sorted))
	for i, n := range sorted {
		out[n] = fmt.Sprintf("127.0.0.%d", 10+i)
	}
	return out
}

// StartHub starts a hub in dir whose Crossplane can reach the given
// functions (by Function name) at the addresses of FunctionAddresses.
//
// Crossplane reaches a function at dns:///<function>.crossplane-system:9443
// and the API server reaches Crossplane's webhook at
// crossplane-webhooks.crossplane-system.svc. Without cluster DNS, both run
// in a private mount namespace (unshare) where a hosts file of the hub's
// is bind-mounted over /etc/hosts; nothing on the machine changes.
func StartHub(ctx context.Context, dir string, bins Binaries, functions []string) (h *Hub, err error) {
	h = &Hub{Dir: dir, bins: bins, fnAddr: FunctionAddresses(functions)}
	defer func() {
		if err != nil {
			h.Stop()
		}
	}()
	for _, d := range []string{"etcd", "pki", "xpkg-cache", "webhooks", "tls-server", "tls-client"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return h, err
		}
	}
	if err := h.writeHosts(); err != nil {
		return h, err
	}
	ports, err := freePorts(6)
	if err != nil {
		return h, err
	}
	etcdClient, etcdPeer, apiPort, whPort, metricsPort, healthPort := ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]
	h.webhookPort = whPort

	// etcd.
	etcdURL := "http://" + hostPort("127.0.0.1", etcdClient)
	peerURL := "http://" + hostPort("127.0.0.1", etcdPeer)
	etcd, err := h.start("etcd", nil, bins.Etcd,
		"--name=hub", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=hub="+peerURL, "--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		return h, err
	}
	if err := waitTCP(ctx, etcd, hostPort("127.0.0.1", etcdClient)); err != nil {
		return h, err
	}

	// kube-apiserver.
	pki := filepath.Join(dir, "pki")
	ca, err := servingCert(pki, "apiserver")
	if err != nil {
		return h, err
	}
	if err := serviceAccountKey(filepath.Join(pki, "sa.key")); err != nil {
		return h, err
	}
	tok, err := token()
	if err != nil {
		return h, err
	}
	if err := os.WriteFile(filepath.Join(pki, "tokens.csv"), []byte(tok+",admin,admin,system:masters\n"), 0o600); err != nil {
		return h, err
	}
	bin, args := h.withHosts(bins.APIServer,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", apiPort),
		"--tls-cert-file="+filepath.Join(pki, "apiserver.crt"), "--tls-private-key-file="+filepath.Join(pki, "apiserver.key"),
		"--cert-dir="+pki,
		"--service-account-key-file="+filepath.Join(pki, "sa.key"),
		"--service-account-signing-key-file="+filepath.Join(pki, "sa.key"),
		"--service-account-issuer=https://kubernetes.default.svc",
		"--token-auth-file="+filepath.Join(pki, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
	)
	api, err := h.start("kube-apiserver", nil, bin, args...)
	if err != nil {
		return h, err
	}
	server := "https://" + hostPort("127.0.0.1", apiPort)
	h.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(h.Kubeconfig, server, ca, tok); err != nil {
		return h, err
	}
	if err := h.connect(); err != nil {
		return h, err
	}
	if err := h.waitReady(ctx, api); err != nil {
		return h, err
	}

	// The garbage collector: composed resources are deleted through their
	// owner references when their XR goes.
	if _, err := h.start("kube-controller-manager", nil, bins.ControllerManager,
		"--kubeconfig="+h.Kubeconfig, "--controllers=garbagecollector", "--leader-elect=false",
		"--secure-port=0", "--use-service-account-credentials=false", "--v=1"); err != nil {
		return h, err
	}

	if err := h.startCrossplane(ctx, whPort, metricsPort, healthPort); err != nil {
		return h, err
	}
	return h, nil
}

// writeHosts writes the hub's hosts file: the machine's own plus the names
// of Crossplane's webhook Service and of every function's Service.
func (h *Hub) writeHosts() error {
	base, err := os.ReadFile("/etc/hosts")
	if err != nil {
		return err
	}
	var b strings.Builder
	b.Write(base)
	b.WriteString("\n# platform-functions e2e hub\n")
	fmt.Fprintf(&b, "127.0.0.1 %s\n", strings.Join(serviceNames(WebhookService), " "))
	names := make([]string, 0, len(h.fnAddr))
	for n := range h.fnAddr {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s %s\n", h.fnAddr[n], strings.Join(serviceNames(n), " "))
	}
	h.hosts = filepath.Join(h.Dir, "hosts")
	return os.WriteFile(h.hosts, []byte(b.String()), 0o644)
}

func serviceNames(svc string) []string {
	base := svc + "." + CrossplaneNamespace
	return []string{base, base + ".svc", base + ".svc.cluster.local"}
}

// withHosts wraps a command so it runs in a private mount namespace with
// the hub's hosts file over /etc/hosts.
func (h *Hub) withHosts(bin string, args ...string) (string, []string) {
	wrapped := append(unshareArgs(), "--", "sh", "-c", `mount --bind "$0" /etc/hosts && exec "$@"`, h.hosts, bin)
	return "unshare", append(wrapped, args...)
}

// unshareArgs are the flags of a private mount namespace: as root, the
// machine's user namespace; otherwise a user namespace of its own mapping
// the caller to root, where that is allowed.
func unshareArgs() []string {
	a := []string{"--mount", "--propagation", "private"}
	if os.Geteuid() != 0 {
		a = append([]string{"--user", "--map-root-user"}, a...)
	}
	return a
}

// CheckNamespaces reports whether this machine lets the hub bind-mount its
// hosts file in a private mount namespace, with the reason if not.
func CheckNamespaces() error {
	args := append(unshareArgs(), "--", "sh", "-c", "mount --bind /etc/hosts /etc/hosts")
	out, err := exec.Command("unshare", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("the hub needs a private mount namespace (unshare %s) to give Crossplane and the API server its hosts file: %w: %s; run as root or where user namespaces are allowed", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (h *Hub) start(name string, env []string, bin string, args ...string) (*proc, error) {
	p, err := startProc(h.Dir, name, env, bin, args...)
	if err != nil {
		return nil, err
	}
	h.procs = append(h.procs, p)
	return p, nil
}

func writeKubeconfig(path, server string, ca []byte, tok string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["hub"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: tok}
	cfg.Contexts["hub"] = &clientcmdapi.Context{Cluster: "hub", AuthInfo: "admin"}
	cfg.CurrentContext = "hub"
	return clientcmd.WriteToFile(*cfg, path)
}

func (h *Hub) connect() error {
	cfg, err := clientcmd.BuildConfigFromFlags("", h.Kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 200, 400
	// v1 XRDs (the claims need them) draw a deprecation warning per request.
	cfg.WarningHandler = rest.NoWarnings{}
	h.Config = cfg
	if h.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	if h.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return err
	}
	h.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(h.Kube.Discovery()))
	return nil
}

func (h *Hub) waitReady(ctx context.Context, api *proc) error {
	return poll(ctx, "the API server to be ready", time.Second/5, func() (bool, error) {
		if done, err := api.exited(); done {
			return false, &permanent{fmt.Errorf("kube-apiserver exited (%v):\n%s", err, api.tail(30))}
		}
		var code int
		h.Kube.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).StatusCode(&code)
		return code == http.StatusOK, nil
	})
}

// startCrossplane runs `crossplane core init` (CRDs, TLS secrets, webhook
// configurations, the package lock) and then `crossplane core start` with
// the TLS material init issued, as the Helm chart's init container and
// container do.
func (h *Hub) startCrossplane(ctx context.Context, whPort, metricsPort, healthPort int) error {
	if _, err := h.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: CrossplaneNamespace}}, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
		return err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: CrossplaneSA, Namespace: CrossplaneNamespace}}
	if _, err := h.Kube.CoreV1().ServiceAccounts(CrossplaneNamespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
		return err
	}
	env := []string{
		"KUBECONFIG=" + h.Kubeconfig,
		"POD_NAMESPACE=" + CrossplaneNamespace,
		"POD_SERVICE_ACCOUNT=" + CrossplaneSA,
		"CRDS_PATH=" + h.bins.CrossplaneCRDs,
		"WEBHOOK_CONFIGS_PATH=" + h.bins.CrossplaneWebhooks,
		"WEBHOOK_SERVICE_NAME=" + WebhookService,
		"WEBHOOK_SERVICE_NAMESPACE=" + CrossplaneNamespace,
		fmt.Sprintf("WEBHOOK_SERVICE_PORT=%d", whPort),
		"TLS_CA_SECRET_NAME=" + RootCASecret,
		"TLS_SERVER_SECRET_NAME=" + TLSServerSecret,
		"TLS_CLIENT_SECRET_NAME=" + TLSClientSecret,
	}
	// init applies the CRDs and then objects of those CRDs; on a fresh API
	// server the second step can race the first ("no matches for kind").
	var err error
	for attempt := range 5 {
		if err = runOnce(ctx, h.Dir, "crossplane-init", env, h.bins.Crossplane, "core", "init"); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * time.Second):
		}
	}
	if err != nil {
		return err
	}
	for secret, d := range map[string]string{TLSServerSecret: "tls-server", TLSClientSecret: "tls-client"} {
		if err := h.SecretToDir(ctx, CrossplaneNamespace, secret, filepath.Join(h.Dir, d)); err != nil {
			return err
		}
	}
	env = append(env,
		"TLS_SERVER_CERTS_DIR="+filepath.Join(h.Dir, "tls-server"),
		"TLS_CLIENT_CERTS_DIR="+filepath.Join(h.Dir, "tls-client"),
		fmt.Sprintf("WEBHOOK_PORT=%d", whPort),
		fmt.Sprintf("METRICS_PORT=%d", metricsPort),
		fmt.Sprintf("HEALTH_PROBE_PORT=%d", healthPort),
		"XPKG_CACHE_DIR="+filepath.Join(h.Dir, "xpkg-cache"),
	)
	bin, args := h.withHosts(h.bins.Crossplane, "core", "start", "--debug",
		// The test patches status onto dozens of managed resources at once;
		// the default breaker (burst 100) would pause the XR for minutes.
		"--circuit-breaker-burst=10000", "--circuit-breaker-refill-rate=100")
	xp, err := h.start("crossplane", env, bin, args...)
	if err != nil {
		return err
	}
	if err := poll(ctx, "Crossplane to be ready", time.Second/2, func() (bool, error) {
		if done, err := xp.exited(); done {
			return false, &permanent{fmt.Errorf("crossplane exited (%v):\n%s", err, xp.tail(30))}
		}
		resp, err := http.Get(fmt.Sprintf("http://%s/readyz", hostPort("127.0.0.1", healthPort)))
		if err != nil {
			return false, nil
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}); err != nil {
		return err
	}
	return h.routeWebhooks(ctx)
}

// routeWebhooks points Crossplane's webhook configurations (the Usage
// webhook) at the webhook server's URL under the Service's DNS name, which
// the hub's hosts file resolves to loopback: there is no kube-proxy and
// Endpoints may not hold loopback addresses. The serving certificate is
// the one init issued for that name, so TLS verification is unchanged.
func (h *Hub) routeWebhooks(ctx context.Context) error {
	list, err := h.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range list.Items {
		c := &list.Items[i]
		changed := false
		for j := range c.Webhooks {
			cc := &c.Webhooks[j].ClientConfig
			if cc.Service == nil || cc.Service.Name != WebhookService {
				continue
			}
			url := fmt.Sprintf("https://%s.%s.svc:%d", WebhookService, CrossplaneNamespace, h.webhookPort)
			if cc.Service.Path != nil {
				url += *cc.Service.Path
			}
			cc.URL, cc.Service = &url, nil
			changed = true
		}
		if changed {
			if _, err := h.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, c, metav1.UpdateOptions{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// SecretToDir writes every key of a Secret to a file in dir.
func (h *Hub) SecretToDir(ctx context.Context, ns, name, dir string) error {
	var s *corev1.Secret
	if err := poll(ctx, "Secret "+ns+"/"+name, time.Second/2, func() (bool, error) {
		var err error
		s, err = h.Kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if kerrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil && len(s.Data) > 0, err
	}); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for k, v := range s.Data {
		if err := os.WriteFile(filepath.Join(dir, k), v, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops every process the hub started, newest first.
func (h *Hub) Stop() {
	for i := len(h.procs) - 1; i >= 0; i-- {
		h.procs[i].stop(10 * time.Second)
	}
	h.procs = nil
}

// Resource maps a GroupVersionKind to its dynamic resource client,
// rediscovering the API once if the kind is new.
func (h *Hub) Resource(gvk schema.GroupVersionKind, ns string) (dynamic.ResourceInterface, error) {
	m, err := h.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		h.mapper.Reset()
		m, err = h.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return h.Dynamic.Resource(m.Resource).Namespace(ns), nil
	}
	return h.Dynamic.Resource(m.Resource), nil
}

// Apply server-side applies an object.
func (h *Hub) Apply(ctx context.Context, o *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	r, err := h.Resource(o.GroupVersionKind(), o.GetNamespace())
	if err != nil {
		return nil, err
	}
	return r.Apply(ctx, o.GetName(), o, metav1.ApplyOptions{FieldManager: fieldManager, Force: true})
}

// Get reads an object; a missing object is (nil, nil).
func (h *Hub) Get(ctx context.Context, gvk schema.GroupVersionKind, ns, name string) (*unstructured.Unstructured, error) {
	r, err := h.Resource(gvk, ns)
	if err != nil {
		return nil, err
	}
	o, err := r.Get(ctx, name, metav1.GetOptions{})
	if kerrors.IsNotFound(err) {
		return nil, nil
	}
	return o, err
}

// PatchStatus merge-patches an object's status subresource.
func (h *Hub) PatchStatus(ctx context.Context, gvk schema.GroupVersionKind, ns, name string, patch []byte) error {
	r, err := h.Resource(gvk, ns)
	if err != nil {
		return err
	}
	_, err = r.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
	return err
}

// poll calls cond every interval until it is true, fails, or ctx ends.
func poll(ctx context.Context, what string, interval time.Duration, cond func() (bool, error)) error {
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		if err != nil {
			var perm *permanent
			if errors.As(err, &perm) {
				return err
			}
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("timed out waiting for %s: %w", what, last)
			}
			return fmt.Errorf("timed out waiting for %s", what)
		case <-time.After(interval):
		}
	}
}

// permanent marks an error poll must not retry.
type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }
