// The CrossGuard pack. Constructing a PolicyPack starts the analyzer's gRPC server, so the
// policies live in ./policies (imported by the unit tests without starting anything).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("bots-edi-policies", {
    description: "Pod Security restricted rules and the bots-edi-deploy rules.",
    enforcementLevel: "mandatory",
    policies,
});
