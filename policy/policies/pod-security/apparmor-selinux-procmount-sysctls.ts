// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";
import { Obj, peek } from "../../lib/resources";

const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);

const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

export const pssBaselineOther = mandatory(
    "pss-apparmor-selinux-procmount-sysctls",
    "Pod Security baseline: AppArmor not unconfined, SELinux type/user/role not overridden, default /proc mount, only safe sysctls.",
    onPodSpecs(({ spec, meta, report }) => {
        const appArmorOk = (t: unknown) => t === undefined || t === "RuntimeDefault" || t === "Localhost";
        const seLinux = (where: string, o: Obj | undefined) => {
            if (!o) {
                return;
            }
            if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) {
                report(`${where} seLinuxOptions.type ${o.type} is not allowed`);
            }
            if (o.user || o.role) {
                report(`${where} sets seLinuxOptions.user/role`);
            }
        };
        if (!appArmorOk(spec.securityContext?.appArmorProfile?.type)) {
            report(`securityContext.appArmorProfile.type is ${spec.securityContext.appArmorProfile.type}`);
        }
        seLinux("pod", spec.securityContext?.seLinuxOptions);
        for (const s of (spec.securityContext?.sysctls ?? []) as Obj[]) {
            if (!SAFE_SYSCTLS.has(s.name)) {
                report(`sysctl ${s.name} is not in the safe set`);
            }
        }
        const annotations = (peek(meta, "annotations") ?? {}) as Obj;
        for (const [k, v] of Object.entries(annotations)) {
            if (k.startsWith("container.apparmor.security.beta.kubernetes.io/") && v !== "runtime/default" && !String(v).startsWith("localhost/")) {
                report(`annotation ${k}=${v} unconfines AppArmor`);
            }
        }
        for (const { c, label } of containersOf(spec)) {
            const sc = c.securityContext;
            if (!appArmorOk(sc?.appArmorProfile?.type)) {
                report(`${label} sets appArmorProfile.type ${sc.appArmorProfile.type}`);
            }
            seLinux(label, sc?.seLinuxOptions);
            if (sc?.procMount !== undefined && sc.procMount !== "Default") {
                report(`${label} sets procMount ${sc.procMount}`);
            }
        }
    }),
);
