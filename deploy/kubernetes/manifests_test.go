package kubernetes

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// manifests are the objects of one directory, by kind and name.
type manifests struct {
	dir          string
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	services     map[string]*corev1.Service
	statefulSets map[string]*appsv1.StatefulSet
	deployments  map[string]*appsv1.Deployment
	pdbs         map[string]*policyv1.PodDisruptionBudget
}

// newObject returns an empty object of a kind the manifests may use, with
// the API version that kind must have.
func newObject(kind string) (metav1.Object, string) {
	switch kind {
	case "ConfigMap":
		return &corev1.ConfigMap{}, "v1"
	case "Secret":
		return &corev1.Secret{}, "v1"
	case "Service":
		return &corev1.Service{}, "v1"
	case "StatefulSet":
		return &appsv1.StatefulSet{}, "apps/v1"
	case "Deployment":
		return &appsv1.Deployment{}, "apps/v1"
	case "PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, "policy/v1"
	}
	return nil, ""
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// load decodes every document of every *.yaml in dir strictly into its
// Kubernetes type: an unknown or misspelt field, a wrong type, a bad
// quantity or a duplicate key is an error.
func load(t *testing.T, dir string) *manifests {
	t.Helper()
	m := &manifests{dir: dir, configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		services: map[string]*corev1.Service{}, statefulSets: map[string]*appsv1.StatefulSet{},
		deployments: map[string]*appsv1.Deployment{}, pdbs: map[string]*policyv1.PodDisruptionBudget{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s (%v)", dir, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range docSeparator.Split(string(data), -1) {
			where := fmt.Sprintf("%s, document %d", file, i+1)
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			if tm.Kind == "" && tm.APIVersion == "" {
				continue // only comments
			}
			obj, version := newObject(tm.Kind)
			if obj == nil || tm.APIVersion != version {
				t.Errorf("%s: kind %q, apiVersion %q: not a kind these manifests use, or the wrong version", where, tm.Kind, tm.APIVersion)
				continue
			}
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Errorf("%s (%s): %v", where, tm.Kind, err)
				continue
			}
			if obj.GetName() == "" {
				t.Errorf("%s (%s): no metadata.name", where, tm.Kind)
			}
			switch o := obj.(type) {
			case *corev1.ConfigMap:
				m.configMaps[o.Name] = o
			case *corev1.Secret:
				m.secrets[o.Name] = o
			case *corev1.Service:
				m.services[o.Name] = o
			case *appsv1.StatefulSet:
				m.statefulSets[o.Name] = o
			case *appsv1.Deployment:
				m.deployments[o.Name] = o
			case *policyv1.PodDisruptionBudget:
				m.pdbs[o.Name] = o
			}
		}
	}
	return m
}

// workload is what the checks need of a StatefulSet or Deployment.
type workload struct {
	name     string
	replicas int32
	selector *metav1.LabelSelector
	template corev1.PodTemplateSpec
	claims   []string // volumeClaimTemplates
}

func (m *manifests) workloads() []workload {
	var out []workload
	for _, s := range m.statefulSets {
		w := workload{name: "StatefulSet " + s.Name, selector: s.Spec.Selector, template: s.Spec.Template}
		if s.Spec.Replicas != nil {
			w.replicas = *s.Spec.Replicas
		}
		for _, c := range s.Spec.VolumeClaimTemplates {
			w.claims = append(w.claims, c.Name)
		}
		out = append(out, w)
	}
	for _, d := range m.deployments {
		w := workload{name: "Deployment " + d.Name, selector: d.Spec.Selector, template: d.Spec.Template}
		if d.Spec.Replicas != nil {
			w.replicas = *d.Spec.Replicas
		}
		out = append(out, w)
	}
	return out
}

// selects reports whether sel selects pods labelled lbls.
func selects(t *testing.T, sel *metav1.LabelSelector, lbls map[string]string) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("selector %v: %v", sel, err)
		return false
	}
	return !s.Empty() && s.Matches(labels.Set(lbls))
}

