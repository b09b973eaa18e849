// End to end, channel credentials from the stack (botsChannelCredentials) on the real node: an
// image with demo/my_first_plugin whose in-channel is an sftp channel without a password (built
// here through test/e2e/image.sh), a stack whose config carries the password as a Pulumi secret
// (`pulumi config set --secret --path`), and a real OpenSSH server (test/support/sftp-server.sh)
// on the machine's side of the node link. The db-init Job writes the password into the channel's
// row; with a wrong one Bots is refused, after the rotation (a new db-init Job on the next `up`)
// the engine fetches the partner's orders and translates them with the plugin's counts.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { E2eWorkspace, HOST_IP, Json, NO_INGRESS, REPO_ROOT, SUFFIX, e2eAfter, e2eBefore, getJson, kubectl, loadImage, log, selectStack, setLocalConfig, sh, sqliteDevStack, waitFor } from "./support";
import { engineReport } from "../support/engine-report";

const NAMESPACE = `bots-e2e-channels${SUFFIX}`;
const SFTP_PORT = process.env.BOTS_E2E_SFTP_PORT ?? "18532";
const PLUGIN_SRC = path.join(REPO_ROOT, "..", "shared", "upstream", "bots-plugins", "demo", "my_first_plugin");
const CHANNEL = "myfirstroute_in";

describe("e2e: a Bots sftp channel whose password comes from the stack's secrets (real node, OpenSSH)", function () {
    this.timeout(25 * 60 * 1000);

    let env: Record<string, string>;
    let ws: E2eWorkspace;
    let stack: Stack;
    let sftp: Record<string, string>;
    let pluginRoot: string;
    const sftpEnv = { BOTS_SFTP_PORT: SFTP_PORT, BOTS_SFTP_BIND: HOST_IP, BOTS_SFTP_DIR: `/var/tmp/bots-e2e-sftp-${SFTP_PORT}` };
    const sftpServer = (cmd: string) =>
        Object.fromEntries(
            sh(env, "bash", ["test/support/sftp-server.sh", cmd], sftpEnv)
                .split("\n")
                .filter((l) => l.includes("="))
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
    const inbox = () => path.join(sftp.SFTP_HOME, "inbox");
    const setPassword = (password: string) => setLocalConfig(stack, env, {}, { [`botsChannelCredentials.${CHANNEL}.password`]: password });
    const initJob = async () => (await stack.outputs()).initJobName.value as string;
    /** An engine run started from the (suspended) CronJob; its run report. */
    async function engineRun(name: string): Promise<ReturnType<typeof engineReport>> {
        kubectl(env, ["-n", NAMESPACE, "create", "job", name, "--from=cronjob/bots-engine"]);
        await waitFor(`Job ${name} finished`, () => {
            const j = getJson(env, ["-n", NAMESPACE, "get", "job", name]);
            return (j.status.conditions ?? []).some((c: Json) => ["Complete", "Failed"].includes(c.type) && c.status === "True");
        }, 300_000);
        return engineReport(kubectl(env, ["-n", NAMESPACE, "logs", `job/${name}`]));
    }

    before(async function () {
        assert.ok(fs.existsSync(PLUGIN_SRC), `${PLUGIN_SRC} is missing (../shared: third-party test input)`);
        ({ env, ws } = e2eBefore({ namespaces: [NAMESPACE], image: false }));
        sftp = sftpServer("start");
        // my_first_plugin with its in-channel fetching from the SFTP server over the node link; no password in it.
        pluginRoot = fs.mkdtempSync(path.join(os.tmpdir(), "bots-e2e-sftp-plugin-"));
        const dir = path.join(pluginRoot, "sftp_partner");
        fs.cpSync(PLUGIN_SRC, dir, { recursive: true });
        fs.rmSync(path.join(dir, "botssys"), { recursive: true, force: true });
        const index = JSON.parse(fs.readFileSync(path.join(dir, "botsindex.json"), "utf8"));
        Object.assign(index.plugins.channel.find((c: { idchannel: string }) => c.idchannel === CHANNEL), {
            type: "sftp", host: HOST_IP, port: Number(SFTP_PORT), username: sftp.SFTP_USER, secret: "", path: "inbox", filename: "*.edi", remove: true,
        });
        fs.writeFileSync(path.join(dir, "botsindex.json"), JSON.stringify(index));
        const built = sh(env, "bash", ["test/e2e/image.sh", `bots-node-test:e2e-sftp${SUFFIX}`], { BOTS_E2E_PLUGIN_DIR: dir }).trim().split("\n").pop()!;
        stack = await selectStack(ws, "dev");
        await setLocalConfig(stack, env, { ...sqliteDevStack(NAMESPACE, loadImage(env, built)), ...NO_INGRESS, botsSource: "context", workerEnabled: "false" });
        // The partner's orders, waiting on the SFTP server (owned by its user, as an upload would be).
        fs.mkdirSync(inbox(), { recursive: true });
        for (const f of fs.readdirSync(path.join(PLUGIN_SRC, "botssys", "infile", "my_first_plugin"))) {
            fs.copyFileSync(path.join(PLUGIN_SRC, "botssys", "infile", "my_first_plugin", f), path.join(inbox(), f));
        }
        sh(env, "chown", ["-R", `${sftp.SFTP_UID}:${sftp.SFTP_UID}`, inbox()]);
    });

    after(async function () {
        e2eAfter(env, ws, [NAMESPACE], () => sftpServer("stop"));
        if (pluginRoot) {
            fs.rmSync(pluginRoot, { recursive: true, force: true });
        }
    });

    it("a wrong password from the stack's secrets: the db-init Job writes it into the row, the SFTP server refuses Bots, nothing is fetched", async function () {
        await setPassword("not-the-partners-password");
        const res = await stack.up({ onOutput: log });
        assert.strictEqual(res.summary.result, "succeeded");
        const initLog = kubectl(env, ["-n", NAMESPACE, "logs", `job/${await initJob()}`]);
        assert.match(initLog, new RegExp(`channel ${CHANNEL}: credentials password set \\(from the stack's Secret\\)`));
        assert.ok(!initLog.includes("not-the-partners-password"));
        const secret = getJson(env, ["-n", NAMESPACE, "get", "secrets"]).items.find((s: Json) => s.metadata.name.startsWith("bots-channel-credentials-"));
        assert.ok(secret, "the channel credentials Secret");
        assert.ok(!JSON.stringify(await stack.outputs()).includes("not-the-partners-password"));
        const got = await engineRun("e2e-channels-refused");
        assert.strictEqual(got.received, 0);
        assert.strictEqual(fs.readdirSync(inbox()).length, 3);
    });

    it("the rotation: the next up runs a new db-init Job that writes the right password; the engine fetches and translates the partner's orders (the plugin's counts)", async function () {
        const before = await initJob();
        await setPassword(sftp.SFTP_PASSWORD);
        const res = await stack.up({ onOutput: log });
        assert.strictEqual(res.summary.result, "succeeded");
        const after = await initJob();
        assert.notStrictEqual(after, before, "a new db-init Job");
        assert.match(kubectl(env, ["-n", NAMESPACE, "logs", `job/${after}`]), new RegExp(`channel ${CHANNEL}: credentials password set`));
        const got = await engineRun("e2e-channels-fetched");
        process.stdout.write(`      (engine run: ${got.received} received, ${got.ok} ok, ${got.sent} sent)\n`);
        assert.deepStrictEqual({ received: got.received, ok: got.ok, sent: got.sent }, { received: 3, ok: 3, sent: 1 });
        assert.deepStrictEqual(fs.readdirSync(inbox()), [], "the channel removes what it fetched");
    });
});
