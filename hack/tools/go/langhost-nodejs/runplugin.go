package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/google/shlex"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// RunPlugin runs a plugin written in Node.js. The engine calls it for a Node.js policy pack
// (`pulumi preview --policy-pack DIR`, PulumiPolicy.yaml `runtime: nodejs`) whenever a nodejs
// language host is installed: it no longer looks for the old `pulumi-analyzer-policy` shim then.
// Like upstream's host, it runs `node <@pulumi/pulumi/cmd/run-policy-pack> <args...> <pack dir>` in
// the pack's directory; the pack prints its gRPC port on stdout, which reaches the engine through
// this stream. Other plugin kinds run @pulumi/pulumi/cmd/run-plugin with the directory first.
func (h *nodeHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	analyzer := req.GetKind() == "analyzer"

	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	mod := "@pulumi/pulumi/cmd/run-plugin"
	if analyzer {
		mod = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runner, err := resolveModule(node, dir, mod)
	if err != nil {
		return err
	}

	opts, err := parseOptions(info.GetOptions().AsMap())
	if err != nil {
		return err
	}
	args, err := shlex.Split(opts.nodeargs)
	if err != nil {
		return fmt.Errorf("runtime option nodeargs: %w", err)
	}
	args = append(args, runner)
	if analyzer {
		args = append(append(args, req.GetArgs()...), dir)
	} else {
		args = append(append(args, dir), req.GetArgs()...)
	}

	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfigPath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfigPath)
	}

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	cmd := exec.CommandContext(server.Context(), node, args...)
	cmd.Dir = req.GetPwd()
	if analyzer || cmd.Dir == "" {
		cmd.Dir = dir
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("plugin exited with non-zero exit code: %d", exitErr.ExitCode())
		}
		return fmt.Errorf("could not run node for plugin %s: %w", req.GetName(), err)
	}
	return closer.Close()
}
