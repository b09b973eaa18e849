// Command pulumi-language-nodejs is a minimal Pulumi language host for Node.js
// programs, written for this repository's end-to-end tier (see go.mod for why).
//
// Protocol, as the Pulumi engine (github.com/pulumi/pulumi/pkg/v3) drives it:
//   - the engine starts this binary with the engine's gRPC address as the last
//     argument; we serve LanguageRuntime on 127.0.0.1:<free port> and print the port;
//   - Handshake tells us the engine address again (newer engines);
//   - GetRequiredPackages lists the provider plugins the program needs: every
//     package.json under node_modules with {"pulumi": {"resource": true}};
//   - Run starts `node <@pulumi/pulumi/cmd/run> --monitor ... <entry point>` with
//     the stack config in PULUMI_CONFIG, and reports the exit status.
//
// The Node.js side (@pulumi/pulumi/cmd/run) talks to the engine's resource
// monitor directly; the synchronous-invoke pipes of older SDKs are not used by
// @pulumi/pulumi 3.x any more, so none are created.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/shlex"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

// exitCodeUserActionable is what @pulumi/pulumi/cmd/run exits with after it has
// already printed an actionable error: the engine should bail quietly.
const exitCodeUserActionable = 32

func main() {
	fs := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	tracing := fs.String("tracing", "", "Zipkin-compatible tracing endpoint (passed to the program)")
	_ = fs.String("root", "", "project root (unused)")
	_ = fs.Bool("typescript", true, "unused: use the runtime option instead")
	_ = fs.String("tsconfig", "", "unused: use the runtime option instead")
	_ = fs.String("nodeargs", "", "unused: use the runtime option instead")
	_ = fs.String("packagemanager", "", "unused")
	if err := fs.Parse(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	host := &nodeHost{tracing: *tracing}
	if args := fs.Args(); len(args) > 0 {
		host.engineAddress = args[len(args)-1]
	}

	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start language host RPC server: %v\n", err)
		os.Exit(1)
	}
	host.cancel = cancel
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	if host.engineAddress != "" {
		host.watchEngine()
	}
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host RPC stopped serving: %v\n", err)
		os.Exit(1)
	}
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	cancel        chan bool
	watching      bool
}

// watchEngine stops this process when the engine goes away, so that a killed
// `pulumi` never leaves language hosts behind.
func (h *nodeHost) watchEngine() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.watching || h.engineAddress == "" {
		return
	}
	h.watching = true
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	addr := h.engineAddress
	go func() {
		_ = rpcutil.Healthcheck(ctx, addr, 5*time.Minute, stop)
	}()
	go func() {
		<-ctx.Done()
		os.Exit(0)
	}()
}

func (h *nodeHost) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engineAddress = req.GetEngineAddress()
	h.mu.Unlock()
	h.watchEngine()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// ---------------------------------------------------------------- packages

type packageJSON struct {
	Name            string                  `json:"name"`
	Version         string                  `json:"version"`
	Pulumi          plugin.PulumiPluginJSON `json:"pulumi"`
	Dependencies    map[string]string       `json:"dependencies"`
	DevDependencies map[string]string       `json:"devDependencies"`
}

// pluginPackages walks node_modules below dir and returns one dependency per
// package.json that declares a resource plugin (deduplicated by name@version).
func pluginPackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	seen := map[string]bool{}
	visited := map[string]bool{}
	var out []*pulumirpc.PackageDependency
	var walk func(d string, inNodeModules bool) error
	walk = func(d string, inNodeModules bool) error {
		real, err := filepath.EvalSymlinks(d)
		if err != nil {
			return nil // dangling link: ignore
		}
		if visited[real] {
			return nil
		}
		visited[real] = true
		entries, err := os.ReadDir(real)
		if err != nil {
			return fmt.Errorf("reading %s: %w", real, err)
		}
		for _, e := range entries {
			p := filepath.Join(real, e.Name())
			isDir := e.IsDir()
			if e.Type()&os.ModeSymlink != 0 {
				if fi, err := os.Stat(p); err == nil {
					isDir = fi.IsDir()
				}
			}
			switch {
			case isDir:
				// Only node_modules trees hold plugin packages; skip the program's own
				// sources and VCS folders, and policy packs nested in the program.
				if !inNodeModules && e.Name() != "node_modules" {
					continue
				}
				if _, err := os.Stat(filepath.Join(p, "PulumiPolicy.yaml")); err == nil {
					continue
				}
				if err := walk(p, true); err != nil {
					return err
				}
			case inNodeModules && e.Name() == "package.json":
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				var info packageJSON
				if err := json.Unmarshal(b, &info); err != nil {
					continue // not every package.json in node_modules is well-formed JSON we care about
				}
				if !info.Pulumi.Resource {
					continue
				}
				name := info.Pulumi.Name
				if name == "" {
					if !strings.HasPrefix(info.Name, "@pulumi/") {
						return fmt.Errorf("%s: third-party plugin package needs pulumi.name", p)
					}
					name = strings.TrimPrefix(info.Name, "@pulumi/")
				}
				ver := info.Pulumi.Version
				if ver == "" {
					ver = info.Version
				}
				if ver != "" && !strings.HasPrefix(ver, "v") {
					ver = "v" + ver
				}
				key := name + "@" + ver
				if seen[key] {
					continue
				}
				seen[key] = true
				dep := &pulumirpc.PackageDependency{
					Name: name, Kind: "resource", Version: ver, Server: info.Pulumi.Server,
				}
				if pz := info.Pulumi.Parameterization; pz != nil {
					dep.Parameterization = &pulumirpc.PackageParameterization{
						Name: pz.Name, Version: pz.Version, Value: pz.Value,
					}
				}
				out = append(out, dep)
			}
		}
		return nil
	}
	if err := walk(dir, false); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name+out[i].Version < out[j].Name+out[j].Version })
	return out, nil
}

