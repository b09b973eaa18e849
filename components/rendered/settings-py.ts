import { SETTINGS_MODULE } from "../image/runtime-contract";

// settings.py sits in Bots' config dir because Bots imports it from there; every value comes from
// the environment (the config Secret), so the file itself only names the image's settings module.
export function renderSettingsPy(): string {
    return [
        "# Rendered by bots-edi-deploy. Values come from environment variables set from the config Secret;",
        `# see ${SETTINGS_MODULE} in the image.`,
        `from ${SETTINGS_MODULE} import *  # noqa: F401,F403`,
        "",
    ].join("\n");
}
