// prod-backups: a production stack takes backups. Its data (routes, partners, translations in the
// database; usersys, archives and EDI files on the volume) has no other copy. Checks that each
// production stack with workloads has a backup CronJob (label app.kubernetes.io/component=backup)
// whose pods run `backup run`, the CronJob backupEnabled adds.
import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { PRODUCTION_STACKS_SCHEMA, ProductionStacksConfig, peek, productionStacks, stackOfUrn } from "../../lib/resources";

const CRONJOB = "kubernetes:batch/v1:CronJob";
const WORKLOADS = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job", CRONJOB]);

function isBackupCronJob(props: unknown): boolean {
    const component = peek(props, "metadata", "labels", "app.kubernetes.io/component");
    const containers = peek(props, "spec", "jobTemplate", "spec", "template", "spec", "containers");
    const runsBackup =
        Array.isArray(containers) &&
        containers.some((c) => {
            const args = peek(c, "args");
            return Array.isArray(args) && args[0] === "backup" && args[1] === "run";
        });
    return component === "backup" && runsBackup;
}

function validate(args: StackValidationArgs, report: ReportViolation): void {
    const production = productionStacks(args.getConfig<ProductionStacksConfig>());
    const workloads = args.resources.filter((r) => WORKLOADS.has(r.type));
    if (workloads.length === 0) {
        return;
    }
    const stack = stackOfUrn(workloads[0].urn);
    if (!production.includes(stack)) {
        return;
    }
    if (!args.resources.some((r) => r.type === CRONJOB && isBackupCronJob(r.props))) {
        report(`production stack ${stack} has no backup CronJob (component backup, running \`backup run\`): set backupEnabled: true and a backupTarget (docs/backups.md)`);
    }
}

export const prodBackups: StackValidationPolicy = {
    name: "prod-backups",
    description: "Production stacks (productionStacks, default [\"prod\"]) take scheduled backups: a backup CronJob (backupEnabled).",
    enforcementLevel: "mandatory",
    validateStack: validate,
    configSchema: PRODUCTION_STACKS_SCHEMA,
};