func (h *nodeHost) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := pluginPackages(req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *nodeHost) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetProgram()
	}
	pkgs, err := pluginPackages(dir)
	if err != nil {
		return nil, err
	}
	var plugins []*pulumirpc.PluginDependency
	for _, p := range pkgs {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// ---------------------------------------------------------------- run

type runtimeOptions struct {
	typescript   bool
	tsconfigPath string
	nodeargs     string
}

func parseOptions(m map[string]any) (runtimeOptions, error) {
	o := runtimeOptions{typescript: true}
	if v, ok := m["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return o, fmt.Errorf("runtime option typescript must be a boolean, got %v", v)
		}
		o.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		s, ok := v.(string)
		if !ok {
			return o, fmt.Errorf("runtime option tsconfig must be a string, got %v", v)
		}
		o.tsconfigPath = s
	}
	if v, ok := m["nodeargs"]; ok {
		s, ok := v.(string)
		if !ok {
			return o, fmt.Errorf("runtime option nodeargs must be a string, got %v", v)
		}
		o.nodeargs = s
	}
	return o, nil
}

// locateRunner finds @pulumi/pulumi/cmd/run as Node.js resolves it from dir.
func locateRunner(node, dir string) (string, error) {
	mod := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if mod == "" {
		mod = "@pulumi/pulumi/cmd/run"
	}
	return resolveModule(node, dir, mod)
}

// resolveModule finds the module mod as Node.js resolves it from dir.
func resolveModule(node, dir, mod string) (string, error) {
	script := fmt.Sprintf("console.log(require.resolve(%q, {paths: [%q]}))", mod, dir)
	cmd := exec.Command(node, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot resolve %s from %s (has `npm ci` run?): %w", mod, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "."
	}

	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the $PATH: " + err.Error()}, nil
	}
	runner, err := locateRunner(node, programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts, err := parseOptions(info.GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	// Config: the SDK accepts both "<ns>:<key>" and the older "<ns>:config:<key>".
	cfg := map[string]string{}
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("bad config key %q: %v", k, err)}, nil
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, _ := json.Marshal(cfg)
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, _ := json.Marshal(secretKeys)

	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()

	args, err := shlex.Split(opts.nodeargs)
	if err != nil {
		return &pulumirpc.RunResponse{Error: "runtime option nodeargs: " + err.Error()}, nil
	}
	args = append(args, runner)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", info.GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("query-mode", strconv.FormatBool(req.GetQueryMode()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	env := append(os.Environ(), "PULUMI_CONFIG="+string(cfgJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfigPath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfigPath)
	}

	cmd := exec.Command(node, args...)
	cmd.Dir = programDir
	cmd.Env = env
	// Node may switch its stdio to non-blocking mode; never hand it our own fds.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	if err := cmd.Run(); err != nil {
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			switch code := exitErr.ExitCode(); code {
			case exitCodeUserActionable:
				return &pulumirpc.RunResponse{Bail: true}, nil
			default:
				return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
			}
		}
		return &pulumirpc.RunResponse{Error: "Problem executing program (could not run node): " + err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// ---------------------------------------------------------------- tooling RPCs

func (h *nodeHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "node not found on PATH: %v", err)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: node, Version: strings.TrimSpace(string(out))}, nil
}

func (h *nodeHost) RuntimeOptionsPrompts(ctx context.Context, req *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *nodeHost) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	var pkg packageJSON
	if err := json.Unmarshal(b, &pkg); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for n := range pkg.Dependencies {
		names[n] = true
	}
	if req.GetTransitiveDependencies() {
		for n := range pkg.DevDependencies {
			names[n] = true
		}
	}
	var deps []*pulumirpc.DependencyInfo
	for n := range names {
		v := pkg.Dependencies[n]
		if b, err := os.ReadFile(filepath.Join(dir, "node_modules", n, "package.json")); err == nil {
			var installed packageJSON
			if json.Unmarshal(b, &installed) == nil && installed.Version != "" {
				v = installed.Version
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// InstallDependencies runs `npm ci` (with a lock file) or `npm install`.
func (h *nodeHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := req.GetInfo().GetProgramDirectory()
	verb := "install"
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		verb = "ci"
	}
	cmd := exec.Command("npm", verb)
	cmd.Dir = dir
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if err := server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: []byte(sc.Text() + "\n")}); err != nil {
			return err
		}
	}
	if err := <-done; err != nil {
		return fmt.Errorf("npm %s failed: %w", verb, err)
	}
	return nil
}
