import { createApp } from "./components/bots-app";
import { loadConfig } from "./components/stack-config/config";

// Validation runs before any resource is registered: bad config changes nothing.
const app = createApp(loadConfig());

export const namespace = app.namespace;
export const imageRef = app.imageRef;
export const imageDigest = app.imageDigest;
export const webServiceName = app.webServiceName;
export const webUrl = app.webUrl;
export const ingressUrl = app.ingressUrl;
export const pvcName = app.pvcName;
export const dataVolume = app.dataVolume;
export const configSecretName = app.configSecretName;
export const engineSchedule = app.engineSchedule;
export const initJobName = app.initJobName;
