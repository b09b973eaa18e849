// Channel credentials from the stack's Secret (botsChannelCredentials): init-db writes them into
// Bots' channel rows on a real PostgreSQL, a rotation changes the rows, and Bots' own sftp channel
// logs in with them to a real OpenSSH server (test/support/sftp-server.sh) and fetches a
// partner's files, which the plugin's route translates with the plugin's counts. The plugin is
// demo/my_first_plugin with its in-channel turned into an sftp channel without a password: the
// secret lives only in the mounted credentials file, as the program mounts its Secret.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    IMAGE, PG_PORT, PLUGINS_ROOT, PROGRAM_PLUGIN, ROOT, chownR, cleanupAll, docker, ensureImage, makeConfigDir, makeVolume, must, onCleanup, pg, psql,
    requireShared, run, runArgs,
} from "./support";
import { engineReport } from "../support/engine-report";

const PORTS = { web: 18741, jobqueue: 28742, engine: 28741 };
const BOTSENV = "channels";
const DB = "bots_channel_credentials";
const CHANNEL = "myfirstroute_in";
const MOUNT = "/run/secrets/bots-channels";
const SFTP_PORT = process.env.BOTS_SFTP_PORT || "18522";
const POD_RESTRICTIONS = ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "10001:10001"];

function sftpServer(cmd: string, ...args: string[]): Record<string, string> {
    const out = must(run("bash", [path.join(ROOT, "test", "support", "sftp-server.sh"), cmd, ...args], { env: { ...process.env, BOTS_SFTP_PORT: SFTP_PORT } }), `sftp-server ${cmd}`).stdout;
    return Object.fromEntries(out.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

describe("channel credentials from the stack's Secret: init-db writes them, Bots' sftp channel uses them (PostgreSQL, OpenSSH)", function () {
    this.timeout(900_000);
    let sftp: Record<string, string>;
    let volume: string;
    let etc: string;
    let secrets: string;
    let plugins: string;
    let env: Record<string, string>;

    /** The channel rows' secret and keyfile, as psql prints them. */
    const row = () => psql(DB, `select secret || '|' || coalesce(keyfile, '(null)') from channel where idchannel = '${CHANNEL}'`).trim();
    /** Writes the credentials file as the program's Secret holds it (channel id -> password/keyfile). */
    const credentials = (value: unknown) => {
        fs.writeFileSync(path.join(secrets, "credentials.json"), JSON.stringify(value));
        fs.chmodSync(path.join(secrets, "credentials.json"), 0o444);
    };
    const initDb = (mount = true) =>
        docker([
            ...runArgs({
                volume, etc, env: mount ? { ...env, BOTS_CHANNEL_CREDENTIALS_FILE: `${MOUNT}/credentials.json` } : env,
                extra: ["-v", `${plugins}:/opt/bots/plugins:ro`, ...(mount ? ["-v", `${secrets}:${MOUNT}:ro`] : [])],
            }),
            IMAGE, "init-db",
        ]);
    const engine = () =>
        docker([...runArgs({ volume, etc, env, extra: [...POD_RESTRICTIONS, "-v", `${plugins}:/opt/bots/plugins:ro`, "-v", `${secrets}:${MOUNT}:ro`] }), IMAGE, "engine", "--new"], 300_000);
    /** The partner's orders, put on the SFTP server (owned by its user, as an upload would be). */
    const upload = (names: string[]) => {
        const inbox = path.join(sftp.SFTP_HOME, "inbox");
        fs.mkdirSync(inbox, { recursive: true });
        const samples = path.join(PLUGINS_ROOT, PROGRAM_PLUGIN.dir, "botssys", "infile", "my_first_plugin");
        for (const name of names) {
            fs.copyFileSync(path.join(samples, name), path.join(inbox, name));
        }
        must(run("chown", ["-R", `${sftp.SFTP_UID}:${sftp.SFTP_UID}`, inbox]), "chown inbox");
    };
    const inbox = () => fs.readdirSync(path.join(sftp.SFTP_HOME, "inbox")).sort();

    before(function () {
        requireShared(this);
        ensureImage();
        pg("start");
        pg("createdb", DB);
        sftp = sftpServer("start");
        onCleanup(() => sftpServer("stop"));
        volume = makeVolume("channels");
        etc = makeConfigDir(PORTS);
        secrets = fs.mkdtempSync(path.join("/var/tmp", "bots-image-channel-secrets-"));
        fs.chmodSync(secrets, 0o755);
        onCleanup(() => fs.rmSync(secrets, { recursive: true, force: true }));
        // my_first_plugin with its in-channel fetching from the SFTP server; no password in it.
        plugins = fs.mkdtempSync(path.join("/var/tmp", "bots-image-channel-plugins-"));
        onCleanup(() => fs.rmSync(plugins, { recursive: true, force: true }));
        const dir = path.join(plugins, "sftp_partner");
        fs.cpSync(path.join(PLUGINS_ROOT, PROGRAM_PLUGIN.dir), dir, { recursive: true });
        fs.rmSync(path.join(dir, "botssys"), { recursive: true, force: true });
        const index = JSON.parse(fs.readFileSync(path.join(dir, "botsindex.json"), "utf8"));
        const ch = index.plugins.channel.find((c: { idchannel: string }) => c.idchannel === CHANNEL);
        Object.assign(ch, { type: "sftp", host: "127.0.0.1", port: Number(SFTP_PORT), username: sftp.SFTP_USER, secret: "", path: "inbox", filename: "*.edi", remove: true });
        fs.writeFileSync(path.join(dir, "botsindex.json"), JSON.stringify(index));
        fs.writeFileSync(path.join(plugins, "plugins.txt"), "sftp_partner\n");
        chownR(plugins);
        env = {
            BOTSENV, BOTS_ACTIVATE_ROUTES: PROGRAM_PLUGIN.route, BOTS_DB_ENGINE: "postgresql", DB_HOST: "127.0.0.1", DB_PORT: PG_PORT, DB_NAME: DB,
            DB_USER: "bots", DB_PASSWORD: "bots-test-pw",
        };
    });
    after(() => cleanupAll());

    it("init-db writes the stack's password into the sftp channel's row, logging the channel and never the value", function () {
        credentials({ [CHANNEL]: { password: "not-the-partners-password" } });
        const r = initDb();
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`channel ${CHANNEL}: credentials password set \\(from the stack's Secret\\)`));
        assert.ok(!(r.stdout + r.stderr).includes("not-the-partners-password"));
        assert.equal(row(), "not-the-partners-password|(null)");
    });

    it("with that password the SFTP server refuses Bots' login: nothing is fetched", function () {
        upload(["order01.edi", "order02.edi", "order03.edi"]);
        const r = engine();
        const got = engineReport(r.stdout + r.stderr);
        assert.equal(got.received, 0, (r.stdout + r.stderr).slice(-3000));
        assert.deepEqual(inbox(), ["order01.edi", "order02.edi", "order03.edi"]);
    });

    it("a rotation changes the row on the next init-db; the engine then fetches and translates the partner's files (the plugin's counts)", function () {
        credentials({ [CHANNEL]: { password: sftp.SFTP_PASSWORD } });
        const r = initDb();
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`channel ${CHANNEL}: credentials password set`));
        assert.equal(row(), `${sftp.SFTP_PASSWORD}|(null)`);
        const e = engine();
        const got = engineReport(e.stdout + e.stderr);
        assert.deepEqual({ received: got.received, ok: got.ok, sent: got.sent, exit: e.code }, { received: 3, ok: 3, sent: 1, exit: 0 }, (e.stdout + e.stderr).slice(-3000));
        assert.deepEqual(inbox(), [], "the channel removes what it fetched");
        assert.equal(fs.readdirSync(path.join(volume, "env", BOTSENV, "botssys", "outfile", "my_first_plugin")).length, 1);
    });

    it("the same credentials again: the row is left alone", function () {
        const r = initDb();
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`channel ${CHANNEL}: credentials unchanged`));
        assert.equal(row(), `${sftp.SFTP_PASSWORD}|(null)`);
    });

    it("a private key instead: init-db points the row's keyfile at the mounted key; Bots logs in with it", function () {
        const keyDir = fs.mkdtempSync(path.join("/var/tmp", "bots-image-channel-key-"));
        onCleanup(() => fs.rmSync(keyDir, { recursive: true, force: true }));
        must(run("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", path.join(keyDir, "id")]), "ssh-keygen");
        sftpServer("authorize", path.join(keyDir, "id.pub"));
        fs.copyFileSync(path.join(keyDir, "id"), path.join(secrets, `channel-${CHANNEL}.key`));
        fs.chmodSync(path.join(secrets, `channel-${CHANNEL}.key`), 0o444);
        credentials({ [CHANNEL]: { keyfile: `${MOUNT}/channel-${CHANNEL}.key` } });
        const r = initDb();
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /credentials password cleared, keyfile set/);
        assert.equal(row(), `|${MOUNT}/channel-${CHANNEL}.key`);
        upload(["order01.edi"]);
        const e = engine();
        const got = engineReport(e.stdout + e.stderr);
        assert.equal(got.received, 1, (e.stdout + e.stderr).slice(-3000));
        assert.deepEqual(inbox(), []);
    });

    it("a channel the database does not hold: exit 78 naming it, the rows unchanged", function () {
        credentials({ no_such_channel: { password: "x" } });
        const r = initDb();
        assert.equal(r.code, 78, r.stdout + r.stderr);
        assert.match(r.stderr, /botsChannelCredentials names channels the database does not hold: no_such_channel/);
        assert.equal(row(), `|${MOUNT}/channel-${CHANNEL}.key`);
    });

    it("credentials taken out of the config: the next init-db clears them from the row", function () {
        const r = initDb(false);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`channel ${CHANNEL}: credentials cleared \\(no longer in the stack's Secret\\)`));
        assert.equal(row(), "|(null)");
    });
});
