// Compile-time proof that BotsStackOutputs (what consumers are promised) matches what the Bots
// program's index.ts exports. Nothing here runs: `typeof import(...)` reads types only. A renamed,
// removed, added or retyped export makes `tsc -p examples/consumer` fail on one of the lines below.
import * as pulumi from "@pulumi/pulumi";
import { BotsStackOutputs, OPTIONAL_OUTPUTS, REQUIRED_OUTPUTS } from "./bots-outputs";

type ProgramExports = typeof import("../../index");
type Unwrap<T> = T extends pulumi.Output<infer U> ? U : never;
type Exported = { [K in keyof ProgramExports]: Unwrap<NonNullable<ProgramExports[K]>> };
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type OptionalKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/** The same output names on both sides. */
export const sameNames: Equal<keyof ProgramExports, keyof BotsStackOutputs> = true;
/** Each output's value type matches. */
export const sameTypes: { [K in keyof BotsStackOutputs]-?: Equal<Exported[K & keyof Exported], NonNullable<BotsStackOutputs[K]>> } = {
    namespace: true,
    imageRef: true,
    imageDigest: true,
    webServiceName: true,
    webUrl: true,
    ingressUrl: true,
    pvcName: true,
    dataVolume: true,
    configSecretName: true,
    engineSchedule: true,
    initJobName: true,
};
/** An output the program may leave undefined is optional for consumers, and only that one. */
export const sameOptional: Equal<OptionalKeys<ProgramExports>, OptionalKeys<BotsStackOutputs>> = true;
/** The runtime name lists cover the interface exactly. */
export const listsCover: Equal<(typeof REQUIRED_OUTPUTS)[number] | (typeof OPTIONAL_OUTPUTS)[number], keyof BotsStackOutputs> = true;
export const optionalListed: Equal<(typeof OPTIONAL_OUTPUTS)[number], OptionalKeys<BotsStackOutputs>> = true;
