# shellcheck shell=bash
# shellcheck disable=SC2034  # sourced: the variables are used by lib.sh and build-all.sh
# Versions of the tools: Node.js (below) and those built from Go modules for the end-to-end tier.
# Sourced by build-all.sh and env.sh; each tool lands in
#   ${BOTS_TOOLS_CACHE:-$HOME/.cache/bots-edi-deploy}/<tool>-<version>/bin
# so changing a version here makes the next build-all.sh build it afresh.

# Pulumi CLI, at the version package.json pins for @pulumi/pulumi (3.276.0). Its
# source was first served by the Go module proxy in December 2026 (before, the
# .zip answered "403 This module version is not available" and 3.274.1 stood in).
BOTS_PULUMI_VERSION=3.276.0

# pulumi-language-nodejs: upstream's module is not served at any version, so this
# repo carries a small host (hack/tools/go/langhost-nodejs) built against
# github.com/pulumi/pulumi/sdk/v3 at the CLI's version. The cache key also
# carries a hash of its sources (see lib.sh), so editing it rebuilds it.
BOTS_LANGHOST_SDK_VERSION=$BOTS_PULUMI_VERSION

# Kubernetes provider. package.json pins @pulumi/kubernetes 4.34.2; the proxy
# lists github.com/pulumi/pulumi-kubernetes/provider/v4 only at this
# pseudo-version (commit f47bc2d6f199 of 2026-01-15; its go.mod requires
# pulumi-kubernetes/sdk/v4 v4.24.0 and pulumi/pkg/v3 v3.215.0); v4.34.2,
# v4.34.1 and v4.34.0 answer "403 This module version is not available".
BOTS_K8S_PROVIDER_VERSION=4.0.0-20260115033456-f47bc2d6f199

# random: github.com/pulumi/pulumi-random/provider/v4 is not served at all, so
# the e2e tier uses a stand-in provider (hack/tools/go/random-provider) for
# RandomPassword/RandomString; see its main.go.
BOTS_RANDOM_STANDIN_VERSION=0.1.0

# Control plane. Debian 12's etcd-server is 3.4.23, so etcd is built as well.
BOTS_KUBERNETES_VERSION=1.35.4
BOTS_ETCD_VERSION=3.6.16
BOTS_KWOK_VERSION=0.8.0

# SeaweedFS (weed): the S3-compatible object store that the backup and file-exchange tests start
# (test/support/s3-server.sh). The proxy lists github.com/seaweedfs/seaweedfs only at this
# pseudo-version (commit 7506e5f91cd6 of 2026-11-09).
BOTS_SEAWEEDFS_VERSION=0.0.0-20261109003541-7506e5f91cd6

# Node.js for everything here (npm ci, lint, tests, the language host): the npm registry's
# node-linux-<arch> package and the npm that Node.js 24.21.0 ships (11.19.0), fetched with
# `npm pack` and checked against these integrity hashes (hack/tools/node.sh).
BOTS_NODE_VERSION=24.21.0
BOTS_NODE_INTEGRITY_X64=sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==
BOTS_NODE_INTEGRITY_ARM64=sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==
BOTS_NPM_VERSION=11.19.0
BOTS_NPM_INTEGRITY=sha512-SDd/hHg3KqHE5Ht2NHWxNYNtqCQ2pXAPLl6OtQhPyED5PHsRfrOtO199MZTIG2cQoQ1ZRI9t28shrD+2cr3AAw==

# The real node (hack/cluster/node-up.sh): kubelet and kube-proxy come from
# k8s.io/kubernetes at BOTS_KUBERNETES_VERSION (wrapper module
# go/kubernetes-node; keep its go.mod at the same version), cluster DNS from
# CoreDNS with a few plugins (go/coredns), and the pod sandbox image from
# go/pause (keyed by its source hash).
BOTS_COREDNS_VERSION=1.15.0
# Name of the pause image in the node's containerd (its sandbox_image).
BOTS_PAUSE_IMAGE=bots-local/pause:3.10
