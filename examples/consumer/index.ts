// Another team's program reading a Bots stack: the partner-gateway team needs the URL to call,
// the namespace for its NetworkPolicy, the exact image (to run the same Bots version in its own
// integration tests) and the cron schedule for its runbooks.
import * as pulumi from "@pulumi/pulumi";
import { readBotsOutputs } from "./bots-outputs";

const config = new pulumi.Config();
const bots = readBotsOutputs(new pulumi.StackReference(config.require("botsStack")));

/** Where to call the Bots web UI: the ingress URL when the stack has one, else the in-cluster URL. */
export const botsUrl = pulumi.all([bots.ingressUrl, bots.webUrl]).apply(([ingress, inCluster]) => ingress ?? inCluster);
/** Host of the in-cluster Service (for NetworkPolicy peers and health checks). */
export const botsServiceHost = pulumi.interpolate`${bots.webServiceName}.${bots.namespace}.svc.cluster.local`;
/** The namespace Bots runs in. */
export const botsNamespace = bots.namespace;
/** The exact image Bots runs, and its digest alone. */
export const botsImage = bots.imageRef;
export const botsDigest = bots.imageDigest;
/** When the engine runs, for the runbook. */
export const botsEngineSchedule = bots.engineSchedule;