// envValue returns the literal value of a container's variable.
func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom == nil {
			return e.Value, true
		}
	}
	return "", false
}

// checkRefs checks the references of a directory's manifests: selectors,
// volumes, ConfigMap and Secret keys, probe and Service ports, resources,
// the shutdown grace period and where the state lives.
func checkRefs(t *testing.T, m *manifests, w workload, probePath string) {
	t.Helper()
	pod := w.template.Spec
	if !selects(t, w.selector, w.template.Labels) {
		t.Errorf("%s: selector %v does not select its pods %v", w.name, w.selector, w.template.Labels)
	}
	for _, svc := range m.services {
		if !selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, w.template.Labels) {
			t.Errorf("Service %s: selector %v does not select %s's pods", svc.Name, svc.Spec.Selector, w.name)
		}
	}
	for _, pdb := range m.pdbs {
		if !selects(t, pdb.Spec.Selector, w.template.Labels) {
			t.Errorf("PodDisruptionBudget %s does not select %s's pods", pdb.Name, w.name)
		}
	}
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Errorf("%s: runAsNonRoot is not set", w.name)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
		switch {
		case v.ConfigMap != nil:
			cm := m.configMaps[v.ConfigMap.Name]
			if cm == nil {
				t.Errorf("%s: volume %s: no ConfigMap %s", w.name, v.Name, v.ConfigMap.Name)
				continue
			}
			for _, it := range v.ConfigMap.Items {
				if _, ok := cm.Data[it.Key]; !ok {
					t.Errorf("%s: volume %s: ConfigMap %s has no key %s", w.name, v.Name, cm.Name, it.Key)
				}
			}
		case v.Secret != nil:
			s := m.secrets[v.Secret.SecretName]
			if s == nil {
				t.Errorf("%s: volume %s: no Secret %s", w.name, v.Name, v.Secret.SecretName)
				continue
			}
			for _, it := range v.Secret.Items {
				if _, ok := s.StringData[it.Key]; !ok {
					t.Errorf("%s: volume %s: Secret %s has no key %s", w.name, v.Name, s.Name, it.Key)
				}
			}
			if v.Secret.DefaultMode == nil || *v.Secret.DefaultMode&0o007 != 0 {
				t.Errorf("%s: volume %s: defaultMode must not let other users read the secret (soracron refuses such a file)", w.name, v.Name)
			}
		}
	}
	for _, c := range w.claims {
		volumes[c] = corev1.Volume{Name: c}
	}
	if len(pod.Containers) == 0 {
		t.Fatalf("%s: no containers", w.name)
	}
	for _, c := range pod.Containers {
		where := w.name + " container " + c.Name
		if c.Name == "" || c.Image == "" {
			t.Errorf("%s: name and image are required", where)
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			ports[p.Name] = true
		}
		for _, svc := range m.services {
			for _, p := range svc.Spec.Ports {
				if p.TargetPort.StrVal != "" && !ports[p.TargetPort.StrVal] {
					t.Errorf("Service %s: targetPort %s is not a port of %s", svc.Name, p.TargetPort.StrVal, where)
				}
			}
		}
		probes := map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe}
		for kind, p := range probes {
			if p == nil {
				t.Errorf("%s: no %s probe", where, kind)
				continue
			}
			switch {
			case p.HTTPGet != nil:
				if p.HTTPGet.Path != "/healthz" || !ports[p.HTTPGet.Port.StrVal] {
					t.Errorf("%s: %s probe %s on port %q: want /healthz on a named port of the container", where, kind, p.HTTPGet.Path, p.HTTPGet.Port.String())
				}
			case p.TCPSocket != nil && kind == "liveness" && probePath == "":
				if !ports[p.TCPSocket.Port.StrVal] {
					t.Errorf("%s: %s probe on port %q: not a named port of the container", where, kind, p.TCPSocket.Port.String())
				}
			default:
				t.Errorf("%s: %s probe: want GET /healthz", where, kind)
			}
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Limits[r]; !ok {
				t.Errorf("%s: no %s limit", where, r)
			}
			if _, ok := c.Resources.Requests[r]; !ok {
				t.Errorf("%s: no %s request", where, r)
			}
		}
		mounts := map[string]string{}
		for _, vm := range c.VolumeMounts {
			if _, ok := volumes[vm.Name]; !ok {
				t.Errorf("%s: volumeMount %s: no such volume", where, vm.Name)
			}
			mounts[vm.MountPath] = vm.Name
		}
		for _, e := range c.Env {
			if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil {
				s := m.secrets[r.SecretKeyRef.Name]
				if s == nil {
					t.Errorf("%s: env %s: no Secret %s", where, e.Name, r.SecretKeyRef.Name)
				} else if _, ok := s.StringData[r.SecretKeyRef.Key]; !ok {
					t.Errorf("%s: env %s: Secret %s has no key %s", where, e.Name, s.Name, r.SecretKeyRef.Key)
				}
			}
		}
		if v, _ := envValue(c, "SORA_API_TOKEN"); v != "" {
			t.Errorf("%s: SORA_API_TOKEN is written in the manifest; take it from the Secret", where)
		}
		shutdown, err := time.ParseDuration(func() string { v, _ := envValue(c, "SORACRON_SHUTDOWN_TIMEOUT"); return v }())
		grace := pod.TerminationGracePeriodSeconds
		if err != nil || grace == nil || time.Duration(*grace)*time.Second <= shutdown {
			t.Errorf("%s: terminationGracePeriodSeconds %v must be longer than SORACRON_SHUTDOWN_TIMEOUT (%v, %v)", where, grace, shutdown, err)
		}
		state, _ := envValue(c, "SORACRON_STATE")
		if vol := mounts[filepath.Dir(state)]; vol == "" || !(volumes[vol].EmptyDir != nil || contains(w.claims, vol)) {
			t.Errorf("%s: SORACRON_STATE %q is not on a volume of its own", where, state)
		}
		for _, p := range []string{"SORACRON_CONFIG", "SORACRON_TOKEN_FILE"} {
			v, _ := envValue(c, p)
			if mounts[filepath.Dir(v)] == "" {
				t.Errorf("%s: %s %q is not in a mounted volume", where, p, v)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// soracron builds the soracron of this checkout once.
var soracron = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "soracron-k8s-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "soracron")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func soracronBin(t *testing.T) string {
	t.Helper()
	bin, err := soracron()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// checkCommand checks the container's arguments and SORACRON_ variables
// against the soracron binary: the arguments must parse (`ARGS --help`
// exits 0 only then), and every SORACRON_ variable must be one the command
// names in its help. A flag serve does not have yet skips the check with
// the flag's name (cluster mode's --cluster comes with the etcd work).
func checkCommand(t *testing.T, c corev1.Container) {
	t.Helper()
	bin := soracronBin(t)
	args := append(append([]string{}, c.Args...), "--help")
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		if m := regexp.MustCompile(`unknown flag: (--[a-z-]+)`).FindStringSubmatch(string(out)); m != nil && m[1] == "--cluster" {
			t.Skipf("soracron %s has no %s yet: %s", c.Args[0], m[1], strings.TrimSpace(string(out)))
		}
		t.Fatalf("soracron %q: %v\n%s", c.Args, err, out)
	}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "SORACRON_") && !strings.Contains(string(out), "[$"+e.Name+"]") {
			t.Errorf("env %s: soracron %s has no flag it sets", e.Name, c.Args[0])
		}
	}
}

