// Every policy of the bots-edi-deploy CrossGuard pack, one file each, grouped by concern:
// pod-security/ (Pod Security Standards "restricted"), workloads/ (this project's container rules),
// data/ (the data volume), outputs/ (stack outputs), production/ (what a production stack must
// have). Plain objects: ../index.ts serves them to the
// Pulumi CLI, and test/unit/policy.spec.ts calls their validate functions directly on the
// resources the program registers under mocks.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { pssHostNamespaces } from "./pod-security/host-namespaces";
import { pssPrivileged } from "./pod-security/privileged";
import { pssCapabilities } from "./pod-security/capabilities";
import { pssVolumeTypes } from "./pod-security/volume-types";
import { pssHostPorts } from "./pod-security/host-ports";
import { pssPrivilegeEscalation } from "./pod-security/no-privilege-escalation";
import { pssRunAsNonRoot } from "./pod-security/run-as-non-root";
import { pssSeccomp } from "./pod-security/seccomp";
import { pssBaselineOther } from "./pod-security/apparmor-selinux-procmount-sysctls";
import { readOnlyRootFilesystem } from "./workloads/read-only-root-filesystem";
import { imagesByDigest } from "./workloads/images-by-digest";
import { containerResources } from "./workloads/container-resources";
import { longRunningProbes } from "./workloads/long-running-probes";
import { dataVolumeProtected } from "./data/data-volume-protected";
import { noSecretOutputs } from "./outputs/no-secret-data-in-outputs";
import { secretEnv } from "./workloads/secret-env";
import { prodNetworkPolicy } from "./production/network-policies";
import { productionDeclared } from "./production/production-declared";
import { prodBackups } from "./production/backups";

/** Every policy of the pack, all mandatory. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    pssHostNamespaces,
    pssPrivileged,
    pssCapabilities,
    pssVolumeTypes,
    pssHostPorts,
    pssPrivilegeEscalation,
    pssRunAsNonRoot,
    pssSeccomp,
    pssBaselineOther,
    readOnlyRootFilesystem,
    imagesByDigest,
    containerResources,
    longRunningProbes,
    dataVolumeProtected,
    noSecretOutputs,
    secretEnv,
    prodNetworkPolicy,
    productionDeclared,
    prodBackups,
];