// checkJobs lays out the ConfigMap's files as the volume mounts them,
// checks the scripts are the repository's examples, and runs
// `soracron check` on them with the container's environment.
func checkJobs(t *testing.T, m *manifests, c corev1.Container, pod corev1.PodSpec) {
	t.Helper()
	root := t.TempDir()
	config, _ := envValue(c, "SORACRON_CONFIG")
	for _, vm := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name != vm.Name || v.ConfigMap == nil {
				continue
			}
			cm := m.configMaps[v.ConfigMap.Name]
			for _, it := range v.ConfigMap.Items {
				path := filepath.Join(root, vm.MountPath, it.Path)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(cm.Data[it.Key]), 0o644); err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(it.Key, ".lua") {
					repo, err := os.ReadFile(filepath.Join("..", "..", "scripts", it.Key))
					if err != nil || string(repo) != cm.Data[it.Key] {
						t.Errorf("ConfigMap %s: %s differs from scripts/%s (%v); copy it again", cm.Name, it.Key, it.Key, err)
					}
				}
			}
		}
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + root}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			env = append(env, e.Name+"="+m.secrets[e.ValueFrom.SecretKeyRef.Name].StringData[e.ValueFrom.SecretKeyRef.Key])
		case e.Name != "SORACRON_CONFIG" && !strings.HasPrefix(e.Name, "SORACRON_"):
			env = append(env, e.Name+"="+e.Value)
		}
	}
	cmd := exec.Command(soracronBin(t), "check", "-c", filepath.Join(root, config))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("soracron check of the ConfigMap's jobs.yaml: %v\n%s", err, out)
	}
}

func TestSingleNode(t *testing.T) {
	m := load(t, "single-node")
	if len(m.statefulSets) != 1 || len(m.deployments) != 0 {
		t.Fatalf("want one StatefulSet and no Deployment, got %d and %d", len(m.statefulSets), len(m.deployments))
	}
	for _, s := range m.statefulSets {
		if s.Spec.Replicas == nil || *s.Spec.Replicas != 1 {
			t.Errorf("StatefulSet %s: replicas must be 1 (one serve holds the state)", s.Name)
		}
		if len(s.Spec.VolumeClaimTemplates) == 0 {
			t.Errorf("StatefulSet %s: no volume for the state", s.Name)
		}
		if m.services[s.Spec.ServiceName] == nil {
			t.Errorf("StatefulSet %s: serviceName %q is not a Service here", s.Name, s.Spec.ServiceName)
		}
	}
	for _, w := range m.workloads() {
		checkRefs(t, m, w, "/healthz")
		c := w.template.Spec.Containers[0]
		if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil {
			t.Errorf("%s: liveness must be GET /healthz", w.name)
		}
		t.Run("jobs", func(t *testing.T) { checkJobs(t, m, c, w.template.Spec) })
		t.Run("command", func(t *testing.T) { checkCommand(t, c) })
	}
}

func TestCluster(t *testing.T) {
	m := load(t, "cluster")
	if len(m.deployments) != 1 || len(m.statefulSets) != 0 {
		t.Fatalf("want one Deployment and no StatefulSet, got %d and %d", len(m.deployments), len(m.statefulSets))
	}
	for _, w := range m.workloads() {
		if w.replicas != 3 {
			t.Errorf("%s: replicas %d, want 3", w.name, w.replicas)
		}
		checkRefs(t, m, w, "")
		c := w.template.Spec.Containers[0]
		if i := indexOf(c.Args, "--cluster"); i < 0 || i+1 >= len(c.Args) || !strings.HasPrefix(c.Args[i+1], "etcd://") {
			t.Errorf("%s: args %q: want serve --cluster etcd://HOST:PORT", w.name, c.Args)
		}
		t.Run("jobs", func(t *testing.T) { checkJobs(t, m, c, w.template.Spec) })
		t.Run("command", func(t *testing.T) { checkCommand(t, c) })
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// TestStrictDecodingCatches shows what the decoding refuses, so that a
// passing TestSingleNode means something.
func TestStrictDecodingCatches(t *testing.T) {
	for name, doc := range map[string]string{
		"misspelt field":        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replica: 3}\n",
		"wrong type":            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: three}\n",
		"binaryData not base64": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\nbinaryData: {c: 1}\n",
		"duplicate key":         "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {clusterIP: None, clusterIP: None}\n",
		"bad memory size":       "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          resources: {limits: {memory: 512MB!}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
				t.Fatal(err)
			}
			obj, _ := newObject(tm.Kind)
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err == nil {
				t.Errorf("accepted:\n%s", doc)
			}
		})
	}
}
